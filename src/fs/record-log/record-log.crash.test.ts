// Power-loss trials for the record log: random appends and commits on a small
// CrashBlockDevice, power cut at a random write or flush, every unsynced
// sector kept, dropped or torn, reopen, check, and go again on the recovered
// image (later generations catch stale frames coming back). Seeded: a
// failure message names the trial seed that reproduces it.
// CHIMAERA_LONG=1 runs ten times as many trials.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { Rng, fail, isChimaeraError } from '../../common/index.ts';
import type { BlockDevice } from '../../hal/index.ts';
import { CrashBlockDevice, ManualClock } from '../../hal/memory/index.ts';
import { FRAME_HEADER_SIZE, RecordLog } from './index.ts';

const TRIALS = process.env.CHIMAERA_LONG ? 100_000 : 10_000;
const GENERATIONS = 3;
const SECTOR = 512;

/** which calls count toward the power cut */
type CutCounting = 'flushes' | 'writes-and-flushes';

/**
 * Wraps a CrashBlockDevice: cuts the power at the n-th write or flush
 * (or the n-th flush, which leaves a whole commit unsynced), and
 * checks the log's promise that no sector is written again once a flush
 * has made it durable.
 */
class PowerCutDevice implements BlockDevice {
  readonly sectorSize: number;
  readonly sectorCount: number;
  readonly readOnly = false;
  private operations = 0;
  private readonly unflushed = new Set<number>();

  constructor(
    readonly inner: CrashBlockDevice,
    /** counted calls allowed before the power goes */
    private readonly cutAfter: number,
    private readonly counting: CutCounting,
    /** sectors made durable by a flush, in any generation */
    private readonly acknowledged: Set<number>,
  ) {
    this.sectorSize = inner.sectorSize;
    this.sectorCount = inner.sectorCount;
  }

  read(lba: number, out: Uint8Array): void {
    this.inner.read(lba, out);
  }

  write(lba: number, data: Uint8Array): void {
    if (this.counting === 'writes-and-flushes') this.cutIfDue();
    for (let sector = lba; sector < lba + data.length / this.sectorSize; sector++) {
      if (this.acknowledged.has(sector)) throw new Error(`acknowledged sector ${sector} written again`);
      this.unflushed.add(sector);
    }
    this.inner.write(lba, data);
  }

  flush(): void {
    this.cutIfDue();
    this.inner.flush();
    for (const sector of this.unflushed) this.acknowledged.add(sector);
    this.unflushed.clear();
  }

  close(): void {
    this.flush();
  }

  private cutIfDue(): void {
    if (this.operations++ >= this.cutAfter) {
      this.inner.powerFail();
      fail('dev.io', 'power cut (trial)');
    }
  }
}

/**
 * a payload of 0 .. 1.5 sectors, mostly small; some fill a sector exactly
 * with their frame header, so that the next frame starts a sector
 */
