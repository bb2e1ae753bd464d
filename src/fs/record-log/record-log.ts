/**
 * RecordLog — a crash-safe, append-only log of checksummed records over a
 * BlockDevice (a RAM disk in tests, a preallocated FAT32 file in use). The
 * episodic log and the audit log are built on it.
 *
 * Layout: sector 0 is the log header (log-header.ts); frames follow from
 * sector 1 (frame.ts): records, padding and epoch markers, each carrying a
 * CRC-32 chained to the previous frame's, seeded by the header's CRC.
 *
 * Writing. `append` encodes a record into a memory buffer and returns its
 * sequence number (1, 2, ...). `commit` pads the buffered frames to the end
 * of their last sector, writes them in one call starting at a fresh sector,
 * and flushes: then the records are acknowledged. Several appends and one
 * commit cost one flush (group commit). A sector that was part of a flushed
 * write is never written again, so an acknowledged record can never be torn
 * by a later commit.
 *
 * Epochs. Every opening of the log that writes is a new epoch (the create
 * that formats it is epoch 1). Before the first commit of a reopened log,
 * an epoch marker (epoch = last epoch in the valid prefix + 1) is written
 * right after the valid prefix, padded to its sector end, and flushed on its
 * own; only then are records of that epoch written. If the valid prefix
 * ends mid-sector (the tail of an unacknowledged commit survived), that
 * sector is rewritten with the same prefix bytes followed by the marker; it
 * held no acknowledged data, and a torn rewrite leaves the prefix as it was.
 *
 * Why recovery is right (scan.ts keeps the longest valid prefix):
 *  1. Every acknowledged record is kept. Everything up to the end of the last
 *     acknowledged commit is durable and never rewritten (only sectors past
 *     the valid prefix are ever written), and frames follow each other with
 *     no holes, so the scan walks through all of it.
 *  2. Nothing comes out of order or after a gap. The scan only accepts a frame
 *     that starts exactly where the previous one ended, with seq = last + 1,
 *     and whose CRC continues the previous frame's CRC. A record whose
 *     predecessor was lost (dropped or torn sector) breaks the chain.
 *  3. Stale bytes are never resurrected. A sector past the valid prefix may
 *     hold frames from an earlier epoch that were written but not
 *     acknowledged, for instance after a crash in which the later sectors of
 *     a commit landed and the first did not. Epoch numbers along the valid
 *     prefix strictly increase and every epoch's marker is durable before any
 *     of its records is written, so the marker of every earlier epoch that
 *     wrote anything lies inside the prefix of every later epoch; the new
 *     epoch is therefore larger than that of any frame on the device. After
 *     the new marker, the scan accepts only frames of the new epoch, and a
 *     stale frame carries an older one, even when its bytes would otherwise
 *     chain (an application that re-appends the same payloads at the same
 *     times after a crash rebuilds the very same chain values). Frames left by
 *     another log on the same sectors fail the chain because its seed (the
 *     header CRC: log id, creation time, capacity) differs.
 *  4. Unacknowledged records of the crashed epoch may survive, but only as
 *     a contiguous, correctly chained continuation of the prefix (1 and 2).
 * Probabilistic limit: a torn or foreign frame passes only by a CRC-32
 * collision (2^-32 per frame, after magic, kind, length, seq and epoch match).
 *
 * Records without a clock carry time 0. A device error during a commit
 * leaves the log failed (every call then fails with log.closed): reopen it,
 * which recovers what landed.
 */

import { fail } from '../../common/index.ts';
import type { BlockDevice, Clock } from '../../hal/index.ts';
import { FRAME_CRC_OFFSET, FRAME_HEADER_SIZE, FRAME_MAGIC, decodeFrameHeader, encodeFrameHeader, nextFrameStart, sealFrame } from './frame.ts';
import { LOG_HEADER_SIZE, MIN_CAPACITY_SECTORS, decodeLogHeader, encodeLogHeader, logHeaderProblem } from './log-header.ts';
import { planEpochSector, type EpochSector } from './epoch-marker.ts';
import { scanLog, type ScanStop } from './scan.ts';
import { SectorReader } from './sector-reader.ts';

export interface RecordLogCreateOptions {
  /** u32 id; random when omitted (a fresh id keeps an old log's frames out) */
  readonly logId?: number;
  /** source of record times; without one every time is 0 */
  readonly clock?: Clock;
  /** log size [sectors], header included; default: the whole device */
  readonly capacitySectors?: number;
}

export interface RecordLogOpenOptions {
  /** source of record times; without one every time is 0 */
  readonly clock?: Clock;
}

