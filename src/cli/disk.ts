/**
 * `chimaera disk` — look into a ChimaeraOS disk image from the host, in the
 * spirit of mtools, with the very FAT32 code the kernel mounts it with.
 *
 *   mkfs IMAGE [--size SIZE] [--label NAME]    create (or reformat) an image
 *   ls IMAGE [PATH] [-l] [-R]                  list a directory
 *   cat IMAGE PATH                             print a file
 *   get IMAGE PATH HOSTPATH                    copy out (directories recursively)
 *   put IMAGE HOSTPATH PATH                    copy in (directories recursively)
 *   rm IMAGE PATH [-r]                         remove (-r: directories too)
 *   mkdir IMAGE PATH [-p]                      make a directory
 *   fsck IMAGE                                 read-only consistency check
 *   df IMAGE                                   size and free space
 *
 * Every command that changes the image syncs and unmounts it before it
 * returns, so the image is consistent when the tool exits, even on error.
 */

import * as nodeFs from 'node:fs';
import * as nodePath from 'node:path';
import { ChimaeraError, fail, formatBytes } from '../common/index.ts';
import { FileBlockDevice } from '../hal/hosted/index.ts';
import { checkFat32, Fat32Volume, formatSystemDisk } from '../fs/index.ts';
import { expectPositional, parseArgs, parseSize, type FlagSpec } from './args.ts';

export const DISK_USAGE = `usage: chimaera disk COMMAND IMAGE ...
  mkfs IMAGE [--size SIZE] [--label NAME]   create a ChimaeraOS disk: FAT32 with /home and /lived (default 256M; an existing file is reformatted)
  ls IMAGE [PATH] [-l] [-R]                 list a directory (default /)
  cat IMAGE PATH                            print a file to stdout
  get IMAGE PATH HOSTPATH                   copy a file or directory out of the image
  put IMAGE HOSTPATH PATH                   copy a host file or directory into the image
  rm IMAGE PATH [-r]                        remove a file (-r: a directory and its contents)
  mkdir IMAGE PATH [-p]                     make a directory (-p: with parents)
  fsck IMAGE                                check the volume read-only; exit status 1 on errors
  df IMAGE                                  size and free space`;

const FLAGS: Record<string, FlagSpec> = {
  size: { kind: 'value' },
  label: { kind: 'value' },
  long: { kind: 'switch', short: 'l' },
  recursive: { kind: 'switch', short: 'R' },
  remove: { kind: 'switch', short: 'r' },
  parents: { kind: 'switch', short: 'p' },
};

export const DEFAULT_DISK_BYTES = 256 * 2 ** 20;

export interface Output {
  out(text: string): void;
}

/** run one disk subcommand; returns the exit status */
export function runDiskCommand(argv: readonly string[], output: Output): number {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help') {
    output.out(`${DISK_USAGE}\n`);
    return sub === undefined ? 2 : 0;
  }
  const args = parseArgs(rest, FLAGS);
  switch (sub) {
    case 'mkfs': {
      const [image] = expectPositional(args, ['IMAGE'], 'chimaera disk mkfs IMAGE [--size SIZE] [--label NAME]');
      const size = parseSize(args.values.get('size') ?? String(DEFAULT_DISK_BYTES), '--size');
      makeImage(image!, size, args.values.get('label'));
      output.out(`${image}: FAT32, ${formatBytes(size)}\n`);
      return 0;
    }
    case 'ls': {
      if (args.positional.length < 1 || args.positional.length > 2) fail('cli.usage', 'usage: chimaera disk ls IMAGE [PATH] [-l] [-R]');
      const [image, path = '/'] = args.positional;
      return withVolume(image!, 'read-only', (volume) => {
        listTree(volume, path, args.switches.has('long'), args.switches.has('recursive'), output);
        return 0;
      });
    }
    case 'cat': {
      const [image, path] = expectPositional(args, ['IMAGE', 'PATH'], 'chimaera disk cat IMAGE PATH');
      return withVolume(image!, 'read-only', (volume) => {
        process.stdout.write(volume.readFile(path!));
        return 0;
      });
    }
    case 'get': {
      const [image, path, host] = expectPositional(args, ['IMAGE', 'PATH', 'HOSTPATH'], 'chimaera disk get IMAGE PATH HOSTPATH');
      return withVolume(image!, 'read-only', (volume) => {
        const count = copyOut(volume, path!, host!);
        output.out(`copied ${count} file${count === 1 ? '' : 's'} to ${host}\n`);
        return 0;
      });
    }
    case 'put': {
      const [image, host, path] = expectPositional(args, ['IMAGE', 'HOSTPATH', 'PATH'], 'chimaera disk put IMAGE HOSTPATH PATH');
      return withVolume(image!, 'read-write', (volume) => {
        const count = copyIn(volume, host!, path!);
        output.out(`copied ${count} file${count === 1 ? '' : 's'} to ${path}\n`);
        return 0;
      });
    }
    case 'rm': {
      const [image, path] = expectPositional(args, ['IMAGE', 'PATH'], 'chimaera disk rm IMAGE PATH [-r]');
      return withVolume(image!, 'read-write', (volume) => {
        if (volume.stat(path!).kind === 'directory') {
          if (!args.switches.has('remove')) fail('fs.is_dir', `${path} is a directory (use -r to remove it and its contents)`);
          volume.rmdir(path!, { recursive: true });
        } else volume.unlink(path!);
        return 0;
      });
    }
    case 'mkdir': {
      const [image, path] = expectPositional(args, ['IMAGE', 'PATH'], 'chimaera disk mkdir IMAGE PATH [-p]');
      return withVolume(image!, 'read-write', (volume) => {
        volume.mkdir(path!, { recursive: args.switches.has('parents') });
        return 0;
      });
    }
    case 'fsck': {
      const [image] = expectPositional(args, ['IMAGE'], 'chimaera disk fsck IMAGE');
      const device = FileBlockDevice.open(image!, { readOnly: true });
      try {
        const report = checkFat32(device);
        for (const e of report.errors) output.out(`error ${e.code}: ${e.message}\n`);
        output.out(
          `${image}: ${report.ok ? 'clean' : `${report.errors.length} error${report.errors.length === 1 ? '' : 's'}`}; ${report.files} files, ${report.directories} directories, ${report.usedClusters} clusters used, ${report.lostClusters} lost\n`,
        );
        return report.ok ? 0 : 1;
      } finally {
        device.close();
      }
    }
    case 'df': {
      const [image] = expectPositional(args, ['IMAGE'], 'chimaera disk df IMAGE');
      return withVolume(image!, 'read-only', (volume) => {
        const s = volume.statfs();
        output.out(`${image}: ${formatBytes(s.totalBytes)} total, ${formatBytes(s.totalBytes - s.freeBytes)} used, ${formatBytes(s.freeBytes)} free, cluster ${formatBytes(s.clusterSize)}\n`);
        return 0;
      });
    }
    default:
      fail('cli.usage', `unknown disk command "${sub}"\n${DISK_USAGE}`);
  }
}

