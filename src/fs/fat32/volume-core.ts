/**
 * The mounted-volume state shared by the public Fat32Volume and the file
 * algorithms: device, geometry, in-memory FAT, the clean/dirty bookkeeping,
 * path resolution, and the directory primitives every mutation is built from
 * (find free slots, growing the directory crash-safely; write one entry).
 *
 * Barrier discipline (see volume.ts for the full write ordering): a method
 * here that allocates writes what must be durable first and calls
 * `barrier()`; the link that makes it reachable is left in memory for the
 * caller's next epoch.
 */

import { fail, isChimaeraError, type ChimaeraError, type EventMap } from '../../common/index.ts';
import type { BlockDevice, Clock } from '../../hal/index.ts';
import { encodeFsInfo, FSINFO_UNKNOWN } from './boot-sector.ts';
import { ATTR_DIRECTORY, encodeShortEntry, encodeTimestamp, ENTRY_SIZE, type FatTimestamp, type ShortEntry } from './dir-entry.ts';
import {
  DIRECTORY_MAX_SLOTS,
  findFreeRun,
  loadDirectory,
  parseDirectory,
  slotCount,
  writeSlots,
  type DirectoryImage,
  type DirectoryRecord,
  type ParsedDirectory,
} from './directory.ts';
import { extentsOf, FAT_CLEAN_BIT, type FatTable } from './fat-table.ts';
import { DEFAULT_WALL_TIME } from './format.ts';
import { clusterSector, type Geometry } from './geometry.ts';
import { foldName, joinPath, splitPath, validateLongName } from './names.ts';
import { zeroSpan } from './span-io.ts';

/** what onOperation reports; `target` is the new path of a rename */
export type FsOperation = EventMap['fs.op'] & { readonly target?: string };

export interface MountOptions {
  readonly readOnly?: boolean;
  /** wall time for file stamps (default: fixed 2026-01-01) */
  readonly clock?: Clock;
  readonly onOperation?: (op: FsOperation) => void;
}

/** A path resolved to its parent directory and (if it exists) its record. */
export interface Located {
  readonly path: string;
  /** undefined only for the root */
  readonly parent: DirectoryImage | undefined;
  readonly parsed: ParsedDirectory | undefined;
  /** last path component as given */
  readonly name: string;
  readonly record: DirectoryRecord | undefined;
  readonly isRoot: boolean;
}

export class VolumeCore {
  readonly device: BlockDevice;
  readonly geometry: Geometry;
  readonly fat: FatTable;
  readonly readOnly: boolean;
  protected readonly clock: Clock | undefined;
  protected readonly onOperation: ((op: FsOperation) => void) | undefined;
  protected mounted = true;
  /** the on-disk FAT[1] clean bit is set (we have not written since mount) */
  protected cleanOnDisk = true;
  /** what FSInfo's free count on disk says */
  protected fsInfoOnDisk: 'exact' | 'unknown' = 'exact';
  /** first fs.corrupt seen; mutations refuse afterwards */
  protected corruption: string | undefined;
  /** a device error during a mutation; the in-memory state may be ahead of the disk */
  protected failure: ChimaeraError | undefined;
  /** first cluster → number of open file devices on it */
  protected readonly openClusters = new Map<number, number>();

  protected constructor(device: BlockDevice, geometry: Geometry, fat: FatTable, options: MountOptions) {
    this.device = device;
    this.geometry = geometry;
    this.fat = fat;
    this.readOnly = options.readOnly ?? device.readOnly;
    this.clock = options.clock;
    this.onOperation = options.onOperation;
  }

  // ── state checks ─────────────────────────────────────────────────────────

  protected checkMounted(): void {
    if (!this.mounted) fail('fs.unmounted', 'the volume was unmounted');
  }

  /** Run a read-only query, remembering corruption it finds. */
  protected query<T>(fn: () => T): T {
    this.checkMounted();
    try {
      return fn();
    } catch (e) {
      if (isChimaeraError(e, 'fs.corrupt')) this.corruption ??= e.message;
      throw e;
    }
  }

  /** Run a mutation: refuse on a read-only, damaged or failed volume; remember new damage or device failure. */
  protected mutate<T>(path: string, fn: () => T): T {
    this.checkMounted();
    if (this.readOnly) fail('fs.read_only', `cannot change ${path}: the volume is mounted read-only`);
    if (this.corruption !== undefined) fail('fs.corrupt', `refusing to change ${path}: the volume is damaged (${this.corruption})`);
    if (this.failure !== undefined) fail(this.failure.code, `refusing to change ${path} after a device error: ${this.failure.message}; mount again`);
    try {
      return fn();
    } catch (e) {
      if (isChimaeraError(e, 'fs.corrupt')) this.corruption ??= e.message;
      else if (isChimaeraError(e) && e.code.startsWith('dev.')) this.failure = e;
      throw e;
    }
  }