/** What recovery found when the log was opened. */
export interface RecordLogRecovery {
  /** valid records found (= last sequence number) */
  readonly records: number;
  /** end of the valid prefix [bytes from the start of sector 0] */
  readonly validBytes: number;
  /** true when the scan stopped on bytes that were not blank: a torn or lost commit, or stale frames */
  readonly discardedTail: boolean;
  /** why the scan stopped */
  readonly stop: ScanStop;
  /** where the scan stopped [bytes] */
  readonly stopAt: number;
  /** the epoch this opening writes under */
  readonly epoch: number;
}

export interface LogRecord {
  readonly seq: number;
  /** [ms since the Unix epoch]; 0 when the log had no clock */
  readonly time: number;
  /** a fresh copy the caller owns */
  readonly payload: Uint8Array;
}

type LogState = 'open' | 'failed' | 'closed';

/** the largest sequence number the u32 field holds */
const MAX_SEQ = 0xffffffff;

export class RecordLog {
  readonly device: BlockDevice;
  /** [bytes] */
  readonly sectorSize: number;
  /** [bytes], header sector included */
  readonly capacityBytes: number;
  readonly logId: number;
  /** [ms since the Unix epoch] */
  readonly createdTime: number;
  /** the epoch this opening writes under */
  readonly epoch: number;
  private readonly clock: Clock | undefined;
  private state: LogState = 'open';

  // ── committed state ──
  /** where the next commit starts, sector aligned [bytes] */
  private committedEnd: number;
  /** frame start of each committed record, index i ↔ seq i + 1 [bytes] */
  private readonly recordOffsets: number[];
  /** chain value each committed record's crc continues from, index i ↔ seq i + 1 */
  private readonly recordChains: number[];
  private pendingEpochSector: EpochSector | undefined;

  // ── buffered: appended, not yet committed ──
  /** frames from committedEnd on; every byte past bufferEnd is zero */
  private buffer: Uint8Array;
  private bufferView: DataView;
  /** end of the last buffered frame [bytes from the start of sector 0] */
  private bufferEnd: number;
  private bufferChain: number;
  private readonly bufferOffsets: number[] = [];
  private readonly bufferChains: number[] = [];

  private constructor(device: BlockDevice, init: {
    capacityBytes: number;
    logId: number;
    createdTime: number;
    epoch: number;
    clock: Clock | undefined;
    committedEnd: number;
    chain: number;
    recordOffsets: number[];
    recordChains: number[];
    pendingEpochSector: EpochSector | undefined;
  }) {
    this.device = device;
    this.sectorSize = device.sectorSize;
    this.capacityBytes = init.capacityBytes;
    this.logId = init.logId;
    this.createdTime = init.createdTime;
    this.epoch = init.epoch;
    this.clock = init.clock;
    this.committedEnd = init.committedEnd;
    this.recordOffsets = init.recordOffsets;
    this.recordChains = init.recordChains;
    this.pendingEpochSector = init.pendingEpochSector;
    this.buffer = new Uint8Array(4 * this.sectorSize);
    this.bufferView = new DataView(this.buffer.buffer);
    this.bufferEnd = this.committedEnd;
    this.bufferChain = init.chain;
  }

  // ── create and open ──────────────────────────────────────────────────────

  /** Format `device` as an empty log (header in sector 0) and flush. */
  static create(device: BlockDevice, options: RecordLogCreateOptions = {}): RecordLog {
    const sectorSize = device.sectorSize;
    const capacity = options.capacitySectors ?? device.sectorCount;
    if (sectorSize < 64) fail('arg.invalid', `record log needs sectors of at least 64 bytes, the device has ${sectorSize}`);
    if (!Number.isInteger(capacity) || capacity < MIN_CAPACITY_SECTORS || capacity > device.sectorCount || capacity > 0xffffffff) {
      fail('arg.invalid', `record log capacity of ${capacity} sectors must lie in ${MIN_CAPACITY_SECTORS}..${device.sectorCount} (the device)`, {
        capacity,
      });
    }
    const logId = (options.logId ?? Math.floor(Math.random() * 0x100000000)) >>> 0;
    const createdTime = options.clock?.wallTime() ?? 0;
    const sector = new Uint8Array(sectorSize);
    const chainSeed = encodeLogHeader({ sectorSize, capacity, logId, createdTime }, sector, 0);
    device.write(0, sector);
    device.flush();
    return new RecordLog(device, {
      capacityBytes: capacity * sectorSize,
      logId,
      createdTime,
      epoch: 1,
      clock: options.clock,
      committedEnd: sectorSize,
      chain: chainSeed,
      recordOffsets: [],
      recordChains: [],
      pendingEpochSector: undefined,
    });
  }

