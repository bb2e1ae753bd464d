// RecordLog unit tests: append/commit/reopen/records, group commit, full, too large, close, failure, JSON view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isChimaeraError, type ErrorCode } from '../../common/index.ts';
import { CrashBlockDevice, ManualClock, RamBlockDevice } from '../../hal/memory/index.ts';
import { FRAME_HEADER_SIZE, JsonLog, RecordLog } from './index.ts';

const bytesOf = (text: string) => new TextEncoder().encode(text);
const textOf = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const filled = (length: number, value: number) => new Uint8Array(length).fill(value);
const isCode = (code: ErrorCode) => (error: unknown) => isChimaeraError(error, code);
const payloads = (log: RecordLog, fromSeq?: number) => [...log.records(fromSeq)].map((r) => textOf(r.payload));

test('append returns 1, 2, 3; only committed records are listed, with their times', () => {
  const clock = new ManualClock();
  const log = RecordLog.create(new RamBlockDevice(64), { logId: 1, clock });
  assert.equal(log.append(bytesOf('a')), 1);
  clock.advance(10);
  assert.equal(log.append(bytesOf('b')), 2);
  assert.equal(log.lastSeq, 2);
  assert.equal(log.committedSeq, 0);
  assert.deepEqual(payloads(log), []);
  log.commit();
  assert.equal(log.appendCommitted(bytesOf('c')), 3);
  const records = [...log.records()];
  assert.deepEqual(records.map((r) => [r.seq, textOf(r.payload)]), [[1, 'a'], [2, 'b'], [3, 'c']]);
  assert.equal(records[1]!.time - records[0]!.time, 10);
  assert.equal(records[0]!.time, clock.wallTime() - 10);
  assert.deepEqual(payloads(log, 2), ['b', 'c']);
  assert.deepEqual(payloads(log, 4), []);
});

test('group commit: many appends, one write and one flush; every commit starts on a fresh sector', () => {
  const device = new RamBlockDevice(64);
  const log = RecordLog.create(device, { logId: 2 });
  const before = { ...device.stats };
  for (let i = 0; i < 10; i++) log.append(bytesOf(`record ${i}`));
  log.commit();
  assert.equal(device.stats.writes - before.writes, 1);
  assert.equal(device.stats.flushes - before.flushes, 1);
  assert.equal(log.usedBytes, 2 * 512, 'ten small records fill one sector, padded');
  log.commit();
  assert.equal(device.stats.flushes - before.flushes, 1, 'an empty commit does no I/O');
  log.appendCommitted(bytesOf('next'));
  assert.equal(log.usedBytes, 3 * 512);
});

test('reopen recovers every committed record; buffered ones are gone; the first commit after adds an epoch marker', () => {
  const device = new RamBlockDevice(64);
  const log = RecordLog.create(device, { logId: 3 });
  log.append(bytesOf('one'));
  log.append(bytesOf('two'));
  log.commit();
  log.append(bytesOf('never committed'));

  const { log: reopened, recovery } = RecordLog.open(device);
  assert.deepEqual(recovery, { records: 2, validBytes: 512 + 512, discardedTail: false, stop: 'blank', stopAt: 1024, epoch: 2 });
  assert.equal(reopened.logId, 3);
  assert.deepEqual(payloads(reopened), ['one', 'two']);
  assert.equal(reopened.lastSeq, 2);

  const flushes = device.stats.flushes;
  assert.equal(reopened.appendCommitted(bytesOf('three')), 3);
  assert.equal(device.stats.flushes - flushes, 2, 'marker flushed on its own, then the records');
  reopened.appendCommitted(bytesOf('four'));
  assert.equal(device.stats.flushes - flushes, 3);

  const third = RecordLog.open(device);
  assert.equal(third.recovery.epoch, 3);
  assert.deepEqual(payloads(third.log), ['one', 'two', 'three', 'four']);
});

test('empty, sector-sized and multi-sector payloads survive a reopen byte for byte', () => {
  const device = new RamBlockDevice(64);
  const log = RecordLog.create(device, { logId: 4 });
  const items = [new Uint8Array(0), filled(512, 7), filled(512 - FRAME_HEADER_SIZE, 8), filled(3000, 9), filled(1, 10)];
  for (const item of items) log.append(item);
  log.commit();
  const reopened = RecordLog.open(device).log;
  assert.deepEqual([...reopened.records()].map((r) => r.payload), items);
});

