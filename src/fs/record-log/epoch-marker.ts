/**
 * Record log epoch markers: planning the sector an opening of the log
 * writes (and flushes on its own) before its first commit. record-log.ts
 * explains why epochs keep stale frames from coming back.
 */

import type { BlockDevice } from '../../hal/index.ts';
import { FRAME_HEADER_SIZE, encodeFrameHeader, nextFrameStart, sealFrame } from './frame.ts';
import type { ScanResult } from './scan.ts';

/** an epoch marker sector to write and flush before the first commit of an opening */
export interface EpochSector {
  readonly lba: number;
  /** the whole sector, one sector [bytes] */
  readonly bytes: Uint8Array;
}

/**
 * The epoch marker for an opening: right after the valid prefix, filling
 * the rest of its sector. When the prefix ends mid-sector the sector keeps
 * its prefix bytes (read back from the device) and gets the marker after
 * them. Undefined when the marker does not fit in the capacity (or the
 * u32 epoch counter is spent): the log then takes no more records.
 */
export function planEpochSector(
  device: BlockDevice,
  scan: ScanResult,
  epoch: number,
  time: number,
  capacityBytes: number,
): { sector: EpochSector; chain: number } | undefined {
  const sectorSize = device.sectorSize;
  const markerAt = nextFrameStart(scan.validEnd, sectorSize);
  const lba = Math.floor(markerAt / sectorSize);
  if ((lba + 1) * sectorSize > capacityBytes || epoch > 0xffffffff) return undefined;
  const bytes = new Uint8Array(sectorSize);
  const inSector = markerAt - lba * sectorSize;
  if (inSector > 0) {
    device.read(lba, bytes);
    bytes.fill(0, inSector);
  }
  const view = new DataView(bytes.buffer);
  encodeFrameHeader({ kind: 'epoch', length: sectorSize - inSector - FRAME_HEADER_SIZE, seq: scan.lastSeq, epoch, time, crc: 0 }, view, inSector);
  const chain = sealFrame(bytes, view, inSector, scan.chain);
  return { sector: { lba, bytes }, chain };
}
