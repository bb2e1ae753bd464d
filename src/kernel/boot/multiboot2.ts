/**
 * Multiboot2 boot information: the structure a Multiboot2 loader hands the
 * kernel (in EBX, with the magic 0x36d76289 in EAX), as a codec.
 *
 * Layout (all little-endian; Multiboot2 specification, section 3.6):
 *
 *   fixed part   u32 total_size [bytes, includes the fixed part and end tag]
 *                u32 reserved (0, ignored)
 *   tags         each starts 8-byte aligned; u32 type, u32 size [bytes,
 *                header included, padding excluded], then the payload
 *     type 0  end                 size 8
 *     type 1  command line        u8[] NUL-terminated UTF-8
 *     type 2  boot-loader name    u8[] NUL-terminated UTF-8
 *     type 3  module              u32 mod_start, u32 mod_end [physical
 *                                 addresses, end exclusive], u8[] string
 *     type 4  basic memory info   u32 mem_lower, u32 mem_upper [KiB]
 *     type 6  memory map          u32 entry_size (multiple of 8, >= 24),
 *                                 u32 entry_version (0), entries of
 *                                 u64 base_addr, u64 length, u32 type, u32 reserved
 *   Tags of other types are skipped, as the specification asks.
 *
 * u64 fields are decoded to numbers and rejected at or above 2^53.
 * Codec shape (STYLE.md 5): `decodeBootInfoAt(bytes, offset) → { value,
 * length }`, `encodeBootInfoInto(info, buffer, offset)`, `encodingLength`.
 */

import { fail } from '../../common/index.ts';

export const MULTIBOOT2_BOOTLOADER_MAGIC = 0x36d76289;

export const TagType = {
  END: 0,
  COMMAND_LINE: 1,
  BOOT_LOADER_NAME: 2,
  MODULE: 3,
  BASIC_MEMORY: 4,
  MEMORY_MAP: 6,
} as const;

/** Multiboot2 memory-map region types; other values mean reserved too */
export const MemoryRegionType = {
  AVAILABLE: 1,
  RESERVED: 2,
  ACPI_RECLAIMABLE: 3,
  NVS: 4,
  BAD: 5,
} as const;

/** tag types we understand; all but modules may appear once */
const TAG_NAMES: Record<number, string> = { 1: 'command line', 2: 'boot-loader name', 3: 'module', 4: 'basic memory', 6: 'memory map' };

const REGION_TYPE_NAMES: Record<number, string> = { 1: 'available', 2: 'reserved', 3: 'acpi-reclaimable', 4: 'acpi-nvs', 5: 'bad' };

/** "available", "reserved", … ("type 9" for values the spec does not name) */
export function memoryRegionTypeName(type: number): string {
  return REGION_TYPE_NAMES[type] ?? `type ${type}`;
}

export interface BootModule {
  /** physical start address [bytes] */
  readonly start: number;
  /** physical end address, exclusive [bytes] */
  readonly end: number;
  /** the loader's string for the module, by our convention "ROLE PATH-OR-NAME" */
  readonly string: string;
}

export interface MemoryRegion {
  /** physical base address [bytes], < 2^53 */
  readonly base: number;
  /** region length [bytes], < 2^53 */
  readonly length: number;
  /** a MemoryRegionType value */
  readonly type: number;
}

export interface BootInfo {
  readonly commandLine?: string;
  readonly bootLoaderName?: string;
  readonly modules: readonly BootModule[];
  readonly basicMemory?: { readonly lowerKiB: number; readonly upperKiB: number };
  readonly memoryMap: readonly MemoryRegion[];
}

/** fixed part: total_size, reserved [bytes] */
export const FIXED_PART_SIZE = 8;
/** every tag header: type, size [bytes] */
export const TAG_HEADER_SIZE = 8;
/** one memory-map entry as we write it [bytes] */
export const MEMORY_MAP_ENTRY_SIZE = 24;
const MODULE_FIXED_SIZE = 16;
const BASIC_MEMORY_SIZE = 16;
const MEMORY_MAP_FIXED_SIZE = 16;
const TWO_POW_32 = 2 ** 32;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

