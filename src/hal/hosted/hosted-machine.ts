/**
 * The hosted machine: Node.js on Linux pretending to be the hardware.
 *
 * The loader (cli/boot) places each boot module (a host file) at a physical
 * range it invents and records the range here, so the kernel can turn the
 * range it reads from the Multiboot2 information back into a device.
 */

import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import { fail } from '../../common/index.ts';
import type { BlockDevice } from '../block-device.ts';
import type { Machine, ModuleRead } from '../machine.ts';
import { FileBlockDevice } from './file-block-device.ts';
import { collectAllGarbage } from './full-collection.ts';
import { HostedClock } from './hosted-clock.ts';
import { HostedConsole } from './hosted-console.ts';
import { MODULE_READ_CHUNK, readFileRange, startFileRead } from './module-reader.ts';
import { keepYoungGenerationFixed } from './young-generation.ts';

export interface HostedModule {
  /** physical range [start, end) the loader assigned */
  readonly start: number;
  readonly end: number;
  /** host file behind the range */
  readonly path: string;
}

export interface HostedMachineOptions {
  /**
   * 'fixed' (default): V8's young generation stays at its starting size
   * instead of growing to 2 × 16 MiB. Booting allocates mostly long-lived
   * objects (the vocabulary, the model's tables) in one burst, which makes
   * V8 grow the nursery to its maximum — 16 MiB more resident memory for
   * the life of the process, and the kernel's own memory lives in the arena
   * anyway. The cost is more frequent (cheap) scavenges. 'growable' leaves
   * V8's default. The setting is process-wide; see young-generation.ts.
   */
  readonly youngGeneration?: 'fixed' | 'growable';
  /**
   * Worker threads that copy a module in the background (startModuleRead)
   * while the kernel builds the tokenizer and the model; the calling thread
   * copies too once it waits. Default 0: no startModuleRead, the kernel
   * copies synchronously. Measured on 2 cores (Qwen2 0.5B Q8_0, 501 MiB of weights):
   * one thread loads ~0.4 s faster but leaves ~10 MiB more resident (a
   * Node worker's environment, and malloc arenas that outlive it). The boot
   * loader picks it by model size (cli/loader.ts readerThreadsFor).
   */
  readonly readerThreads?: number;
}

export class HostedMachine implements Machine {
  readonly clock: HostedClock;
  readonly timers: HostedClock;
  readonly console: HostedConsole;
  private readonly modules: readonly HostedModule[];
  /** threads startModuleRead starts (the calling thread helps in wait()) */
  readonly readerThreads: number;
  /** readModuleRange's one bounce buffer (see readFileRange), made on first use */
  private bounce: Uint8Array | undefined;
  /** set by powerOff; the launcher exits with it once the event loop drains */
  exitCode: number | undefined;

  constructor(modules: readonly HostedModule[], console = new HostedConsole(), options: HostedMachineOptions = {}) {
    this.readerThreads = Math.min(options.readerThreads ?? 0, availableParallelism());
    if (this.readerThreads > 0) this.startModuleRead = (start, end, offset, out) => this.startThreadedRead(start, end, offset, out);
    if ((options.youngGeneration ?? 'fixed') === 'fixed') keepYoungGenerationFixed();
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
    this.bounce ??= new Uint8Array(MODULE_READ_CHUNK);
    readFileRange(this.checkedRange(start, end, offset, out.length).path, offset, out, this.bounce);
  }

  /**
   * readModuleRange on `readerThreads` threads that start now, the calling
   * thread helping in wait(); only with readerThreads > 0 (otherwise the
   * kernel reads synchronously, which peaks lower). See module-reader.ts.
   */
  readonly startModuleRead?: (start: number, end: number, offset: number, out: Uint8Array) => ModuleRead;

  private startThreadedRead(start: number, end: number, offset: number, out: Uint8Array): ModuleRead {
    return startFileRead(this.checkedRange(start, end, offset, out.length).path, offset, out, this.readerThreads);
  }

  /** drop the read buffer (made again if another read comes), then a full V8 collection (see full-collection.ts) */
  reclaimMemory(): void {
    this.bounce = undefined;
    collectAllGarbage();
  }

  powerOff(code: number): void {
    this.exitCode = code;
    process.exitCode = code;
  }

  private checkedRange(start: number, end: number, offset: number, length: number): HostedModule {
    const module = this.moduleAt(start, end);
    if (offset < 0 || offset + length > end - start) {
      fail('boot.module_out_of_range', `read of ${length} bytes at offset ${offset} runs past the end of module ${module.path} (${end - start} bytes)`);
    }
    return module;
  }

  private moduleAt(start: number, end: number): HostedModule {
    const module = this.modules.find((m) => m.start === start && m.end === end);
    if (module === undefined) fail('boot.module_missing', `no boot module is mapped at physical range 0x${start.toString(16)}..0x${end.toString(16)}`);
    return module;
  }
}
