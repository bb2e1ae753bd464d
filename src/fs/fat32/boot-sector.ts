/**
 * FAT32 on-disk codecs for the reserved region: the boot sector with its
 * BIOS Parameter Block (BPB) and the FSInfo sector.
 *
 * Offsets and field names follow the Microsoft FAT specification
 * ("Microsoft Extensible Firmware Initiative FAT32 File System
 * Specification", 2000, §3 and §5). Every multi-byte field is little-endian.
 * Codec shape: `decode(bytes, offset) → { value, length }`,
 * `encode(value, bytes, offset)`, `SIZE`.
 */

// ── Boot sector / BPB ──────────────────────────────────────────────────────

export interface BootSector {
  /** BS_jmpBoot: 3 bytes, 0xEB xx 0x90 or 0xE9 xx xx */
  readonly jump: readonly [number, number, number];
  /** BS_OEMName: 8 ASCII bytes */
  readonly oemName: string;
  /** BPB_BytsPerSec: 512, 1024, 2048 or 4096 */
  readonly bytesPerSector: number;
  /** BPB_SecPerClus: power of two 1..128 [sectors] */
  readonly sectorsPerCluster: number;
  /** BPB_RsvdSecCnt: sectors before the first FAT [sectors] */
  readonly reservedSectors: number;
  /** BPB_NumFATs: copies of the FAT, usually 2 */
  readonly fatCount: number;
  /** BPB_RootEntCnt: must be 0 on FAT32 */
  readonly rootEntryCount: number;
  /** BPB_TotSec16: must be 0 on FAT32 */
  readonly totalSectors16: number;
  /** BPB_Media: 0xF8 for fixed disks */
  readonly media: number;
  /** BPB_FATSz16: must be 0 on FAT32 */
  readonly fatSectors16: number;
  /** BPB_SecPerTrk, BPB_NumHeads: CHS geometry, informational */
  readonly sectorsPerTrack: number;
  readonly headCount: number;
  /** BPB_HiddSec: sectors before this partition */
  readonly hiddenSectors: number;
  /** BPB_TotSec32: volume size [sectors] */
  readonly totalSectors32: number;
  /** BPB_FATSz32: size of one FAT copy [sectors] */
  readonly fatSectors32: number;
  /** BPB_ExtFlags: bit 7 = mirroring disabled, bits 0-3 = active FAT */
  readonly extendedFlags: number;
  /** BPB_FSVer: must be 0.0 */
  readonly fsVersion: number;
  /** BPB_RootClus: first cluster of the root directory, usually 2 */
  readonly rootCluster: number;
  /** BPB_FSInfo: sector number of FSInfo in the reserved region, usually 1 */
  readonly fsInfoSector: number;
  /** BPB_BkBootSec: sector number of the backup boot sector, usually 6 */
  readonly backupBootSector: number;
  /** BS_DrvNum: 0x80 for hard disks */
  readonly driveNumber: number;
  /** BS_Reserved1: Windows NT / Linux keep a dirty flag in bit 0 */
  readonly reserved1: number;
  /** BS_BootSig: 0x29 when the next three fields are present */
  readonly bootSignature: number;
  /** BS_VolID: volume serial number */
  readonly volumeId: number;
  /** BS_VolLab: 11 bytes, space padded ("NO NAME    " when none) */
  readonly volumeLabel: string;
  /** BS_FilSysType: "FAT32   " (informational only) */
  readonly fileSystemType: string;
  /** bytes 510-511 == 0x55 0xAA */
  readonly hasSignature: boolean;
}

/** the BPB fits in the first 512 bytes, whatever the sector size */
export const BOOT_SECTOR_SIZE = 512;

export function decodeBootSector(bytes: Uint8Array, offset = 0): { value: BootSector; length: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, BOOT_SECTOR_SIZE);
  const value: BootSector = {
    jump: [view.getUint8(0), view.getUint8(1), view.getUint8(2)],
    oemName: ascii(bytes, offset + 3, 8),
    bytesPerSector: view.getUint16(11, true),
    sectorsPerCluster: view.getUint8(13),
    reservedSectors: view.getUint16(14, true),
    fatCount: view.getUint8(16),
    rootEntryCount: view.getUint16(17, true),
    totalSectors16: view.getUint16(19, true),
    media: view.getUint8(21),
    fatSectors16: view.getUint16(22, true),
    sectorsPerTrack: view.getUint16(24, true),
    headCount: view.getUint16(26, true),
    hiddenSectors: view.getUint32(28, true),
    totalSectors32: view.getUint32(32, true),
    fatSectors32: view.getUint32(36, true),
    extendedFlags: view.getUint16(40, true),
    fsVersion: view.getUint16(42, true),
    rootCluster: view.getUint32(44, true),
    fsInfoSector: view.getUint16(48, true),
    backupBootSector: view.getUint16(50, true),
    driveNumber: view.getUint8(64),
    reserved1: view.getUint8(65),
    bootSignature: view.getUint8(66),
    volumeId: view.getUint32(67, true),
    volumeLabel: ascii(bytes, offset + 71, 11),
    fileSystemType: ascii(bytes, offset + 82, 8),
    hasSignature: view.getUint8(510) === 0x55 && view.getUint8(511) === 0xaa,
  };
  return { value, length: BOOT_SECTOR_SIZE };
}

