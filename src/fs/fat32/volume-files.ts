/**
 * File-content algorithms of a mounted volume, each ordered for crash
 * safety (the full ordering is described in volume.ts):
 *   createFile     data + FAT chain | barrier | directory slots | barrier
 *   writeRange     data (in place and in new clusters) + new FAT chain |
 *                  barrier | link + directory entry (size) | barrier
 *   shrink         directory entry (size) + end-of-chain mark | barrier |
 *                  free the cut tail | barrier
 *   replace        new chain + data | barrier | entry → new chain | barrier |
 *                  free old chain | barrier        (writeFile over a file)
 *   removeRecord   directory slots deleted | barrier | free chain | barrier
 */

import { fail } from '../../common/index.ts';
import { ATTR_ARCHIVE, type ShortEntry } from './dir-entry.ts';
import { buildSlots, markDeleted, shortNamesIn, writeSlots, type DirectoryImage, type DirectoryRecord, type ParsedDirectory } from './directory.ts';
import { extentsOf, FAT_END } from './fat-table.ts';
import { zeroSpan, writeSpan } from './span-io.ts';
import { VolumeCore } from './volume-core.ts';

/** largest FAT32 file [bytes] */
export const FILE_SIZE_MAX = 0xffffffff;

export class VolumeFiles extends VolumeCore {
  protected checkFileSize(size: number, path: string): void {
    if (size > FILE_SIZE_MAX) fail('fs.file_too_large', `${path} would be ${size} bytes; FAT32 files stop at ${FILE_SIZE_MAX}`, { path, size });
  }

  protected clustersFor(size: number): number {
    return Math.ceil(size / this.geometry.clusterSize);
  }

  /** a fresh short entry for a new file or directory (name filled in by buildSlots) */
  protected newEntry(attributes: number, firstCluster: number, size: number): Omit<ShortEntry, 'name' | 'caseFlags'> {
    const now = this.stamp();
    return {
      attributes,
      createTenths: now.tenths,
      createTime: now.time,
      createDate: now.date,
      accessDate: now.date,
      firstCluster,
      writeTime: now.time,
      writeDate: now.date,
      size,
    };
  }

  /**
   * Create a file `name` in `parent` holding `data`, or `zeroFill` zero bytes
   * (fully allocated). Fails before any change when space is short.
   */
  protected createFile(parent: DirectoryImage, parsed: ParsedDirectory, name: string, path: string, content: { data: Uint8Array } | { zeroFill: number }): ShortEntry {
    const size = 'data' in content ? content.data.length : content.zeroFill;
    this.checkFileSize(size, path);
    const probe = buildSlots(name, this.newEntry(ATTR_ARCHIVE, 0, size), shortNamesIn(parsed));
    const slotCount = probe.slots.length / 32;
    const clusters = this.clustersFor(size);
    const grow = this.growthFor(parent, parsed, slotCount);
    if (clusters + grow > this.fat.freeCount) {
      fail('fs.no_space', `no room for ${path}: needs ${clusters + grow} clusters, ${this.fat.freeCount} free`, { path });
    }
    this.beginChange();
    const slot = this.reserveSlots(parent, parsed, slotCount);
    const chain = this.fat.allocate(clusters);
    if (clusters > 0) {
      const extents = extentsOf(this.geometry, chain);
      if ('data' in content) writeSpan(this.device, extents, 0, content.data);
      else zeroSpan(this.device, extents, 0, size);
    }
    this.fat.writeDirty(this.device);
    this.barrier();
    const built = buildSlots(name, this.newEntry(ATTR_ARCHIVE, chain[0] ?? 0, size), shortNamesIn(parsed));
    this.placeSlots(parent, slot, built.slots);
    this.fat.writeDirty(this.device);
    this.barrier();
    return built.entry;
  }

