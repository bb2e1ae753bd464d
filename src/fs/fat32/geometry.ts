/**
 * Volume geometry: where the FATs, the data area and each cluster lie, derived
 * from a boot sector and checked against the device — the single place that
 * decides "is this FAT32, and is it sane". Mount, fsck and format share it.
 *
 *   sector 0                 boot sector (BPB), backup at BPB_BkBootSec (6)
 *   sector 1                 FSInfo, backup at 7
 *   [reserved]               BPB_RsvdSecCnt sectors (32 by our mkfs)
 *   FAT copy 0 .. n-1        BPB_FATSz32 sectors each
 *   data area                cluster 2 starts here; BPB_SecPerClus sectors each
 */

import { fail } from '../../common/index.ts';
import type { BlockDevice } from '../../hal/index.ts';
import type { BootSector } from './boot-sector.ts';

/** fewest clusters a FAT32 volume may have (fewer is FAT16 by definition) */
export const FAT32_MIN_CLUSTERS = 65525;
/** most clusters: entries 0x0FFFFFF7.. are reserved, so the last cluster is 0x0FFFFFF6 */
export const FAT32_MAX_CLUSTERS = 0x0ffffff5;

export interface Geometry {
  /** [bytes] */
  readonly sectorSize: number;
  /** [sectors] */
  readonly sectorsPerCluster: number;
  /** [bytes] */
  readonly clusterSize: number;
  /** [sectors] before FAT copy 0 */
  readonly reservedSectors: number;
  readonly fatCount: number;
  /** one FAT copy [sectors] */
  readonly fatSectors: number;
  /** the volume [sectors] */
  readonly totalSectors: number;
  /** first sector of cluster 2 */
  readonly dataStart: number;
  /** data clusters; valid cluster numbers are 2 .. clusterCount + 1 */
  readonly clusterCount: number;
  readonly rootCluster: number;
  readonly fsInfoSector: number;
  readonly backupBootSector: number;
  readonly volumeId: number;
  /** BS_VolLab with trailing spaces removed ("" for NO NAME) */
  readonly label: string;
}

/** first sector of a data cluster */
export function clusterSector(geometry: Geometry, cluster: number): number {
  return geometry.dataStart + (cluster - 2) * geometry.sectorsPerCluster;
}

export function isDataCluster(geometry: Geometry, cluster: number): boolean {
  return cluster >= 2 && cluster <= geometry.clusterCount + 1;
}

/**
 * Validate a decoded boot sector against the device. Garbage and FAT12/16
 * volumes fail with fs.not_fat32; a FAT32 BPB with impossible values (or one
 * larger than the device) fails with fs.corrupt naming the field.
 */
