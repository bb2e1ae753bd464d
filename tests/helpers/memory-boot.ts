/**
 * Boot the kernel in memory on a RAM disk, the way the hosted loader does on
 * files: a genuine Multiboot2 structure (command line, the disk as a module,
 * basic meminfo, memory map) and a MemoryMachine holding the disk. The
 * system-level tests start init (startSystem) on the kernel this returns.
 */

import { MemoryMachine, RamBlockDevice } from '../../src/hal/memory/index.ts';
import { bootKernel, encodeBootInfo, MemoryRegionType, MULTIBOOT2_BOOTLOADER_MAGIC, type Kernel } from '../../src/kernel/index.ts';

const MiB = 2 ** 20;

export interface MemoryBoot {
  readonly kernel: Kernel;
  readonly machine: MemoryMachine;
  readonly disk: RamBlockDevice;
}

/** a kernel booted on `disk` (default: a blank 64 MiB RAM disk) with an arena of `arenaMb` */
export function bootKernelInMemory(options: { disk?: RamBlockDevice; arenaMb?: number; beforeBoot?: (machine: MemoryMachine) => void } = {}): MemoryBoot {
  const disk = options.disk ?? new RamBlockDevice((64 * MiB) / 512);
  const arenaMb = options.arenaMb ?? 64;
  const diskStart = 0x100000;
  const diskEnd = diskStart + disk.sectorCount * 512;
  const info = encodeBootInfo({
    commandLine: `chimaera loglevel=none arena_mb=${arenaMb}`,
    bootLoaderName: 'test',
    modules: [{ start: diskStart, end: diskEnd, string: 'disk ram0' }],
    basicMemory: { lowerKiB: 639, upperKiB: (diskEnd - 0x100000 + arenaMb * MiB) / 1024 },
    memoryMap: [
      { base: 0, length: 0x9fc00, type: MemoryRegionType.AVAILABLE },
      { base: diskStart, length: diskEnd - diskStart, type: MemoryRegionType.RESERVED },
      { base: diskEnd, length: arenaMb * MiB, type: MemoryRegionType.AVAILABLE },
    ],
  });
  const machine = new MemoryMachine([{ start: diskStart, end: diskEnd, device: disk }]);
  options.beforeBoot?.(machine);
  return { kernel: bootKernel(MULTIBOOT2_BOOTLOADER_MAGIC, info, machine), machine, disk };
}