function randomPayload(rng: Rng): Uint8Array {
  const roll = rng.next();
  if (roll < 0.15) return rng.fillBytes(new Uint8Array(SECTOR - FRAME_HEADER_SIZE));
  const max = roll < 0.4 ? 64 : roll < 0.8 ? SECTOR : (3 * SECTOR) / 2;
  return rng.fillBytes(new Uint8Array(rng.int(0, max)));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface TrialStats {
  crashesInCommit: number;
  crashesWithUnsyncedSectors: number;
  recoveredUnacknowledged: number;
  discardedTails: number;
  retriedLostPayloads: number;
}

function runTrial(seed: number, stats: TrialStats): void {
  const rng = new Rng(seed);
  const sectors = rng.int(6, 40);
  // half the trials have no clock (every time 0), so a retried payload rebuilds identical frames
  const clock = rng.chance(0.5) ? new ManualClock() : undefined;
  const logId = rng.nextU32();
  let crashDevice = CrashBlockDevice.blank(sectors);
  const acknowledgedSectors = new Set<number>();
  /** every record that exists now, in order: recovered, then appended in this generation */
  let truth: Uint8Array[] = [];
  /** how many leading records of `truth` must survive any crash */
  let mustSurvive = 0;
  let lost: Uint8Array[] = [];

  for (let generation = 0; generation < GENERATIONS; generation++) {
    // generation 0 formats the log first (one write, one flush), then runs
    const counting: CutCounting = rng.chance(0.6) ? 'flushes' : 'writes-and-flushes';
    const formatCalls = generation > 0 ? 0 : counting === 'flushes' ? 1 : 2;
    const device = new PowerCutDevice(crashDevice, formatCalls + rng.int(0, counting === 'flushes' ? 4 : 10), counting, acknowledgedSectors);
    const log = generation === 0 ? RecordLog.create(device, { logId, ...(clock ? { clock } : {}) }) : RecordLog.open(device, clock ? { clock } : {}).log;

    // Retrying some of what the last crash lost, byte for byte (same seq, and
    // time 0 without a clock), rebuilds the very frames that may still lie
    // stale further on: the ones not retried must not come back.
    const queue: Uint8Array[] = lost.length > 0 && rng.chance(0.6) ? lost.slice(0, rng.int(1, lost.length)) : [];
    if (queue.length > 0) stats.retriedLostPayloads++;
    const steps = rng.int(1, 16);
    try {
      for (let step = 0; step < steps; step++) {
        if (rng.chance(0.65)) {
          const payload = queue.shift() ?? randomPayload(rng);
          try {
            const seq = log.append(payload);
            assert.equal(seq, truth.length + 1);
            truth.push(payload);
          } catch (error) {
            if (!isChimaeraError(error, 'log.full')) throw error;
          }
        } else {
          log.commit();
          mustSurvive = truth.length;
        }
        if (clock !== undefined && rng.chance(0.3)) clock.advance(rng.int(1, 1000));
      }
      crashDevice.powerFail(); // between steps: only buffered appends are lost
    } catch (error) {
      if (!isChimaeraError(error, 'dev.io')) throw error;
      stats.crashesInCommit++;
      if (crashDevice.unsyncedSectors > 0) stats.crashesWithUnsyncedSectors++;
    }

    // Power returns: each unsynced sector kept, dropped or torn.
    crashDevice = new CrashBlockDevice(crashDevice.imageAfterCrash(rng, 'random'));
    let reopened: ReturnType<typeof RecordLog.open>;
    try {
      reopened = RecordLog.open(crashDevice);
    } catch (error) {
      throw new Error(`trial ${seed}, generation ${generation}: recovery threw ${String(error)}`);
    }
    const records = [...reopened.log.records()];
    const where = `trial ${seed}, generation ${generation}`;
    assert.ok(records.length >= mustSurvive, `${where}: ${records.length} records recovered, ${mustSurvive} were acknowledged`);
    assert.ok(records.length <= truth.length, `${where}: ${records.length} records recovered, only ${truth.length} were appended`);
    for (let i = 0; i < records.length; i++) {
      assert.equal(records[i]!.seq, i + 1, `${where}: sequence numbers must be contiguous`);
      assert.ok(sameBytes(records[i]!.payload, truth[i]!), `${where}: record ${i + 1} differs from what was appended`);
    }
    assert.equal(reopened.recovery.records, records.length);
    stats.recoveredUnacknowledged += records.length - mustSurvive;
    if (reopened.recovery.discardedTail) stats.discardedTails++;

    lost = truth.slice(records.length);
    truth = truth.slice(0, records.length);
    mustSurvive = records.length; // recovered records are on disk now and must stay
  }
}

test(`power loss: ${TRIALS} seeded trials of ${GENERATIONS} generations keep every acknowledged record and resurrect nothing`, () => {
  const stats: TrialStats = { crashesInCommit: 0, crashesWithUnsyncedSectors: 0, recoveredUnacknowledged: 0, discardedTails: 0, retriedLostPayloads: 0 };
  const started = performance.now();
  for (let trial = 0; trial < TRIALS; trial++) runTrial(0x5eed0000 + trial, stats);
  const seconds = (performance.now() - started) / 1000;
  console.log(`record-log crash trials: ${TRIALS} trials × ${GENERATIONS} generations in ${seconds.toFixed(1)} s`, stats);
  // The trials must actually reach the interesting states.
  assert.ok(stats.crashesInCommit > TRIALS, 'power cuts inside commits');
  assert.ok(stats.crashesWithUnsyncedSectors > TRIALS / 2, 'power cuts between a commit\'s write and its flush');
  assert.ok(stats.recoveredUnacknowledged > 0, 'some unacknowledged records survive');
  assert.ok(stats.discardedTails > TRIALS / 10, 'torn or stale tails are discarded');
  assert.ok(stats.retriedLostPayloads > TRIALS / 10, 'lost payloads are retried');
});

// ── regression: a retried record must not bring back the stale one behind it ──

/** Cuts the power at the first flush after a write touched sector `watched`. */
class CutAtFlushAfter implements BlockDevice {
  readonly sectorSize: number;
  readonly sectorCount: number;
  readonly readOnly = false;
  private touched = false;

  constructor(
    readonly inner: CrashBlockDevice,
    private readonly watched: number,
  ) {
    this.sectorSize = inner.sectorSize;
    this.sectorCount = inner.sectorCount;
  }

  read(lba: number, out: Uint8Array): void {
    this.inner.read(lba, out);
  }

  write(lba: number, data: Uint8Array): void {
    if (lba <= this.watched && this.watched < lba + data.length / this.sectorSize) this.touched = true;
    this.inner.write(lba, data);
  }

  flush(): void {
    if (this.touched) {
      this.inner.powerFail();
      fail('dev.io', 'power cut (regression)');
    }
    this.inner.flush();
  }

  close(): void {
    this.flush();
  }
}

/** the disk after the crash if, of all unsynced sectors, only `keptLba` landed */
function imageKeepingOnly(device: CrashBlockDevice, keptLba: number): Uint8Array {
  const image = device.durableImage();
  const landed = device.imageAfterCrash(new Rng(1), 'keep');
  image.set(landed.subarray(keptLba * SECTOR, (keptLba + 1) * SECTOR), keptLba * SECTOR);
  return image;
}

test('regression: records retried after a lost commit do not resurrect the stale record behind them', () => {
  const retried = new Uint8Array(SECTOR - FRAME_HEADER_SIZE).fill(0xaa); // its frame fills one sector exactly
  const stale = new Uint8Array(10).fill(0xbb);
  for (const life of ['created', 'reopened'] as const) {
    // Data starts at sector 1 after create, at sector 2 after the epoch marker of a reopening.
    let crash = CrashBlockDevice.blank(16);
    const staleLba = life === 'created' ? 2 : 3;
    let log: RecordLog;
    if (life === 'created') {
      log = RecordLog.create(new CutAtFlushAfter(crash, staleLba), { logId: 42 });
    } else {
      RecordLog.create(crash, { logId: 42 });
      log = RecordLog.open(new CutAtFlushAfter(crash, staleLba)).log;
    }
    log.append(retried);
    log.append(stale);
    assert.throws(() => log.commit(), (e) => isChimaeraError(e, 'dev.io'));

    // Only the sector holding `stale` landed; `retried` (and an unflushed marker, if any) did not.
    crash = new CrashBlockDevice(imageKeepingOnly(crash, staleLba));
    const next = RecordLog.open(crash).log;
    assert.equal(next.committedSeq, 0, `${life}: nothing was acknowledged`);
    next.appendCommitted(retried); // the application retries the first record only
    const records = [...RecordLog.open(crash).log.records()];
    assert.deepEqual(
      records.map((r) => r.payload[0]),
      [0xaa],
      `${life}: the stale record behind the retried one came back`,
    );
  }
});
