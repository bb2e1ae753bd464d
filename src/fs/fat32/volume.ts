/**
 * Fat32Volume: a mounted FAT32 file system over a BlockDevice.
 *
 * On-disk layout (Microsoft FAT specification; see geometry.ts):
 *   reserved region  boot sector + BPB (0, backup 6), FSInfo (1, backup 7)
 *   FAT × 2          one u32 per cluster: next cluster / 0 free / ≥0x0FFFFFF8 end
 *   data area        clusters from 2; the root directory starts at BPB_RootClus
 * Directories are cluster chains of 32-byte slots: long-name (LFN) slots in
 * reverse order, then the 8.3 entry with first cluster, size and times.
 *
 * The whole FAT lives in memory (fat-table.ts); directories are read from
 * disk on every lookup. Every mutation is write-through and ends with
 * device.flush(), so it is durable when the call returns.
 *
 * Write ordering — a crash at any point leaves at worst lost clusters, given
 * the device contract (block-device.ts: writes between two flushes may land
 * in any order). Each "|" is a flush barrier; every state at a barrier is
 * consistent apart from clusters that are allocated but unreferenced.
 *   first change after mount  FAT[1] clean bit cleared, FSInfo free = unknown |
 *   grow a file       data + FAT of the new clusters | link + dir entry size |
 *   create a file     data + FAT chain | LFN slots + 8.3 entry |
 *   grow a directory  zeroed clusters + their FAT | (link goes with the entries)
 *   mkdir             new cluster ('.', '..') + FAT | entries in the parent |
 *   shrink            entry size + end-of-chain mark | free the tail |
 *   writeFile over    new chain + data | entry → new chain | free old chain |
 *   unlink/rmdir      slots marked 0xE5 | free the chain |
 *   rename            new slots + old slots deleted (+ '..' of a moved
 *                     directory) in ONE epoch | — atomic at a barrier; if the
 *                     disk tears that epoch, both names may point at the file
 *   sync / unmount    FSInfo exact free count (+ clean bit at unmount) |
 * FSInfo's free count stays 0xFFFFFFFF ("unknown", which fsck.fat accepts)
 * while changes are in flight, so a crash never leaves a wrong count. Mount
 * compares the FAT copies: on a cleanly unmounted volume a mismatch is
 * fs.corrupt; after a crash (clean bit clear) copy 1 is trusted, as fsck.fat
 * does, and the other copies are rewritten on the next change.
 */

import { fail, isChimaeraError } from '../../common/index.ts';
import type { BlockDevice } from '../../hal/index.ts';
import { decodeBootSector, decodeFsInfo, FSINFO_UNKNOWN } from './boot-sector.ts';
import { ATTR_DIRECTORY, decodeTimestamp } from './dir-entry.ts';
import { parseDirectory, type DirectoryRecord } from './directory.ts';
import { FAT_CLEAN_BIT, FatTable, extentsOf } from './fat-table.ts';
import { FileDevice } from './file-device.ts';
import { geometryFromBootSector } from './geometry.ts';
import { joinPath, splitPath } from './names.ts';
import { readSpan } from './span-io.ts';
import type { MountOptions } from './volume-core.ts';
import { VolumeDirectories } from './volume-directories.ts';

export interface FileStat {
  /** normalized absolute path */
  readonly path: string;
  /** name as stored: the long name, else the 8.3 name with NT case flags */
  readonly name: string;
  readonly kind: 'file' | 'directory';
  /** [bytes]; 0 for directories */
  readonly size: number;
  /** [ms since epoch, UTC] (2-second resolution) */
  readonly modifiedAt: number;
  /** [ms since epoch, UTC] (10 ms resolution) */
  readonly createdAt: number;
  /** DIR_Attr bits (ATTR_* in dir-entry.ts) */
  readonly attributes: number;
}

export interface VolumeStats {
  readonly label: string;
  readonly volumeId: number;
  /** [bytes] */
  readonly sectorSize: number;
  /** [bytes] */
  readonly clusterSize: number;
  readonly totalClusters: number;
  readonly freeClusters: number;
  /** data area [bytes] */
  readonly totalBytes: number;
  readonly freeBytes: number;
}