  /**
   * Open an existing log: check the header (log.corrupt when unusable), scan
   * for the longest valid prefix (never fails on content), and plan the
   * epoch marker the first commit writes. Writes nothing by itself.
   */
  static open(device: BlockDevice, options: RecordLogOpenOptions = {}): { log: RecordLog; recovery: RecordLogRecovery } {
    const sectorSize = device.sectorSize;
    if (sectorSize < LOG_HEADER_SIZE || device.sectorCount < 1) {
      fail('log.corrupt', `a device of ${device.sectorCount} sectors of ${sectorSize} bytes cannot hold a record log`);
    }
    const sector = new Uint8Array(sectorSize);
    device.read(0, sector);
    const { value: header } = decodeLogHeader(new DataView(sector.buffer), 0);
    const problem = logHeaderProblem(header, sector, 0, device);
    if (problem !== undefined) fail('log.corrupt', `record log header in sector 0: ${problem}`, { problem });

    const capacityBytes = header.capacity * sectorSize;
    const scan = scanLog(new SectorReader(device, capacityBytes), { sectorSize, capacityBytes, chainSeed: header.crc });
    const epoch = scan.epoch + 1;
    const marker = planEpochSector(device, scan, epoch, options.clock?.wallTime() ?? 0, capacityBytes);
    const log = new RecordLog(device, {
      capacityBytes,
      logId: header.logId,
      createdTime: header.createdTime,
      epoch,
      clock: options.clock,
      // no room for the marker: the log is full, every append says so
      committedEnd: marker === undefined ? capacityBytes : (marker.sector.lba + 1) * sectorSize,
      chain: marker === undefined ? scan.chain : marker.chain,
      recordOffsets: scan.recordOffsets,
      recordChains: scan.recordChains,
      pendingEpochSector: marker?.sector,
    });
    const recovery: RecordLogRecovery = {
      records: scan.lastSeq,
      validBytes: scan.validEnd,
      discardedTail: scan.stop !== 'blank' && scan.stop !== 'end-of-log',
      stop: scan.stop,
      stopAt: scan.stopAt,
      epoch,
    };
    return { log, recovery };
  }

  // ── state ────────────────────────────────────────────────────────────────

  /** sequence number of the last appended record, committed or buffered (0 when none) */
  get lastSeq(): number {
    return this.recordOffsets.length + this.bufferOffsets.length;
  }

  /** sequence number of the last acknowledged record (0 when none) */
  get committedSeq(): number {
    return this.recordOffsets.length;
  }

  /** records appended but not yet committed */
  get pendingRecords(): number {
    return this.bufferOffsets.length;
  }

  /** bytes taken by committed data, header and planned epoch marker included [bytes] */
  get usedBytes(): number {
    return this.committedEnd;
  }

