/**
 * Directories: a directory is a cluster chain holding 32-byte slots. This
 * module loads one whole into memory, parses it into named records (a short
 * entry plus its long-name slots, checked by ordinal and checksum), finds
 * runs of free slots, builds the slots for a new name, and writes back only
 * the sectors a change touched.
 */

import type { BlockDevice } from '../../hal/index.ts';
import { clusterSector, type Geometry } from './geometry.ts';
import { extentsOf, type FatTable } from './fat-table.ts';
import { readSpan } from './span-io.ts';
import {
  ATTR_DIRECTORY,
  ATTR_VOLUME_ID,
  decodeLfnEntry,
  decodeShortEntry,
  encodeLfnEntry,
  encodeShortEntry,
  ENTRY_SIZE,
  isLfnSlot,
  LFN_LAST,
  SLOT_DELETED,
  SLOT_END,
  type ShortEntry,
} from './dir-entry.ts';
import { chooseShortName, longNameChunks, longNameFromChunks, shortNameChecksum, shortNameKey, shortNameToString } from './names.ts';

/** FAT limits a directory to 65536 slots (2 MiB) */
export const DIRECTORY_MAX_SLOTS = 65536;

export interface DirectoryImage {
  /** absolute path, for messages */
  readonly path: string;
  readonly firstCluster: number;
  /** the directory's cluster chain */
  readonly clusters: number[];
  /** the chain's contents, (clusters.length × clusterSize) bytes */
  bytes: Uint8Array;
}

export interface DirectoryRecord {
  /** the long name if a valid one precedes the entry, else the 8.3 name with NT case flags */
  readonly name: string;
  /** the 8.3 name as "BASE.EXT" (upper case as stored) */
  readonly shortName: string;
  readonly entry: ShortEntry;
  /** slot index of the first LFN slot, or of the short entry when there is none */
  readonly firstSlot: number;
  /** slot index of the short entry */
  readonly slot: number;
  readonly isDirectory: boolean;
}

/** what a parse found wrong (fsck reports these; normal operation ignores them) */
export interface DirectoryIssue {
  readonly kind: 'orphan-lfn' | 'lfn-checksum';
  readonly slot: number;
}

export interface ParsedDirectory {
  readonly records: DirectoryRecord[];
  /** '.' and '..' entries, when present */
  readonly dots: DirectoryRecord[];
  /** slot index of the first SLOT_END, or the slot count */
  readonly endSlot: number;
  readonly issues: DirectoryIssue[];
  /** volume label entry text, if any (root only) */
  readonly label: string | undefined;
}

export function slotCount(directory: DirectoryImage): number {
  return directory.bytes.length / ENTRY_SIZE;
}

export function loadDirectory(device: BlockDevice, fat: FatTable, path: string, firstCluster: number): DirectoryImage {
  const clusters = fat.chain(firstCluster, `directory ${path}`);
  const bytes = new Uint8Array(clusters.length * fat.geometry.clusterSize);
  readSpan(device, extentsOf(fat.geometry, clusters), 0, bytes);
  return { path, firstCluster, clusters, bytes };
}

export function parseDirectory(directory: DirectoryImage): ParsedDirectory {
  const { bytes } = directory;
  const records: DirectoryRecord[] = [];
  const dots: DirectoryRecord[] = [];
  const issues: DirectoryIssue[] = [];
  let label: string | undefined;
  const total = slotCount(directory);
  // long name being collected: chunks by ordinal-1, expected next ordinal, checksum, first slot
  let chunks: Uint16Array[] = [];
  let expected = 0;
  let checksum = -1;
  let lfnStart = -1;
  const dropLfn = (slot: number): void => {
    if (lfnStart >= 0) issues.push({ kind: 'orphan-lfn', slot });
    chunks = [];
    expected = 0;
    lfnStart = -1;
  };
  let slot = 0;
  for (; slot < total; slot++) {
    const at = slot * ENTRY_SIZE;
    const first = bytes[at]!;
    if (first === SLOT_END) break;
    if (first === SLOT_DELETED) {
      dropLfn(slot);
      continue;
    }
    if (isLfnSlot(bytes, at)) {
      const lfn = decodeLfnEntry(bytes, at).value;
      const order = lfn.order & 0x1f;
      if (lfn.order & LFN_LAST) {
        if (lfnStart >= 0) dropLfn(slot);
        if (order === 0 || order > 20) continue;
        chunks = new Array<Uint16Array>(order);
        chunks[order - 1] = lfn.units;
        expected = order - 1;
        checksum = lfn.checksum;
        lfnStart = slot;
      } else if (lfnStart >= 0 && order === expected && order > 0 && lfn.checksum === checksum) {
        chunks[order - 1] = lfn.units;
        expected = order - 1;
      } else if (lfnStart >= 0) {
        dropLfn(slot);
      } else {
        issues.push({ kind: 'orphan-lfn', slot });
      }
      continue;
    }
    const entry = decodeShortEntry(bytes, at).value;
    if (entry.attributes & ATTR_VOLUME_ID) {
      if (lfnStart >= 0) dropLfn(slot);
      label ??= shortNameToString(entry.name, 0);
      continue;
    }
    const shortName = shortNameToString(entry.name, 0);
    let name = shortNameToString(entry.name, entry.caseFlags);
    let firstSlot = slot;
    if (lfnStart >= 0) {
      if (expected === 0 && checksum === shortNameChecksum(entry.name)) {
        name = longNameFromChunks(chunks);
        firstSlot = lfnStart;
      } else {
        issues.push({ kind: expected === 0 ? 'lfn-checksum' : 'orphan-lfn', slot: lfnStart });
      }
      chunks = [];
      lfnStart = -1;
      expected = 0;
    }
    const record: DirectoryRecord = { name, shortName, entry, firstSlot, slot, isDirectory: (entry.attributes & ATTR_DIRECTORY) !== 0 };
    if (entry.name[0] === 0x2e && (shortName === '.' || shortName === '..')) dots.push(record);
    else records.push(record);
  }
  if (lfnStart >= 0) issues.push({ kind: 'orphan-lfn', slot: lfnStart });
  return { records, dots, endSlot: slot, issues, label };
}

