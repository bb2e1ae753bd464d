/**
 * cognition/scenarios/overlay-device — a copy-on-write block device over a
 * shared, never-written base image: reads see the sectors this device wrote,
 * else the base. Every scenario run gets a fresh disk for the cost of the
 * sectors it touches instead of a 34 MB copy.
 */

import { checkBlockAccess, type BlockDevice } from '../../hal/index.ts';
import { fail } from '../../common/index.ts';

export class OverlayBlockDevice implements BlockDevice {
  readonly sectorSize: number;
  readonly sectorCount: number;
  readonly readOnly = false;
  /** sectors written so far: lba → one sector of bytes */
  private readonly written = new Map<number, Uint8Array>();
  private closed = false;

  /** @param base (sectorCount × sectorSize) bytes, shared and never modified */
  constructor(
    private readonly base: Uint8Array,
    sectorSize = 512,
  ) {
    if (base.length % sectorSize !== 0) throw new RangeError(`OverlayBlockDevice: ${base.length} bytes is not whole ${sectorSize}-byte sectors`);
    this.sectorSize = sectorSize;
    this.sectorCount = base.length / sectorSize;
  }

  read(lba: number, out: Uint8Array): void {
    this.checkOpen();
    checkBlockAccess(this, lba, out.length, 'read');
    const size = this.sectorSize;
    for (let index = 0; index < out.length / size; index++) {
      const sector = this.written.get(lba + index);
      const offset = (lba + index) * size;
      out.set(sector ?? this.base.subarray(offset, offset + size), index * size);
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
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) fail('dev.io', 'overlay disk is closed');
  }
}
