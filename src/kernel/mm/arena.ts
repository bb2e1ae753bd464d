/**
 * mm — the kernel memory arena: one shared WebAssembly memory that holds
 * model weights, compute buffers and other big kernel data, so WASM kernels
 * on worker threads can work on it directly.
 *
 * Address space [0, limitBytes) is handed out by a first-fit free list
 * (free-list.ts explains the choice). The WebAssembly memory starts small
 * and is grown (whole 64 KiB pages) only when an allocation ends beyond the
 * committed size; it never shrinks. After a grow, `memory.buffer` is a new
 * SharedArrayBuffer over the same bytes: old views stay valid, and `view()`
 * always builds on the current buffer.
 *
 * Every allocation names its owner ('llm', 'snn', …) for accounting.
 */

import { fail, formatBytes } from '../../common/index.ts';
import { FreeList } from './free-list.ts';
import { createSharedMemory, WASM_MAX_PAGES, WASM_PAGE_SIZE, type WasmMemory } from './wasm-memory.ts';

export interface Allocation {
  /** never reused within one arena */
  readonly id: number;
  /** start in the arena [bytes], a multiple of the requested alignment */
  readonly offset: number;
  /** [bytes], as requested */
  readonly size: number;
  readonly owner: string;
}

export interface OwnerUsage {
  readonly owner: string;
  /** live bytes [bytes] */
  readonly bytes: number;
  /** live allocations */
  readonly count: number;
}

export interface MemInfo {
  /** arena address space [bytes] */
  readonly limitBytes: number;
  /** current size of the WebAssembly memory [bytes] */
  readonly committedBytes: number;
  /** bytes in live allocations */
  readonly usedBytes: number;
  /** limitBytes minus usedBytes (alignment gaps count as free) */
  readonly freeBytes: number;
  /** the largest single free range [bytes] */
  readonly largestFreeBlock: number;
  readonly freeBlocks: number;
  /** live allocations */
  readonly allocations: number;
  /** per owner, most bytes first */
  readonly byOwner: readonly OwnerUsage[];
}

export interface ArenaOptions {
  /** address-space limit [bytes], 1 … 4 GiB */
  readonly limitBytes: number;
  /** committed at creation [bytes], rounded up to pages; default 0 */
  readonly initialBytes?: number;
}

export type AllocationContents = 'zeroed' | 'uninitialized';

export class Arena {
  readonly limitBytes: number;
  /** the shared memory itself, to hand to WASM instances and workers */
  readonly memory: WasmMemory;
  private readonly freeList: FreeList;
  private readonly live = new Map<number, Allocation>();
  private readonly owners = new Map<string, { bytes: number; count: number }>();
  private nextId = 1;
  private used = 0;

  constructor(options: ArenaOptions) {
    const { limitBytes } = options;
    if (!Number.isSafeInteger(limitBytes) || limitBytes < 1 || limitBytes > WASM_MAX_PAGES * WASM_PAGE_SIZE) {
      fail('arg.invalid', `mm: arena limit ${limitBytes} bytes must be an integer from 1 byte to 4 GiB`);
    }
    const maximumPages = Math.ceil(limitBytes / WASM_PAGE_SIZE);
    const initialPages = Math.min(maximumPages, Math.ceil((options.initialBytes ?? 0) / WASM_PAGE_SIZE));
    this.limitBytes = limitBytes;
    this.memory = createSharedMemory(initialPages, maximumPages);
    this.freeList = new FreeList(limitBytes);
  }

  /** current committed size [bytes] */
  get committedBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Reserve `bytes` at an offset that is a multiple of `align` (a power of
   * two, at most 64 KiB), growing the memory if needed. Reused ranges are
   * zeroed unless `contents` is 'uninitialized' (the caller overwrites all).
   */
  alloc(bytes: number, owner: string, align = 64, contents: AllocationContents = 'zeroed'): Allocation {
    if (!Number.isSafeInteger(bytes) || bytes < 1) fail('arg.invalid', `mm: allocation of ${bytes} bytes for '${owner}': size must be a positive integer`);
    if (!Number.isSafeInteger(align) || align < 1 || align > WASM_PAGE_SIZE || (align & (align - 1)) !== 0) {
      fail('arg.invalid', `mm: allocation for '${owner}': alignment ${align} must be a power of two from 1 to 65536`);
    }
    if (bytes > this.limitBytes) {
      fail('mm.too_large', `mm: '${owner}' asked for ${formatBytes(bytes)}, more than the whole arena (${formatBytes(this.limitBytes)})`, { bytes, limitBytes: this.limitBytes });
    }
    const offset = this.freeList.take(bytes, align);
    if (offset < 0) this.outOfMemory(bytes, owner, 'no free block is large enough');
    const end = offset + bytes;
    const committed = this.committedBytes;
    if (end > committed) {
      try {
        this.memory.grow(Math.ceil((end - committed) / WASM_PAGE_SIZE));
      } catch {
        this.freeList.give(offset, bytes);
        this.outOfMemory(bytes, owner, 'the host refused to grow the arena');
      }
    } else if (contents === 'zeroed') {
      // fresh pages are zero already; only recycled ranges need clearing
      new Uint8Array(this.memory.buffer, offset, bytes).fill(0);
    }
    const allocation: Allocation = { id: this.nextId++, offset, size: bytes, owner };
    this.live.set(allocation.id, allocation);
    this.used += bytes;
    const usage = this.owners.get(owner) ?? { bytes: 0, count: 0 };
    usage.bytes += bytes;
    usage.count++;
    this.owners.set(owner, usage);
    return allocation;
  }

