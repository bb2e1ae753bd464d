/**
 * mkfs for FAT32: lay out a fresh volume on a block device.
 *
 * Layout written: 32 reserved sectors (boot sector at 0 and 6, FSInfo at 1
 * and 7), two FATs sized to cover every cluster, the root directory in
 * cluster 2 (zeroed, holding the volume-label entry when a label is given),
 * media 0xF8. The data area is not touched, so a sparse image stays sparse.
 * Cluster size follows Microsoft's table (geometry.ts) unless given.
 */

import { fail } from '../../common/index.ts';
import type { BlockDevice, Clock } from '../../hal/index.ts';
import { encodeBootSector, encodeFsInfo, type BootSector } from './boot-sector.ts';
import { ATTR_VOLUME_ID, encodeShortEntry, encodeTimestamp } from './dir-entry.ts';
import { FAT_END } from './fat-table.ts';
import { defaultClusterSize, FAT32_MAX_CLUSTERS, FAT32_MIN_CLUSTERS, fatSectorsFor } from './geometry.ts';

export interface FormatOptions {
  /** volume label: up to 11 characters A-Z 0-9 space and _-!#$%&'()@^`{}~ (stored upper case) */
  readonly label?: string;
  /** sectors per cluster: power of two, cluster ≤ 32 KiB; default from Microsoft's table */
  readonly sectorsPerCluster?: number;
  /** volume serial number; default derived from the clock */
  readonly volumeId?: number;
  /** source of the label entry's time stamp and the default volume id */
  readonly clock?: Clock;
}

/** default wall time when no clock is given, so formats are reproducible */
export const DEFAULT_WALL_TIME = Date.UTC(2026, 0, 1);

const RESERVED_SECTORS = 32;
const FAT_COUNT = 2;
const MEDIA_FIXED = 0xf8;