export class Fat32Volume extends VolumeDirectories {
  /** Mount the FAT32 volume on `device`; fails fs.not_fat32 / fs.corrupt / dev.* without changing the disk. */
  static mount(device: BlockDevice, options: MountOptions = {}): Fat32Volume {
    if (device.sectorCount < 1 || device.sectorSize < 512) fail('fs.not_fat32', `the device has ${device.sectorCount} sectors: too small for FAT32`);
    const first = new Uint8Array(device.sectorSize);
    device.read(0, first);
    const geometry = geometryFromBootSector(decodeBootSector(first).value, device);
    const primary = FatTable.readCopy(device, geometry, 0);
    const copies = [primary];
    for (let copy = 1; copy < geometry.fatCount; copy++) copies.push(FatTable.readCopy(device, geometry, copy));
    // clean only if every copy says so: a crash while the bit was being written leaves the copies split
    const clean = copies.every((c) => (c[1]! & FAT_CLEAN_BIT) !== 0);
    const entriesPerSector = geometry.sectorSize / 4;
    const usedSectors = Math.ceil((geometry.clusterCount + 2) / entriesPerSector);
    const mismatched = new Set<number>();
    for (let copy = 1; copy < geometry.fatCount; copy++) {
      const other = copies[copy]!;
      for (let s = 0; s < usedSectors; s++) {
        for (let i = s * entriesPerSector; i < (s + 1) * entriesPerSector; i++) {
          if (primary[i] === other[i]) continue;
          if (clean) {
            fail('fs.corrupt', `FAT copy ${copy + 1} disagrees with copy 1 at FAT sector ${s} (device sector ${geometry.reservedSectors + copy * geometry.fatSectors + s}, cluster ${i})`, {
              copy: copy + 1,
              fatSector: s,
              cluster: i,
            });
          }
          mismatched.add(s);
          break;
        }
      }
    }
    const fat = new FatTable(geometry, primary);
    fat.markSectorsDirty(mismatched);
    const info = new Uint8Array(geometry.sectorSize);
    device.read(geometry.fsInfoSector, info);
    const fsInfo = decodeFsInfo(info).value;
    const volume = new Fat32Volume(device, geometry, fat, options);
    if (fsInfo.valid && fsInfo.nextFree !== FSINFO_UNKNOWN) fat.hintNextFree(fsInfo.nextFree);
    // the root directory must be readable
    volume.query(() => parseDirectory(volume.rootDir()));
    return volume;
  }

  // ── queries ──────────────────────────────────────────────────────────────

  stat(path: string): FileStat {
    return this.query(() => {
      const found = this.locate(path);
      if (found.isRoot) return { path: '/', name: '', kind: 'directory', size: 0, modifiedAt: 0, createdAt: 0, attributes: ATTR_DIRECTORY };
      if (found.record === undefined) fail('fs.not_found', `${found.path} does not exist`, { path: found.path });
      return toStat(found.path, found.record);
    });
  }

  exists(path: string): boolean {
    return this.query(() => {
      const parts = splitPath(path);
      try {
        const found = this.locate(joinPath(parts));
        return found.isRoot || found.record !== undefined;
      } catch (e) {
        if (isChimaeraError(e, 'fs.not_found') || isChimaeraError(e, 'fs.not_dir')) return false;
        throw e;
      }
    });
  }

  readdir(path: string): FileStat[] {
    return this.query(() => {
      const found = this.locate(path);
      const directory = this.directoryOf(found);
      return parseDirectory(directory).records.map((r) => toStat(joinPath([...splitPath(found.path), r.name]), r));
    });
  }

  readFile(path: string): Uint8Array {
    return this.query(() => {
      const found = this.locateFile(path);
      return this.readRecord(found.record, found.path, 0, found.record.entry.size);
    });
  }

  /** up to `length` bytes from `position` (fewer at the end of the file) */
  read(path: string, position: number, length: number): Uint8Array {
    return this.query(() => {
      checkCount(position, 'position');
      checkCount(length, 'length');
      const found = this.locateFile(path);
      const size = found.record.entry.size;
      const start = Math.min(position, size);
      return this.readRecord(found.record, found.path, start, Math.min(length, size - start));
    });
  }

