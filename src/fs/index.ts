/** fs — layer 3: FAT32, the crash-safe record log, storage bring-up and the file syscalls. */
export * from './record-log/index.ts';
export * from './fat32/index.ts';
export { DirectoryObject, normalizePath } from './directory-object.ts';
export { DIRECTORY_OBJECT_TYPE, FS_SYSCALLS, registerFsSyscalls, type FsEntry } from './syscalls.ts';
export { DEFAULT_LOG_FILE_BYTES, openLogFile, type LogFile, type LogFileOptions } from './log-file.ts';
export { BOOT_LOG_PATH, DEFAULT_LABEL, formatSystemDisk, startStorage, SYSTEM_DIRECTORIES, type BootRecord, type Storage } from './storage.ts';
