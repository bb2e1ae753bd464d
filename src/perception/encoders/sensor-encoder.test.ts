/** The sensor spike encoders: channel layout, each sense's coding on hand-made events, spill, determinism and state round trips. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError, Rng, type SensorEvent } from '../../common/index.ts';
import { SENSOR_CHANNEL_MAP } from './channel-layout.ts';
import { intervalBin } from './keyboard-encoder.ts';
import { energyBin } from './mic-encoder.ts';
import { throughputLevel } from './network-encoder.ts';
import { SensorSpikeEncoder } from './sensor-encoder.ts';

/** encode `events`, drain through `upto`, return "tick:channel-name" strings */
function spikesOf(encoder: SensorSpikeEncoder, events: readonly SensorEvent[], upto: number): string[] {
  for (const event of events) encoder.encode(event);
  const out: string[] = [];
  encoder.drain(upto, (tick, channel) => out.push(`${tick}:${SENSOR_CHANNEL_MAP.names[channel]}`));
  return out;
}

test('layout: 128 distinct names; the six groups tile the channels in order', () => {
  const { names, groups, channels } = SENSOR_CHANNEL_MAP;
  assert.equal(channels, 128);
  assert.equal(new Set(names).size, 128);
  const ranges = (['kbd', 'mic', 'usb', 'fs', 'net', 'reserved'] as const).map((g) => groups[g]);
  assert.deepEqual(ranges.map(([start, end]) => end - start), [16, 32, 8, 32, 32, 8]);
  for (let i = 1; i < ranges.length; i++) assert.equal(ranges[i]![0], ranges[i - 1]![1]);
  assert.equal(names[69], 'fs.modify.bucket5');
  assert.ok(names.slice(groups.net[0], groups.net[1]).every((n) => n.startsWith('net.')));
});

test('kbd: log-spaced interval bins from 30 ms to 3 s plus the key class', () => {
  assert.deepEqual([10, 30, 31, 100, 1000, 2999, 3000, 60000].map(intervalBin), [0, 0, 0, 3, 9, 11, 11, 11]);
  const encoder = new SensorSpikeEncoder();
  assert.deepEqual(
    spikesOf(encoder, [
      { kind: 'kbd', atMs: 5, type: 'key', keyClass: 'printable' },
      { kind: 'kbd', atMs: 105, type: 'key', keyClass: 'printable', value: 100 },
      { kind: 'kbd', atMs: 1105, type: 'key', keyClass: 'enter', value: 1000 },
      { kind: 'kbd', atMs: 1200, type: 'key', keyClass: 'backspace', value: 95 },
    ], 2000),
    ['5:kbd.class.printable', '105:kbd.interval.3', '105:kbd.class.printable', '1105:kbd.interval.9', '1105:kbd.class.edit', '1200:kbd.interval.3', '1200:kbd.class.edit'],
  );
});

test('usb and fs: one spike on (action × bucket)', () => {
  const encoder = new SensorSpikeEncoder();
  assert.deepEqual(
    spikesOf(encoder, [
      { kind: 'usb', atMs: 0, type: 'add', deviceClass: 8, bucket: 7 },
      { kind: 'usb', atMs: 1, type: 'remove', deviceClass: 8, bucket: 2 },
      { kind: 'fs', atMs: 2, type: 'create', bucket: 0 },
      { kind: 'fs', atMs: 3, type: 'modify', bucket: 5 },
      { kind: 'fs', atMs: 4, type: 'rename', bucket: 7 },
    ], 10),
    ['0:usb.add.bucket3', '1:usb.remove.bucket2', '2:fs.create.bucket0', '3:fs.modify.bucket5', '4:fs.rename.bucket7'],
  );
});

test('mic: energy spikes on bin change; bands send on delta, ≤ 4 per frame, the rest on later frames', () => {
  assert.deepEqual([-30, -18.4, -16, -2.3, 0].map(energyBin), [0, 0, 1, 7, 7]);
  const encoder = new SensorSpikeEncoder();
  const frame = (atMs: number, value: number, bands: number[]): SensorEvent => ({ kind: 'mic', atMs, type: 'frame', value, bands });
  const quiet = Array<number>(12).fill(-10);
  // first frame: only the level; a steady second frame: nothing
  assert.deepEqual(spikesOf(encoder, [frame(0, -12, quiet), frame(20, -12, quiet)], 39), ['0:mic.energy.2']);
  // six bands jump by 2 (4 steps of 0.5·σ…, at least one step each); band 0 jumps most, band 11 falls
  const jumped = quiet.map((x, b) => (b === 0 ? x + 3 : b < 5 ? x + 2 : b === 11 ? x - 2 : x));
  const first = spikesOf(encoder, [frame(40, -6, jumped)], 40);
  assert.equal(first.length, 4);
  assert.deepEqual(first.slice(0, 2), ['40:mic.energy.5', '40:mic.band0.up']);
  // a louder second frame of the same spectrum: the bands left out fire now
  const second = spikesOf(encoder, [frame(60, -6, jumped)], 60);
  assert.equal(second.length, 4);
  assert.ok(!second.some((s) => s.includes('energy')));
  const fired = new Set([...first, ...second].map((s) => s.split(':')[1]));
  for (const name of ['mic.band1.up', 'mic.band2.up', 'mic.band3.up', 'mic.band4.up', 'mic.band11.down']) assert.ok(fired.has(name), name);
  // references catch up: a long steady stretch goes silent
  let late: string[] = [];
  for (let i = 0; i < 40; i++) late = spikesOf(encoder, [frame(80 + 20 * i, -6, jumped)], 80 + 20 * i);
  assert.deepEqual(late, []);
});

