/**
 * hal/copy-on-write-device — a block device that reads through to a base
 * device (or zeros, when there is none) and keeps every write in memory,
 * so a whole boot can run against a disk image without changing one byte
 * of it (`chimaera ask --dry-run`), and every scenario run of the agent
 * suite gets a fresh disk over one shared image. Memory grows with the
 * sectors written, not with the disk.
 */

import { fail } from '../common/index.ts';
import { checkBlockAccess, type BlockDevice } from './block-device.ts';

export class CopyOnWriteDevice implements BlockDevice {
  readonly sectorSize: number;
  readonly sectorCount: number;
  readonly readOnly = false;
  /** sectors written so far: lba → one sector of bytes */
  private readonly written = new Map<number, Uint8Array>();
  private closed = false;

  /** @param base read, never written; closed with this device. undefined: a blank disk of `sectorCount` sectors */
  constructor(private readonly base: BlockDevice | undefined, sectorCount: number, sectorSize = 512) {
    if (base !== undefined && (base.sectorCount !== sectorCount || base.sectorSize !== sectorSize)) {
      throw new RangeError(`CopyOnWriteDevice: base is ${base.sectorCount}×${base.sectorSize}, asked for ${sectorCount}×${sectorSize}`);
    }
    this.sectorCount = sectorCount;
    this.sectorSize = sectorSize;
  }

  /** sectors held in memory */
  get writtenSectors(): number {
    return this.written.size;
  }

  read(lba: number, out: Uint8Array): void {
    this.checkOpen();
    checkBlockAccess(this, lba, out.length, 'read');
    const size = this.sectorSize;
    if (this.base === undefined) out.fill(0);
    else this.base.read(lba, out);
    if (this.written.size === 0) return;
    for (let index = 0; index < out.length / size; index++) {
      const sector = this.written.get(lba + index);
      if (sector !== undefined) out.set(sector, index * size);
    }
  }

  write(lba: number, data: Uint8Array): void {
    this.checkOpen();
    checkBlockAccess(this, lba, data.length, 'write');
    const size = this.sectorSize;
    for (let index = 0; index < data.length / size; index++) this.written.set(lba + index, data.slice(index * size, (index + 1) * size));
  }

  flush(): void {
    this.checkOpen();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.base?.close();
  }

  private checkOpen(): void {
    if (this.closed) fail('dev.io', 'copy-on-write disk is closed');
  }
}
