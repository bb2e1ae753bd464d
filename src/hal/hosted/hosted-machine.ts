/**
 * The hosted machine: Node.js on Linux pretending to be the hardware.
 *
 * The loader (cli/boot) places each boot module (a host file) at a physical
 * range it invents and records the range here, so the kernel can turn the
 * range it reads from the Multiboot2 information back into a device.
 */

import * as fs from 'node:fs';
import { fail } from '../../common/index.ts';
import type { BlockDevice } from '../block-device.ts';
import type { Machine } from '../machine.ts';
import { FileBlockDevice } from './file-block-device.ts';
import { HostedClock } from './hosted-clock.ts';
import { HostedConsole } from './hosted-console.ts';

export interface HostedModule {
  /** physical range [start, end) the loader assigned */
  readonly start: number;
  readonly end: number;
  /** host file behind the range */
  readonly path: string;
}

export class HostedMachine implements Machine {
  readonly clock: HostedClock;
  readonly timers: HostedClock;
  readonly console: HostedConsole;
  private readonly modules: readonly HostedModule[];
  /** set by powerOff; the launcher exits with it once the event loop drains */
  exitCode: number | undefined;

  constructor(modules: readonly HostedModule[], console = new HostedConsole()) {
    this.clock = new HostedClock();
    this.timers = this.clock;
    this.console = console;
    this.modules = modules;
  }

  openModuleDevice(start: number, end: number): BlockDevice {
    return FileBlockDevice.open(this.moduleAt(start, end).path);
  }

  readModule(start: number, end: number): Uint8Array {
    return new Uint8Array(fs.readFileSync(this.moduleAt(start, end).path));
  }

  readModuleRange(start: number, end: number, offset: number, out: Uint8Array): void {
    const module = this.moduleAt(start, end);
    if (offset < 0 || offset + out.length > end - start) {
      fail('boot.module_out_of_range', `read of ${out.length} bytes at offset ${offset} runs past the end of module ${module.path} (${end - start} bytes)`);
    }
    const fd = fs.openSync(module.path, 'r');
    try {
      let done = 0;
      while (done < out.length) {
        const n = fs.readSync(fd, out, done, out.length - done, offset + done);
        if (n === 0) fail('boot.module_out_of_range', `${module.path} ended early at offset ${offset + done} (was it truncated after boot?)`);
        done += n;
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  powerOff(code: number): void {
    this.exitCode = code;
    process.exitCode = code;
  }

  private moduleAt(start: number, end: number): HostedModule {
    const module = this.modules.find((m) => m.start === start && m.end === end);
    if (module === undefined) fail('boot.module_missing', `no boot module is mapped at physical range 0x${start.toString(16)}..0x${end.toString(16)}`);
    return module;
  }
}
