/**
 * A directory capability: the object behind an 'fs.dir' handle.
 *
 * It names a subtree of a mounted volume. Paths in fs syscalls are read
 * relative to the subtree's root ("/" is the subtree root itself), and no
 * path can climb out of it: ".." stops at the root instead of escaping, the
 * way a chroot does. A narrower capability (`/home/notes` only) is derived
 * with the `fs.open_dir` syscall, with rights that can only shrink.
 */

import { fail } from '../common/index.ts';
import type { Fat32Volume } from './fat32/index.ts';

export class DirectoryObject {
  readonly volume: Fat32Volume;
  /** absolute path of the subtree root on the volume, "/" or "/a/b" */
  readonly root: string;

  constructor(volume: Fat32Volume, root = '/') {
    this.volume = volume;
    this.root = normalizePath(root);
  }

  /** the absolute volume path for a path given relative to this capability */
  resolve(path: string): string {
    if (typeof path !== 'string' || path.length === 0) fail('fs.path_invalid', 'empty path');
    const inner = normalizePath(path);
    if (this.root === '/') return inner;
    return inner === '/' ? this.root : `${this.root}${inner}`;
  }

  /** the path as the caller sees it (volume path minus the subtree root) */
  toCallerPath(volumePath: string): string {
    if (this.root === '/') return volumePath;
    return volumePath === this.root ? '/' : volumePath.slice(this.root.length);
  }
}

/** "/a//b/./c/../d" → "/a/b/d"; ".." never climbs above "/" */
export function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}