  /**
   * Write `data` at `position` (zero-filling any gap after the current end),
   * or with data undefined grow to `position` bytes of zeros. Existing bytes
   * are overwritten in place; new clusters are linked only together with the
   * directory entry that covers them.
   */
  protected writeRange(directory: DirectoryImage, record: DirectoryRecord, path: string, position: number, data: Uint8Array | undefined): ShortEntry {
    const oldSize = record.entry.size;
    const end = position + (data?.length ?? 0);
    const newSize = Math.max(oldSize, end);
    this.checkFileSize(newSize, path);
    const chain = this.fileChain(record, path);
    const extra = Math.max(0, this.clustersFor(newSize) - chain.length);
    if (extra > this.fat.freeCount) fail('fs.no_space', `no room to grow ${path} to ${newSize} bytes: needs ${extra} clusters, ${this.fat.freeCount} free`, { path });
    this.beginChange();
    const added = this.fat.allocate(extra);
    const extents = extentsOf(this.geometry, chain.concat(added));
    if (position > oldSize) zeroSpan(this.device, extents, oldSize, position - oldSize);
    if (data !== undefined && data.length > 0) writeSpan(this.device, extents, position, data);
    this.fat.writeDirty(this.device);
    this.barrier();
    if (added.length > 0 && chain.length > 0) this.fat.set(chain[chain.length - 1]!, added[0]!);
    const now = this.stamp();
    const entry: ShortEntry = {
      ...record.entry,
      firstCluster: chain.length > 0 ? record.entry.firstCluster : (added[0] ?? 0),
      size: newSize,
      writeTime: now.time,
      writeDate: now.date,
      accessDate: now.date,
      attributes: record.entry.attributes | ATTR_ARCHIVE,
    };
    this.fat.writeDirty(this.device);
    this.writeEntry(directory, record.slot, entry);
    this.barrier();
    return entry;
  }

  /** Cut a file to `newSize` < its size, freeing whole clusters past the end. */
  protected shrink(directory: DirectoryImage, record: DirectoryRecord, path: string, newSize: number): ShortEntry {
    const chain = this.fileChain(record, path);
    const keep = this.clustersFor(newSize);
    this.beginChange();
    const now = this.stamp();
    const entry: ShortEntry = {
      ...record.entry,
      firstCluster: keep === 0 ? 0 : record.entry.firstCluster,
      size: newSize,
      writeTime: now.time,
      writeDate: now.date,
      accessDate: now.date,
      attributes: record.entry.attributes | ATTR_ARCHIVE,
    };
    if (keep > 0 && keep < chain.length) this.fat.set(chain[keep - 1]!, FAT_END);
    this.fat.writeDirty(this.device);
    this.writeEntry(directory, record.slot, entry);
    this.barrier();
    if (keep < chain.length) {
      this.fat.release(chain.slice(keep));
      this.fat.writeDirty(this.device);
      this.barrier();
    }
    return entry;
  }

  /** Replace a file's whole content with `data` by copy-on-write: the old content survives until the entry switches. */
  protected replace(directory: DirectoryImage, record: DirectoryRecord, path: string, data: Uint8Array): ShortEntry {
    this.checkFileSize(data.length, path);
    const oldChain = this.fileChain(record, path);
    const clusters = this.clustersFor(data.length);
    if (clusters > this.fat.freeCount) {
      if (clusters > this.fat.freeCount + oldChain.length) {
        fail('fs.no_space', `no room for ${data.length} bytes in ${path}: needs ${clusters} clusters, ${this.fat.freeCount + oldChain.length} available`, { path });
      }
      // not enough room for both copies: overwrite in place (not atomic)
      const cut = this.shrink(directory, record, path, 0);
      return this.writeRange(directory, { ...record, entry: cut }, path, 0, data);
    }
    this.beginChange();
    const chain = this.fat.allocate(clusters);
    if (clusters > 0) writeSpan(this.device, extentsOf(this.geometry, chain), 0, data);
    this.fat.writeDirty(this.device);
    this.barrier();
    const now = this.stamp();
    const entry: ShortEntry = {
      ...record.entry,
      firstCluster: chain[0] ?? 0,
      size: data.length,
      writeTime: now.time,
      writeDate: now.date,
      accessDate: now.date,
      attributes: record.entry.attributes | ATTR_ARCHIVE,
    };
    this.writeEntry(directory, record.slot, entry);
    this.barrier();
    if (oldChain.length > 0) {
      this.fat.release(oldChain);
      this.fat.writeDirty(this.device);
      this.barrier();
    }
    return entry;
  }

  /** Remove a record's slots, then free its chain (a crash in between leaves lost clusters). */
  protected removeRecord(directory: DirectoryImage, record: DirectoryRecord, chain: readonly number[]): void {
    this.beginChange();
    markDeleted(directory, record);
    writeSlots(this.device, this.geometry, directory, record.firstSlot, record.slot - record.firstSlot + 1);
    this.barrier();
    if (chain.length > 0) {
      this.fat.release(chain);
      this.fat.writeDirty(this.device);
      this.barrier();
    }
  }

  /** remove a file that is not open as a device */
  protected unlinkFile(path: string): void {
    const found = this.locateFile(path);
    this.checkNotOpen(found.record, found.path);
    const chain = this.fat.chain(found.record.entry.firstCluster, found.path);
    this.removeRecord(found.parent, found.record, chain);
    this.report({ op: 'unlink', path: found.path, bytes: found.record.entry.size });
  }
}