test('a record that can never fit fails log.record_too_large; one that does not fit now fails log.full; nothing is lost', () => {
  const device = new RamBlockDevice(8);
  const log = RecordLog.create(device, { logId: 5 });
  assert.equal(log.maxPayloadBytes, 6 * 512 - FRAME_HEADER_SIZE);
  assert.throws(() => log.append(new Uint8Array(log.maxPayloadBytes + 1)), isCode('log.record_too_large'));
  const committed: string[] = [];
  let full = false;
  for (let i = 0; !full; i++) {
    try {
      log.appendCommitted(filled(300, i));
      committed.push(String(i));
    } catch (error) {
      assert.ok(isChimaeraError(error, 'log.full'), String(error));
      full = true;
    }
  }
  assert.equal(committed.length, 7, 'one 300-byte record per sector in sectors 1..7');
  assert.equal(log.usedBytes, log.capacityBytes);
  assert.equal(log.lastSeq, 7, 'the failed append took no sequence number');
  const reopened = RecordLog.open(device);
  assert.equal(reopened.recovery.records, 7);
  assert.equal(reopened.recovery.stop, 'end-of-log');
  assert.throws(() => reopened.log.append(new Uint8Array(0)), isCode('log.full'), 'no room even for the epoch marker');
  assert.deepEqual([...reopened.log.records()].map((r) => r.payload[0]), [0, 1, 2, 3, 4, 5, 6]);
});

test('buffered appends count against the space left', () => {
  const log = RecordLog.create(new RamBlockDevice(5), { logId: 6 });
  log.append(new Uint8Array(1400));
  assert.throws(() => log.append(new Uint8Array(600)), isCode('log.full'), '600 bytes fit an empty log, not after 1400 buffered');
  log.commit();
  assert.equal(log.committedSeq, 1);
});

test('close commits what is buffered; later calls fail with log.closed', () => {
  const device = new RamBlockDevice(16);
  const log = RecordLog.create(device, { logId: 7 });
  log.append(bytesOf('kept by close'));
  log.close();
  assert.ok(!log.isOpen);
  assert.throws(() => log.append(bytesOf('x')), isCode('log.closed'));
  assert.throws(() => log.commit(), isCode('log.closed'));
  assert.throws(() => [...log.records()], isCode('log.closed'));
  assert.deepEqual(payloads(RecordLog.open(device).log), ['kept by close']);
});

test('a device error during commit fails the log; reopening recovers what was acknowledged', () => {
  const device = CrashBlockDevice.blank(16);
  const log = RecordLog.create(device, { logId: 8 });
  log.appendCommitted(bytesOf('safe'));
  log.append(bytesOf('lost'));
  device.powerFail();
  assert.throws(() => log.commit(), isCode('dev.io'));
  assert.throws(() => log.append(bytesOf('more')), isCode('log.closed'));
  const reopened = RecordLog.open(new CrashBlockDevice(device.durableImage())).log;
  assert.deepEqual(payloads(reopened), ['safe']);
});

test('a read-only device opens for reading and refuses appends', () => {
  const device = new RamBlockDevice(16);
  RecordLog.create(device, { logId: 9 }).appendCommitted(bytesOf('r'));
  const readOnly = new RamBlockDevice(16, { bytes: device.bytes, readOnly: true });
  const { log } = RecordLog.open(readOnly);
  assert.deepEqual(payloads(log), ['r']);
  assert.throws(() => log.append(bytesOf('w')), isCode('dev.read_only'));
});

test('records() notices a committed record that changed on disk', () => {
  const device = new RamBlockDevice(16);
  const log = RecordLog.create(device, { logId: 10 });
  log.appendCommitted(bytesOf('original'));
  device.bytes[512 + FRAME_HEADER_SIZE + 2]! ^= 0x20;
  assert.throws(() => [...log.records()], isCode('log.corrupt'));
});

