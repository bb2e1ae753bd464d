/**
 * A whole machine in memory, for kernel and end-to-end tests: a manual (or
 * given) clock, a recording console, and boot modules that are RAM disks or
 * byte arrays. `powerOff` records the exit code instead of ending anything.
 */

import { fail } from '../../common/index.ts';
import type { BlockDevice } from '../block-device.ts';
import type { Clock, Timers } from '../clock.ts';
import type { Machine, ModuleRead } from '../machine.ts';
import { ManualClock } from './manual-clock.ts';
import { MemoryConsole } from './memory-console.ts';

export interface MemoryModule {
  /** physical range [start, end) */
  readonly start: number;
  readonly end: number;
  readonly device?: BlockDevice;
  readonly bytes?: Uint8Array;
}

export class MemoryMachine<C extends Clock & Timers = ManualClock> implements Machine {
  readonly clock: C;
  readonly timers: C;
  readonly console = new MemoryConsole();
  readonly modules: MemoryModule[];
  /** exit codes passed to powerOff, in order */
  readonly powerOffs: number[] = [];

  constructor(modules: MemoryModule[] = [], clock: C = new ManualClock() as unknown as C) {
    this.clock = clock;
    this.timers = clock;
    this.modules = modules;
  }

  openModuleDevice(start: number, end: number): BlockDevice {
    const device = this.moduleAt(start, end).device;
    if (device === undefined) fail('boot.module_missing', `module at 0x${start.toString(16)} is not a block device`);
    return device;
  }

  readModule(start: number, end: number): Uint8Array {
    const bytes = this.moduleAt(start, end).bytes;
    if (bytes === undefined) fail('boot.module_missing', `module at 0x${start.toString(16)} has no bytes`);
    return bytes;
  }

  readModuleRange(start: number, end: number, offset: number, out: Uint8Array): void {
    const bytes = this.readModule(start, end);
    if (offset < 0 || offset + out.length > bytes.length) fail('boot.module_out_of_range', `read of ${out.length} bytes at offset ${offset} runs past the module's ${bytes.length} bytes`);
    out.set(bytes.subarray(offset, offset + out.length));
  }

  /** the copy happens in wait() — late on purpose, so a test sees any read of `out` before wait */
  startModuleRead(start: number, end: number, offset: number, out: Uint8Array): ModuleRead {
    const bytes = this.readModule(start, end);
    if (offset < 0 || offset + out.length > bytes.length) fail('boot.module_out_of_range', `read of ${out.length} bytes at offset ${offset} runs past the module's ${bytes.length} bytes`);
    return {
      wait: (onProgress) => {
        out.set(bytes.subarray(offset, offset + out.length));
        onProgress?.(out.length, out.length);
      },
    };
  }

  powerOff(code: number): void {
    this.powerOffs.push(code);
  }

  private moduleAt(start: number, end: number): MemoryModule {
    const module = this.modules.find((m) => m.start === start && m.end === end);
    if (module === undefined) fail('boot.module_missing', `no boot module is mapped at 0x${start.toString(16)}..0x${end.toString(16)}`);
    return module;
  }
}
