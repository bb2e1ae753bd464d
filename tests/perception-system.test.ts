/**
 * Perception end to end on a whole in-memory system: fs sensing granted
 * through the consent broker, a burst of writes on the FAT32 volume through
 * the shell's syscalls, and the chain 'sensor.event' → 'perception.window'
 * → 'anomaly.event' naming an fs channel. Shutdown saves the PC-SNN and the
 * encoders to /lived/snn; the next boot restores exactly those bytes, and a
 * damaged state file gives a warning and a fresh network instead of a crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BusEvent } from '../src/common/index.ts';
import { RamBlockDevice } from '../src/hal/memory/index.ts';
import { checkFat32, Fat32Volume } from '../src/fs/index.ts';
import { SALT_PATH, STATE_PATH } from '../src/cli/perception-state.ts';
import { bootWithPerception } from './helpers/perception-boot.ts';

const MiB = 2 ** 20;

test('fs burst on the volume → sensor.event → perception.window → anomaly.event naming an fs channel; restart restores the same network', async () => {
  const disk = new RamBlockDevice((64 * MiB) / 512);
  const first = bootWithPerception({}, disk);
  const { kernel, run, runFor, perception } = first;
  const seen = { sensor: [] as BusEvent<'sensor.event'>[], windows: 0, anomalies: [] as BusEvent<'anomaly.event'>[] };
  kernel.bus.subscribe(['sensor.event', 'perception.window', 'anomaly.event'], {
    onEvent: (event) => {
      if (event.topic === 'sensor.event') seen.sensor.push(event);
      else if (event.topic === 'perception.window') seen.windows++;
      else seen.anomalies.push(event);
    },
  });

  // nothing is sensed before the grant
  await run('write /home/before.txt not seen');
  await runFor(1000);
  assert.equal(seen.sensor.length, 0);
  assert.match(await run('perception allow fs'), /sensing fs allowed/);

  // a calm 40 s: one save of a note every 4 s
  await run('mkdir /home/docs');
  for (let second = 0; second < 40; second += 4) {
    await run(`write /home/notes.txt "draft ${second}"`);
    await runFor(4000, undefined, 250);
  }
  assert.ok(seen.sensor.length >= 10 && seen.sensor.every((e) => e.payload.kind === 'fs' && e.payload.origin === 'volume'));
  assert.ok(seen.sensor.every((e) => !JSON.stringify(e.payload).includes('notes')), 'no path text on the bus');
  assert.ok(seen.windows >= 40);
  assert.equal(seen.anomalies.length, 0);

  // a ransomware-like burst: 30 files rewritten and renamed within a second
  for (let k = 0; k < 30; k++) {
    await run(`write /home/docs/file${k}.txt "secret ${k}"`);
    await run(`mv /home/docs/file${k}.txt /home/docs/file${k}.locked`);
  }
  await runFor(3000, undefined, 250);
  assert.ok(seen.anomalies.length >= 1, `no anomaly; detector ${JSON.stringify(perception.detector.status())}`);
  const anomaly = seen.anomalies[0]!.payload;
  assert.ok(anomaly.channels.some((channel) => channel.startsWith('fs.')), anomaly.reason);
  assert.match(await run('anomalies'), /score \d+\.\d {2}fs\./);

  // shutdown saves the state; the next boot restores exactly it
  const saltBefore = first.system.storage.volume.readFile(SALT_PATH);
  kernel.shutdown('test restart');
  assert.deepEqual(first.machine.powerOffs, [0]);
  const saved = perception.network.toBytes();
  assert.ok(checkFat32(RamBlockDevice.fromImage(disk.bytes)).ok);

  const second = bootWithPerception({}, RamBlockDevice.fromImage(disk.bytes));
  assert.equal(second.perception.origin, 'restored');
  assert.deepEqual(second.perception.network.toBytes(), saved);
  assert.deepEqual(second.system.storage.volume.readFile(SALT_PATH), saltBefore);
  assert.deepEqual(second.perception.encoder.exportState(), perception.encoder.exportState());
  // the grant was 'hour': still live, so fs capture resumes by itself
  assert.deepEqual(second.perception.status().allowed, ['fs']);
  second.kernel.shutdown('test done');
});

test('a damaged /lived/snn/state gives a klog warning and a fresh network, never a failed boot', async () => {
  const disk = new RamBlockDevice((64 * MiB) / 512);
  const first = bootWithPerception({}, disk);
  await first.runFor(2000, undefined, 250);
  first.kernel.shutdown('save');
  const reopened = RamBlockDevice.fromImage(disk.bytes);
  const volume = Fat32Volume.mount(reopened);
  const bytes = volume.readFile(STATE_PATH);
  bytes[bytes.length >> 1]! ^= 0xff;
  volume.writeFile(STATE_PATH, bytes);
  volume.unmount();

  const second = bootWithPerception({}, reopened);
  assert.match(second.perception.origin, /perception\.snapshot_crc/);
  assert.equal(second.perception.network.tick, 0);
  assert.ok(second.kernel.klog.entries().some((entry) => entry.level === 'warn' && entry.subsystem === 'perception' && /CRC-32/.test(entry.message)));
  await second.runFor(1000, undefined, 250);
  second.kernel.shutdown('done');
  assert.deepEqual(second.machine.powerOffs, [0]);
});
