/**
 * A block device backed by a disk-image file on the host.
 *
 * Sectors map 1:1 to file offsets. `flush()` is fsync(2). A sibling lock
 * file (`IMAGE.lock`, holding our pid) keeps two ChimaeraOS instances from
 * mounting the same image; a lock left by a dead process is taken over.
 */

import * as fs from 'node:fs';
import { ChimaeraError, fail } from '../../common/index.ts';
import { checkBlockAccess, type BlockDevice } from '../block-device.ts';

export interface FileBlockDeviceOptions {
  readonly readOnly?: boolean;
  /** bytes per sector [bytes], default 512 */
  readonly sectorSize?: number;
  /** take the image's lock file (default: true when writable) */
  readonly lock?: boolean;
}

export class FileBlockDevice implements BlockDevice {
  readonly sectorSize: number;
  readonly sectorCount: number;
  readonly readOnly: boolean;
  readonly path: string;
  private fd: number | undefined;
  private readonly lockPath: string | undefined;

  private constructor(path: string, fd: number, sectorCount: number, sectorSize: number, readOnly: boolean, lockPath: string | undefined) {
    this.path = path;
    this.fd = fd;
    this.sectorCount = sectorCount;
    this.sectorSize = sectorSize;
    this.readOnly = readOnly;
    this.lockPath = lockPath;
  }

  /** create a zero-filled (sparse) image of `sizeBytes`; fails with fs.exists if it exists */
  static create(path: string, sizeBytes: number, options: FileBlockDeviceOptions = {}): FileBlockDevice {
    const sectorSize = options.sectorSize ?? 512;
    if (!Number.isInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes % sectorSize !== 0) {
      fail('arg.invalid', `disk size ${sizeBytes} is not a positive multiple of ${sectorSize} bytes`);
    }
    let fd: number;
    try {
      fd = fs.openSync(path, 'wx+');
      fs.ftruncateSync(fd, sizeBytes);
      fs.closeSync(fd);
    } catch (e) {
      throw hostError(e, path, 'create');
    }
    return FileBlockDevice.open(path, options);
  }

  /** open an existing image; its size must be a whole number of sectors */
  static open(path: string, options: FileBlockDeviceOptions = {}): FileBlockDevice {
    const sectorSize = options.sectorSize ?? 512;
    const readOnly = options.readOnly ?? false;
    const lockPath = (options.lock ?? !readOnly) ? `${path}.lock` : undefined;
    if (lockPath !== undefined) takeLock(lockPath, path);
    let fd: number;
    let size: number;
    try {
      fd = fs.openSync(path, readOnly ? 'r' : 'r+');
      size = fs.fstatSync(fd).size;
    } catch (e) {
      if (lockPath !== undefined) releaseLock(lockPath);
      throw hostError(e, path, 'open');
    }
    if (size % sectorSize !== 0 || size === 0) {
      fs.closeSync(fd);
      if (lockPath !== undefined) releaseLock(lockPath);
      fail('dev.out_of_range', `${path}: size ${size} bytes is not a whole number of ${sectorSize}-byte sectors (truncated image?)`, { size });
    }
    return new FileBlockDevice(path, fd, size / sectorSize, sectorSize, readOnly, lockPath);
  }

  read(lba: number, out: Uint8Array): void {
    const fd = this.openFd();
    checkBlockAccess(this, lba, out.length, 'read');
    let done = 0;
    try {
      while (done < out.length) {
        const n = fs.readSync(fd, out, done, out.length - done, lba * this.sectorSize + done);
        if (n === 0) fail('dev.out_of_range', `${this.path}: unexpected end of image at sector ${lba}`);
        done += n;
      }
    } catch (e) {
      throw hostError(e, this.path, 'read');
    }
  }

  write(lba: number, data: Uint8Array): void {
    const fd = this.openFd();
    checkBlockAccess(this, lba, data.length, 'write');
    let done = 0;
    try {
      while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, lba * this.sectorSize + done);
    } catch (e) {
      throw hostError(e, this.path, 'write');
    }
  }

  flush(): void {
    const fd = this.openFd();
    if (this.readOnly) return;
    try {
      fs.fsyncSync(fd);
    } catch (e) {
      throw hostError(e, this.path, 'fsync');
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      if (!this.readOnly) fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
    } finally {
      this.fd = undefined;
      if (this.lockPath !== undefined) releaseLock(this.lockPath);
    }
  }

  private openFd(): number {
    if (this.fd === undefined) fail('dev.io', `${this.path}: device is closed`);
    return this.fd;
  }
}

function takeLock(lockPath: string, imagePath: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw hostError(e, lockPath, 'lock');
    }
    const holder = Number.parseInt(safeRead(lockPath), 10);
    if (Number.isInteger(holder) && holder !== process.pid && processAlive(holder)) {
      fail('dev.busy', `${imagePath} is in use by process ${holder} (lock file ${lockPath})`, { pid: holder });
    }
    fs.rmSync(lockPath, { force: true }); // stale: its owner is gone (or it is ours)
  }
  fail('dev.busy', `${imagePath}: could not take the lock file ${lockPath}`);
}

function releaseLock(lockPath: string): void {
  if (safeRead(lockPath).trim() === String(process.pid)) fs.rmSync(lockPath, { force: true });
}

function safeRead(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function hostError(e: unknown, path: string, op: string): ChimaeraError {
  if (e instanceof ChimaeraError) return e;
  const errno = e as NodeJS.ErrnoException;
  if (errno.code === 'EEXIST') return new ChimaeraError('fs.exists', `${path} already exists`, { cause: e });
  if (errno.code === 'ENOENT') return new ChimaeraError('fs.not_found', `${path} does not exist`, { cause: e });
  return new ChimaeraError('dev.io', `${path}: ${op} failed: ${errno.message}`, { cause: e, detail: { errno: errno.code } });
}