  protected report(op: FsOperation): void {
    this.onOperation?.(op);
  }

  // ── durability ───────────────────────────────────────────────────────────

  protected barrier(): void {
    this.device.flush();
  }

  /**
   * Before the first change after mount: clear FAT[1]'s clean bit and set
   * FSInfo's free count to unknown, durably. After a sync() only FSInfo
   * needs invalidating again (it joins the caller's first epoch).
   */
  protected beginChange(): void {
    if (this.cleanOnDisk) {
      this.fat.setRaw(1, (this.fat.entries[1]! & ~FAT_CLEAN_BIT) >>> 0);
      this.fat.writeDirty(this.device);
      this.writeFsInfo('unknown');
      this.barrier();
      this.cleanOnDisk = false;
    } else if (this.fsInfoOnDisk === 'exact') {
      this.writeFsInfo('unknown');
    }
  }

  protected writeFsInfo(kind: 'exact' | 'unknown'): void {
    const sector = new Uint8Array(this.geometry.sectorSize);
    encodeFsInfo({ valid: true, freeCount: kind === 'exact' ? this.fat.freeCount : FSINFO_UNKNOWN, nextFree: this.fat.nextFree }, sector, 0);
    this.device.write(this.geometry.fsInfoSector, sector);
    this.fsInfoOnDisk = kind;
  }

  protected wallTime(): number {
    return this.clock?.wallTime() ?? DEFAULT_WALL_TIME;
  }

  protected stamp(): FatTimestamp {
    return encodeTimestamp(this.wallTime());
  }

  // ── path resolution ──────────────────────────────────────────────────────

  protected loadDir(path: string, firstCluster: number): DirectoryImage {
    return loadDirectory(this.device, this.fat, path, firstCluster);
  }

  protected rootDir(): DirectoryImage {
    return this.loadDir('/', this.geometry.rootCluster);
  }

  /** first cluster of a directory record's chain, checked */
  protected directoryCluster(record: DirectoryRecord, path: string): number {
    const first = record.entry.firstCluster;
    if (first === 0 || first === this.geometry.rootCluster) {
      fail('fs.corrupt', `directory ${path} has first cluster ${first}`, { path, cluster: first });
    }
    return first;
  }

  protected findRecord(parsed: ParsedDirectory, name: string): DirectoryRecord | undefined {
    const key = foldName(name);
    for (const r of parsed.records) if (foldName(r.name) === key || r.shortName === key) return r;
    return undefined;
  }

  /** Resolve `path` to its parent directory and record (which may be missing). */
  protected locate(path: string): Located {
    const parts = splitPath(path);
    const normalized = joinPath(parts);
    if (parts.length === 0) return { path: normalized, parent: undefined, parsed: undefined, name: '', record: undefined, isRoot: true };
    let directory = this.rootDir();
    for (let i = 0; i < parts.length - 1; i++) {
      const record = this.findRecord(parseDirectory(directory), parts[i]!);
      const here = joinPath(parts.slice(0, i + 1));
      if (record === undefined) fail('fs.not_found', `${here} does not exist (resolving ${normalized})`, { path: normalized });
      if (!record.isDirectory) fail('fs.not_dir', `${here} is a file, not a directory (resolving ${normalized})`, { path: normalized });
      directory = this.loadDir(here, this.directoryCluster(record, here));
    }
    const parsed = parseDirectory(directory);
    const name = parts[parts.length - 1]!;
    return { path: normalized, parent: directory, parsed, name, record: this.findRecord(parsed, name), isRoot: false };
  }

  protected locateExisting(path: string): Located & { record: DirectoryRecord; parent: DirectoryImage; parsed: ParsedDirectory } {
    const found = this.locate(path);
    if (found.isRoot) fail('fs.is_dir', `${found.path} is the root directory`, { path: found.path });
    if (found.record === undefined) fail('fs.not_found', `${found.path} does not exist`, { path: found.path });
    return found as Located & { record: DirectoryRecord; parent: DirectoryImage; parsed: ParsedDirectory };
  }

  protected locateFile(path: string): Located & { record: DirectoryRecord; parent: DirectoryImage; parsed: ParsedDirectory } {
    const found = this.locateExisting(path);
    if (found.record.isDirectory) fail('fs.is_dir', `${found.path} is a directory`, { path: found.path });
    return found;
  }

  /** a new name's parent and name, checked: parent exists, name valid and free */
  protected locateNew(path: string): Located & { parent: DirectoryImage; parsed: ParsedDirectory } {
    const found = this.locate(path);
    if (found.isRoot) fail('fs.exists', 'the root directory already exists', { path: '/' });
    validateLongName(found.name, found.path);
    if (found.record !== undefined) fail('fs.exists', `${found.path} already exists`, { path: found.path });
    return found as Located & { parent: DirectoryImage; parsed: ParsedDirectory };
  }