/** every short name in the directory (as shortNameKey), for alias collision checks */
export function shortNamesIn(parsed: ParsedDirectory): Set<string> {
  const out = new Set<string>();
  for (const r of parsed.records) out.add(shortNameKey(r.entry.name));
  return out;
}

/**
 * First run of `count` free slots: deleted slots before the end marker, or
 * the free tail from the end marker on. Returns -1 when the directory must
 * grow; then `tailFree` says how many free slots the tail already has.
 */
export function findFreeRun(directory: DirectoryImage, parsed: ParsedDirectory, count: number): { slot: number; tailFree: number } {
  const total = slotCount(directory);
  let runStart = -1;
  let runLength = 0;
  for (let slot = 0; slot < total; slot++) {
    const free = slot >= parsed.endSlot || directory.bytes[slot * ENTRY_SIZE] === SLOT_DELETED;
    if (!free) {
      runLength = 0;
      continue;
    }
    if (runLength === 0) runStart = slot;
    runLength++;
    if (runLength === count) return { slot: runStart, tailFree: 0 };
  }
  return { slot: -1, tailFree: runLength };
}

/** The slots (LFN slots then the short entry) that spell `name` for `entry`, as 32-byte records. */
export function buildSlots(name: string, entryWithoutName: Omit<ShortEntry, 'name' | 'caseFlags'>, taken: ReadonlySet<string>): { slots: Uint8Array; entry: ShortEntry } {
  const choice = chooseShortName(name, taken);
  const entry: ShortEntry = { ...entryWithoutName, name: choice.name, caseFlags: choice.caseFlags };
  const chunks = choice.needsLongName ? longNameChunks(name) : [];
  const slots = new Uint8Array((chunks.length + 1) * ENTRY_SIZE);
  const checksum = shortNameChecksum(choice.name);
  for (let i = 0; i < chunks.length; i++) {
    const order = chunks.length - i; // on disk the highest ordinal comes first
    encodeLfnEntry({ order: order | (i === 0 ? LFN_LAST : 0), units: chunks[order - 1]!, checksum }, slots, i * ENTRY_SIZE);
  }
  encodeShortEntry(entry, slots, chunks.length * ENTRY_SIZE);
  return { slots, entry };
}

/** mark the slots of a record deleted (memory only) */
export function markDeleted(directory: DirectoryImage, record: DirectoryRecord): void {
  for (let slot = record.firstSlot; slot <= record.slot; slot++) directory.bytes[slot * ENTRY_SIZE] = SLOT_DELETED;
}

/**
 * Write the sectors holding slots [fromSlot, fromSlot + count) back to the
 * device (no flush). Sectors are grouped into one write per contiguous run.
 */
export function writeSlots(device: BlockDevice, geometry: Geometry, directory: DirectoryImage, fromSlot: number, count: number): void {
  const sectorSize = geometry.sectorSize;
  const firstSector = Math.floor((fromSlot * ENTRY_SIZE) / sectorSize);
  const lastSector = Math.floor(((fromSlot + count) * ENTRY_SIZE - 1) / sectorSize);
  const sectorsPerCluster = geometry.sectorsPerCluster;
  let runStart = firstSector;
  const lbaOf = (s: number): number => clusterSector(geometry, directory.clusters[Math.floor(s / sectorsPerCluster)]!) + (s % sectorsPerCluster);
  for (let s = firstSector + 1; s <= lastSector + 1; s++) {
    if (s <= lastSector && lbaOf(s) === lbaOf(s - 1) + 1) continue;
    const bytes = directory.bytes.subarray(runStart * sectorSize, s * sectorSize);
    device.write(lbaOf(runStart), bytes);
    runStart = s;
  }
}

/** '.' and '..' short names */
export const DOT_NAME = new Uint8Array([0x2e, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20]);
export const DOTDOT_NAME = new Uint8Array([0x2e, 0x2e, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20]);
