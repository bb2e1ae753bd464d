/**
 * Machine — everything the kernel may touch of the hardware, handed to
 * `kernel.boot` by the loader together with the Multiboot2 information.
 *
 * Boot modules (the disk image, later the model) are described in the
 * Multiboot2 structure by a physical range [start, end) and a string. The
 * machine turns such a range back into a device: on bare metal that would be
 * RAM at that address; hosted, the loader remembers which file it placed at
 * that range.
 */

import type { BlockDevice } from './block-device.ts';
import type { Clock, Timers } from './clock.ts';
import type { Console } from './console.ts';

export interface Machine {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly console: Console;
  /** the block device behind the boot module at physical range [start, end) */
  openModuleDevice(start: number, end: number): BlockDevice;
  /** the bytes of the boot module at physical range [start, end), read-only */
  readModule(start: number, end: number): Uint8Array;
  /**
   * copy `out.length` bytes of the module at [start, end), from `offset`
   * within it, into `out` — so a large module (model weights) can be read
   * straight into the kernel arena without a second copy
   */
  readModuleRange(start: number, end: number, offset: number, out: Uint8Array): void;
  /**
   * Optional: start the same copy in the background (host threads) and
   * return at once, so the kernel can build other things meanwhile; nothing
   * in `out` may be read before `wait()` returns. Machines without threads
   * leave it out (callers fall back to readModuleRange).
   */
  startModuleRead?(start: number, end: number, offset: number, out: Uint8Array): ModuleRead;
  /**
   * Optional: give back the memory that finished work left as garbage (a
   * hosted machine runs its runtime's full collection). The kernel calls it
   * after loading a boot model; machines without a collector leave it out.
   */
  reclaimMemory?(): void;
  /** power off: the process ends with `code` after the kernel has flushed */
  powerOff(code: number): void;
}

/** a module copy running in the background (Machine.startModuleRead) */
export interface ModuleRead {
  /**
   * Block until every byte is in place (the calling thread may copy chunks
   * itself meanwhile); `onProgress(copiedBytes, totalBytes)` is called now
   * and then while waiting. Fails as readModuleRange would.
   */
  wait(onProgress?: (copiedBytes: number, totalBytes: number) => void): void;
}
