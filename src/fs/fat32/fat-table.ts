/**
 * The File Allocation Table, held in memory as one Uint32Array (entry i =
 * the cluster after cluster i, or a marker) with dirty-sector tracking.
 * `writeDirty` writes every changed FAT sector to every copy, in one batch
 * with no barrier between copies (callers put device.flush() around it).
 *
 * Entry values (spec §4): 0 free; 2..0x0FFFFFF6 next cluster; 0x0FFFFFF7
 * bad; ≥ 0x0FFFFFF8 end of chain. Only the low 28 bits count; the high 4
 * are preserved on write. FAT[0] holds the media byte, FAT[1] the clean-
 * shutdown bit (0x08000000 set = clean) and hard-error bit (0x04000000).
 *
 * The in-memory array is little-endian on disk; we view its bytes directly,
 * which requires a little-endian host (checked below).
 */

import { fail } from '../../common/index.ts';
import type { BlockDevice } from '../../hal/index.ts';
import { clusterSector, isDataCluster, type Geometry } from './geometry.ts';

export const FAT_ENTRY_MASK = 0x0fffffff;
export const FAT_FREE = 0;
export const FAT_BAD = 0x0ffffff7;
/** value we write for end of chain (any ≥ 0x0FFFFFF8 reads as one) */
export const FAT_END = 0x0fffffff;
/** FAT[1] bit: set = volume was unmounted cleanly */
export const FAT_CLEAN_BIT = 0x08000000;

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('fat-table: FAT32 code assumes a little-endian host');

export function isEndOfChain(value: number): boolean {
  return (value & FAT_ENTRY_MASK) >= 0x0ffffff8;
}

export class FatTable {
  readonly geometry: Geometry;
  /** FAT copy 0 as loaded and since changed: (fatSectors × sectorSize / 4) u32 entries */
  readonly entries: Uint32Array;
  /** FAT sector indices (0-based within one copy) changed since the last writeDirty */
  private readonly dirtySectors = new Set<number>();
  /** free clusters among 2 .. clusterCount+1 */
  freeCount = 0;
  /** where the next allocation search starts */
  private nextFreeHint = 2;

  constructor(geometry: Geometry, entries: Uint32Array) {
    this.geometry = geometry;
    this.entries = entries;
    this.recount();
  }

  /** Read FAT copy `copy` (0-based) from the device into a fresh array. */
  static readCopy(device: BlockDevice, geometry: Geometry, copy: number): Uint32Array {
    const bytes = new Uint8Array(geometry.fatSectors * geometry.sectorSize);
    device.read(geometry.reservedSectors + copy * geometry.fatSectors, bytes);
    return new Uint32Array(bytes.buffer);
  }

  recount(): void {
    let free = 0;
    const last = this.geometry.clusterCount + 1;
    for (let c = 2; c <= last; c++) if ((this.entries[c]! & FAT_ENTRY_MASK) === FAT_FREE) free++;
    this.freeCount = free;
  }

  /** the low 28 bits of entry `cluster` */
  get(cluster: number): number {
    return this.entries[cluster]! & FAT_ENTRY_MASK;
  }

  /** set the low 28 bits of an entry (high 4 preserved), tracking dirtiness and the free count */
  set(cluster: number, value: number): void {
    const before = this.entries[cluster]!;
    const after = ((before & ~FAT_ENTRY_MASK) | (value & FAT_ENTRY_MASK)) >>> 0;
    if (before === after) return;
    if (cluster >= 2) {
      if ((before & FAT_ENTRY_MASK) === FAT_FREE) this.freeCount--;
      if ((after & FAT_ENTRY_MASK) === FAT_FREE) this.freeCount++;
    }
    this.entries[cluster] = after;
    this.markDirty(cluster);
  }

  /** set all 32 bits (for FAT[0] and FAT[1]) */
  setRaw(index: number, value: number): void {
    if (this.entries[index] === value >>> 0) return;
    this.entries[index] = value >>> 0;
    this.markDirty(index);
  }

  markDirty(index: number): void {
    this.dirtySectors.add(Math.floor((index * 4) / this.geometry.sectorSize));
  }

  /** mark whole FAT sectors dirty (to rewrite copies that disagree) */
  markSectorsDirty(sectors: Iterable<number>): void {
    for (const s of sectors) this.dirtySectors.add(s);
  }

  get hasDirty(): boolean {
    return this.dirtySectors.size > 0;
  }

