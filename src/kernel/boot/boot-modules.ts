/**
 * Boot modules as the kernel sees them, and the boot log's view of the
 * Multiboot2 information (module list, memory-map summary).
 *
 * By our loader's convention a module string is "ROLE PATH-OR-NAME":
 * "disk /x/chimaera.img", "model /x/qwen.gguf".
 */

import { fail, formatBytes } from '../../common/index.ts';
import { MemoryRegionType, memoryRegionTypeName, type BootInfo, type BootModule, type MemoryRegion } from './multiboot2.ts';

export interface KernelModule {
  /** first word of the module string: 'disk', 'model', … */
  readonly role: string;
  /** the rest: a host path or a name */
  readonly name: string;
  /** physical range [start, end) [bytes] */
  readonly start: number;
  readonly end: number;
  /** the whole module string */
  readonly string: string;
}

export function parseModule(module: BootModule): KernelModule {
  const text = module.string.trim();
  const space = text.search(/\s/);
  const role = space < 0 ? text : text.slice(0, space);
  const name = space < 0 ? '' : text.slice(space).trim();
  return { role, name, start: module.start, end: module.end, string: module.string };
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** "disk /x/chimaera.img [0x00100000-0x00200000) 1.0 MiB" */
export function describeModule(module: KernelModule): string {
  return `${module.string} [${hex(module.start)}-${hex(module.end)}) ${formatBytes(module.end - module.start)}`;
}

/** every module must lie inside one region of the memory map (when there is a map) */
export function checkModulesInMemory(info: BootInfo): void {
  if (info.memoryMap.length === 0) return;
  for (const [index, module] of info.modules.entries()) {
    const inside = info.memoryMap.some((region) => module.start >= region.base && module.end <= region.base + region.length);
    if (!inside) {
      fail('boot.module_out_of_range', `boot: module ${index} '${module.string}' at [${hex(module.start)}-${hex(module.end)}) lies outside every memory-map region`, { module: index });
    }
  }
}

/** total bytes of available memory in the map */
export function availableBytes(map: readonly MemoryRegion[]): number {
  return map.filter((r) => r.type === MemoryRegionType.AVAILABLE).reduce((sum, r) => sum + r.length, 0);
}

/** the largest available region [bytes] */
export function largestAvailableRegion(map: readonly MemoryRegion[]): number {
  return map.filter((r) => r.type === MemoryRegionType.AVAILABLE).reduce((largest, r) => Math.max(largest, r.length), 0);
}

/** "4 regions: 2.0 GiB available, 385.0 KiB reserved" */
export function summarizeMemoryMap(map: readonly MemoryRegion[]): string {
  const byType = new Map<string, number>();
  for (const region of map) {
    const name = memoryRegionTypeName(region.type);
    byType.set(name, (byType.get(name) ?? 0) + region.length);
  }
  const parts = [...byType].map(([name, bytes]) => `${formatBytes(bytes)} ${name}`);
  return `${map.length} region${map.length === 1 ? '' : 's'}${parts.length === 0 ? '' : `: ${parts.join(', ')}`}`;
}

/** "[0x00000000-0x0009fc00) available" */
export function describeRegion(region: MemoryRegion): string {
  return `[${hex(region.base)}-${hex(region.base + region.length)}) ${memoryRegionTypeName(region.type)}`;
}