  statfs(): VolumeStats {
    this.checkMounted();
    const g = this.geometry;
    return {
      label: g.label,
      volumeId: g.volumeId,
      sectorSize: g.sectorSize,
      clusterSize: g.clusterSize,
      totalClusters: g.clusterCount,
      freeClusters: this.fat.freeCount,
      totalBytes: g.clusterCount * g.clusterSize,
      freeBytes: this.fat.freeCount * g.clusterSize,
    };
  }

  // ── files ────────────────────────────────────────────────────────────────

  /** create or replace (copy-on-write when there is room for both copies) */
  writeFile(path: string, data: Uint8Array): void {
    this.mutate(path, () => {
      const found = this.locate(path);
      if (found.record === undefined) {
        const target = this.locateNew(path);
        this.createFile(target.parent, target.parsed, target.name, target.path, { data });
        this.report({ op: 'create', path: target.path, bytes: data.length });
        return;
      }
      const file = this.locateFile(path);
      this.checkNotOpen(file.record, file.path);
      this.replace(file.parent, file.record, file.path, data);
      this.report({ op: 'write', path: file.path, bytes: data.length });
    });
  }

  /** write at `position`, creating the file if missing and zero-filling a gap past the end */
  write(path: string, position: number, data: Uint8Array): void {
    checkCount(position, 'position');
    this.writeAtOrCreate(path, 'write', () => position, data);
  }

  appendFile(path: string, data: Uint8Array): void {
    this.writeAtOrCreate(path, 'append', (size) => size, data);
  }

  /** shrink (freeing clusters) or grow (zero-filled) */
  truncate(path: string, size: number): void {
    checkCount(size, 'size');
    this.mutate(path, () => {
      const found = this.locateFile(path);
      const current = found.record.entry.size;
      if (size < current) {
        if (this.clustersFor(size) < this.clustersFor(current)) this.checkNotOpen(found.record, found.path);
        this.shrink(found.parent, found.record, found.path, size);
      } else if (size > current) {
        this.writeRange(found.parent, found.record, found.path, size, undefined);
      } else return;
      this.report({ op: 'truncate', path: found.path, bytes: size });
    });
  }

  unlink(path: string): void {
    this.mutate(path, () => this.unlinkFile(path));
  }

  /** create a zero-filled, fully allocated file of `sizeBytes` (fs.exists if present) */
  preallocate(path: string, sizeBytes: number): void {
    checkCount(sizeBytes, 'sizeBytes');
    this.mutate(path, () => {
      const target = this.locateNew(path);
      this.createFile(target.parent, target.parsed, target.name, target.path, { zeroFill: sizeBytes });
      this.report({ op: 'create', path: target.path, bytes: sizeBytes });
    });
  }

  /**
   * The file's sectors as a fixed-size BlockDevice (floor(size / sectorSize)
   * sectors): writes go straight to its data clusters without touching the
   * FAT or the directory. While open, the file cannot be removed, replaced
   * or shrunk (fs.busy).
   */
  openFileDevice(path: string): BlockDevice {
    return this.query(() => {
      const found = this.locateFile(path);
      const chain = this.fileChain(found.record, found.path);
      const first = found.record.entry.firstCluster;
      const sectors = Math.floor(found.record.entry.size / this.geometry.sectorSize);
      if (first !== 0) this.openClusters.set(first, (this.openClusters.get(first) ?? 0) + 1);
      return new FileDevice(this.device, extentsOf(this.geometry, chain), sectors, this.readOnly, found.path, {
        checkMounted: () => this.checkMounted(),
        release: () => {
          const count = this.openClusters.get(first) ?? 0;
          if (count <= 1) this.openClusters.delete(first);
          else this.openClusters.set(first, count - 1);
        },
      });
    });
  }

  // ── directories ──────────────────────────────────────────────────────────

  mkdir(path: string, options: { recursive?: boolean } = {}): void {
    this.mutate(path, () => {
      const parts = splitPath(path);
      const start = options.recursive === true ? 1 : parts.length;
      for (let depth = start; depth <= parts.length; depth++) {
        const here = joinPath(parts.slice(0, depth));
        const found = this.locate(here);
        if (found.isRoot || found.record !== undefined) {
          if (depth < parts.length || options.recursive === true) {
            if (!found.isRoot && !found.record!.isDirectory) fail('fs.not_dir', `${here} is a file, not a directory`, { path: here });
            continue;
          }
          fail('fs.exists', `${found.path} already exists`, { path: found.path });
        }
        this.makeDirectory(here);
      }
    });
  }