  /**
   * Walk the chain from `first`, bounded by the cluster count so a loop
   * cannot hang us. Fails fs.corrupt (naming `owner`) on a loop, a free or
   * bad cluster inside the chain, or a pointer outside the volume.
   */
  chain(first: number, owner: string): number[] {
    const out: number[] = [];
    if (first === 0) return out;
    const g = this.geometry;
    let cluster = first;
    for (;;) {
      if (!isDataCluster(g, cluster)) {
        fail('fs.corrupt', `${owner}: cluster chain points to cluster ${cluster}, outside 2..${g.clusterCount + 1}`, { cluster });
      }
      if (out.length > g.clusterCount) fail('fs.corrupt', `${owner}: cluster chain loops (longer than the volume's ${g.clusterCount} clusters)`, { first });
      out.push(cluster);
      const next = this.get(cluster);
      if (next === FAT_FREE) fail('fs.corrupt', `${owner}: cluster ${cluster} in its chain is marked free`, { cluster });
      if (next === FAT_BAD) fail('fs.corrupt', `${owner}: cluster ${cluster} in its chain is marked bad`, { cluster });
      if (isEndOfChain(next)) return out;
      cluster = next;
    }
  }

  /**
   * Take `count` free clusters (preferring one contiguous run after the
   * hint), chain them to each other and end the chain. Only memory changes;
   * the caller writes them with writeDirty. Fails fs.no_space first if there
   * are not enough free clusters, changing nothing.
   */
  allocate(count: number): number[] {
    if (count === 0) return [];
    if (count > this.freeCount) {
      fail('fs.no_space', `need ${count} free clusters, the volume has ${this.freeCount}`, { needed: count, free: this.freeCount });
    }
    const g = this.geometry;
    const last = g.clusterCount + 1;
    const taken: number[] = [];
    let cluster = this.nextFreeHint >= 2 && this.nextFreeHint <= last ? this.nextFreeHint : 2;
    for (let scanned = 0; taken.length < count && scanned < g.clusterCount; scanned++) {
      if ((this.entries[cluster]! & FAT_ENTRY_MASK) === FAT_FREE) taken.push(cluster);
      cluster = cluster === last ? 2 : cluster + 1;
    }
    if (taken.length < count) throw new Error(`FatTable.allocate: free count ${this.freeCount} is wrong`);
    for (let i = 0; i < taken.length; i++) this.set(taken[i]!, i + 1 < taken.length ? taken[i + 1]! : FAT_END);
    this.nextFreeHint = cluster;
    return taken;
  }

  /** Mark clusters free (memory only). */
  release(clusters: readonly number[]): void {
    for (const c of clusters) this.set(c, FAT_FREE);
  }

  /** start the next allocation search at `cluster` (e.g. FSInfo's FSI_Nxt_Free) */
  hintNextFree(cluster: number): void {
    if (cluster >= 2 && cluster <= this.geometry.clusterCount + 1) this.nextFreeHint = cluster;
  }

  get nextFree(): number {
    return this.nextFreeHint;
  }

  /** Write every dirty FAT sector to every copy (runs coalesced), then forget the dirty set. No flush. */
  writeDirty(device: BlockDevice): void {
    if (this.dirtySectors.size === 0) return;
    const g = this.geometry;
    const bytes = new Uint8Array(this.entries.buffer, this.entries.byteOffset, this.entries.byteLength);
    const sorted = [...this.dirtySectors].sort((a, b) => a - b);
    for (let copy = 0; copy < g.fatCount; copy++) {
      const base = g.reservedSectors + copy * g.fatSectors;
      let runStart = 0;
      for (let i = 1; i <= sorted.length; i++) {
        if (i < sorted.length && sorted[i] === sorted[i - 1]! + 1) continue;
        const first = sorted[runStart]!;
        const count = sorted[i - 1]! - first + 1;
        device.write(base + first, bytes.subarray(first * g.sectorSize, (first + count) * g.sectorSize));
        runStart = i;
      }
    }
    this.dirtySectors.clear();
  }
}

/** Contiguous runs of a chain as (first sector, sector count) extents, for bulk I/O. */
export interface Extent {
  readonly lba: number;
  /** [sectors] */
  readonly sectors: number;
}

export function extentsOf(geometry: Geometry, chain: readonly number[]): Extent[] {
  const out: Extent[] = [];
  let i = 0;
  while (i < chain.length) {
    let j = i + 1;
    while (j < chain.length && chain[j] === chain[j - 1]! + 1) j++;
    out.push({ lba: clusterSector(geometry, chain[i]!), sectors: (j - i) * geometry.sectorsPerCluster });
    i = j;
  }
  return out;
}
