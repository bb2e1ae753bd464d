/**
 * Byte-addressed reads over a BlockDevice through a window of whole sectors,
 * for the recovery scan and record iteration. Reads never go past
 * `limitBytes` (the log's capacity), and a frame or checksum range may cross
 * any number of sector boundaries.
 */

import { crc32 } from '../../common/index.ts';
import type { BlockDevice } from '../../hal/index.ts';

/** sectors fetched per device read */
const WINDOW_SECTORS = 32;

export class SectorReader {
  private readonly device: BlockDevice;
  private readonly sectorSize: number;
  /** end of the readable region [bytes] (a whole number of sectors) */
  private readonly limitBytes: number;
  /** (WINDOW_SECTORS × sectorSize) bytes; holds [windowStart, windowEnd) */
  private readonly window: Uint8Array;
  private windowStart = 0;
  private windowEnd = 0;

  constructor(device: BlockDevice, limitBytes: number) {
    this.device = device;
    this.sectorSize = device.sectorSize;
    this.limitBytes = limitBytes;
    this.window = new Uint8Array(WINDOW_SECTORS * device.sectorSize);
  }

  /** Copy `length` bytes at log offset `position` into `out[outOffset ...]`. */
  copy(position: number, out: Uint8Array, outOffset: number, length: number): void {
    let done = 0;
    while (done < length) {
      const at = position + done;
      this.load(at);
      const take = Math.min(length - done, this.windowEnd - at);
      out.set(this.window.subarray(at - this.windowStart, at - this.windowStart + take), outOffset + done);
      done += take;
    }
  }

  /** CRC-32 of `length` bytes at `position`, continuing from `previous`. */
  checksum(position: number, length: number, previous: number): number {
    let crc = previous;
    let done = 0;
    while (done < length) {
      const at = position + done;
      this.load(at);
      const take = Math.min(length - done, this.windowEnd - at);
      const start = at - this.windowStart;
      crc = crc32(this.window, crc, start, start + take);
      done += take;
    }
    return crc;
  }

  /** make the window hold the byte at `position` */
  private load(position: number): void {
    if (position >= this.windowStart && position < this.windowEnd) return;
    if (position < 0 || position >= this.limitBytes) {
      throw new RangeError(`SectorReader: byte ${position} outside the log (0..${this.limitBytes})`);
    }
    const firstSector = Math.floor(position / this.sectorSize);
    const sectors = Math.min(WINDOW_SECTORS, this.limitBytes / this.sectorSize - firstSector);
    this.device.read(firstSector, this.window.subarray(0, sectors * this.sectorSize));
    this.windowStart = firstSector * this.sectorSize;
    this.windowEnd = this.windowStart + sectors * this.sectorSize;
  }
}