test('net: rx and tx levels on change and on every busy poll, counters on delta of log rate, connections by bucket', () => {
  assert.deepEqual([0, 62, 63, 4000, 5000, 3e6, 5e7].map(throughputLevel), [0, 0, 1, 1, 2, 3, 3]);
  const encoder = new SensorSpikeEncoder();
  const counters = (atMs: number, rxBytes: number, txBytes: number): SensorEvent => ({ kind: 'net', atMs, type: 'counters', value: 1000, rxBytes, rxPackets: rxBytes / 1000, txBytes, txPackets: txBytes / 1000 });
  assert.deepEqual(spikesOf(encoder, [counters(1000, 4000, 4000)], 1000), ['1000:net.rxLevel.1', '1000:net.txLevel.1']);
  assert.deepEqual(spikesOf(encoder, [counters(2000, 4000, 4000)], 2000), []);
  // rx ×5 is more than two doublings: one spike now, one on the next poll; rx enters bin 2, which repeats on every poll
  assert.deepEqual(spikesOf(encoder, [counters(3000, 20000, 4000)], 3000), ['3000:net.rxLevel.2', '3000:net.rxBytes.up', '3000:net.rxPackets.up']);
  assert.deepEqual(spikesOf(encoder, [counters(4000, 20000, 4000)], 4000), ['4000:net.rxLevel.2', '4000:net.rxBytes.up', '4000:net.rxPackets.up']);
  assert.deepEqual(spikesOf(encoder, [counters(4500, 20000, 4000)], 4500), ['4500:net.rxLevel.2']);
  // silence: both levels first, then the two counters furthest behind; the other two follow next poll
  assert.deepEqual(spikesOf(encoder, [counters(5000, 0, 0)], 5000), ['5000:net.rxLevel.0', '5000:net.txLevel.0', '5000:net.rxBytes.down', '5000:net.txBytes.down']);
  assert.deepEqual(spikesOf(encoder, [counters(6000, 0, 0)], 6000), ['6000:net.rxBytes.down', '6000:net.txBytes.down', '6000:net.rxPackets.down', '6000:net.txPackets.down']);
  // egress: 50 MB/s sent says tx level 3 on every poll while it lasts
  for (let s = 0; s < 3; s++) assert.equal(spikesOf(encoder, [counters(7000 + 1000 * s, 0, 5e7)], 7000 + 1000 * s)[0], `${7000 + 1000 * s}:net.txLevel.3`);
  assert.deepEqual(
    spikesOf(encoder, [{ kind: 'net', atMs: 10_000, type: 'open', bucket: 3, portClass: '443' }, { kind: 'net', atMs: 10_000, type: 'close', bucket: 3, portClass: '443' }], 10_000),
    ['10000:net.open.bucket3', '10000:net.close.bucket3'],
  );
});

test('spill: one spike per channel per tick, at most 16 per tick; late events land on the next open tick', () => {
  const encoder = new SensorSpikeEncoder();
  const modify = (atMs: number, bucket: number): SensorEvent => ({ kind: 'fs', atMs, type: 'modify', bucket });
  // the same channel three times at tick 10 → ticks 10, 11, 12
  assert.deepEqual(spikesOf(encoder, [modify(10, 1), modify(10, 1), modify(10, 1)], 20), ['10:fs.modify.bucket1', '11:fs.modify.bucket1', '12:fs.modify.bucket1']);
  // 20 distinct channels at tick 30 → 16 at 30, 4 at 31
  const burst: SensorEvent[] = [];
  for (let i = 0; i < 20; i++) burst.push({ kind: 'fs', atMs: 30, type: (['create', 'modify', 'delete'] as const)[i % 3], bucket: i % 8 });
  const spikes = spikesOf(encoder, burst, 40);
  assert.equal(spikes.filter((s) => s.startsWith('30:')).length, 16);
  assert.equal(spikes.filter((s) => s.startsWith('31:')).length, 4);
  // an event from before the drained tick 40 lands on tick 41
  assert.deepEqual(spikesOf(encoder, [modify(25, 2)], 50), ['41:fs.modify.bucket2']);
  const stats = encoder.stats();
  assert.equal(stats.spilled, 2 + 4);
  assert.equal(stats.pending, 0);
  assert.equal(stats.events.fs, 24);
});

