/**
 * Recovery scan: walk the frames from sector 1 and keep the longest valid
 * prefix. It is a scan, not a parse: whatever the bytes hold, it stops at
 * the first frame that does not fit and reports why; it never throws on
 * content (only device errors propagate).
 *
 * A frame at position p is accepted only if all of these hold:
 *   - p follows the previous accepted frame by the placement rule (frame.ts);
 *   - magic and kind are right, the frame ends inside the capacity;
 *   - record:        seq = last seq + 1, epoch = current epoch;
 *     padding:       seq = last seq, epoch = current, ends at its sector end;
 *     epoch marker:  seq = last seq, epoch = current + 1, ends at its sector end;
 *   - its crc equals the CRC-32 of its bytes continued from the previous
 *     accepted frame's crc (the log header's crc for the first one).
 * record-log.ts explains why this prefix holds every acknowledged record and
 * nothing stale.
 */

import { FRAME_CRC_OFFSET, FRAME_HEADER_SIZE, FRAME_MAGIC, decodeFrameHeader, nextFrameStart, sectorEndAfter } from './frame.ts';
import type { SectorReader } from './sector-reader.ts';

/** Why the scan stopped. 'blank' and 'end-of-log' are clean ends; the rest discard bytes. */
export type ScanStop =
  | 'blank'
  | 'end-of-log'
  | 'bad-magic'
  | 'bad-kind'
  | 'bad-length'
  | 'bad-placement'
  | 'bad-sequence'
  | 'bad-epoch'
  | 'bad-checksum';

export interface ScanResult {
  /** sequence number of the last valid record (0 when none) = number of records */
  readonly lastSeq: number;
  /** byte offset just past the last valid frame [bytes from the start of sector 0] */
  readonly validEnd: number;
  /** crc of the last valid frame (the chain value the next frame continues) */
  readonly chain: number;
  /** epoch of the last valid frame (1 when the log holds no epoch marker) */
  readonly epoch: number;
  /** start of each valid record's frame, index i ↔ seq i + 1 [bytes] */
  readonly recordOffsets: number[];
  /** chain value each valid record's crc continues from, index i ↔ seq i + 1 */
  readonly recordChains: number[];
  readonly stop: ScanStop;
  /** [bytes] where the scan stopped */
  readonly stopAt: number;
}

export interface ScanInput {
  readonly sectorSize: number;
  /** log capacity [bytes], header sector included */
  readonly capacityBytes: number;
  /** log header crc: the chain seed */
  readonly chainSeed: number;
}

export function scanLog(reader: SectorReader, input: ScanInput): ScanResult {
  const { sectorSize, capacityBytes } = input;
  const headerBytes = new Uint8Array(FRAME_HEADER_SIZE);
  const headerView = new DataView(headerBytes.buffer);
  const recordOffsets: number[] = [];
  const recordChains: number[] = [];
  let chain = input.chainSeed;
  let epoch = 1;
  let lastSeq = 0;
  let validEnd = sectorSize;

  const finish = (stop: ScanStop, stopAt: number): ScanResult => ({ lastSeq, validEnd, chain, epoch, recordOffsets, recordChains, stop, stopAt });

  for (;;) {
    const position = nextFrameStart(validEnd, sectorSize);
    if (position + FRAME_HEADER_SIZE > capacityBytes) return finish('end-of-log', position);
    reader.copy(position, headerBytes, 0, FRAME_HEADER_SIZE);
    if (headerBytes.every((b) => b === 0)) return finish('blank', position);

    const { value: frame } = decodeFrameHeader(headerView, 0);
    if (frame.magic !== FRAME_MAGIC) return finish('bad-magic', position);
    if (frame.kind === undefined || headerBytes[3] !== 0) return finish('bad-kind', position);
    const end = position + FRAME_HEADER_SIZE + frame.length;
    if (end > capacityBytes) return finish('bad-length', position);

    if (frame.kind === 'record') {
      if (frame.seq !== lastSeq + 1) return finish('bad-sequence', position);
      if (frame.epoch !== epoch) return finish('bad-epoch', position);
    } else {
      if (end !== sectorEndAfter(position, sectorSize)) return finish('bad-placement', position);
      if (frame.seq !== lastSeq) return finish('bad-sequence', position);
      if (frame.epoch !== (frame.kind === 'epoch' ? epoch + 1 : epoch)) return finish('bad-epoch', position);
    }

    const headerCrc = reader.checksum(position, FRAME_CRC_OFFSET, chain);
    const crc = reader.checksum(position + FRAME_HEADER_SIZE, frame.length, headerCrc);
    if (crc !== frame.crc) return finish('bad-checksum', position);

    if (frame.kind === 'record') {
      lastSeq = frame.seq;
      recordOffsets.push(position);
      recordChains.push(chain);
    }
    chain = crc;
    validEnd = end;
    epoch = frame.epoch;
  }
}