/** Write the BPB fields into bytes[offset, offset+512); boot code bytes 90..509 are left as they are. */
export function encodeBootSector(value: BootSector, bytes: Uint8Array, offset = 0): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, BOOT_SECTOR_SIZE);
  value.jump.forEach((b, i) => view.setUint8(i, b));
  writeAscii(bytes, offset + 3, 8, value.oemName);
  view.setUint16(11, value.bytesPerSector, true);
  view.setUint8(13, value.sectorsPerCluster);
  view.setUint16(14, value.reservedSectors, true);
  view.setUint8(16, value.fatCount);
  view.setUint16(17, value.rootEntryCount, true);
  view.setUint16(19, value.totalSectors16, true);
  view.setUint8(21, value.media);
  view.setUint16(22, value.fatSectors16, true);
  view.setUint16(24, value.sectorsPerTrack, true);
  view.setUint16(26, value.headCount, true);
  view.setUint32(28, value.hiddenSectors, true);
  view.setUint32(32, value.totalSectors32, true);
  view.setUint32(36, value.fatSectors32, true);
  view.setUint16(40, value.extendedFlags, true);
  view.setUint16(42, value.fsVersion, true);
  view.setUint32(44, value.rootCluster, true);
  view.setUint16(48, value.fsInfoSector, true);
  view.setUint16(50, value.backupBootSector, true);
  for (let i = 52; i < 64; i++) view.setUint8(i, 0); // BPB_Reserved
  view.setUint8(64, value.driveNumber);
  view.setUint8(65, value.reserved1);
  view.setUint8(66, value.bootSignature);
  view.setUint32(67, value.volumeId, true);
  writeAscii(bytes, offset + 71, 11, value.volumeLabel);
  writeAscii(bytes, offset + 82, 8, value.fileSystemType);
  view.setUint8(510, value.hasSignature ? 0x55 : 0);
  view.setUint8(511, value.hasSignature ? 0xaa : 0);
}

// ── FSInfo ─────────────────────────────────────────────────────────────────

export const FSINFO_LEAD_SIGNATURE = 0x41615252;
export const FSINFO_STRUCT_SIGNATURE = 0x61417272;
export const FSINFO_TRAIL_SIGNATURE = 0xaa550000;
/** FSI_Free_Count / FSI_Nxt_Free value meaning "unknown" */
export const FSINFO_UNKNOWN = 0xffffffff;

export interface FsInfo {
  /** all three signatures (lead 0x41615252 @0, struct 0x61417272 @484, trail 0xAA550000 @508) match */
  readonly valid: boolean;
  /** FSI_Free_Count @488: free clusters, or FSINFO_UNKNOWN */
  readonly freeCount: number;
  /** FSI_Nxt_Free @492: hint where to look for a free cluster, or FSINFO_UNKNOWN */
  readonly nextFree: number;
}

export const FSINFO_SIZE = 512;

export function decodeFsInfo(bytes: Uint8Array, offset = 0): { value: FsInfo; length: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, FSINFO_SIZE);
  const valid =
    view.getUint32(0, true) === FSINFO_LEAD_SIGNATURE &&
    view.getUint32(484, true) === FSINFO_STRUCT_SIGNATURE &&
    view.getUint32(508, true) === FSINFO_TRAIL_SIGNATURE;
  return { value: { valid, freeCount: view.getUint32(488, true), nextFree: view.getUint32(492, true) }, length: FSINFO_SIZE };
}

/** Write a whole FSInfo sector (reserved areas zeroed). An invalid value writes zero signatures. */
export function encodeFsInfo(value: FsInfo, bytes: Uint8Array, offset = 0): void {
  bytes.fill(0, offset, offset + FSINFO_SIZE);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, FSINFO_SIZE);
  if (value.valid) {
    view.setUint32(0, FSINFO_LEAD_SIGNATURE, true);
    view.setUint32(484, FSINFO_STRUCT_SIGNATURE, true);
    view.setUint32(508, FSINFO_TRAIL_SIGNATURE, true);
  }
  view.setUint32(488, value.freeCount >>> 0, true);
  view.setUint32(492, value.nextFree >>> 0, true);
}

// ── helpers ────────────────────────────────────────────────────────────────

function ascii(bytes: Uint8Array, at: number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += String.fromCharCode(bytes[at + i]!);
  return out;
}

function writeAscii(bytes: Uint8Array, at: number, length: number, text: string): void {
  for (let i = 0; i < length; i++) bytes[at + i] = i < text.length ? text.charCodeAt(i) & 0xff : 0x20;
}
