/**
 * Byte-range I/O over a file's extents (its cluster chain as contiguous
 * sector runs): read or write any [offset, offset + length) of the file's
 * allocated space, with read-modify-write only for partial edge sectors and
 * one device call per contiguous middle run.
 */

import type { BlockDevice } from '../../hal/index.ts';
import type { Extent } from './fat-table.ts';

/** zero chunk used to fill gaps [bytes] */
const ZERO_CHUNK = 1 << 20;
let zeroChunk: Uint8Array | undefined;

type Visit = (lba: number, sectorOffset: number, length: number, bufferOffset: number) => void;

/**
 * Call `visit` for each piece of [offset, offset+length): either a partial
 * sector (sectorOffset/length inside one sector) or whole sectors
 * (sectorOffset 0, length a multiple of the sector size).
 */
function forEachPiece(extents: readonly Extent[], sectorSize: number, offset: number, length: number, visit: Visit): void {
  let extentStart = 0; // byte offset of the current extent within the file
  let done = 0;
  for (const extent of extents) {
    const extentBytes = extent.sectors * sectorSize;
    const extentEnd = extentStart + extentBytes;
    let at = offset + done;
    while (done < length && at < extentEnd && at >= extentStart) {
      const within = at - extentStart;
      const sector = Math.floor(within / sectorSize);
      const sectorOffset = within % sectorSize;
      const remaining = Math.min(length - done, extentEnd - at);
      if (sectorOffset !== 0 || remaining < sectorSize) {
        const piece = Math.min(remaining, sectorSize - sectorOffset);
        visit(extent.lba + sector, sectorOffset, piece, done);
        done += piece;
      } else {
        const whole = Math.floor(remaining / sectorSize) * sectorSize;
        visit(extent.lba + sector, 0, whole, done);
        done += whole;
      }
      at = offset + done;
    }
    if (done >= length) return;
    extentStart = extentEnd;
  }
  if (done < length) throw new Error(`span-io: range ${offset}+${length} runs past the allocated extents`);
}

export function readSpan(device: BlockDevice, extents: readonly Extent[], offset: number, out: Uint8Array): void {
  const sectorSize = device.sectorSize;
  const scratch = new Uint8Array(sectorSize);
  forEachPiece(extents, sectorSize, offset, out.length, (lba, sectorOffset, length, bufferOffset) => {
    if (sectorOffset === 0 && length % sectorSize === 0) {
      device.read(lba, out.subarray(bufferOffset, bufferOffset + length));
    } else {
      device.read(lba, scratch);
      out.set(scratch.subarray(sectorOffset, sectorOffset + length), bufferOffset);
    }
  });
}

export function writeSpan(device: BlockDevice, extents: readonly Extent[], offset: number, data: Uint8Array): void {
  const sectorSize = device.sectorSize;
  const scratch = new Uint8Array(sectorSize);
  forEachPiece(extents, sectorSize, offset, data.length, (lba, sectorOffset, length, bufferOffset) => {
    if (sectorOffset === 0 && length % sectorSize === 0) {
      device.write(lba, data.subarray(bufferOffset, bufferOffset + length));
    } else {
      device.read(lba, scratch);
      scratch.set(data.subarray(bufferOffset, bufferOffset + length), sectorOffset);
      device.write(lba, scratch);
    }
  });
}

/** write zeros over [offset, offset + length) */
export function zeroSpan(device: BlockDevice, extents: readonly Extent[], offset: number, length: number): void {
  zeroChunk ??= new Uint8Array(ZERO_CHUNK);
  for (let done = 0; done < length; done += ZERO_CHUNK) {
    const piece = Math.min(ZERO_CHUNK, length - done);
    writeSpan(device, extents, offset + done, zeroChunk.subarray(0, piece));
  }
}
