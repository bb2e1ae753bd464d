/**
 * A block device in RAM: the test double below the BlockDevice seam.
 * Writes are durable at once (RAM has no volatile cache to lose); use
 * CrashBlockDevice to model power loss.
 */

import { fail } from '../../common/index.ts';
import { checkBlockAccess, type BlockDevice } from '../block-device.ts';

export class RamBlockDevice implements BlockDevice {
  readonly sectorSize: number;
  readonly sectorCount: number;
  readonly readOnly: boolean;
  /** the whole device, (sectorCount × sectorSize) bytes */
  readonly bytes: Uint8Array;
  /** counters for tests and benchmarks */
  readonly stats = { reads: 0, writes: 0, flushes: 0 };
  private closed = false;

  constructor(sectorCount: number, options: { sectorSize?: number; readOnly?: boolean; bytes?: Uint8Array } = {}) {
    this.sectorSize = options.sectorSize ?? 512;
    this.sectorCount = sectorCount;
    this.readOnly = options.readOnly ?? false;
    this.bytes = options.bytes ?? new Uint8Array(sectorCount * this.sectorSize);
    if (this.bytes.length !== sectorCount * this.sectorSize) {
      throw new RangeError(`RamBlockDevice: ${this.bytes.length} bytes is not ${sectorCount} sectors of ${this.sectorSize}`);
    }
  }

  /** a RAM disk holding a copy of `image` (whose length must be whole sectors) */
  static fromImage(image: Uint8Array, sectorSize = 512): RamBlockDevice {
    return new RamBlockDevice(image.length / sectorSize, { sectorSize, bytes: image.slice() });
  }

  read(lba: number, out: Uint8Array): void {
    this.checkOpen();
    checkBlockAccess(this, lba, out.length, 'read');
    const start = lba * this.sectorSize;
    out.set(this.bytes.subarray(start, start + out.length));
    this.stats.reads++;
  }

  write(lba: number, data: Uint8Array): void {
    this.checkOpen();
    checkBlockAccess(this, lba, data.length, 'write');
    this.bytes.set(data, lba * this.sectorSize);
    this.stats.writes++;
  }

  flush(): void {
    this.checkOpen();
    this.stats.flushes++;
  }

  close(): void {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) fail('dev.io', 'RAM disk is closed');
  }
}
