/** Sensor drivers: the privacy gate before capture, rate limits and drop counters, featurizers, volume ops from the bus. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SensorEvent } from '../common/index.ts';
import { ManualClock, ScriptedSensorSource } from '../hal/memory/index.ts';
import { EventBus } from '../kernel/index.ts';
import { SensorDriver } from './driver.ts';
import { FsFeaturizer, KeyboardFeaturizer, NetFeaturizer, UsbFeaturizer } from './featurizers.ts';
import { StaticSenseGate } from './gate.ts';
import { VolumeOpsSource } from './volume-ops-source.ts';

const salt = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);

function setup() {
  const clock = new ManualClock();
  const bus = new EventBus({ clock, bootTime: 0 });
  const seen = bus.subscribe(['sensor.event']);
  const gate = new StaticSenseGate();
  return { clock, bus, seen, gate };
}

test('driver: a denied sense never starts its source; a grant starts it; a withdrawal stops it at once', () => {
  const { bus, seen, gate } = setup();
  const source = new ScriptedSensorSource('kbd');
  const driver = new SensorDriver({ kind: 'kbd', sources: [source], featurizer: new KeyboardFeaturizer(), gate, bus });
  driver.open();
  assert.equal(source.startCount, 0);
  assert.equal(source.push({ kind: 'kbd', atMs: 1, keyClass: 'printable' }), false);
  assert.equal(driver.stats().state, 'gated');
  assert.equal(driver.stats().captured, 0);

  gate.set('kbd', 'allow');
  assert.equal(source.startCount, 1);
  source.push({ kind: 'kbd', atMs: 100, keyClass: 'printable' });
  source.push({ kind: 'kbd', atMs: 250, keyClass: 'enter' });
  gate.set('kbd', 'deny');
  assert.equal(source.stopCount, 1);
  assert.equal(source.push({ kind: 'kbd', atMs: 300, keyClass: 'printable' }), false);

  // after a new grant the interval does not reach back across the withdrawal
  gate.set('kbd', 'allow');
  source.push({ kind: 'kbd', atMs: 5000, keyClass: 'navigation' });
  const events = seen.poll().map((e) => e.payload);
  assert.deepEqual(events, [
    { kind: 'kbd', atMs: 100, type: 'key', keyClass: 'printable' },
    { kind: 'kbd', atMs: 250, type: 'key', keyClass: 'enter', value: 150 },
    { kind: 'kbd', atMs: 5000, type: 'key', keyClass: 'navigation' },
  ]);
  assert.deepEqual({ ...driver.stats(), rateLimit: undefined }, { kind: 'kbd', state: 'capturing', captured: 3, published: 3, dropped: 0, ratePerSecond: 0, rateLimit: undefined });
  driver.close();
  assert.equal(source.running, false);
  gate.set('kbd', 'deny');
  gate.set('kbd', 'allow');
  assert.equal(source.startCount, 2, 'a closed driver no longer follows the gate');
});

test('driver: the token bucket drops a burst beyond its size and refills with time', () => {
  const { bus, seen, gate } = setup();
  gate.set('fs', 'allow');
  const source = new ScriptedSensorSource('fs');
  const driver = new SensorDriver({ kind: 'fs', sources: [source], featurizer: new FsFeaturizer({ salt, hostRoots: ['/h'] }), gate, bus, rateLimit: { perSecond: 10, burst: 5 } });
  driver.open();
  for (let i = 0; i < 20; i++) source.push({ kind: 'fs', atMs: 1000, op: 'modify', path: `/h/a/f${i}.txt`, origin: 'host' });
  assert.equal(seen.poll().length, 5);
  // half a second later: 5 tokens more
  for (let i = 0; i < 20; i++) source.push({ kind: 'fs', atMs: 1500, op: 'modify', path: `/h/a/f${i}.txt`, origin: 'host' });
  // 1 s later still, one event: the rate over the last whole second is 10
  source.push({ kind: 'fs', atMs: 2100, op: 'create', path: '/h/a/new.txt', origin: 'host' });
  const stats = driver.stats();
  assert.equal(stats.captured, 41);
  assert.equal(stats.published, 11);
  assert.equal(stats.dropped, 30);
  assert.equal(stats.ratePerSecond, 10);
});

test('driver: a source that cannot start or fails leaves the driver failed; the next grant retries', () => {
  const { bus, gate } = setup();
  const broken = new ScriptedSensorSource('usb', { unavailable: 'no USB bus here' });
  const driver = new SensorDriver({ kind: 'usb', sources: [broken], featurizer: new UsbFeaturizer(salt), gate, bus });
  driver.open();
  gate.set('usb', 'allow');
  assert.equal(driver.stats().state, 'failed');
  assert.match(driver.stats().lastError ?? '', /no USB bus here/);

  const source = new ScriptedSensorSource('usb');
  const flaky = new SensorDriver({ kind: 'usb', sources: [source], featurizer: new UsbFeaturizer(salt), gate, bus });
  flaky.open();
  assert.equal(source.running, true);
  source.raise(new Error('device vanished'));
  assert.equal(source.running, false);
  assert.equal(flaky.stats().state, 'failed');
  gate.set('usb', 'deny');
  gate.set('usb', 'allow');
  assert.equal(source.startCount, 2);
  assert.equal(flaky.stats().state, 'capturing');
});

test('featurizers: usb, fs and net readings lose their identities but keep class and bucket', () => {
  const events: SensorEvent[] = [];
  const out = (e: SensorEvent): void => {
    events.push(e);
  };
  new UsbFeaturizer(salt).featurize({ kind: 'usb', atMs: 10, action: 'add', deviceClass: 8, vendor: 0x0781, product: 0x5567 }, 0, out);
  const fs = new FsFeaturizer({ salt, hostRoots: ['/home/me'] });
  fs.featurize({ kind: 'fs', atMs: 20, op: 'modify', path: '/home/me/projects/os/src/kernel.ts', origin: 'host' }, 0, out);
  fs.featurize({ kind: 'fs', atMs: 21, op: 'modify', path: '/home/me/projects/os/docs/deep/other.ts', origin: 'host' }, 0, out);
  const net = new NetFeaturizer({ salt });
  const counters = (atMs: number, rx: number, tx: number) =>
    ({ kind: 'net', type: 'counters', atMs, interfaces: [{ name: 'lo', rxBytes: 1e9, rxPackets: 1e6, txBytes: 1e9, txPackets: 1e6 }, { name: 'eth0', rxBytes: rx, rxPackets: rx / 100, txBytes: tx, txPackets: tx / 100 }] }) as const;
  net.featurize(counters(1000, 5000, 1000), 0, out);
  net.featurize(counters(2000, 9000, 1500), 0, out);
  net.featurize({ kind: 'net', type: 'connection', atMs: 2000, action: 'opened', localPort: 45678, remotePort: 443, state: 'ESTABLISHED', process: '/usr/bin/node' }, 0, out);
  const [usb, fs1, fs2, counted, open] = events;
  assert.equal(events.length, 5, 'the first counters poll is only a baseline');
  assert.deepEqual(Object.keys(usb!).sort(), ['atMs', 'bucket', 'deviceClass', 'kind', 'type']);
  assert.equal(usb!.deviceClass, 8);
  assert.deepEqual({ ...fs1, bucket: undefined }, { kind: 'fs', atMs: 20, type: 'modify', origin: 'host', extensionClass: 'code', bucket: undefined });
  assert.equal(fs1!.bucket, fs2!.bucket, 'same top two folders and extension class → same bucket');
  assert.ok(!JSON.stringify(events).includes('projects') && !JSON.stringify(events).includes('node'));
  assert.deepEqual(counted, { kind: 'net', atMs: 2000, type: 'counters', value: 1000, rxBytes: 4000, rxPackets: 40, txBytes: 500, txPackets: 5 });
  assert.equal(open!.type, 'open');
  assert.equal(open!.portClass, '443');
  assert.ok(open!.bucket! >= 0 && open!.bucket! < 8);
});

test('volume ops: fs.op events on the bus reach the fs driver only while it is granted', async () => {
  const { clock, bus, seen, gate } = setup();
  const driver = new SensorDriver({ kind: 'fs', sources: [new VolumeOpsSource(bus, clock)], featurizer: new FsFeaturizer({ salt, hostRoots: [] }), gate, bus });
  driver.open();
  bus.publish('fs.op', { op: 'write', path: '/home/notes/a.txt', bytes: 10 });
  await Promise.resolve();
  gate.set('fs', 'allow');
  clock.advance(5);
  bus.publish('fs.op', { op: 'unlink', path: '/home/notes/a.txt' });
  bus.publish('fs.op', { op: 'rename', path: '/home/notes/b.md' });
  await new Promise((resolve) => setTimeout(resolve, 0));
  const events = seen.poll().map((e) => e.payload);
  assert.deepEqual(events.map((e) => [e.type, e.origin, e.extensionClass, e.atMs]), [['delete', 'volume', 'text', 5], ['rename', 'volume', 'text', 5]]);
  assert.equal(driver.stats().captured, 2);
});
