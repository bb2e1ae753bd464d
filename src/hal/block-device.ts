/**
 * BlockDevice — the one seam between storage code and the hardware.
 *
 * Like FatFs's diskio.h it is deliberately tiny: read sectors, write
 * sectors, flush, close. FAT32 and the record log know nothing else, so the
 * same code runs on a file image (hal/hosted), a RAM disk (hal/memory) and a
 * power-loss simulator (hal/memory/crash-block-device).
 *
 * I/O is synchronous: a disk-image read is a few microseconds, and keeping
 * the file system free of `await` keeps it simple and crash-analysable.
 *
 * Durability contract: a write may sit in a volatile cache until `flush()`
 * returns; after that, every earlier write survives power loss. Between
 * flushes, writes may land in any order, or partly (a torn sector).
 */

import { fail } from '../common/index.ts';

export interface BlockDevice {
  /** bytes per sector (512 for every device ChimaeraOS creates) */
  readonly sectorSize: number;
  /** device size [sectors] */
  readonly sectorCount: number;
  readonly readOnly: boolean;
  /** read `out.length / sectorSize` sectors starting at `lba` into `out` */
  read(lba: number, out: Uint8Array): void;
  /** write `data.length / sectorSize` sectors starting at `lba` */
  write(lba: number, data: Uint8Array): void;
  /** durability barrier: every earlier write survives power loss once this returns */
  flush(): void;
  /** flush and release the device; later calls fail with dev.io */
  close(): void;
}

/**
 * Validate one access: whole sectors, inside the device. Every BlockDevice
 * implementation calls this first so that all of them fail the same way.
 */
export function checkBlockAccess(device: BlockDevice, lba: number, byteLength: number, kind: 'read' | 'write'): void {
  const { sectorSize, sectorCount } = device;
  if (!Number.isInteger(lba) || lba < 0) fail('dev.out_of_range', `${kind} at invalid sector ${lba}`, { lba });
  if (byteLength % sectorSize !== 0) {
    fail('dev.misaligned', `${kind} of ${byteLength} bytes is not a multiple of the ${sectorSize}-byte sector`, { byteLength });
  }
  const count = byteLength / sectorSize;
  if (lba + count > sectorCount) {
    fail('dev.out_of_range', `${kind} of sectors ${lba}..${lba + count - 1} runs past the end of the device (${sectorCount} sectors)`, {
      lba,
      count,
      sectorCount,
    });
  }
  if (kind === 'write' && device.readOnly) fail('dev.read_only', `write to sector ${lba} on a read-only device`);
}

/** true when sector 0 is all zeros: a device nobody has written yet (false for a device with no sectors) */
export function firstSectorIsZero(device: BlockDevice): boolean {
  if (device.sectorCount === 0) return false;
  const first = new Uint8Array(device.sectorSize);
  device.read(0, first);
  return first.every((b) => b === 0);
}
