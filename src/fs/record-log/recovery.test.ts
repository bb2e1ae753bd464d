// Record log recovery on hostile bytes: garbage devices, damaged headers and
// corrupted data never raise anything but a typed log.corrupt for an unusable
// header, and a damaged data area only shortens the recovered prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng, isChimaeraError } from '../../common/index.ts';
import { RamBlockDevice } from '../../hal/memory/index.ts';
import { LOG_HEADER_SIZE, RecordLog } from './index.ts';

const SECTOR = 512;

/** open, and insist that the only possible failure is log.corrupt */
function openOrCorrupt(device: RamBlockDevice): ReturnType<typeof RecordLog.open> | 'corrupt' {
  try {
    return RecordLog.open(device);
  } catch (error) {
    assert.ok(isChimaeraError(error, 'log.corrupt'), `open raised something other than log.corrupt: ${String(error)}`);
    return 'corrupt';
  }
}

/** a log with `count` committed records of assorted sizes, in a few commits */
function buildLog(sectors: number, count: number, seed: number): { device: RamBlockDevice; payloads: Uint8Array[] } {
  const rng = new Rng(seed);
  const device = new RamBlockDevice(sectors);
  const log = RecordLog.create(device, { logId: seed });
  const payloads: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const payload = rng.fillBytes(new Uint8Array(rng.int(0, 700)));
    try {
      log.append(payload);
    } catch (error) {
      if (isChimaeraError(error, 'log.full')) break;
      throw error;
    }
    payloads.push(payload);
    if (rng.chance(0.4)) log.commit();
  }
  log.commit();
  return { device, payloads };
}

test('a device of pure garbage, or of zeros, is log.corrupt', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.integer(), (sectors, seed) => {
      const device = new RamBlockDevice(sectors, { bytes: new Rng(seed).fillBytes(new Uint8Array(sectors * SECTOR)) });
      assert.equal(openOrCorrupt(device), 'corrupt');
    }),
    { numRuns: 300 },
  );
  assert.equal(openOrCorrupt(new RamBlockDevice(8)), 'corrupt');
  assert.equal(openOrCorrupt(new RamBlockDevice(0)), 'corrupt');
});

test('any damage to the header bytes is log.corrupt; a header larger than the device is log.corrupt', () => {
  const { device } = buildLog(16, 5, 1);
  for (let bit = 0; bit < LOG_HEADER_SIZE * 8; bit++) {
    const damaged = RamBlockDevice.fromImage(device.bytes);
    damaged.bytes[bit >> 3]! ^= 1 << (bit & 7);
    assert.equal(openOrCorrupt(damaged), 'corrupt', `bit ${bit} flipped`);
  }
  const truncated = RamBlockDevice.fromImage(device.bytes.subarray(0, 8 * SECTOR));
  assert.throws(() => RecordLog.open(truncated), (e) => isChimaeraError(e, 'log.corrupt') && /exceeds the device/.test(e.message));
});

test('random bytes after a good header: opens empty, reports the discarded tail, and takes new records', () => {
  fc.assert(
    fc.property(fc.integer({ min: 4, max: 24 }), fc.integer(), (sectors, seed) => {
      const device = new RamBlockDevice(sectors);
      RecordLog.create(device, { logId: 5 });
      new Rng(seed).fillBytes(device.bytes.subarray(SECTOR));
      const opened = openOrCorrupt(device);
      assert.notEqual(opened, 'corrupt');
      if (opened === 'corrupt') return;
      assert.equal(opened.recovery.records, 0);
      assert.equal(opened.recovery.discardedTail, true);
      assert.equal(opened.recovery.validBytes, SECTOR);
      opened.log.appendCommitted(new Uint8Array([1, 2, 3]));
      const again = RecordLog.open(device);
      assert.deepEqual([...again.log.records()].map((r) => [...r.payload]), [[1, 2, 3]]);
    }),
    { numRuns: 200 },
  );
});

test('corrupting bytes of the data area only shortens the recovered prefix; no record changes or appears', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1000 }),
      fc.array(fc.record({ at: fc.nat(), value: fc.nat({ max: 255 }), span: fc.integer({ min: 1, max: 80 }) }), { minLength: 1, maxLength: 4 }),
      (seed, damages) => {
        const { device, payloads } = buildLog(24, 30, seed);
        const damaged = RamBlockDevice.fromImage(device.bytes);
        for (const { at, value, span } of damages) {
          const start = SECTOR + (at % (damaged.bytes.length - SECTOR));
          damaged.bytes.fill(value, start, Math.min(damaged.bytes.length, start + span));
        }
        const opened = openOrCorrupt(damaged);
        assert.notEqual(opened, 'corrupt', 'the header was not touched');
        if (opened === 'corrupt') return;
        const records = [...opened.log.records()];
        assert.ok(records.length <= payloads.length);
        records.forEach((record, i) => {
          assert.equal(record.seq, i + 1);
          assert.deepEqual(record.payload, payloads[i]);
        });
        assert.equal(opened.recovery.records, records.length);
      },
    ),
    { numRuns: 300 },
  );
});