const align8 = (n: number): number => (n + 7) & ~7;

// ── encoding ────────────────────────────────────────────────────────────────

function stringTagSize(text: string): number {
  return TAG_HEADER_SIZE + utf8Encoder.encode(text).length + 1;
}

/** bytes `encodeBootInfo(info)` produces */
export function encodingLength(info: BootInfo): number {
  let length = FIXED_PART_SIZE;
  if (info.commandLine !== undefined) length += align8(stringTagSize(info.commandLine));
  if (info.bootLoaderName !== undefined) length += align8(stringTagSize(info.bootLoaderName));
  if (info.basicMemory !== undefined) length += align8(BASIC_MEMORY_SIZE);
  for (const module of info.modules) length += align8(MODULE_FIXED_SIZE + utf8Encoder.encode(module.string).length + 1);
  if (info.memoryMap.length > 0) length += align8(MEMORY_MAP_FIXED_SIZE + MEMORY_MAP_ENTRY_SIZE * info.memoryMap.length);
  return length + TAG_HEADER_SIZE;
}

function checkU32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value >= TWO_POW_32) fail('arg.invalid', `multiboot2 encode: ${what} ${value} is not a u32`);
}

function checkU53(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) fail('arg.invalid', `multiboot2 encode: ${what} ${value} is not a non-negative integer below 2^53`);
}

function checkNoNul(text: string, what: string): void {
  if (text.includes('\0')) fail('arg.invalid', `multiboot2 encode: ${what} contains a NUL character, which the format cannot carry`);
}

/** Encode into `buffer` at `offset` (must be 8-byte aligned); returns the bytes written. */
export function encodeBootInfoInto(info: BootInfo, buffer: Uint8Array, offset: number): number {
  const total = encodingLength(info);
  if (offset % 8 !== 0) fail('arg.invalid', `multiboot2 encode: offset ${offset} is not 8-byte aligned`);
  if (offset + total > buffer.length) fail('arg.invalid', `multiboot2 encode: ${total} bytes do not fit at offset ${offset} of a ${buffer.length}-byte buffer`);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  buffer.fill(0, offset, offset + total);
  view.setUint32(offset, total, true);
  let at = offset + FIXED_PART_SIZE;

  const header = (type: number, size: number): void => {
    view.setUint32(at, type, true);
    view.setUint32(at + 4, size, true);
  };
  const stringTag = (type: number, text: string, what: string): void => {
    checkNoNul(text, what);
    const bytes = utf8Encoder.encode(text);
    header(type, TAG_HEADER_SIZE + bytes.length + 1);
    buffer.set(bytes, at + TAG_HEADER_SIZE);
    at += align8(TAG_HEADER_SIZE + bytes.length + 1);
  };

  if (info.commandLine !== undefined) stringTag(TagType.COMMAND_LINE, info.commandLine, 'command line');
  if (info.bootLoaderName !== undefined) stringTag(TagType.BOOT_LOADER_NAME, info.bootLoaderName, 'boot-loader name');
  if (info.basicMemory !== undefined) {
    checkU32(info.basicMemory.lowerKiB, 'mem_lower');
    checkU32(info.basicMemory.upperKiB, 'mem_upper');
    header(TagType.BASIC_MEMORY, BASIC_MEMORY_SIZE);
    view.setUint32(at + 8, info.basicMemory.lowerKiB, true);
    view.setUint32(at + 12, info.basicMemory.upperKiB, true);
    at += BASIC_MEMORY_SIZE;
  }
  for (const [index, module] of info.modules.entries()) {
    checkU32(module.start, `module ${index} start`);
    checkU32(module.end, `module ${index} end`);
    if (module.end < module.start) fail('arg.invalid', `multiboot2 encode: module ${index} ends (${module.end}) before it starts (${module.start})`);
    checkNoNul(module.string, `module ${index} string`);
    const bytes = utf8Encoder.encode(module.string);
    const size = MODULE_FIXED_SIZE + bytes.length + 1;
    header(TagType.MODULE, size);
    view.setUint32(at + 8, module.start, true);
    view.setUint32(at + 12, module.end, true);
    buffer.set(bytes, at + MODULE_FIXED_SIZE);
    at += align8(size);
  }
  if (info.memoryMap.length > 0) {
    const size = MEMORY_MAP_FIXED_SIZE + MEMORY_MAP_ENTRY_SIZE * info.memoryMap.length;
    header(TagType.MEMORY_MAP, size);
    view.setUint32(at + 8, MEMORY_MAP_ENTRY_SIZE, true);
    view.setUint32(at + 12, 0, true);
    let entry = at + MEMORY_MAP_FIXED_SIZE;
    for (const [index, region] of info.memoryMap.entries()) {
      checkU53(region.base, `memory region ${index} base`);
      checkU53(region.length, `memory region ${index} length`);
      checkU32(region.type, `memory region ${index} type`);
      view.setBigUint64(entry, BigInt(region.base), true);
      view.setBigUint64(entry + 8, BigInt(region.length), true);
      view.setUint32(entry + 16, region.type, true);
      entry += MEMORY_MAP_ENTRY_SIZE;
    }
    at += align8(size);
  }
  header(TagType.END, TAG_HEADER_SIZE);
  at += TAG_HEADER_SIZE;
  return at - offset;
}

