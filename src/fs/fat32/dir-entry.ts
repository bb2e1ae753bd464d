/**
 * FAT directory entries: the 32-byte short (8.3) entry and the 32-byte long
 * file name (LFN) entry, plus the FAT date/time encoding.
 *
 * Layout from the Microsoft FAT specification §6 (short entries) and §7
 * (long names). A directory is an array of 32-byte slots; slot byte 0 is
 * 0x00 for "free, and every later slot is free too", 0xE5 for "deleted".
 * A long name is stored as up to 20 LFN slots in reverse order just before
 * its short entry; each carries 13 UTF-16 units, its ordinal (0x40 set on
 * the last, which comes first on disk) and the checksum of the short name.
 */

export const ENTRY_SIZE = 32;
/** slot byte 0: this and every following slot are free */
export const SLOT_END = 0x00;
/** slot byte 0: deleted entry */
export const SLOT_DELETED = 0xe5;
/** slot byte 0 stand-in for a real leading 0xE5 byte in a short name */
export const SLOT_KANJI_E5 = 0x05;

export const ATTR_READ_ONLY = 0x01;
export const ATTR_HIDDEN = 0x02;
export const ATTR_SYSTEM = 0x04;
export const ATTR_VOLUME_ID = 0x08;
export const ATTR_DIRECTORY = 0x10;
export const ATTR_ARCHIVE = 0x20;
/** READ_ONLY | HIDDEN | SYSTEM | VOLUME_ID marks an LFN slot */
export const ATTR_LONG_NAME = 0x0f;

/** NT reserved byte (DIR_NTRes): base name stored upper case, shown lower case */
export const CASE_LOWER_BASE = 0x08;
/** NT reserved byte (DIR_NTRes): extension stored upper case, shown lower case */
export const CASE_LOWER_EXT = 0x10;

// ── short entry ────────────────────────────────────────────────────────────

export interface ShortEntry {
  /** DIR_Name: 11 bytes, 8 base + 3 extension, space padded, no dot */
  readonly name: Uint8Array;
  /** DIR_Attr: ATTR_* bits */
  readonly attributes: number;
  /** DIR_NTRes: CASE_LOWER_* bits */
  readonly caseFlags: number;
  /** DIR_CrtTimeTenth: 0..199 [10 ms] */
  readonly createTenths: number;
  /** DIR_CrtTime / DIR_CrtDate: FAT time and date words */
  readonly createTime: number;
  readonly createDate: number;
  /** DIR_LstAccDate: FAT date word */
  readonly accessDate: number;
  /** DIR_FstClusHI << 16 | DIR_FstClusLO: first cluster, 0 for an empty file */
  readonly firstCluster: number;
  /** DIR_WrtTime / DIR_WrtDate: FAT time and date words */
  readonly writeTime: number;
  readonly writeDate: number;
  /** DIR_FileSize [bytes], 0 for directories */
  readonly size: number;
}

export function decodeShortEntry(bytes: Uint8Array, offset: number): { value: ShortEntry; length: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, ENTRY_SIZE);
  const value: ShortEntry = {
    name: bytes.slice(offset, offset + 11),
    attributes: view.getUint8(11),
    caseFlags: view.getUint8(12),
    createTenths: view.getUint8(13),
    createTime: view.getUint16(14, true),
    createDate: view.getUint16(16, true),
    accessDate: view.getUint16(18, true),
    firstCluster: ((view.getUint16(20, true) << 16) | view.getUint16(26, true)) >>> 0,
    writeTime: view.getUint16(22, true),
    writeDate: view.getUint16(24, true),
    size: view.getUint32(28, true),
  };
  return { value, length: ENTRY_SIZE };
}

export function encodeShortEntry(value: ShortEntry, bytes: Uint8Array, offset: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, ENTRY_SIZE);
  bytes.set(value.name.subarray(0, 11), offset);
  view.setUint8(11, value.attributes);
  view.setUint8(12, value.caseFlags);
  view.setUint8(13, value.createTenths);
  view.setUint16(14, value.createTime, true);
  view.setUint16(16, value.createDate, true);
  view.setUint16(18, value.accessDate, true);
  view.setUint16(20, (value.firstCluster >>> 16) & 0xffff, true);
  view.setUint16(22, value.writeTime, true);
  view.setUint16(24, value.writeDate, true);
  view.setUint16(26, value.firstCluster & 0xffff, true);
  view.setUint32(28, value.size >>> 0, true);
}