  private outOfMemory(bytes: number, owner: string, why: string): never {
    fail(
      'mm.out_of_memory',
      `mm: cannot allocate ${formatBytes(bytes)} for '${owner}': ${why} (used ${formatBytes(this.used)} of ${formatBytes(this.limitBytes)}, largest free block ${formatBytes(this.freeList.largestBlock)})`,
      { bytes, owner, usedBytes: this.used, largestFreeBlock: this.freeList.largestBlock },
    );
  }

  free(allocation: Allocation): void {
    const live = this.checkLive(allocation, 'free');
    this.live.delete(live.id);
    this.freeList.give(live.offset, live.size);
    this.used -= live.size;
    const usage = this.owners.get(live.owner)!;
    usage.bytes -= live.size;
    usage.count--;
    if (usage.count === 0) this.owners.delete(live.owner);
  }

  private checkLive(allocation: Allocation, action: string): Allocation {
    const live = this.live.get(allocation.id);
    if (live === undefined || live.offset !== allocation.offset || live.size !== allocation.size) {
      fail('mm.bad_free', `mm: ${action} of allocation #${allocation.id} ('${allocation.owner}', ${allocation.size} bytes at ${allocation.offset}): it was already freed or never came from this arena`, {
        id: allocation.id,
      });
    }
    return live;
  }

  /** bytes of a live allocation, on the current buffer */
  view(allocation: Allocation): Uint8Array {
    const live = this.checkLive(allocation, 'view');
    return new Uint8Array(this.memory.buffer, live.offset, live.size);
  }

  /** f32 elements of a live allocation (offset and size must be multiples of 4) */
  viewF32(allocation: Allocation): Float32Array {
    const live = this.checkLive(allocation, 'view');
    if (live.offset % 4 !== 0 || live.size % 4 !== 0) fail('arg.invalid', `mm: allocation #${live.id} (${live.size} bytes at ${live.offset}) is not a whole, aligned number of f32s`);
    return new Float32Array(this.memory.buffer, live.offset, live.size / 4);
  }

  /** live allocations, lowest offset first */
  allocations(): Allocation[] {
    return [...this.live.values()].sort((a, b) => a.offset - b.offset);
  }

  meminfo(): MemInfo {
    return {
      limitBytes: this.limitBytes,
      committedBytes: this.committedBytes,
      usedBytes: this.used,
      freeBytes: this.limitBytes - this.used,
      largestFreeBlock: this.freeList.largestBlock,
      freeBlocks: this.freeList.blockCount,
      allocations: this.live.size,
      byOwner: [...this.owners].map(([owner, usage]) => ({ owner, ...usage })).sort((a, b) => b.bytes - a.bytes || a.owner.localeCompare(b.owner)),
    };
  }
}

/** meminfo as the `meminfo` shell command prints it */
export function formatMeminfo(info: MemInfo): string {
  const row = (label: string, value: string) => `${label.padEnd(14)}${value}`;
  const lines = [
    row('Arena limit:', formatBytes(info.limitBytes)),
    row('Committed:', formatBytes(info.committedBytes)),
    row('Used:', `${formatBytes(info.usedBytes)} in ${info.allocations} allocation${info.allocations === 1 ? '' : 's'}`),
    row('Free:', `${formatBytes(info.freeBytes)} (largest block ${formatBytes(info.largestFreeBlock)}, ${info.freeBlocks} block${info.freeBlocks === 1 ? '' : 's'})`),
  ];
  if (info.byOwner.length > 0) {
    lines.push('By owner:');
    for (const usage of info.byOwner) lines.push(`  ${usage.owner.padEnd(16)}${formatBytes(usage.bytes).padStart(10)}  ${usage.count}`);
  }
  return lines.join('\n');
}