/** create or reformat an image file of `sizeBytes` as a ChimaeraOS disk */
export function makeImage(path: string, sizeBytes: number, label?: string): void {
  if (nodeFs.existsSync(path)) {
    nodeFs.truncateSync(path, 0); // drop old contents so the new image is sparse
    nodeFs.truncateSync(path, sizeBytes);
  }
  const device = nodeFs.existsSync(path) ? FileBlockDevice.open(path) : FileBlockDevice.create(path, sizeBytes);
  try {
    formatSystemDisk(device, label === undefined ? {} : { label });
  } finally {
    device.close();
  }
}

function withVolume(image: string, mode: 'read-only' | 'read-write', fn: (volume: Fat32Volume) => number): number {
  if (!nodeFs.existsSync(image)) fail('fs.not_found', `disk image ${image} does not exist (create one with: chimaera disk mkfs ${image})`);
  const device = FileBlockDevice.open(image, { readOnly: mode === 'read-only' });
  try {
    const volume = Fat32Volume.mount(device, { readOnly: mode === 'read-only' });
    try {
      return fn(volume);
    } finally {
      volume.unmount();
    }
  } finally {
    device.close();
  }
}

function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

function listTree(volume: Fat32Volume, path: string, long: boolean, recursive: boolean, output: Output): void {
  const entries = volume.readdir(path);
  if (recursive) output.out(`${path}:\n`);
  for (const e of entries) {
    const name = e.kind === 'directory' ? `${e.name}/` : e.name;
    output.out(long ? `${e.kind === 'directory' ? 'd' : '-'} ${String(e.size).padStart(10)} ${new Date(e.modifiedAt).toISOString().slice(0, 16).replace('T', ' ')} ${name}\n` : `${name}\n`);
  }
  if (recursive) {
    for (const e of entries) {
      if (e.kind !== 'directory') continue;
      output.out('\n');
      listTree(volume, joinPath(path, e.name), long, recursive, output);
    }
  }
}

function copyOut(volume: Fat32Volume, path: string, host: string): number {
  if (volume.stat(path).kind === 'file') {
    const target = nodeFs.existsSync(host) && nodeFs.statSync(host).isDirectory() ? nodePath.join(host, nodePath.posix.basename(path)) : host;
    writeHost(target, volume.readFile(path));
    return 1;
  }
  hostIo(() => nodeFs.mkdirSync(host, { recursive: true }), host);
  let count = 0;
  for (const e of volume.readdir(path)) count += copyOut(volume, joinPath(path, e.name), nodePath.join(host, e.name));
  return count;
}

function copyIn(volume: Fat32Volume, host: string, path: string): number {
  const stat = hostIo(() => nodeFs.statSync(host), host);
  if (stat.isFile()) {
    const target = volume.exists(path) && volume.stat(path).kind === 'directory' ? joinPath(path, nodePath.basename(host)) : path;
    volume.writeFile(target, hostIo(() => nodeFs.readFileSync(host), host));
    return 1;
  }
  if (!stat.isDirectory()) fail('cli.host_io', `${host} is neither a file nor a directory`);
  if (!volume.exists(path)) volume.mkdir(path, { recursive: true });
  let count = 0;
  for (const name of hostIo(() => nodeFs.readdirSync(host), host).sort()) count += copyIn(volume, nodePath.join(host, name), joinPath(path, name));
  return count;
}

function writeHost(path: string, data: Uint8Array): void {
  hostIo(() => nodeFs.writeFileSync(path, data), path);
}

function hostIo<T>(fn: () => T, path: string): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ChimaeraError) throw e;
    fail('cli.host_io', `${path}: ${(e as Error).message}`);
  }
}
