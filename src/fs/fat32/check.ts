/**
 * checkFat32: our own read-only fsck. It never writes and never throws for
 * a damaged volume; every finding is an issue with a stable code.
 *
 * Checks: the BPB (geometry.ts), boot sector vs its backup (warning), FAT
 * copies agree, every chain (loops, cross-links, pointers outside the
 * volume, free or bad clusters inside, length vs file size), directory
 * entries (first cluster in range, directories of size 0), long names
 * (ordinals, checksums, orphans), '.' and '..', lost clusters (allocated
 * but unreachable) and FSInfo's free count. Work is bounded: each cluster
 * is claimed at most once, so loops and cross-links end the walk.
 */

import { isChimaeraError } from '../../common/index.ts';
import type { BlockDevice } from '../../hal/index.ts';
import { decodeBootSector, decodeFsInfo, FSINFO_UNKNOWN } from './boot-sector.ts';
import { parseDirectory, type DirectoryImage } from './directory.ts';
import { extentsOf, FAT_BAD, FAT_CLEAN_BIT, FAT_FREE, FatTable, isEndOfChain } from './fat-table.ts';
import { geometryFromBootSector, isDataCluster, type Geometry } from './geometry.ts';
import { readSpan } from './span-io.ts';

export type Fat32CheckCode =
  | 'boot.invalid'
  | 'fat.copies_differ'
  | 'chain.out_of_range'
  | 'chain.loop'
  | 'chain.cross_linked'
  | 'chain.free_cluster'
  | 'chain.bad_cluster'
  | 'chain.too_short'
  | 'chain.too_long'
  | 'entry.bad_cluster'
  | 'entry.directory_size'
  | 'lfn.orphan'
  | 'lfn.checksum'
  | 'dot.missing'
  | 'dot.wrong'
  | 'clusters.lost'
  | 'fsinfo.signature'
  | 'fsinfo.free_count'
  | 'io';

export interface Fat32CheckIssue {
  readonly code: Fat32CheckCode;
  readonly message: string;
}

export interface Fat32CheckReport {
  /** no errors (lost clusters count as an error) */
  readonly ok: boolean;
  readonly errors: Fat32CheckIssue[];
  /** harmless findings: not cleanly unmounted, backup boot sector differs */
  readonly warnings: string[];
  /** allocated clusters no file or directory reaches */
  readonly lostClusters: number;
  readonly files: number;
  /** directories, the root included */
  readonly directories: number;
  /** clusters reached from the root */
  readonly usedClusters: number;
}

export function checkFat32(device: BlockDevice): Fat32CheckReport {
  const errors: Fat32CheckIssue[] = [];
  const warnings: string[] = [];
  const counts = { files: 0, directories: 0, lost: 0, used: 0 };
  try {
    checkVolume(device, errors, warnings, counts);
  } catch (e) {
    if (!isChimaeraError(e)) throw e;
    errors.push({ code: e.code === 'fs.not_fat32' || e.code === 'fs.corrupt' ? 'boot.invalid' : 'io', message: `${e.code}: ${e.message}` });
  }
  return { ok: errors.length === 0, errors, warnings, lostClusters: counts.lost, files: counts.files, directories: counts.directories, usedClusters: counts.used };
}

