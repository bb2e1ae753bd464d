/**
 * The record log on top of FAT32, crashed together: a log file on a FAT32
 * volume on a power-loss disk. After every crash the volume must mount, our
 * checker must find it clean, and every acknowledged record must be there,
 * in order, with nothing invented — including crashes while the log file
 * itself is being created.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError, Rng } from '../src/common/index.ts';
import { CrashBlockDevice, RamBlockDevice } from '../src/hal/memory/index.ts';
import { checkFat32, Fat32Volume, formatSystemDisk, openLogFile } from '../src/fs/index.ts';

const MiB = 2 ** 20;
const LOG = '/lived/episodes.log';
const TRIALS = process.env['CHIMAERA_LONG'] ? 4000 : 400;

function payload(seq: number, rng: Rng): Uint8Array {
  const bytes = rng.fillBytes(new Uint8Array(rng.int(0, 900)));
  if (bytes.length >= 4) new DataView(bytes.buffer).setUint32(0, seq, true);
  return bytes;
}

test('openLogFile creates, reopens and appends to a log in a preallocated file', () => {
  const disk = new RamBlockDevice((40 * MiB) / 512);
  formatSystemDisk(disk);
  const volume = Fat32Volume.mount(disk);
  const first = openLogFile(volume, LOG, { capacityBytes: 64 * 1024 });
  assert.equal(first.recovery, undefined);
  first.log.append(new TextEncoder().encode('one'));
  first.log.append(new TextEncoder().encode('two'));
  first.log.commit();
  // the log file cannot be removed while it is open
  assert.throws(() => volume.unlink(LOG), (e) => isChimaeraError(e, 'fs.busy'));
  first.close();
  assert.equal(volume.stat(LOG).size, 64 * 1024);
  const second = openLogFile(volume, LOG);
  assert.equal(second.recovery?.records, 2);
  assert.deepEqual([...second.log.records()].map((r) => new TextDecoder().decode(r.payload)), ['one', 'two']);
  second.close();
  volume.unmount();
  assert.ok(checkFat32(disk).ok);
});

test(`log file on FAT32 on a power-loss disk: ${TRIALS} crash trials lose no acknowledged record`, () => {
  const base = new RamBlockDevice((34 * MiB) / 512);
  formatSystemDisk(base);
  const rng = new Rng(2026);
  let acknowledgedTotal = 0;
  let crashesDuringCreate = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const device = new CrashBlockDevice(base.bytes);
    const acknowledged: Uint8Array[] = [];
    const appended: Uint8Array[] = [];
    device.armCrashAfterWrites(rng.int(0, 60));
    try {
      const volume = Fat32Volume.mount(device);
      const file = openLogFile(volume, LOG, { capacityBytes: 16 * 1024 });
      for (;;) {
        const count = rng.int(1, 4);
        for (let i = 0; i < count; i++) {
          const p = payload(appended.length + 1, rng);
          file.log.append(p);
          appended.push(p);
        }
        file.log.commit();
        acknowledged.push(...appended.slice(acknowledged.length));
      }
    } catch (e) {
      if (!isChimaeraError(e, 'dev.io') && !isChimaeraError(e, 'log.full')) throw e;
      if (appended.length === 0) crashesDuringCreate++;
    }
    const after = device.deviceAfterCrash(rng, 'random');
    // mounting an uncleanly stopped volume repairs the second FAT copy from the first
    const volume = Fat32Volume.mount(after);
    volume.sync();
    const report = checkFat32(after);
    const badErrors = report.errors.filter((x) => x.code !== 'clusters.lost');
    assert.deepEqual(badErrors, [], `trial ${trial}: ${JSON.stringify(report.errors)}`);
    if (!volume.exists(LOG)) {
      assert.equal(acknowledged.length, 0, `trial ${trial}: log file lost after acknowledged records`);
      continue;
    }
    const file = openLogFile(volume, LOG);
    const records = [...file.log.records()].map((r) => r.payload);
    assert.ok(records.length >= acknowledged.length, `trial ${trial}: ${records.length} records < ${acknowledged.length} acknowledged`);
    assert.ok(records.length <= appended.length, `trial ${trial}: more records than were appended`);
    for (let i = 0; i < records.length; i++) assert.deepEqual(records[i], appended[i], `trial ${trial}: record ${i + 1} differs`);
    // the log keeps working after recovery (unless the trial filled it)
    try {
      file.log.appendCommitted(new Uint8Array([1, 2, 3]));
      assert.deepEqual([...file.log.records()].at(-1)?.payload, new Uint8Array([1, 2, 3]));
    } catch (e) {
      if (!isChimaeraError(e, 'log.full')) throw e;
    }
    file.close();
    volume.unmount();
    acknowledgedTotal += acknowledged.length;
  }
  assert.ok(acknowledgedTotal > TRIALS, `the trials acknowledged records (${acknowledgedTotal})`);
  assert.ok(crashesDuringCreate > 0, 'some crashes hit the creation of the log file');
});