test('spill: a storm beyond the spill limit is dropped and counted', () => {
  const encoder = new SensorSpikeEncoder({ maxSpikesPerTick: 1, maxSpillTicks: 7 });
  for (let i = 0; i < 12; i++) encoder.encode({ kind: 'fs', atMs: 0, type: 'create', bucket: 0 });
  const ticks: number[] = [];
  encoder.drain(100, (tick) => ticks.push(tick));
  assert.deepEqual(ticks, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(encoder.stats().dropped, 4);
});

function randomEvents(seed: number, count: number): SensorEvent[] {
  const rng = new Rng(seed);
  const events: SensorEvent[] = [];
  let atMs = 0;
  for (let i = 0; i < count; i++) {
    atMs += Math.floor(rng.next() * 30);
    const pick = Math.floor(rng.next() * 5);
    if (pick === 0) events.push({ kind: 'kbd', atMs, type: 'key', keyClass: 'printable', value: Math.floor(rng.next() * 2000) });
    else if (pick === 1) events.push({ kind: 'mic', atMs, type: 'frame', value: -5 - rng.next() * 10, bands: Array.from({ length: 12 }, () => -12 + rng.next() * 6) });
    else if (pick === 2) events.push({ kind: 'fs', atMs, type: 'modify', bucket: Math.floor(rng.next() * 8) });
    else if (pick === 3) events.push({ kind: 'net', atMs, type: 'counters', value: 1000, rxBytes: Math.floor(rng.next() * 1e5), rxPackets: 10, txBytes: Math.floor(rng.next() * 1e4), txPackets: 5 });
    else events.push({ kind: 'usb', atMs, type: 'add', bucket: Math.floor(rng.next() * 8), deviceClass: 8 });
  }
  return events;
}

function run(encoder: SensorSpikeEncoder, events: readonly SensorEvent[], drainEvery: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < events.length; i++) {
    encoder.encode(events[i]!);
    if (i % drainEvery === 0) encoder.drain(encoder.tickOf(events[i]!.atMs) - 5, (tick, channel) => out.push(tick, channel));
  }
  encoder.drain(1e9, (tick, channel) => out.push(tick, channel));
  return out;
}

test('determinism: the same events give the same spikes; a state round trip mid-stream resumes exactly', () => {
  const events = randomEvents(7, 3000);
  const reference = run(new SensorSpikeEncoder(), events, 3);
  assert.deepEqual(run(new SensorSpikeEncoder(), events, 3), reference);
  assert.ok(reference.length > 3000);

  // stop halfway with spikes pending, save, restore into a fresh encoder, go on
  const head = events.slice(0, 1500);
  const tail = events.slice(1500);
  const first = new SensorSpikeEncoder();
  const out: number[] = [];
  for (let i = 0; i < head.length; i++) {
    first.encode(head[i]!);
    if (i % 3 === 0) first.drain(first.tickOf(head[i]!.atMs) - 5, (tick, channel) => out.push(tick, channel));
  }
  assert.ok(first.stats().pending > 0, 'the snapshot is taken with spikes pending');
  const state = first.exportState();
  const second = new SensorSpikeEncoder();
  second.importState(state);
  assert.deepEqual(second.exportState(), state);
  for (let i = 0; i < tail.length; i++) {
    second.encode(tail[i]!);
    if ((i + 1500) % 3 === 0) second.drain(second.tickOf(tail[i]!.atMs) - 5, (tick, channel) => out.push(tick, channel));
  }
  second.drain(1e9, (tick, channel) => out.push(tick, channel));
  assert.deepEqual(out, reference);
});

test('state: a damaged or foreign state is a typed error and changes nothing', () => {
  const encoder = new SensorSpikeEncoder();
  for (const event of randomEvents(3, 200)) encoder.encode(event);
  const before = encoder.exportState();
  const wrongVersion = before.slice();
  wrongVersion[0] = 99;
  const cut = before.slice(0, before.length - 1);
  const badLevel = before.slice();
  badLevel[10 + 1] = 42; // mic energy bin
  for (const state of [wrongVersion, cut, badLevel]) {
    assert.throws(() => encoder.importState(state), (e) => isChimaeraError(e, 'sensors.encoder_state_invalid'));
    assert.deepEqual(encoder.exportState(), before);
  }
  assert.throws(() => new SensorSpikeEncoder({ tickMs: 2 }).importState(before), (e) => isChimaeraError(e, 'sensors.encoder_state_invalid'));
});

test('scheduler: pending spikes may span more ticks than the ring (it grows); idle spans are jumped', () => {
  const encoder = new SensorSpikeEncoder();
  const events: SensorEvent[] = [];
  for (let i = 0; i < 50; i++) events.push({ kind: 'fs', atMs: 1e9 + i * 100, type: 'create', bucket: i % 8 });
  const ticks: number[] = [];
  for (const event of events) encoder.encode(event);
  encoder.drain(2e9, (tick) => ticks.push(tick));
  assert.deepEqual(ticks, events.map((e) => e.atMs));
  assert.equal(encoder.nextTick, 2e9 + 1);
  assert.equal(encoder.stats().dropped, 0);
});
