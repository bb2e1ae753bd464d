/**
 * Record log frames: the fixed header in front of every record, padding
 * and epoch marker on the device.
 *
 * Layout (little-endian, FRAME_HEADER_SIZE bytes, then `length` payload bytes):
 *
 *   off size field
 *     0    2 magic    FRAME_MAGIC
 *     2    1 kind     1 record, 2 padding, 3 epoch (see FrameKind)
 *     3    1 reserved 0
 *     4    4 length   payload [bytes]
 *     8    4 seq      record: its sequence number (1, 2, ...);
 *                     padding/epoch: the last record's number (they take none)
 *    12    4 epoch    writer generation (record-log.ts explains epochs)
 *    16    8 time     f64 wall time [ms since the Unix epoch]; 0 without a clock
 *    24    4 crc      chained CRC-32: crc32(bytes [0, 24) ++ payload) continued
 *                     from the previous frame's crc (the first frame continues
 *                     from the log header's crc)
 *
 * Placement rules, shared by the writer and the recovery scan:
 *   - a frame never starts where fewer than FRAME_HEADER_SIZE bytes remain
 *     in the sector; those bytes are skipped (written as zeros);
 *   - padding and epoch frames run exactly to the end of their sector, their
 *     payload is zeros.
 * Records may span any number of sectors.
 */

import { crc32 } from '../../common/index.ts';

export const FRAME_MAGIC = 0x4652;
/** encoded frame header size [bytes] */
export const FRAME_HEADER_SIZE = 28;
/** offset of the crc field; the checksum covers the header bytes before it [bytes] */
export const FRAME_CRC_OFFSET = 24;

export type FrameKind = 'record' | 'padding' | 'epoch';

const KIND_CODES: Readonly<Record<FrameKind, number>> = { record: 1, padding: 2, epoch: 3 };

/** kind byte → kind; undefined marks an unknown kind byte */
const KIND_BY_CODE: readonly (FrameKind | undefined)[] = [undefined, 'record', 'padding', 'epoch'];

export interface FrameHeader {
  readonly kind: FrameKind;
  /** payload [bytes] */
  readonly length: number;
  readonly seq: number;
  readonly epoch: number;
  /** [ms since the Unix epoch] */
  readonly time: number;
  /** chained CRC-32 as stored */
  readonly crc: number;
}

/** A decoded header whose magic or kind byte may be wrong (the scan decides). */
export interface RawFrameHeader {
  readonly magic: number;
  /** undefined when the kind byte is not one we know */
  readonly kind: FrameKind | undefined;
  readonly length: number;
  readonly seq: number;
  readonly epoch: number;
  readonly time: number;
  readonly crc: number;
}

export function frameHeaderEncodingLength(_value?: FrameHeader): number {
  return FRAME_HEADER_SIZE;
}

/** Encode the header fields (crc as given) at `view[offset ...]`. */
export function encodeFrameHeader(value: FrameHeader, view: DataView, offset: number): void {
  view.setUint16(offset + 0, FRAME_MAGIC, true);
  view.setUint8(offset + 2, KIND_CODES[value.kind]);
  view.setUint8(offset + 3, 0);
  view.setUint32(offset + 4, value.length, true);
  view.setUint32(offset + 8, value.seq, true);
  view.setUint32(offset + 12, value.epoch, true);
  view.setFloat64(offset + 16, value.time, true);
  view.setUint32(offset + FRAME_CRC_OFFSET, value.crc, true);
}

/** Decode a header as stored; never throws on content. */
export function decodeFrameHeader(view: DataView, offset: number): { value: RawFrameHeader; length: number } {
  const value: RawFrameHeader = {
    magic: view.getUint16(offset + 0, true),
    kind: KIND_BY_CODE[view.getUint8(offset + 2)],
    length: view.getUint32(offset + 4, true),
    seq: view.getUint32(offset + 8, true),
    epoch: view.getUint32(offset + 12, true),
    time: view.getFloat64(offset + 16, true),
    crc: view.getUint32(offset + FRAME_CRC_OFFSET, true),
  };
  return { value, length: FRAME_HEADER_SIZE };
}

/**
 * Compute and store the chained crc of the complete frame (header and
 * payload) at `bytes[offset ...]`, continuing from `previousCrc`. Returns it.
 */
export function sealFrame(bytes: Uint8Array, view: DataView, offset: number, previousCrc: number): number {
  const length = view.getUint32(offset + 4, true);
  const payloadStart = offset + FRAME_HEADER_SIZE;
  const headerCrc = crc32(bytes, previousCrc, offset, offset + FRAME_CRC_OFFSET);
  const crc = crc32(bytes, headerCrc, payloadStart, payloadStart + length);
  view.setUint32(offset + FRAME_CRC_OFFSET, crc, true);
  return crc;
}

// ── placement rules ────────────────────────────────────────────────────────

/** Where the next frame starts if the previous one ended at `position` [bytes]. */
export function nextFrameStart(position: number, sectorSize: number): number {
  const remaining = sectorSize - (position % sectorSize);
  return remaining < FRAME_HEADER_SIZE ? position + remaining : position;
}

/** First byte of the sector after the one holding `position` [bytes]. */
export function sectorEndAfter(position: number, sectorSize: number): number {
  return (Math.floor(position / sectorSize) + 1) * sectorSize;
}