export function encodeBootInfo(info: BootInfo): Uint8Array {
  const bytes = new Uint8Array(encodingLength(info));
  encodeBootInfoInto(info, bytes, 0);
  return bytes;
}

// ── decoding ────────────────────────────────────────────────────────────────

function malformed(offset: number, what: string): never {
  fail('boot.info_malformed', `multiboot2 info: ${what} (at offset ${offset})`, { offset });
}

/** NUL-terminated UTF-8 in bytes [start, end) */
function readString(bytes: Uint8Array, start: number, end: number, what: string): string {
  const nul = bytes.subarray(start, end).indexOf(0);
  if (nul < 0) malformed(start, `${what} has no terminating NUL within its tag`);
  try {
    return utf8Decoder.decode(bytes.subarray(start, start + nul));
  } catch {
    return malformed(start, `${what} is not valid UTF-8`);
  }
}

function readU64(view: DataView, at: number, what: string): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) malformed(at, `${what} 0x${value.toString(16)} is 2^53 or more`);
  return Number(value);
}

/**
 * Decode the structure that starts at `offset` (8-byte aligned). `length` is
 * its total_size; bytes after it are not looked at.
 */
export function decodeBootInfoAt(bytes: Uint8Array, offset: number): { value: BootInfo; length: number } {
  if (offset % 8 !== 0) malformed(offset, 'structure is not 8-byte aligned');
  if (bytes.length - offset < FIXED_PART_SIZE) malformed(offset, `only ${Math.max(0, bytes.length - offset)} bytes, the fixed part needs 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const totalSize = view.getUint32(offset, true);
  if (totalSize < FIXED_PART_SIZE + TAG_HEADER_SIZE) malformed(offset, `total_size ${totalSize} is too small to hold the fixed part and an end tag (16)`);
  if (totalSize > bytes.length - offset) malformed(offset, `total_size ${totalSize} runs past the ${bytes.length - offset} bytes available`);
  const end = offset + totalSize;

  let commandLine: string | undefined;
  let bootLoaderName: string | undefined;
  let basicMemory: BootInfo['basicMemory'];
  const modules: BootModule[] = [];
  let memoryMap: MemoryRegion[] | undefined;
  const seen = new Set<number>();

  let at = offset + FIXED_PART_SIZE;
  for (;;) {
    if (at % 8 !== 0) malformed(at, 'tag is not 8-byte aligned');
    if (at + TAG_HEADER_SIZE > end) malformed(at, `missing end tag: tag header runs past total_size ${totalSize}`);
    const type = view.getUint32(at, true);
    const size = view.getUint32(at + 4, true);
    if (size < TAG_HEADER_SIZE) malformed(at, `tag type ${type} has size ${size}, smaller than its 8-byte header`);
    if (size > end - at) malformed(at, `tag type ${type} of size ${size} runs past total_size ${totalSize}`);
    if (type === TagType.END) {
      if (size !== TAG_HEADER_SIZE) malformed(at, `end tag has size ${size}, expected 8`);
      if (at + size !== end) malformed(at, `end tag ends at ${at + size - offset}, but total_size is ${totalSize}`);
      break;
    }
    if (type !== TagType.MODULE && type in TAG_NAMES) {
      if (seen.has(type)) malformed(at, `second ${TAG_NAMES[type]} tag`);
      seen.add(type);
    }
    const payload = at + TAG_HEADER_SIZE;
    switch (type) {
      case TagType.COMMAND_LINE:
        commandLine = readString(bytes, payload, at + size, 'command line');
        break;
      case TagType.BOOT_LOADER_NAME:
        bootLoaderName = readString(bytes, payload, at + size, 'boot-loader name');
        break;
      case TagType.MODULE: {
        if (size < MODULE_FIXED_SIZE + 1) malformed(at, `module tag has size ${size}, needs at least 17`);
        const start = view.getUint32(payload, true);
        const moduleEnd = view.getUint32(payload + 4, true);
        if (moduleEnd < start) malformed(at, `module ${modules.length} ends (0x${moduleEnd.toString(16)}) before it starts (0x${start.toString(16)})`);
        modules.push({ start, end: moduleEnd, string: readString(bytes, at + MODULE_FIXED_SIZE, at + size, `module ${modules.length} string`) });
        break;
      }
      case TagType.BASIC_MEMORY:
        if (size !== BASIC_MEMORY_SIZE) malformed(at, `basic memory tag has size ${size}, expected 16`);
        basicMemory = { lowerKiB: view.getUint32(payload, true), upperKiB: view.getUint32(payload + 4, true) };
        break;
      case TagType.MEMORY_MAP:
        memoryMap = decodeMemoryMap(view, at, size);
        break;
      default:
        break; // unknown tag: skipped, as the specification requires
    }
    at += align8(size);
  }

  const value: BootInfo = {
    ...(commandLine === undefined ? {} : { commandLine }),
    ...(bootLoaderName === undefined ? {} : { bootLoaderName }),
    modules,
    ...(basicMemory === undefined ? {} : { basicMemory }),
    memoryMap: memoryMap ?? [],
  };
  return { value, length: totalSize };
}

function decodeMemoryMap(view: DataView, at: number, size: number): MemoryRegion[] {
  if (size < MEMORY_MAP_FIXED_SIZE) malformed(at, `memory map tag has size ${size}, needs at least 16`);
  const entrySize = view.getUint32(at + 8, true);
  if (entrySize < MEMORY_MAP_ENTRY_SIZE || entrySize % 8 !== 0) malformed(at + 8, `memory map entry_size ${entrySize} is not a multiple of 8 of at least 24`);
  const entryBytes = size - MEMORY_MAP_FIXED_SIZE;
  if (entryBytes % entrySize !== 0) malformed(at, `memory map holds ${entryBytes} bytes of entries, not a multiple of entry_size ${entrySize}`);
  const regions: MemoryRegion[] = [];
  for (let entry = at + MEMORY_MAP_FIXED_SIZE; entry < at + size; entry += entrySize) {
    const base = readU64(view, entry, `memory region ${regions.length} base_addr`);
    const length = readU64(view, entry + 8, `memory region ${regions.length} length`);
    regions.push({ base, length, type: view.getUint32(entry + 16, true) });
  }
  return regions;
}

/** Decode a buffer that holds exactly one boot-information structure. */
export function decodeBootInfo(bytes: Uint8Array): BootInfo {
  if (bytes.length >= 4) {
    const totalSize = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
    if (totalSize >= FIXED_PART_SIZE + TAG_HEADER_SIZE && totalSize < bytes.length) malformed(0, `total_size ${totalSize} does not match the ${bytes.length} bytes given`);
  }
  return decodeBootInfoAt(bytes, 0).value;
}
