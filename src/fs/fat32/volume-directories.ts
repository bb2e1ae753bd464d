/**
 * Directory algorithms of a mounted volume (ordering in volume.ts):
 *   makeDirectory    new cluster ('.', '..') + its FAT entry | slots in the parent |
 *   removeDirectory  children first (recursive), then slots deleted | chain freed |
 *   moveEntry        new slots + old slots deleted + '..' of a moved directory,
 *                    all in one epoch |
 */

import { fail } from '../../common/index.ts';
import { ATTR_DIRECTORY, encodeShortEntry, ENTRY_SIZE, type ShortEntry } from './dir-entry.ts';
import { buildSlots, DOT_NAME, DOTDOT_NAME, markDeleted, parseDirectory, shortNamesIn, writeSlots } from './directory.ts';
import { foldName, joinPath, splitPath, validateLongName } from './names.ts';
import { VolumeFiles } from './volume-files.ts';

export class VolumeDirectories extends VolumeFiles {
  protected makeDirectory(path: string): void {
    const target = this.locateNew(path);
    const probe = buildSlots(target.name, this.newEntry(ATTR_DIRECTORY, 0, 0), shortNamesIn(target.parsed));
    const count = probe.slots.length / ENTRY_SIZE;
    const needed = 1 + this.growthFor(target.parent, target.parsed, count);
    if (needed > this.fat.freeCount) fail('fs.no_space', `no room for directory ${target.path}: needs ${needed} clusters, ${this.fat.freeCount} free`, { path: target.path });
    this.beginChange();
    const slot = this.reserveSlots(target.parent, target.parsed, count);
    const [cluster] = this.fat.allocate(1) as [number];
    const contents = new Uint8Array(this.geometry.clusterSize);
    const base = this.newEntry(ATTR_DIRECTORY, cluster, 0);
    encodeShortEntry({ ...base, name: DOT_NAME, caseFlags: 0 } as ShortEntry, contents, 0);
    encodeShortEntry({ ...base, name: DOTDOT_NAME, caseFlags: 0, firstCluster: this.dotDotCluster(target.parent) } as ShortEntry, contents, ENTRY_SIZE);
    this.device.write(this.geometry.dataStart + (cluster - 2) * this.geometry.sectorsPerCluster, contents);
    this.fat.writeDirty(this.device);
    this.barrier();
    const built = buildSlots(target.name, this.newEntry(ATTR_DIRECTORY, cluster, 0), shortNamesIn(target.parsed));
    this.placeSlots(target.parent, slot, built.slots);
    this.fat.writeDirty(this.device);
    this.barrier();
    this.report({ op: 'mkdir', path: target.path });
  }

  /** remove a directory; `visited` holds the clusters of directories being removed, so a corrupt cycle fails instead of recursing forever */
  protected removeDirectory(path: string, mode: 'recursive' | 'empty-only', visited: Set<number>): void {
    const found = this.locate(path);
    if (found.isRoot) fail('fs.path_invalid', 'the root directory cannot be removed', { path: '/' });
    if (found.record === undefined) fail('fs.not_found', `${found.path} does not exist`, { path: found.path });
    if (!found.record.isDirectory) fail('fs.not_dir', `${found.path} is a file, not a directory`, { path: found.path });
    const cluster = this.directoryCluster(found.record, found.path);
    if (visited.has(cluster)) fail('fs.corrupt', `${found.path} leads back to a directory being removed (cluster ${cluster}): directory cycle`, { path: found.path });
    visited.add(cluster);
    const directory = this.loadDir(found.path, cluster);
    const children = parseDirectory(directory).records;
    if (children.length > 0) {
      if (mode !== 'recursive') fail('fs.not_empty', `${found.path} is not empty (${children.length} entries)`, { path: found.path });
      for (const child of children) {
        const childPath = joinPath([...splitPath(found.path), child.name]);
        if (child.isDirectory) this.removeDirectory(childPath, mode, visited);
        else this.unlinkFile(childPath);
      }
    }
    const again = this.locateExisting(found.path);
    this.removeRecord(again.parent, again.record, directory.clusters);
    this.report({ op: 'rmdir', path: found.path });
  }

  /** rename/move in one epoch: new slots, old slots deleted, '..' of a moved directory, any directory-growth link */
  protected moveEntry(from: string, to: string): void {
    const source = this.locateExisting(from);
    const target = this.locate(to);
    if (target.isRoot) fail('fs.exists', 'cannot rename onto the root directory', { path: '/' });
    validateLongName(target.name, target.path);
    const sameDirectory = target.parent!.firstCluster === source.parent.firstCluster;
    if (source.record.isDirectory) {
      const fromKey = splitPath(source.path).map(foldName);
      const toKey = splitPath(target.path).map(foldName);
      if (toKey.length > fromKey.length && fromKey.every((p, i) => p === toKey[i])) {
        fail('fs.path_invalid', `cannot move ${source.path} into itself (${target.path})`, { from: source.path, to: target.path });
      }
    }
    if (target.record !== undefined && !(sameDirectory && target.record.slot === source.record.slot)) {
      fail('fs.exists', `${target.path} already exists`, { path: target.path });
    }
    if (sameDirectory && target.record !== undefined && target.record.name === target.name) return; // same name
    const destination = sameDirectory ? source.parent : target.parent!;
    const destinationParsed = sameDirectory ? source.parsed : target.parsed!;
    const taken = shortNamesIn(destinationParsed);
    if (sameDirectory) {
      taken.delete(String.fromCharCode(...source.record.entry.name));
      markDeleted(source.parent, source.record);
    }
    const { name: _oldName, caseFlags: _oldCase, ...rest } = source.record.entry;
    const built = buildSlots(target.name, rest, taken);
    const count = built.slots.length / ENTRY_SIZE;
    if (this.growthFor(destination, destinationParsed, count) > this.fat.freeCount) {
      fail('fs.no_space', `no room in ${destination.path} for the entry of ${target.path}`, { path: target.path });
    }
    this.beginChange();
    const slot = this.reserveSlots(destination, destinationParsed, count);
    // one epoch: new slots, old slots deleted, '..' of a moved directory, directory growth link
    this.placeSlots(destination, slot, built.slots);
    if (sameDirectory) writeSlots(this.device, this.geometry, source.parent, source.record.firstSlot, source.record.slot - source.record.firstSlot + 1);
    else {
      markDeleted(source.parent, source.record);
      writeSlots(this.device, this.geometry, source.parent, source.record.firstSlot, source.record.slot - source.record.firstSlot + 1);
      if (source.record.isDirectory) this.writeDotDot(this.directoryCluster(source.record, source.path), destination);
    }
    this.fat.writeDirty(this.device);
    this.barrier();
    this.report({ op: 'rename', path: source.path, target: target.path });
  }
}
