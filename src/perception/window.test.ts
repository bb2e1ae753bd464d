/**
 * Window outputs (PERCEPTION.md §4) and the PerceptionService: shapes, that
 * the counts match the spikes that happened, group sums follow the channel
 * map, the phase turns steady, and windows reach the bus.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng, type PerceptionWindow, type SensorEvent } from '../common/index.ts';
import { ManualClock } from '../hal/memory/index.ts';
import { EventBus } from '../kernel/index.ts';
import { SENSOR_CHANNEL_MAP, SensorSpikeEncoder } from './encoders/index.ts';
import { PcSnn } from './network.ts';
import { PerceptionService, type SpikeEncoderLike } from './service.ts';
import { poissonSpikes, toBatches } from './spike-patterns.ts';
import type { SpikeBatch, SpikeChannelMap } from './spikes.ts';
import { FOREST_FEATURES, SUMMARY_EXTRA } from './window.ts';

/** 16 channels: kbd 0–3, mic 4–7, usb 8–9, fs 10–11, net 12–15, no reserved */
const MAP: SpikeChannelMap = {
  channels: 16,
  names: Array.from({ length: 16 }, (_, i) => `ch${i}`),
  groups: { kbd: [0, 4], mic: [4, 8], usb: [8, 10], fs: [10, 12], net: [12, 16], reserved: [16, 16] },
};
const OPTIONS = { inputChannels: 16, representationSizes: [24, 12, 6] as const, seed: 4, channelMap: MAP };

test('window outputs have the documented shapes and count what happened', () => {
  const network = new PcSnn(OPTIONS);
  const counts: Record<string, number> = {};
  const e0PerChannel = new Float32Array(16);
  network.observeSpikes((_tick, population, unit) => {
    counts[population] = (counts[population] ?? 0) + 1;
    if (population === 'E0+' || population === 'E0-') e0PerChannel[unit]!++;
  });
  // only keyboard (0–3) and net (12–15) channels get input
  const spikes = poissonSpikes(new Rng(1), 16, 8, 0, 1000).filter((s) => s.channel < 4 || s.channel >= 12);
  const windows: PerceptionWindow[] = [];
  network.step(1000, toBatches(spikes), (w) => windows.push(w));
  assert.equal(windows.length, 1);
  const [window] = windows as [PerceptionWindow];
  assert.equal(window.windowStartMs, 0);
  assert.equal(window.windowMs, 1000);
  assert.equal(window.summary.length, 6 + SUMMARY_EXTRA);
  assert.equal(window.error.forest.length, FOREST_FEATURES);
  assert.deepEqual(window.error.channelNames, MAP.names);
  assert.deepEqual(Array.from(window.error.byChannel), Array.from(e0PerChannel));
  const byLayer = ['E0+', 'E0-', 'E1+', 'E1-', 'E2+', 'E2-'].map((name) => counts[name] ?? 0);
  assert.deepEqual(Array.from(window.error.byLayer), byLayer);
  // summary: log1p input per group (kbd, mic, usb, fs, net, reserved) after the 6 R3 rates
  const kbd = spikes.filter((s) => s.channel < 4).length;
  const net = spikes.filter((s) => s.channel >= 12).length;
  assert.deepEqual(Array.from(window.summary.subarray(6, 12)), Array.from(Float32Array.of(Math.log1p(kbd), 0, 0, 0, Math.log1p(net), 0)));
  assert.ok(Math.abs(window.summary[12]! - (counts['R2'] ?? 0) / 12) < 1e-6, 'mean R2 rate');
  assert.ok(Math.abs(window.summary[13]! - (counts['R3'] ?? 0) / 6) < 1e-6, 'mean R3 rate');
  // forest: log1p rates, per-group E0 counts, largest channel count, unexplained fraction
  for (let k = 0; k < 6; k++) assert.equal(window.error.forest[k], Math.fround(Math.log1p(byLayer[k]!)));
  assert.equal(window.error.forest[6 + 2 * 1], 0, 'mic E0+ (no mic input)');
  assert.equal(window.error.forest[18], Math.max(...e0PerChannel));
  assert.ok(Math.abs(window.error.forest[19]! - (counts['E0+'] ?? 0) / (kbd + net)) < 1e-6);
  assert.equal(window.error.phase, 'warmup');
});

