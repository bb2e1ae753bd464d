/**
 * The hosted boot loader: what GRUB does for a bare-metal kernel.
 *
 * It lays out an imaginary physical address space, places each boot module
 * (a host file: the disk image, later the model) in it, writes a genuine
 * Multiboot2 boot-information structure describing all of that, and returns
 * it with the machine that can map the module ranges back to their files.
 *
 * Physical layout (addresses are what the kernel sees; nothing is copied):
 *
 *   0x00000000 .. 0x0009FC00   lower memory (639 KiB), available
 *   0x0009FC00 .. 0x00100000   EBDA / video / BIOS, reserved
 *   0x00100000 .. modulesEnd   boot modules, one after another, 4 KiB aligned, reserved
 *   modulesEnd .. + arena      the kernel memory arena, available
 *
 * Multiboot2 module addresses are 32-bit, so all modules together must end
 * below 4 GiB; the arena may extend past it (the memory map is 64-bit).
 */

import { availableParallelism } from 'node:os';
import { fail } from '../common/index.ts';
import { HostedConsole, HostedMachine, type HostedModule } from '../hal/hosted/index.ts';
import { encodeBootInfo, MemoryRegionType, type BootInfo } from '../kernel/index.ts';

export const LOADER_NAME = 'chimaera-loader 0.1 (hosted)';

const LOWER_MEMORY_END = 0x9fc00;
/** GGUF model bytes per module-reader thread (readerThreadsFor) */
const BYTES_PER_READER_THREAD = 2 ** 30;
const UPPER_MEMORY_START = 0x100000;
const PAGE = 4096;

export interface LoaderModule {
  /** what the module is for: "disk", "model" */
  readonly role: string;
  /** absolute host path */
  readonly path: string;
  /** file size [bytes] */
  readonly size: number;
}

export interface LoaderOptions {
  readonly commandLine: string;
  readonly modules: readonly LoaderModule[];
  /** kernel arena [bytes] */
  readonly arenaBytes: number;
  /** where the kernel console writes (default stdout) */
  readonly console?: HostedConsole;
}

export interface LoadedSystem {
  /** the Multiboot2 boot information */
  readonly bootInfo: Uint8Array;
  readonly machine: HostedMachine;
}

export function load(options: LoaderOptions): LoadedSystem {
  const hostedModules: HostedModule[] = [];
  let cursor = UPPER_MEMORY_START;
  for (const m of options.modules) {
    const start = cursor;
    const end = start + m.size;
    if (end > 2 ** 32) {
      fail('boot.module_out_of_range', `module ${m.role} ${m.path} (${m.size} bytes) does not fit below 4 GiB, where Multiboot2 modules must lie; use a smaller disk or model`);
    }
    hostedModules.push({ start, end, path: m.path });
    cursor = Math.ceil(end / PAGE) * PAGE;
  }
  const modulesEnd = cursor;
  const arenaEnd = modulesEnd + options.arenaBytes;
  const info: BootInfo = {
    commandLine: options.commandLine,
    bootLoaderName: LOADER_NAME,
    modules: options.modules.map((m, i) => ({ start: hostedModules[i]!.start, end: hostedModules[i]!.end, string: `${m.role} ${m.path}` })),
    basicMemory: { lowerKiB: LOWER_MEMORY_END / 1024, upperKiB: Math.floor((arenaEnd - UPPER_MEMORY_START) / 1024) },
    memoryMap: [
      { base: 0, length: LOWER_MEMORY_END, type: MemoryRegionType.AVAILABLE },
      { base: LOWER_MEMORY_END, length: UPPER_MEMORY_START - LOWER_MEMORY_END, type: MemoryRegionType.RESERVED },
      ...(modulesEnd > UPPER_MEMORY_START ? [{ base: UPPER_MEMORY_START, length: modulesEnd - UPPER_MEMORY_START, type: MemoryRegionType.RESERVED }] : []),
      { base: modulesEnd, length: options.arenaBytes, type: MemoryRegionType.AVAILABLE },
    ],
  };
  const readerThreads = readerThreadsFor(options.modules, availableParallelism());
  return { bootInfo: encodeBootInfo(info), machine: new HostedMachine(hostedModules, options.console, { readerThreads }) };
}

/**
 * Threads that copy the GGUF model into the arena beside the kernel
 * (HostedMachine readerThreads): one per whole GiB of model, at most one per
 * core the kernel's own thread leaves free. Measured on 2 cores: Qwen2 1.5B
 * Q8_0 (1.6 GB) loads in 3.5-4.9 s with one instead of 6.7-11.3 s without;
 * a reader thread leaves ~13 MiB resident after it ends (its Node
 * environment and malloc arena). That is under 1% of such a model, but 3%
 * of the 0.5B q4_k_m file (379 MiB), which loads in under 2.5 s anyway.
 */
export function readerThreadsFor(modules: readonly LoaderModule[], cores: number): number {
  let modelBytes = 0;
  for (const m of modules) if (m.role === 'model') modelBytes += m.size;
  return Math.max(0, Math.min(cores - 1, Math.floor(modelBytes / BYTES_PER_READER_THREAD)));
}