function checkVolume(device: BlockDevice, errors: Fat32CheckIssue[], warnings: string[], counts: { files: number; directories: number; lost: number; used: number }): void {
  const report = (code: Fat32CheckCode, message: string): void => {
    if (errors.length < 1000) errors.push({ code, message });
  };
  const sector = new Uint8Array(device.sectorSize);
  device.read(0, sector);
  const geometry = geometryFromBootSector(decodeBootSector(sector).value, device);
  if (geometry.backupBootSector > 0 && geometry.backupBootSector < geometry.reservedSectors) {
    const backup = new Uint8Array(device.sectorSize);
    device.read(geometry.backupBootSector, backup);
    if (!backup.subarray(0, 512).every((b, i) => b === sector[i])) warnings.push(`the backup boot sector (${geometry.backupBootSector}) differs from sector 0`);
  }

  // FAT copies
  const primary = FatTable.readCopy(device, geometry, 0);
  const last = geometry.clusterCount + 1;
  for (let copy = 1; copy < geometry.fatCount; copy++) {
    const other = FatTable.readCopy(device, geometry, copy);
    let differing = 0;
    let first = -1;
    for (let i = 0; i <= last; i++) {
      if (primary[i] !== other[i]) {
        differing++;
        if (first < 0) first = i;
      }
    }
    if (differing > 0) report('fat.copies_differ', `FAT copy ${copy + 1} differs from copy 1 in ${differing} entries (first: cluster ${first})`);
  }
  const fat = new FatTable(geometry, primary);
  if ((primary[1]! & FAT_CLEAN_BIT) === 0) warnings.push('the volume was not unmounted cleanly (FAT[1] clean bit clear)');

  // walk every chain from the root, claiming clusters
  /** cluster → id of the walk that claimed it (0 = unclaimed) */
  const owner = new Uint32Array(last + 1);
  let walkId = 0;
  const walk = (first: number, path: string): number[] => {
    walkId++;
    const chain: number[] = [];
    let cluster = first;
    for (;;) {
      if (!isDataCluster(geometry, cluster)) {
        report('chain.out_of_range', `${path}: chain points to cluster ${cluster}, outside 2..${last}`);
        break;
      }
      if (owner[cluster] !== 0) {
        if (owner[cluster] === walkId) report('chain.loop', `${path}: chain loops back to cluster ${cluster}`);
        else report('chain.cross_linked', `${path}: cluster ${cluster} also belongs to another file or directory`);
        break;
      }
      owner[cluster] = walkId;
      chain.push(cluster);
      const next = fat.get(cluster);
      if (next === FAT_FREE) {
        report('chain.free_cluster', `${path}: cluster ${cluster} in the chain is marked free`);
        break;
      }
      if (next === FAT_BAD) {
        report('chain.bad_cluster', `${path}: cluster ${cluster} in the chain is marked bad`);
        break;
      }
      if (isEndOfChain(next)) break;
      cluster = next;
    }
    return chain;
  };

  const queue: { path: string; cluster: number; parent: number }[] = [{ path: '/', cluster: geometry.rootCluster, parent: 0 }];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    counts.directories++;
    const chain = walk(dir.cluster, dir.path);
    if (chain.length === 0) continue;
    const image: DirectoryImage = { path: dir.path, firstCluster: dir.cluster, clusters: chain, bytes: new Uint8Array(chain.length * geometry.clusterSize) };
    readSpan(device, extentsOf(geometry, chain), 0, image.bytes);
    const parsed = parseDirectory(image);
    for (const issue of parsed.issues) {
      report(issue.kind === 'orphan-lfn' ? 'lfn.orphan' : 'lfn.checksum', `${dir.path}: ${issue.kind === 'orphan-lfn' ? 'orphaned long-name slot' : 'long name checksum does not match its 8.3 entry'} at slot ${issue.slot}`);
    }
    checkDots(geometry, dir, parsed.dots, report);
    const prefix = dir.path === '/' ? '/' : `${dir.path}/`;
    for (const record of parsed.records) {
      const path = prefix + record.name;
      const { firstCluster, size } = record.entry;
      if (firstCluster !== 0 && !isDataCluster(geometry, firstCluster)) {
        report('entry.bad_cluster', `${path}: first cluster ${firstCluster} is outside 2..${last}`);
        continue;
      }
      if (record.isDirectory) {
        if (size !== 0) report('entry.directory_size', `${path}: directory entry has size ${size} (must be 0)`);
        if (firstCluster === 0) report('entry.bad_cluster', `${path}: directory has no cluster`);
        else if (owner[firstCluster] !== 0) report('chain.cross_linked', `${path}: directory cluster ${firstCluster} also belongs to another file or directory`);
        else queue.push({ path, cluster: firstCluster, parent: dir.cluster });
        continue;
      }
      counts.files++;
      const fileChain = firstCluster === 0 ? [] : walk(firstCluster, path);
      const needed = Math.ceil(size / geometry.clusterSize);
      if (fileChain.length < needed) report('chain.too_short', `${path}: size ${size} needs ${needed} clusters, chain has ${fileChain.length}`);
      else if (fileChain.length > needed) report('chain.too_long', `${path}: size ${size} needs ${needed} clusters, chain has ${fileChain.length}`);
    }
  }

  let free = 0;
  for (let c = 2; c <= last; c++) {
    const value = fat.get(c);
    if (value === FAT_FREE) free++;
    else if (owner[c] !== 0) counts.used++;
    else if (value !== FAT_BAD) counts.lost++;
  }
  if (counts.lost > 0) report('clusters.lost', `${counts.lost} clusters are allocated but belong to no file or directory`);

  const info = new Uint8Array(device.sectorSize);
  device.read(geometry.fsInfoSector, info);
  const fsInfo = decodeFsInfo(info).value;
  if (!fsInfo.valid) report('fsinfo.signature', `FSInfo sector ${geometry.fsInfoSector} has bad signatures`);
  else if (fsInfo.freeCount !== FSINFO_UNKNOWN && fsInfo.freeCount !== free) {
    report('fsinfo.free_count', `FSInfo says ${fsInfo.freeCount} free clusters, the FAT has ${free}`);
  }
}

function checkDots(
  geometry: Geometry,
  dir: { path: string; cluster: number; parent: number },
  dots: ReturnType<typeof parseDirectory>['dots'],
  report: (code: Fat32CheckCode, message: string) => void,
): void {
  const isRoot = dir.cluster === geometry.rootCluster && dir.path === '/';
  if (isRoot) {
    if (dots.length > 0) report('dot.wrong', `/: the root directory has a '${dots[0]!.shortName}' entry`);
    return;
  }
  const dot = dots.find((d) => d.shortName === '.');
  const dotDot = dots.find((d) => d.shortName === '..');
  if (dot === undefined || dot.slot !== 0 || dotDot === undefined || dotDot.slot !== 1) {
    report('dot.missing', `${dir.path}: '.' and '..' are not the first two entries`);
    return;
  }
  if (dot.entry.firstCluster !== dir.cluster) report('dot.wrong', `${dir.path}: '.' points to cluster ${dot.entry.firstCluster}, not ${dir.cluster}`);
  const parent = dir.parent === geometry.rootCluster ? 0 : dir.parent;
  if (dotDot.entry.firstCluster !== parent) report('dot.wrong', `${dir.path}: '..' points to cluster ${dotDot.entry.firstCluster}, not ${parent}`);
}
