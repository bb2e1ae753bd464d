/**
 * Helpers for the FAT32 scenario tests: write an image to a temp file
 * (sparsely), run dosfstools' fsck.fat -n and classify its findings, and
 * read a whole tree back with mtools.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBlockAccess, type BlockDevice } from '../src/hal/index.ts';

export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** write `image` to `path` (padded with zeros to `totalLength`), skipping all-zero 64 KiB blocks so the file stays sparse */
export function writeSparseImage(path: string, image: Uint8Array, totalLength = image.length): void {
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, totalLength);
    const block = 65536;
    const zero = Buffer.alloc(block);
    const all = Buffer.from(image.buffer, image.byteOffset, image.length);
    for (let at = 0; at < image.length; at += block) {
      const piece = all.subarray(at, Math.min(at + block, image.length));
      if (!piece.equals(zero.subarray(0, piece.length))) writeSync(fd, piece, 0, piece.length, at);
    }
  } finally {
    closeSync(fd);
  }
}

export interface FsckResult {
  readonly status: number;
  readonly output: string;
  /** finding lines (the version banner, summary and "Leaving filesystem unchanged" removed) */
  readonly findings: string[];
}

export function fsckFat(imagePath: string): FsckResult {
  const run = spawnSync('fsck.fat', ['-n', imagePath], { encoding: 'utf8' });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  const findings = output
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !l.startsWith('fsck.fat ') && !l.startsWith(imagePath + ':') && l !== 'Leaving filesystem unchanged.');
  return { status: run.status ?? -1, output, findings };
}

/**
 * Findings a crash may leave under our write ordering: clusters nobody
 * references, an unknown/wrong free count, and the dirty flag.
 */
export const BENIGN_AFTER_CRASH = [
  /^Reclaimed \d+ unused clusters? \(\d+ bytes\)\.$/,
  /^Free cluster summary (wrong|uninitialized)/,
  /^\s*Auto-correcting\.$/,
  /^Dirty bit is set\. Fs was not properly unmounted/,
  /^\s*Automatically removing dirty bit\.$/,
];

export function unexpectedFindings(findings: readonly string[], allowed: readonly RegExp[]): string[] {
  return findings.filter((line) => !allowed.some((re) => re.test(line)));
}

export const MTOOLS_ENV = { ...process.env, MTOOLS_SKIP_CHECK: '1', LC_ALL: 'C.UTF-8' };

export function mtools(command: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const run = spawnSync(command, args, { encoding: 'utf8', env: MTOOLS_ENV, maxBuffer: 64 << 20 });
  return { status: run.status ?? -1, stdout: run.stdout ?? '', stderr: run.stderr ?? '' };
}

/** mtools 4.0 cannot convert UTF-16 surrogates (characters beyond the BMP): each unit shows as '_' */
export function mtoolsName(name: string): string {
  return name.replace(/[\ud800-\udfff]/g, '_');
}

/** A host directory tree as path → content (files) or null (directories), paths relative with '/' */
export function readHostTree(root: string): Map<string, Uint8Array | null> {
  const out = new Map<string, Uint8Array | null>();
  const visit = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const rel = prefix === '' ? name : `${prefix}/${name}`;
      if (statSync(full).isDirectory()) {
        out.set(rel, null);
        visit(full, rel);
      } else out.set(rel, new Uint8Array(readFileSync(full)));
    }
  };
  visit(root, '');
  return out;
}

/**
 * Names from `mdir -/ -a` (recursive listing) as "dir/name" relative paths:
 * the long name when shown, else BASE.EXT as displayed.
 */
export function mdirNames(imagePath: string): Set<string> {
  const run = mtools('mdir', ['-/', '-a', '-i', imagePath, '::/']);
  if (run.status !== 0) throw new Error(`mdir failed: ${run.stderr}`);
  const names = new Set<string>();
  let dir = '';
  for (const line of run.stdout.split('\n')) {
    const header = /^Directory for ::\/(.*)$/.exec(line);
    if (header) {
      dir = header[1]!.replace(/\/$/, '');
      continue;
    }
    const entry = /^(.{8}) (.{3}) +(<DIR>|\d+) +\d{4}-\d\d-\d\d +\d+:\d\d(?: +(.*))?$/.exec(line);
    if (!entry) continue;
    const base = entry[1]!.trimEnd();
    const ext = entry[2]!.trimEnd();
    const name = entry[4] !== undefined && entry[4] !== '' ? entry[4] : ext === '' ? base : `${base}.${ext}`;
    if (name === '.' || name === '..') continue;
    names.add(dir === '' ? name : `${dir}/${name}`);
  }
  return names;
}

/**
 * A full-size disk whose first `head.sectorCount` sectors live in `head`
 * and whose tail reads as zeros. Crash tests put a small CrashBlockDevice
 * in front so each trial copies megabytes, not the whole 32 MiB volume;
 * a write into the tail is a test bug (the workload outgrew the head).
 */
export class ZeroTailDevice implements BlockDevice {
  readonly sectorSize: number;
  readonly sectorCount: number;
  readonly readOnly: boolean;
  readonly head: BlockDevice;

  constructor(head: BlockDevice, sectorCount: number) {
    this.head = head;
    this.sectorSize = head.sectorSize;
    this.sectorCount = sectorCount;
    this.readOnly = head.readOnly;
  }

  read(lba: number, out: Uint8Array): void {
    checkBlockAccess(this, lba, out.length, 'read');
    const inHead = Math.max(0, Math.min(out.length / this.sectorSize, this.head.sectorCount - lba));
    if (inHead > 0) this.head.read(lba, out.subarray(0, inHead * this.sectorSize));
    out.fill(0, inHead * this.sectorSize);
  }

  write(lba: number, data: Uint8Array): void {
    checkBlockAccess(this, lba, data.length, 'write');
    if (lba + data.length / this.sectorSize > this.head.sectorCount) throw new Error(`ZeroTailDevice: write at sector ${lba} is past the ${this.head.sectorCount}-sector head`);
    this.head.write(lba, data);
  }

  flush(): void {
    this.head.flush();
  }

  close(): void {
    this.head.close();
  }
}
