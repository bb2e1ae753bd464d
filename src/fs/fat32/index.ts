/** fs/fat32 — the FAT32 file system: mkfs, mount and file operations, and a read-only checker. */
export { formatFat32, type FormatOptions } from './format.ts';
export { Fat32Volume, type FileStat, type VolumeStats } from './volume.ts';
export type { FsOperation, MountOptions } from './volume-core.ts';
export { checkFat32, type Fat32CheckReport, type Fat32CheckIssue } from './check.ts';