export function formatFat32(device: BlockDevice, options: FormatOptions = {}): void {
  const sectorSize = device.sectorSize;
  if (![512, 1024, 2048, 4096].includes(sectorSize)) fail('arg.invalid', `cannot format a device with ${sectorSize}-byte sectors (512..4096)`);
  if (device.readOnly) fail('dev.read_only', 'cannot format a read-only device');
  const totalSectors = device.sectorCount;
  if (totalSectors > 0xffffffff) fail('arg.invalid', `the device has ${totalSectors} sectors; FAT32 addresses at most 2^32 - 1`);
  const label = normalizeLabel(options.label);
  const sectorsPerCluster = options.sectorsPerCluster ?? Math.max(1, defaultClusterSize(totalSectors * sectorSize) / sectorSize);
  if (!Number.isInteger(sectorsPerCluster) || sectorsPerCluster < 1 || sectorsPerCluster > 128 || (sectorsPerCluster & (sectorsPerCluster - 1)) !== 0) {
    fail('arg.invalid', `sectorsPerCluster ${sectorsPerCluster} is not a power of two in 1..128`);
  }
  if (sectorsPerCluster * sectorSize > 32768) fail('arg.invalid', `clusters of ${sectorsPerCluster * sectorSize} bytes exceed 32 KiB`);

  const fatSectors = fatSectorsFor(totalSectors, RESERVED_SECTORS, FAT_COUNT, sectorsPerCluster, sectorSize);
  const dataStart = RESERVED_SECTORS + FAT_COUNT * fatSectors;
  const clusterCount = Math.floor((totalSectors - dataStart) / sectorsPerCluster);
  if (totalSectors <= dataStart || clusterCount < FAT32_MIN_CLUSTERS) {
    const minimumBytes = (RESERVED_SECTORS + FAT32_MIN_CLUSTERS * sectorsPerCluster) * sectorSize + FAT_COUNT * (FAT32_MIN_CLUSTERS + 2) * 4;
    fail('arg.invalid', `the device is too small for FAT32: ${Math.max(0, clusterCount)} clusters of ${sectorsPerCluster * sectorSize} bytes, at least ${FAT32_MIN_CLUSTERS} needed (about ${Math.ceil(minimumBytes / 1048576)} MiB)`, {
      clusterCount,
    });
  }
  if (clusterCount > FAT32_MAX_CLUSTERS) fail('arg.invalid', `the device is too large for FAT32 with ${sectorsPerCluster * sectorSize}-byte clusters (${clusterCount} clusters); use larger clusters`);

  const now = options.clock?.wallTime() ?? DEFAULT_WALL_TIME;
  const volumeId = (options.volumeId ?? (Math.floor(now / 1000) ^ 0x5a3c0f96)) >>> 0;

  // reserved region and both FATs start zeroed
  const chunkSectors = Math.max(1, Math.floor((1 << 20) / sectorSize));
  const zeros = new Uint8Array(chunkSectors * sectorSize);
  for (let lba = 0; lba < dataStart; lba += chunkSectors) {
    const count = Math.min(chunkSectors, dataStart - lba);
    device.write(lba, zeros.subarray(0, count * sectorSize));
  }

  const boot: BootSector = {
    jump: [0xeb, 0x58, 0x90],
    oemName: 'CHIMAERA',
    bytesPerSector: sectorSize,
    sectorsPerCluster,
    reservedSectors: RESERVED_SECTORS,
    fatCount: FAT_COUNT,
    rootEntryCount: 0,
    totalSectors16: 0,
    media: MEDIA_FIXED,
    fatSectors16: 0,
    sectorsPerTrack: 63,
    headCount: 255,
    hiddenSectors: 0,
    totalSectors32: totalSectors,
    fatSectors32: fatSectors,
    extendedFlags: 0,
    fsVersion: 0,
    rootCluster: 2,
    fsInfoSector: 1,
    backupBootSector: 6,
    driveNumber: 0x80,
    reserved1: 0,
    bootSignature: 0x29,
    volumeId,
    volumeLabel: label === '' ? 'NO NAME    ' : label.padEnd(11, ' '),
    fileSystemType: 'FAT32   ',
    hasSignature: true,
  };
  const sector = new Uint8Array(sectorSize);
  encodeBootSector(boot, sector, 0);
  // boot code: "int 0x18" (no bootable OS) right after the BPB
  sector.set([0xcd, 0x18], 90);
  if (sectorSize > 512) sector.set([0x55, 0xaa], sectorSize - 2);
  device.write(0, sector);
  device.write(6, sector);

  const info = new Uint8Array(sectorSize);
  encodeFsInfo({ valid: true, freeCount: clusterCount - 1, nextFree: 3 }, info, 0);
  device.write(1, info);
  device.write(7, info);

  // FAT[0] = media marker, FAT[1] = end of chain with the clean and no-error bits, FAT[2] = root directory
  const fatHead = new Uint32Array(sectorSize / 4);
  fatHead[0] = 0x0fffff00 | MEDIA_FIXED;
  fatHead[1] = 0x0fffffff;
  fatHead[2] = FAT_END;
  for (let copy = 0; copy < FAT_COUNT; copy++) device.write(RESERVED_SECTORS + copy * fatSectors, new Uint8Array(fatHead.buffer));

  // root directory: one zeroed cluster, optionally holding the label entry
  const root = new Uint8Array(sectorsPerCluster * sectorSize);
  if (label !== '') {
    const stamp = encodeTimestamp(now);
    const name = new Uint8Array(11).fill(0x20);
    for (let i = 0; i < label.length; i++) name[i] = label.charCodeAt(i);
    encodeShortEntry(
      { name, attributes: ATTR_VOLUME_ID, caseFlags: 0, createTenths: 0, createTime: 0, createDate: 0, accessDate: 0, firstCluster: 0, writeTime: stamp.time, writeDate: stamp.date, size: 0 },
      root,
      0,
    );
  }
  device.write(dataStart, root);
  device.flush();
}

function normalizeLabel(label: string | undefined): string {
  if (label === undefined) return '';
  const upper = label.toUpperCase().replace(/ +$/, '');
  if (upper.length > 11 || !/^[A-Z0-9 _\-!#$%&'()@^`{}~]*$/.test(upper) || upper.startsWith(' ')) {
    fail('arg.invalid', `volume label "${label}" must be at most 11 characters of A-Z 0-9 space _-!#$%&'()@^\`{}~`);
  }
  return upper;
}
