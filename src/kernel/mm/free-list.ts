/**
 * Free list of byte ranges, kept sorted by offset with neighbours always
 * coalesced (no two free blocks touch).
 *
 * Placement is address-ordered first fit: the lowest free block that can
 * hold the aligned request wins. Why first fit here: the arena's memory can
 * grow but never shrink, so keeping live data at low addresses keeps the
 * committed size small; the arena's big tenants (model weights, compute
 * buffers) are few and long-lived, so the fragmentation first fit causes
 * with many small short-lived blocks hardly arises; and address order makes
 * coalescing on free a binary search plus a look at two neighbours.
 * Knuth (TAOCP vol. 1, 2.5) and Wilson et al., "Dynamic Storage Allocation:
 * A Survey and Critical Review" (1995) find address-ordered first fit about
 * as good as best fit in fragmentation.
 *
 * Cost: take O(blocks), give O(log blocks + blocks) (array splice).
 */

export class FreeList {
  /** block start offsets [bytes], ascending */
  private readonly offsets: number[] = [];
  /** block sizes [bytes], parallel to `offsets` */
  private readonly sizes: number[] = [];

  /** a free list holding [0, sizeBytes) as one block */
  constructor(sizeBytes: number) {
    if (sizeBytes > 0) {
      this.offsets.push(0);
      this.sizes.push(sizeBytes);
    }
  }

  get blockCount(): number {
    return this.offsets.length;
  }

  get freeBytes(): number {
    let total = 0;
    for (const size of this.sizes) total += size;
    return total;
  }

  get largestBlock(): number {
    let largest = 0;
    for (const size of this.sizes) if (size > largest) largest = size;
    return largest;
  }

  /** [offset, size] of every free block, ascending */
  blocks(): [number, number][] {
    return this.offsets.map((offset, i) => [offset, this.sizes[i]]);
  }

  /** carve `size` bytes aligned to `align` (power of two) from the lowest block that fits; -1 if none */
  take(size: number, align: number): number {
    for (let i = 0; i < this.offsets.length; i++) {
      const blockStart = this.offsets[i];
      const blockEnd = blockStart + this.sizes[i];
      const start = Math.ceil(blockStart / align) * align;
      if (start + size > blockEnd) continue;
      const leading = start - blockStart;
      const trailing = blockEnd - (start + size);
      const replacement: [number[], number[]] = [[], []];
      if (leading > 0) {
        replacement[0].push(blockStart);
        replacement[1].push(leading);
      }
      if (trailing > 0) {
        replacement[0].push(start + size);
        replacement[1].push(trailing);
      }
      this.offsets.splice(i, 1, ...replacement[0]);
      this.sizes.splice(i, 1, ...replacement[1]);
      return start;
    }
    return -1;
  }

  /** return [offset, offset + size) to the list, merging with touching neighbours */
  give(offset: number, size: number): void {
    // index of the first block that starts after `offset`
    let low = 0;
    let high = this.offsets.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.offsets[middle] <= offset) low = middle + 1;
      else high = middle;
    }
    const next = low;
    const previous = next - 1;
    const end = offset + size;
    if (previous >= 0 && this.offsets[previous] + this.sizes[previous] > offset) throw new Error(`free list: [${offset}, ${end}) overlaps a free block`);
    if (next < this.offsets.length && this.offsets[next] < end) throw new Error(`free list: [${offset}, ${end}) overlaps a free block`);
    const joinsPrevious = previous >= 0 && this.offsets[previous] + this.sizes[previous] === offset;
    const joinsNext = next < this.offsets.length && this.offsets[next] === end;
    if (joinsPrevious && joinsNext) {
      this.sizes[previous] += size + this.sizes[next];
      this.offsets.splice(next, 1);
      this.sizes.splice(next, 1);
    } else if (joinsPrevious) {
      this.sizes[previous] += size;
    } else if (joinsNext) {
      this.offsets[next] = offset;
      this.sizes[next] += size;
    } else {
      this.offsets.splice(next, 0, offset);
      this.sizes.splice(next, 0, size);
    }
  }
}