// ── long-name entry ────────────────────────────────────────────────────────

/** UTF-16 units carried by one LFN slot */
export const LFN_UNITS_PER_ENTRY = 13;
/** LDIR_Ord bit marking the last (highest) slot of a long name */
export const LFN_LAST = 0x40;
/** byte offsets of the 13 UTF-16 units inside an LFN slot (LDIR_Name1, Name2, Name3) */
const LFN_UNIT_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30] as const;

export interface LfnEntry {
  /** LDIR_Ord: sequence number 1..20, | LFN_LAST on the last */
  readonly order: number;
  /** 13 UTF-16 code units: the name part, then 0x0000, then 0xFFFF padding */
  readonly units: Uint16Array;
  /** LDIR_Chksum: checksum of the short name this belongs to */
  readonly checksum: number;
}

export function decodeLfnEntry(bytes: Uint8Array, offset: number): { value: LfnEntry; length: number } {
  const units = new Uint16Array(LFN_UNITS_PER_ENTRY);
  for (let i = 0; i < LFN_UNITS_PER_ENTRY; i++) {
    const at = offset + LFN_UNIT_OFFSETS[i]!;
    units[i] = bytes[at]! | (bytes[at + 1]! << 8);
  }
  return { value: { order: bytes[offset]!, units, checksum: bytes[offset + 13]! }, length: ENTRY_SIZE };
}

export function encodeLfnEntry(value: LfnEntry, bytes: Uint8Array, offset: number): void {
  bytes.fill(0, offset, offset + ENTRY_SIZE);
  bytes[offset] = value.order;
  bytes[offset + 11] = ATTR_LONG_NAME;
  bytes[offset + 12] = 0; // LDIR_Type
  bytes[offset + 13] = value.checksum;
  for (let i = 0; i < LFN_UNITS_PER_ENTRY; i++) {
    const at = offset + LFN_UNIT_OFFSETS[i]!;
    bytes[at] = value.units[i]! & 0xff;
    bytes[at + 1] = value.units[i]! >>> 8;
  }
  // LDIR_FstClusLO (26..27) stays 0
}

/** true when the 32-byte slot at `offset` is an LFN slot (attribute byte == 0x0F) */
export function isLfnSlot(bytes: Uint8Array, offset: number): boolean {
  return (bytes[offset + 11]! & 0x3f) === ATTR_LONG_NAME;
}

// ── date and time ──────────────────────────────────────────────────────────

export interface FatTimestamp {
  /** bits 15-9 year-1980, 8-5 month 1..12, 4-0 day 1..31 */
  readonly date: number;
  /** bits 15-11 hours, 10-5 minutes, 4-0 seconds/2 */
  readonly time: number;
  /** extra time for creation stamps, 0..199 [10 ms] */
  readonly tenths: number;
}

/** FAT has no time zone; ChimaeraOS stores UTC. Clamped to 1980-01-01 .. 2107-12-31. */
export function encodeTimestamp(epochMs: number): FatTimestamp {
  const lowest = Date.UTC(1980, 0, 1);
  const highest = Date.UTC(2107, 11, 31, 23, 59, 59);
  const clamped = Math.min(highest, Math.max(lowest, Math.floor(epochMs)));
  const d = new Date(clamped);
  const date = ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1);
  const tenths = (d.getUTCSeconds() & 1) * 100 + Math.floor(d.getUTCMilliseconds() / 10);
  return { date, time, tenths };
}

/** [ms since epoch, UTC]; a zero or invalid date decodes as 1980-01-01 */
export function decodeTimestamp(date: number, time: number, tenths = 0): number {
  const year = 1980 + (date >>> 9);
  const month = Math.min(12, Math.max(1, (date >>> 5) & 0x0f));
  const day = Math.max(1, date & 0x1f);
  const hours = Math.min(23, time >>> 11);
  const minutes = Math.min(59, (time >>> 5) & 0x3f);
  const seconds = Math.min(59, (time & 0x1f) * 2);
  return Date.UTC(year, month - 1, day, hours, minutes, seconds) + Math.min(199, tenths) * 10;
}
