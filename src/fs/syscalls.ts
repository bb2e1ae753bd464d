/**
 * The file syscalls: every file operation a kernel client (the shell, later
 * the cognition daemon's tools) can make, each a declaration with the right
 * it needs on an 'fs.dir' handle. Handlers resolve the path inside the
 * handle's subtree (directory-object.ts) and call the volume.
 */

import { fail } from '../common/index.ts';
import { arg, defineSyscall, Rights, type SyscallTable } from '../kernel/index.ts';
import { DirectoryObject } from './directory-object.ts';
import type { FileStat } from './fat32/index.ts';

const path = arg.string({ minLength: 1, maxLength: 4096 });
/** handle type of a directory capability */
export const DIRECTORY_OBJECT_TYPE = 'fs.dir';
const DIR = DIRECTORY_OBJECT_TYPE;

/** what stat/readdir return to callers: paths relative to the caller's subtree */
export interface FsEntry {
  readonly name: string;
  readonly path: string;
  readonly kind: 'file' | 'directory';
  /** [bytes] */
  readonly size: number;
  /** [ms since epoch] */
  readonly modifiedAt: number;
  readonly createdAt: number;
}

function entry(dir: DirectoryObject, stat: FileStat): FsEntry {
  return { name: stat.name, path: dir.toCallerPath(stat.path), kind: stat.kind, size: stat.size, modifiedAt: stat.modifiedAt, createdAt: stat.createdAt };
}

export const FS_SYSCALLS = [
  defineSyscall({
    name: 'fs.stat',
    summary: 'kind, size and times of a file or directory',
    objectType: DIR,
    right: Rights.READ,
    args: { path },
    handler: (_ctx, dir: DirectoryObject, a) => entry(dir, dir.volume.stat(dir.resolve(a.path))),
  }),
  defineSyscall({
    name: 'fs.readdir',
    summary: 'the entries of a directory',
    objectType: DIR,
    right: Rights.READ,
    args: { path },
    handler: (_ctx, dir: DirectoryObject, a) => dir.volume.readdir(dir.resolve(a.path)).map((s) => entry(dir, s)),
  }),
  defineSyscall({
    name: 'fs.read',
    summary: 'read a file, whole or a range',
    objectType: DIR,
    right: Rights.READ,
    args: { path, offset: arg.integer({ min: 0 }).optional(), length: arg.integer({ min: 0 }).optional() },
    handler: (_ctx, dir: DirectoryObject, a) => {
      const p = dir.resolve(a.path);
      if (a.offset === undefined && a.length === undefined) return dir.volume.readFile(p);
      const offset = a.offset ?? 0;
      return dir.volume.read(p, offset, a.length ?? Math.max(0, dir.volume.stat(p).size - offset));
    },
  }),
  defineSyscall({
    name: 'fs.write',
    summary: 'create or replace a file (or write at an offset)',
    objectType: DIR,
    right: Rights.WRITE,
    args: { path, data: arg.bytes(), offset: arg.integer({ min: 0 }).optional() },
    handler: (_ctx, dir: DirectoryObject, a) => {
      if (a.offset === undefined) dir.volume.writeFile(dir.resolve(a.path), a.data);
      else dir.volume.write(dir.resolve(a.path), a.offset, a.data);
    },
  }),
  defineSyscall({
    name: 'fs.append',
    summary: 'append to a file (created if missing)',
    objectType: DIR,
    right: Rights.WRITE,
    args: { path, data: arg.bytes() },
    handler: (_ctx, dir: DirectoryObject, a) => dir.volume.appendFile(dir.resolve(a.path), a.data),
  }),
  defineSyscall({
    name: 'fs.truncate',
    summary: 'shrink or extend a file to a size',
    objectType: DIR,
    right: Rights.WRITE,
    args: { path, size: arg.integer({ min: 0, max: 0xffffffff }) },
    handler: (_ctx, dir: DirectoryObject, a) => dir.volume.truncate(dir.resolve(a.path), a.size),
  }),
  defineSyscall({
    name: 'fs.mkdir',
    summary: 'make a directory (recursive: with parents)',
    objectType: DIR,
    right: Rights.WRITE,
    args: { path, recursive: arg.boolean().default(false) },
    handler: (_ctx, dir: DirectoryObject, a) => dir.volume.mkdir(dir.resolve(a.path), { recursive: a.recursive }),
  }),
  defineSyscall({
    name: 'fs.rmdir',
    summary: 'remove a directory (recursive: with its contents)',
    objectType: DIR,
    right: Rights.WRITE,
    args: { path, recursive: arg.boolean().default(false) },
    handler: (_ctx, dir: DirectoryObject, a) => {
      const p = dir.resolve(a.path);
      if (p === dir.root) fail('arg.invalid', `cannot remove the root of this directory handle (${a.path})`);
      dir.volume.rmdir(p, { recursive: a.recursive });
    },
  }),
  defineSyscall({
    name: 'fs.unlink',
    summary: 'remove a file',
    objectType: DIR,
    right: Rights.WRITE,
    args: { path },
    handler: (_ctx, dir: DirectoryObject, a) => dir.volume.unlink(dir.resolve(a.path)),
  }),
  defineSyscall({
    name: 'fs.rename',
    summary: 'rename or move a file or directory',
    objectType: DIR,
    right: Rights.WRITE,
    args: { from: path, to: path },
    handler: (_ctx, dir: DirectoryObject, a) => dir.volume.rename(dir.resolve(a.from), dir.resolve(a.to)),
  }),
  defineSyscall({
    name: 'fs.statfs',
    summary: 'volume size and free space',
    objectType: DIR,
    right: Rights.READ,
    args: {},
    handler: (_ctx, dir: DirectoryObject) => dir.volume.statfs(),
  }),
  defineSyscall({
    name: 'fs.open_dir',
    summary: 'a new handle for a subdirectory, with at most the given rights',
    objectType: DIR,
    right: Rights.DUPLICATE,
    args: { path, rights: arg.integer({ min: 0 }).optional() },
    handler: (ctx, dir: DirectoryObject, a) => {
      const p = dir.resolve(a.path);
      if (dir.volume.stat(p).kind !== 'directory') fail('fs.not_dir', `${a.path} is not a directory`);
      const rights = ctx.caller.handles.rightsOf(ctx.handle) & (a.rights ?? ~0);
      return ctx.caller.handles.createDerived(ctx.handle, new DirectoryObject(dir.volume, p), DIR, rights);
    },
  }),
];

export function registerFsSyscalls(table: SyscallTable): void {
  for (const definition of FS_SYSCALLS) table.register(definition);
}