  /** the chain of a file record, checked against its size (fs.corrupt when shorter) */
  protected fileChain(record: DirectoryRecord, path: string): number[] {
    const chain = this.fat.chain(record.entry.firstCluster, path);
    const needed = Math.ceil(record.entry.size / this.geometry.clusterSize);
    if (chain.length < needed) {
      fail('fs.corrupt', `${path}: size ${record.entry.size} bytes needs ${needed} clusters but its chain has ${chain.length}`, { path });
    }
    return chain;
  }

  protected checkNotOpen(record: DirectoryRecord, path: string): void {
    if (record.entry.firstCluster !== 0 && this.openClusters.has(record.entry.firstCluster)) {
      fail('fs.busy', `${path} is open as a block device; close it first`, { path });
    }
  }

  // ── directory primitives ─────────────────────────────────────────────────

  /** clusters the directory must grow by to fit `count` more slots */
  protected growthFor(directory: DirectoryImage, parsed: ParsedDirectory, count: number): number {
    const run = findFreeRun(directory, parsed, count);
    if (run.slot >= 0) return 0;
    const slotsPerCluster = this.geometry.clusterSize / ENTRY_SIZE;
    const clusters = Math.ceil((count - run.tailFree) / slotsPerCluster);
    if (slotCount(directory) + clusters * slotsPerCluster > DIRECTORY_MAX_SLOTS) {
      fail('fs.no_space', `directory ${directory.path} is full (FAT allows ${DIRECTORY_MAX_SLOTS} entries)`, { path: directory.path });
    }
    return clusters;
  }

  /**
   * Make room for `count` consecutive slots and return the first. Growing
   * writes zeroed clusters with their FAT entries and flushes; the link from
   * the old last cluster stays in memory for the caller's next FAT write.
   */
  protected reserveSlots(directory: DirectoryImage, parsed: ParsedDirectory, count: number): number {
    const run = findFreeRun(directory, parsed, count);
    if (run.slot >= 0) return run.slot;
    const grow = this.growthFor(directory, parsed, count);
    const added = this.fat.allocate(grow);
    zeroSpan(this.device, extentsOf(this.geometry, added), 0, grow * this.geometry.clusterSize);
    this.fat.writeDirty(this.device);
    this.barrier();
    this.fat.set(directory.clusters[directory.clusters.length - 1]!, added[0]!);
    const first = slotCount(directory) - run.tailFree;
    const bytes = new Uint8Array(directory.bytes.length + grow * this.geometry.clusterSize);
    bytes.set(directory.bytes);
    directory.bytes = bytes;
    directory.clusters.push(...added);
    return first;
  }

  /** place prepared slots at `slot` in memory and write their sectors (no flush) */
  protected placeSlots(directory: DirectoryImage, slot: number, slots: Uint8Array): void {
    directory.bytes.set(slots, slot * ENTRY_SIZE);
    writeSlots(this.device, this.geometry, directory, slot, slots.length / ENTRY_SIZE);
  }

  /** rewrite one short entry in place (no flush) */
  protected writeEntry(directory: DirectoryImage, slot: number, entry: ShortEntry): void {
    encodeShortEntry(entry, directory.bytes, slot * ENTRY_SIZE);
    writeSlots(this.device, this.geometry, directory, slot, 1);
  }

  /** the parent's cluster as a '..' entry stores it (0 for the root) */
  protected dotDotCluster(directory: DirectoryImage): number {
    return directory.firstCluster === this.geometry.rootCluster ? 0 : directory.firstCluster;
  }

  /** point the '..' entry of the directory starting at `cluster` at a new parent (no flush) */
  protected writeDotDot(cluster: number, parent: DirectoryImage): void {
    const sector = new Uint8Array(this.geometry.sectorSize);
    const lba = clusterSector(this.geometry, cluster);
    this.device.read(lba, sector);
    if (sector[ENTRY_SIZE] !== 0x2e || sector[ENTRY_SIZE + 1] !== 0x2e || (sector[ENTRY_SIZE + 11]! & ATTR_DIRECTORY) === 0) {
      fail('fs.corrupt', `directory at cluster ${cluster} has no '..' entry in its second slot`, { cluster });
    }
    const target = this.dotDotCluster(parent);
    const view = new DataView(sector.buffer);
    view.setUint16(ENTRY_SIZE + 20, target >>> 16, true);
    view.setUint16(ENTRY_SIZE + 26, target & 0xffff, true);
    this.device.write(lba, sector);
  }
}