test('a prefix that ends mid-sector is sealed by the next opening without losing it', () => {
  const device = new RamBlockDevice(16);
  const log = RecordLog.create(device, { logId: 11 });
  log.append(bytesOf('first'));
  log.append(bytesOf('second'));
  log.append(bytesOf('third'));
  log.commit();
  // Destroy 'third' and the padding after it: as if only part of the commit landed.
  const thirdAt = 512 + 2 * FRAME_HEADER_SIZE + 'first'.length + 'second'.length;
  device.bytes.fill(0xee, thirdAt + 4, 1024);
  const { log: reopened, recovery } = RecordLog.open(device);
  assert.equal(recovery.records, 2);
  assert.equal(recovery.validBytes, thirdAt);
  assert.equal(recovery.discardedTail, true);
  assert.equal(recovery.stop, 'bad-length');
  const before = device.bytes.slice(512, thirdAt);
  reopened.appendCommitted(bytesOf('third again'));
  assert.deepEqual(device.bytes.slice(512, thirdAt), before, 'sealing rewrote the prefix bytes unchanged');
  assert.deepEqual(payloads(RecordLog.open(device).log), ['first', 'second', 'third again']);
});

test('random appends, commits and reopens match a model (RAM disk)', () => {
  type Step = { kind: 'append'; size: number } | { kind: 'commit' } | { kind: 'reopen' };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant('append' as const), size: fc.nat({ max: 1200 }) }),
    fc.constant({ kind: 'commit' as const }),
    fc.constant({ kind: 'reopen' as const }),
  );
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
      const device = new RamBlockDevice(48);
      let log = RecordLog.create(device, { logId: 12 });
      const committed: Uint8Array[] = [];
      let buffered: Uint8Array[] = [];
      for (const [index, s] of steps.entries()) {
        if (s.kind === 'append') {
          const payload = filled(s.size, index);
          try {
            assert.equal(log.append(payload), committed.length + buffered.length + 1);
            buffered.push(payload);
          } catch (error) {
            assert.ok(isChimaeraError(error, 'log.full'));
          }
        } else if (s.kind === 'commit') {
          log.commit();
          committed.push(...buffered);
          buffered = [];
        } else {
          log = RecordLog.open(device).log;
          buffered = [];
        }
        assert.deepEqual([...log.records()].map((r) => r.payload), committed);
      }
    }),
    { numRuns: 200 },
  );
});

test('JsonLog stores typed JSON records and checks their shape on read', () => {
  interface Episode {
    readonly kind: 'ask';
    readonly text: string;
  }
  const isEpisode = (value: unknown): value is Episode =>
    typeof value === 'object' && value !== null && (value as Episode).kind === 'ask' && typeof (value as Episode).text === 'string';
  const device = new RamBlockDevice(16);
  const log = RecordLog.create(device, { logId: 13 });
  const episodes = new JsonLog<Episode>(log, { check: isEpisode });
  episodes.append({ kind: 'ask', text: 'what is the time?' });
  episodes.appendCommitted({ kind: 'ask', text: 'ünïcödé ✓' });
  assert.deepEqual([...episodes.records()].map((r) => [r.seq, r.value.text]), [[1, 'what is the time?'], [2, 'ünïcödé ✓']]);

  log.appendCommitted(bytesOf('{"kind":"other"}'));
  log.appendCommitted(new Uint8Array([0xff, 0xfe]));
  const reopened = new JsonLog<Episode>(RecordLog.open(device).log, { check: isEpisode });
  assert.throws(() => [...reopened.records(3)], (e) => isChimaeraError(e, 'log.record_not_json') && /record 3 /.test(e.message));
  assert.throws(() => [...reopened.records(4)], (e) => isChimaeraError(e, 'log.record_not_json') && /record 4 /.test(e.message));
  assert.throws(() => new JsonLog<unknown>(log).append(undefined), isCode('arg.invalid'));
});

test('create validates its arguments', () => {
  assert.throws(() => RecordLog.create(new RamBlockDevice(2)), isCode('arg.invalid'));
  assert.throws(() => RecordLog.create(new RamBlockDevice(8), { capacitySectors: 9 }), isCode('arg.invalid'));
  assert.throws(() => RecordLog.create(new RamBlockDevice(8, { sectorSize: 32 })), isCode('arg.invalid'));
  const log = RecordLog.create(new RamBlockDevice(8), { capacitySectors: 4 });
  assert.equal(log.capacityBytes, 4 * 512);
});