  rmdir(path: string, options: { recursive?: boolean } = {}): void {
    this.mutate(path, () => this.removeDirectory(path, options.recursive === true ? 'recursive' : 'empty-only', new Set()));
  }

  /** move or rename a file or directory; fs.exists if `to` exists (a case-only rename of the same entry is allowed) */
  rename(from: string, to: string): void {
    this.mutate(from, () => this.moveEntry(from, to));
  }

  // ── durability ───────────────────────────────────────────────────────────

  /**
   * Write the exact free count to FSInfo and flush the device. After a
   * crash this is also where FAT copies that disagreed at mount are
   * rewritten from copy 1 (if no change did it earlier).
   */
  sync(): void {
    this.checkMounted();
    if (!this.readOnly && this.fat.hasDirty && this.failure === undefined && this.corruption === undefined) this.beginChange();
    if (!this.readOnly && !this.cleanOnDisk && this.failure === undefined) {
      this.fat.writeDirty(this.device);
      this.writeFsInfo('exact');
    }
    if (!this.readOnly) this.device.flush();
  }

  /**
   * Sync, set the clean bit, and refuse every later call with fs.unmounted
   * (the device stays open). A volume found damaged stays marked dirty so
   * the next mount and fsck.fat treat it with suspicion.
   */
  unmount(): void {
    this.checkMounted();
    if (!this.readOnly && this.fat.hasDirty && this.failure === undefined && this.corruption === undefined) this.beginChange();
    if (!this.readOnly && !this.cleanOnDisk && this.failure === undefined && this.corruption === undefined) {
      this.fat.setRaw(1, (this.fat.entries[1]! | FAT_CLEAN_BIT) >>> 0);
      this.fat.writeDirty(this.device);
      this.writeFsInfo('exact');
      this.device.flush();
      this.cleanOnDisk = true;
    }
    this.mounted = false;
  }

  // ── helpers ──────────────────────────────────────────────────────────────

  private writeAtOrCreate(path: string, op: 'write' | 'append', position: (size: number) => number, data: Uint8Array): void {
    this.mutate(path, () => {
      const found = this.locate(path);
      if (found.record === undefined) {
        const target = this.locateNew(path);
        const at = position(0);
        const content = new Uint8Array(at + data.length);
        content.set(data, at);
        this.createFile(target.parent, target.parsed, target.name, target.path, { data: content });
        this.report({ op: 'create', path: target.path, bytes: data.length });
        return;
      }
      const file = this.locateFile(path);
      this.writeRange(file.parent, file.record, file.path, position(file.record.entry.size), data);
      this.report({ op, path: file.path, bytes: data.length });
    });
  }

  private directoryOf(found: ReturnType<VolumeDirectories['locate']>) {
    if (found.isRoot) return this.rootDir();
    if (found.record === undefined) fail('fs.not_found', `${found.path} does not exist`, { path: found.path });
    if (!found.record.isDirectory) fail('fs.not_dir', `${found.path} is a file, not a directory`, { path: found.path });
    return this.loadDir(found.path, this.directoryCluster(found.record, found.path));
  }

  private readRecord(record: DirectoryRecord, path: string, position: number, length: number): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    const chain = this.fileChain(record, path);
    const out = new Uint8Array(length);
    readSpan(this.device, extentsOf(this.geometry, chain), position, out);
    return out;
  }
}

function toStat(path: string, record: DirectoryRecord): FileStat {
  const e = record.entry;
  return {
    path,
    name: record.name,
    kind: record.isDirectory ? 'directory' : 'file',
    size: record.isDirectory ? 0 : e.size,
    modifiedAt: decodeTimestamp(e.writeDate, e.writeTime),
    createdAt: decodeTimestamp(e.createDate, e.createTime, e.createTenths),
    attributes: e.attributes,
  };
}

function checkCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) fail('arg.invalid', `${what} ${value} is not a non-negative integer`, { [what]: value });
}