test('phase turns steady after enough active time with few silent units', () => {
  const network = new PcSnn({ ...OPTIONS, steadyAfterActiveMs: 5000, silentAfterActiveMs: 60_000 });
  const phases: string[] = [];
  network.step(8000, toBatches(poissonSpikes(new Rng(2), 16, 5, 0, 8000)), (w) => phases.push(w.error.phase));
  assert.deepEqual(phases.slice(0, 4), ['warmup', 'warmup', 'warmup', 'warmup']);
  assert.equal(phases[7], 'steady');
});

test('PerceptionService feeds the network and publishes each window on the bus', async () => {
  const clock = new ManualClock();
  const bus = new EventBus({ clock, bootTime: 0 });
  const seen: PerceptionWindow[] = [];
  bus.subscribe(['perception.window'], { onEvent: (event) => seen.push(event.payload) });
  const service = new PerceptionService({ bus, network: new PcSnn(OPTIONS) });
  service.feed(toBatches(poissonSpikes(new Rng(3), 16, 4, 0, 2500)));
  service.advanceTo(1500);
  service.advanceTo(3000);
  await Promise.resolve();
  assert.equal(seen.length, 3);
  assert.deepEqual(seen.map((w) => w.windowStartMs), [0, 1000, 2000]);
  assert.equal(service.published, 3);
  assert.equal(service.recentWindows().length, 3);
  assert.ok(service.network.stats().inputSpikes > 0);
});

test('PerceptionService takes sensor events from the bus through an encoder', async () => {
  const clock = new ManualClock();
  const bus = new EventBus({ clock, bootTime: 0 });
  /** a stand-in encoder: one spike on channel `bucket` at the event's ms */
  const scheduled: SpikeBatch[] = [];
  const encoder: SpikeEncoderLike = {
    encode: (event: SensorEvent) => scheduled.push({ tick: Math.floor(event.atMs), channels: Int32Array.of(event.bucket ?? 0) }),
    drainBatches: (upto, out) => {
      while (scheduled.length > 0 && scheduled[0]!.tick <= upto) out(scheduled.shift()!);
    },
    tickOf: (atMs) => Math.floor(atMs),
  };
  const network = new PcSnn(OPTIONS);
  const service = new PerceptionService({ bus, network, encoder });
  service.start();
  for (let k = 0; k < 20; k++) bus.publish('sensor.event', { kind: 'fs', atMs: 10 + 40 * k, type: 'modify', bucket: 10 + (k % 2) });
  await Promise.resolve();
  service.advanceToTime(1000);
  assert.equal(network.stats().inputSpikes, 20);
  const window = service.recentWindows()[0]!;
  assert.equal(window.summary[6 + 3], Math.fround(Math.log1p(20)), 'fs group count');
  service.stop();
});

test('with the real encoders: sensor events on the bus become windows with per-group counts', async () => {
  const clock = new ManualClock();
  const bus = new EventBus({ clock, bootTime: 0 });
  const network = new PcSnn({ channelMap: SENSOR_CHANNEL_MAP, representationSizes: [64, 32, 16], seed: 2 });
  const service = new PerceptionService({ bus, network, encoder: new SensorSpikeEncoder() });
  service.start();
  for (let k = 0; k < 30; k++) {
    bus.publish('sensor.event', { kind: 'kbd', atMs: 20 + 25 * k, type: 'key', keyClass: 'printable', value: 120 + 10 * (k % 5) });
    if (k % 3 === 0) bus.publish('sensor.event', { kind: 'fs', atMs: 30 + 25 * k, type: 'modify', bucket: k % 8, extensionClass: 'text', origin: 'host' });
  }
  await Promise.resolve();
  service.advanceToTime(2000);
  const [first] = service.recentWindows();
  assert.ok(first !== undefined);
  const n3 = 16;
  assert.ok(first.summary[n3 + 0]! > 0, 'kbd input counted');
  assert.ok(first.summary[n3 + 3]! > 0, 'fs input counted');
  assert.equal(first.summary[n3 + 1], 0, 'no mic input');
  assert.equal(first.error.channelNames, SENSOR_CHANNEL_MAP.names);
  service.stop();
});
