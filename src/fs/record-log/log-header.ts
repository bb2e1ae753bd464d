/**
 * Record log, sector 0: the log header.
 *
 * Written once, by `RecordLog.create`, and flushed before any record is
 * written; never rewritten. Its CRC-32 seeds the checksum chain of the
 * records (frame.ts), so frames left on the same sectors by an earlier log
 * (another id or creation time) never validate in this one.
 *
 * Layout (little-endian, LOG_HEADER_SIZE bytes at the start of sector 0,
 * the rest of the sector is zero):
 *
 *   off size field
 *     0    4 magic         "CHRL" (0x4c524843 read as u32 LE)
 *     4    2 version       LOG_VERSION
 *     6    2 headerSize    LOG_HEADER_SIZE
 *     8    4 sectorSize    [bytes] of the device the log was created on
 *    12    4 capacity      [sectors], header sector included
 *    16    4 logId         random id of this log; part of the chain seed
 *    20    4 reserved      0
 *    24    8 createdTime   f64 wall time of creation [ms since the Unix epoch]
 *    32    4 crc           CRC-32 of bytes [0, 32)
 */

import { crc32 } from '../../common/index.ts';

/** "CHRL" as a little-endian u32 */
export const LOG_MAGIC = 0x4c524843;
export const LOG_VERSION = 1;
/** encoded size of the log header [bytes] */
export const LOG_HEADER_SIZE = 36;
/** offset of the CRC field, which covers every byte before it [bytes] */
const LOG_HEADER_CRC_OFFSET = 32;

export interface LogHeader {
  readonly magic: number;
  readonly version: number;
  /** encoded header size as stored [bytes] */
  readonly headerSize: number;
  /** [bytes] */
  readonly sectorSize: number;
  /** [sectors], header sector included */
  readonly capacity: number;
  /** u32 */
  readonly logId: number;
  /** [ms since the Unix epoch] */
  readonly createdTime: number;
  /** stored CRC-32 of the bytes before it */
  readonly crc: number;
}

/** The fields a caller chooses; magic, version, size and crc are derived. */
export type LogHeaderFields = Pick<LogHeader, 'sectorSize' | 'capacity' | 'logId' | 'createdTime'>;

export function logHeaderEncodingLength(_value?: LogHeaderFields): number {
  return LOG_HEADER_SIZE;
}

/**
 * Encode `value` at `buf[offset ...]`, computing magic, version and CRC.
 * Returns the CRC written (the seed of the record chain).
 */
export function encodeLogHeader(value: LogHeaderFields, buf: Uint8Array, offset: number): number {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  view.setUint32(offset + 0, LOG_MAGIC, true);
  view.setUint16(offset + 4, LOG_VERSION, true);
  view.setUint16(offset + 6, LOG_HEADER_SIZE, true);
  view.setUint32(offset + 8, value.sectorSize, true);
  view.setUint32(offset + 12, value.capacity, true);
  view.setUint32(offset + 16, value.logId >>> 0, true);
  view.setUint32(offset + 20, 0, true);
  view.setFloat64(offset + 24, value.createdTime, true);
  const crc = crc32(buf, 0, offset, offset + LOG_HEADER_CRC_OFFSET);
  view.setUint32(offset + LOG_HEADER_CRC_OFFSET, crc, true);
  return crc;
}

/** Decode the fields as stored; never throws on content (see `logHeaderProblem`). */
export function decodeLogHeader(view: DataView, offset: number): { value: LogHeader; length: number } {
  const value: LogHeader = {
    magic: view.getUint32(offset + 0, true),
    version: view.getUint16(offset + 4, true),
    headerSize: view.getUint16(offset + 6, true),
    sectorSize: view.getUint32(offset + 8, true),
    capacity: view.getUint32(offset + 12, true),
    logId: view.getUint32(offset + 16, true),
    createdTime: view.getFloat64(offset + 24, true),
    crc: view.getUint32(offset + LOG_HEADER_CRC_OFFSET, true),
  };
  return { value, length: LOG_HEADER_SIZE };
}

/** CRC-32 of the header bytes that the stored CRC covers. */
export function computeLogHeaderCrc(bytes: Uint8Array, offset: number): number {
  return crc32(bytes, 0, offset, offset + LOG_HEADER_CRC_OFFSET);
}

/**
 * Why a decoded header is unusable on this device, or undefined when it is
 * fine. `bytes` are the raw header bytes (for the CRC check).
 */
export function logHeaderProblem(
  header: LogHeader,
  bytes: Uint8Array,
  offset: number,
  device: { sectorSize: number; sectorCount: number },
): string | undefined {
  if (header.magic !== LOG_MAGIC) return `no record-log magic (found 0x${header.magic.toString(16).padStart(8, '0')})`;
  if (header.crc !== computeLogHeaderCrc(bytes, offset)) return 'header checksum mismatch';
  if (header.version !== LOG_VERSION) return `unsupported version ${header.version} (this build reads ${LOG_VERSION})`;
  if (header.headerSize !== LOG_HEADER_SIZE) return `header size ${header.headerSize} is not ${LOG_HEADER_SIZE}`;
  if (header.sectorSize !== device.sectorSize) {
    return `created with ${header.sectorSize}-byte sectors, device has ${device.sectorSize}-byte sectors`;
  }
  if (header.capacity < MIN_CAPACITY_SECTORS) return `capacity ${header.capacity} sectors is below the minimum ${MIN_CAPACITY_SECTORS}`;
  if (header.capacity > device.sectorCount) {
    return `capacity ${header.capacity} sectors exceeds the device (${device.sectorCount} sectors)`;
  }
  return undefined;
}

/** smallest usable log: header sector, one epoch sector, one data sector [sectors] */
export const MIN_CAPACITY_SECTORS = 3;