  /** the largest payload this log can ever hold (empty, reopened once) [bytes] */
  get maxPayloadBytes(): number {
    return this.capacityBytes - 2 * this.sectorSize - FRAME_HEADER_SIZE;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  // ── writing ──────────────────────────────────────────────────────────────

  /**
   * Buffer one record; returns its sequence number. Nothing reaches the
   * device until `commit`. Fails with log.record_too_large (never fits) or
   * log.full (does not fit in what is left); either way nothing changes.
   */
  append(payload: Uint8Array): number {
    this.checkOpen('append');
    if (payload.length > this.maxPayloadBytes) {
      fail('log.record_too_large', `record of ${payload.length} bytes exceeds this log's limit of ${this.maxPayloadBytes} bytes`, {
        length: payload.length,
        limit: this.maxPayloadBytes,
      });
    }
    const seq = this.lastSeq + 1;
    const start = nextFrameStart(this.bufferEnd, this.sectorSize);
    const end = start + FRAME_HEADER_SIZE + payload.length;
    if (end > this.capacityBytes || seq > MAX_SEQ) {
      fail('log.full', `record log is full: a ${payload.length}-byte record needs ${end - this.bufferEnd} bytes, ${this.capacityBytes - this.bufferEnd} are left`, {
        needed: end - this.bufferEnd,
        left: this.capacityBytes - this.bufferEnd,
      });
    }
    this.growBuffer(end - this.committedEnd);
    const at = start - this.committedEnd;
    encodeFrameHeader(
      { kind: 'record', length: payload.length, seq, epoch: this.epoch, time: this.clock?.wallTime() ?? 0, crc: 0 },
      this.bufferView,
      at,
    );
    this.buffer.set(payload, at + FRAME_HEADER_SIZE);
    this.bufferOffsets.push(start);
    this.bufferChains.push(this.bufferChain);
    this.bufferChain = sealFrame(this.buffer, this.bufferView, at, this.bufferChain);
    this.bufferEnd = end;
    return seq;
  }

  /**
   * Write the buffered records, padded to a sector end, and flush: once this
   * returns they are acknowledged. One write and one flush (plus, on the
   * first commit after open, the epoch marker's write and flush). A device
   * error leaves the log failed; reopen it to recover.
   */
  commit(): void {
    this.checkOpen('commit');
    if (this.bufferOffsets.length === 0) return;
    const sectorSize = this.sectorSize;
    let end = this.bufferEnd;
    let chain = this.bufferChain;
    const remaining = sectorSize - (end % sectorSize);
    if (remaining !== sectorSize && remaining >= FRAME_HEADER_SIZE) {
      const at = end - this.committedEnd;
      const padding = { kind: 'padding', length: remaining - FRAME_HEADER_SIZE, seq: this.lastSeq, epoch: this.epoch, time: 0, crc: 0 } as const;
      encodeFrameHeader(padding, this.bufferView, at);
      chain = sealFrame(this.buffer, this.bufferView, at, chain);
    }
    end = Math.ceil(end / sectorSize) * sectorSize;
    const length = end - this.committedEnd;
    try {
      if (this.pendingEpochSector !== undefined) {
        this.device.write(this.pendingEpochSector.lba, this.pendingEpochSector.bytes);
        this.device.flush();
        this.pendingEpochSector = undefined;
      }
      this.device.write(this.committedEnd / sectorSize, this.buffer.subarray(0, length));
      this.device.flush();
    } catch (error) {
      this.state = 'failed';
      throw error;
    }
    for (let i = 0; i < this.bufferOffsets.length; i++) {
      this.recordOffsets.push(this.bufferOffsets[i]!);
      this.recordChains.push(this.bufferChains[i]!);
    }
    this.bufferOffsets.length = 0;
    this.bufferChains.length = 0;
    this.buffer.fill(0, 0, length);
    this.committedEnd = end;
    this.bufferEnd = end;
    this.bufferChain = chain;
  }

  /** append + commit: one record, acknowledged on return */
  appendCommitted(payload: Uint8Array): number {
    const seq = this.append(payload);
    this.commit();
    return seq;
  }

  /** Commit what is buffered, then close; the device stays open (the caller owns it). */
  close(): void {
    try {
      if (this.state === 'open') this.commit();
    } finally {
      this.state = 'closed';
    }
  }

  // ── reading ──────────────────────────────────────────────────────────────

  /**
   * The committed records with seq >= fromSeq, in order, read from the
   * device and checked against their chained crc (log.corrupt if a record
   * changed on disk since it was written or recovered). Records committed
   * while iterating are not included.
   */
  *records(fromSeq = 1): Generator<LogRecord, void, undefined> {
    this.checkReadable();
    const last = this.committedSeq;
    const reader = new SectorReader(this.device, this.capacityBytes);
    const headerBytes = new Uint8Array(FRAME_HEADER_SIZE);
    const headerView = new DataView(headerBytes.buffer);
    for (let seq = Math.max(1, Math.floor(fromSeq)); seq <= last; seq++) {
      this.checkReadable();
      const position = this.recordOffsets[seq - 1]!;
      reader.copy(position, headerBytes, 0, FRAME_HEADER_SIZE);
      const { value: frame } = decodeFrameHeader(headerView, 0);
      const intact =
        frame.magic === FRAME_MAGIC && frame.kind === 'record' && frame.seq === seq && position + FRAME_HEADER_SIZE + frame.length <= this.capacityBytes;
      const crc = intact ? reader.checksum(position + FRAME_HEADER_SIZE, frame.length, reader.checksum(position, FRAME_CRC_OFFSET, this.recordChains[seq - 1]!)) : 0;
      if (!intact || crc !== frame.crc) {
        fail('log.corrupt', `record ${seq} at byte ${position} changed on disk since it was written`, { seq, position });
      }
      const payload = new Uint8Array(frame.length);
      reader.copy(position + FRAME_HEADER_SIZE, payload, 0, frame.length);
      yield { seq, time: frame.time, payload };
    }
  }

  // ── helpers ──────────────────────────────────────────────────────────────

  private checkOpen(operation: string): void {
    if (this.state === 'failed') fail('log.closed', `cannot ${operation}: a device error during an earlier commit closed the log; reopen it to recover`);
    if (this.state === 'closed') fail('log.closed', `cannot ${operation}: the record log was closed`);
    if (this.device.readOnly) fail('dev.read_only', `cannot ${operation}: the record log's device is read-only`);
  }

  private checkReadable(): void {
    if (this.state === 'closed') fail('log.closed', 'cannot read: the record log was closed');
  }

  /** make the buffer hold at least `bytes` (whole sectors, zero past the old end) */
  private growBuffer(bytes: number): void {
    if (bytes <= this.buffer.length) return;
    let size = this.buffer.length;
    while (size < bytes) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer);
    this.buffer = grown;
    this.bufferView = new DataView(grown.buffer);
  }
}
