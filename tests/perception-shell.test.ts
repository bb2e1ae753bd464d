/**
 * The perception shell commands on a whole in-memory system: sensing is
 * default-deny, `perception allow kbd` (a standing sense grant through the
 * consent broker) starts capture, `perception deny kbd` stops it, and a
 * burst of keys after a calm minute opens an anomaly that `anomalies` lists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BusEvent } from '../src/common/index.ts';
import { ScriptedSensorSource } from '../src/hal/memory/index.ts';
import { bootWithPerception, settle } from './helpers/perception-boot.ts';

test('perception allow/deny kbd starts and stops capture; status shows the counts and a raster', async () => {
  const keys = new ScriptedSensorSource('kbd');
  const { run, runFor, clock, perception, system, kernel } = bootWithPerception({ sources: { kbd: [keys] } });
  const before = await run('perception');
  assert.match(before, /granted: nothing/);
  assert.match(before, /kbd\s+gated/);
  assert.match(before, /mic\s+no source/);
  assert.equal(keys.running, false);

  assert.match(await run('perception allow kbd'), /sensing kbd allowed for an hour \(grant g\d+-\d+\)/);
  assert.equal(keys.running, true);
  assert.deepEqual(system.cognition.broker.grants().map((g) => [g.right, g.resource.pattern, g.scope]), [['sense', 'kbd', 'hour']]);
  const events: BusEvent<'sensor.event'>[] = [];
  kernel.bus.subscribe(['sensor.event'], { onEvent: (e) => events.push(e) });
  await runFor(3000, (now) => {
    if (now % 200 === 0) keys.push({ kind: 'kbd', atMs: now, keyClass: 'printable' });
  });
  assert.equal(events.length, 15);
  assert.ok(events.every((e) => e.payload.kind === 'kbd' && e.payload.keyClass === 'printable'));
  const status = await run('perception');
  assert.match(status, /kbd\s+capturing\s+15\s+15\s+0/);
  assert.match(status, /granted: kbd/);
  assert.match(status, /in\.kbd\s+\|[ .:*#]*[.:*#][ .:*#]*\|/);
  assert.ok(perception.network.stats().inputSpikes > 0);

  assert.match(await run('perception deny kbd'), /sensing withdrawn: kbd/);
  assert.equal(keys.running, false);
  assert.equal(keys.push({ kind: 'kbd', atMs: clock.now(), keyClass: 'printable' }), false);
  await settle();
  assert.equal(events.length, 15);
  assert.match(await run('perception deny kbd'), /nothing to withdraw/);
  assert.match(await run('perception allow gps'), /error arg\.invalid/);
});

test('a revoke made elsewhere (the shell\'s revoke) stops capture within a second, through the gate poll', async () => {
  const keys = new ScriptedSensorSource('kbd');
  const { run, runFor, system } = bootWithPerception({ sources: { kbd: [keys] } });
  await run('perception allow kbd always');
  assert.equal(keys.running, true);
  system.cognition.broker.revoke({ right: 'sense' });
  assert.equal(keys.running, true);
  await runFor(1100);
  assert.equal(keys.running, false);
});

test('a burst of keys after a calm minute opens an anomaly naming a kbd channel, listed by anomalies', async () => {
  const keys = new ScriptedSensorSource('kbd');
  const { run, runFor, kernel, perception } = bootWithPerception({ sources: { kbd: [keys] } });
  const anomalies: BusEvent<'anomaly.event'>[] = [];
  kernel.bus.subscribe(['anomaly.event'], { onEvent: (e) => anomalies.push(e) });
  assert.equal(await run('anomalies'), 'no anomalies so far\n');
  await run('perception allow kbd');
  // a calm minute: one key every 500 ms
  await runFor(60_000, (now) => {
    if (now % 500 === 0) keys.push({ kind: 'kbd', atMs: now, keyClass: 'printable' });
  }, 250);
  assert.equal(anomalies.length, 0);
  // a burst: 60 keys 15 ms apart, mixed classes
  await runFor(2000, (now) => {
    if (now % 1000 === 0) for (let k = 0; k < 60; k++) keys.push({ kind: 'kbd', atMs: now + 15 * k, keyClass: k % 3 === 0 ? 'backspace' : 'printable' });
  }, 250);
  await runFor(1000, undefined, 250);
  assert.ok(anomalies.length >= 1, `no anomaly; detector ${JSON.stringify(perception.detector.status())}`);
  const first = anomalies[0]!.payload;
  assert.ok(first.channels.some((c) => c.startsWith('kbd.')), first.reason);
  const listed = await run('anomalies -n 5');
  assert.match(listed, /^2026-01-01 00:01:0\d {2}score \d+\.\d {2}kbd\./);
  assert.equal(perception.network.plasticityGain, perception.detector.alarm === 'alarm' ? 0.1 : 1);
});