export function geometryFromBootSector(boot: BootSector, device: BlockDevice): Geometry {
  const jumpOk = (boot.jump[0] === 0xeb && boot.jump[2] === 0x90) || boot.jump[0] === 0xe9;
  if (!boot.hasSignature) fail('fs.not_fat32', 'sector 0 lacks the 0x55AA boot signature (not a FAT volume)');
  if (!jumpOk) fail('fs.not_fat32', `sector 0 starts with 0x${boot.jump[0].toString(16)}, not a boot jump (not a FAT volume)`);
  const sectorSizes = [512, 1024, 2048, 4096];
  if (!sectorSizes.includes(boot.bytesPerSector)) fail('fs.not_fat32', `BPB_BytsPerSec ${boot.bytesPerSector} is not 512..4096 (not a FAT volume)`);
  if (boot.sectorsPerCluster === 0 || (boot.sectorsPerCluster & (boot.sectorsPerCluster - 1)) !== 0) {
    fail('fs.not_fat32', `BPB_SecPerClus ${boot.sectorsPerCluster} is not a power of two (not a FAT volume)`);
  }
  if (boot.fatSectors16 !== 0 || boot.rootEntryCount !== 0 || boot.fatSectors32 === 0) {
    fail('fs.not_fat32', 'the BPB describes a FAT12/FAT16 volume (BPB_FATSz16 or BPB_RootEntCnt is set), not FAT32');
  }
  if (boot.bytesPerSector !== device.sectorSize) {
    fail('fs.corrupt', `BPB_BytsPerSec ${boot.bytesPerSector} differs from the device's ${device.sectorSize}-byte sectors`);
  }
  if (boot.fsVersion !== 0) fail('fs.corrupt', `BPB_FSVer 0x${boot.fsVersion.toString(16)} is not 0.0`);
  if (boot.fatCount < 1 || boot.fatCount > 4) fail('fs.corrupt', `BPB_NumFATs ${boot.fatCount} is not 1..4`);
  if (boot.reservedSectors < 2) fail('fs.corrupt', `BPB_RsvdSecCnt ${boot.reservedSectors} leaves no room for FSInfo`);
  const totalSectors = boot.totalSectors16 !== 0 ? boot.totalSectors16 : boot.totalSectors32;
  if (totalSectors > device.sectorCount) {
    fail('fs.corrupt', `the volume claims ${totalSectors} sectors but the device has only ${device.sectorCount} (truncated image?)`, {
      totalSectors,
      deviceSectors: device.sectorCount,
    });
  }
  const dataStart = boot.reservedSectors + boot.fatCount * boot.fatSectors32;
  if (dataStart >= totalSectors) fail('fs.corrupt', `the FATs (ending at sector ${dataStart}) leave no data area in ${totalSectors} sectors`);
  const clusterCount = Math.floor((totalSectors - dataStart) / boot.sectorsPerCluster);
  if (clusterCount < 1 || clusterCount > FAT32_MAX_CLUSTERS) fail('fs.corrupt', `the volume has ${clusterCount} clusters, outside FAT32's range`);
  if (boot.fatSectors32 * (boot.bytesPerSector / 4) < clusterCount + 2) {
    fail('fs.corrupt', `BPB_FATSz32 ${boot.fatSectors32} sectors cannot hold ${clusterCount + 2} FAT entries`);
  }
  if (boot.rootCluster < 2 || boot.rootCluster > clusterCount + 1) fail('fs.corrupt', `BPB_RootClus ${boot.rootCluster} is outside clusters 2..${clusterCount + 1}`);
  if (boot.fsInfoSector === 0 || boot.fsInfoSector >= boot.reservedSectors) {
    fail('fs.corrupt', `BPB_FSInfo ${boot.fsInfoSector} is outside the reserved region`);
  }
  return {
    sectorSize: boot.bytesPerSector,
    sectorsPerCluster: boot.sectorsPerCluster,
    clusterSize: boot.bytesPerSector * boot.sectorsPerCluster,
    reservedSectors: boot.reservedSectors,
    fatCount: boot.fatCount,
    fatSectors: boot.fatSectors32,
    totalSectors,
    dataStart,
    clusterCount,
    rootCluster: boot.rootCluster,
    fsInfoSector: boot.fsInfoSector,
    backupBootSector: boot.backupBootSector,
    volumeId: boot.volumeId,
    label: boot.bootSignature === 0x29 && boot.volumeLabel !== 'NO NAME    ' ? boot.volumeLabel.replace(/ +$/, '') : '',
  };
}

/**
 * Cluster size Microsoft's format tools pick for a FAT32 volume (spec §3.5,
 * table for 512-byte sectors, scaled to bytes): ≤ 260 MB → 512 B,
 * ≤ 8 GB → 4 KiB, ≤ 16 GB → 8 KiB, ≤ 32 GB → 16 KiB, else 32 KiB.
 */
export function defaultClusterSize(totalBytes: number): number {
  if (totalBytes <= 532480 * 512) return 512;
  if (totalBytes <= 16777216 * 512) return 4096;
  if (totalBytes <= 33554432 * 512) return 8192;
  if (totalBytes <= 67108864 * 512) return 16384;
  return 32768;
}

/**
 * Smallest FAT (per copy) [sectors] that covers every cluster left after the
 * reserved region and the FATs themselves. More FAT sectors leave fewer
 * clusters, so "covers" is monotonic in the FAT size: binary search.
 */
export function fatSectorsFor(totalSectors: number, reservedSectors: number, fatCount: number, sectorsPerCluster: number, sectorSize: number): number {
  const covers = (fatSectors: number): boolean => {
    const clusters = Math.max(0, Math.floor((totalSectors - reservedSectors - fatCount * fatSectors) / sectorsPerCluster));
    return fatSectors * (sectorSize / 4) >= clusters + 2;
  };
  let low = 1;
  let high = Math.max(1, Math.ceil(((totalSectors / sectorsPerCluster + 2) * 4) / sectorSize));
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (covers(middle)) high = middle;
    else low = middle + 1;
  }
  return low;
}
