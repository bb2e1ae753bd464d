/**
 * A file's data sectors as a BlockDevice (Fat32Volume.openFileDevice).
 *
 * The record log keeps its segments in preallocated files and appends
 * through this view: a write goes straight to the file's clusters, so no
 * FAT or directory sector changes and a crash cannot damage metadata. The
 * size is fixed at open (floor(file size / sector size) sectors); flush()
 * is the underlying device's barrier; close() releases the file so the
 * volume may delete or shrink it again (it never closes the disk).
 */

import { fail } from '../../common/index.ts';
import { checkBlockAccess, type BlockDevice } from '../../hal/index.ts';
import type { Extent } from './fat-table.ts';

export interface FileDeviceHooks {
  /** throws fs.unmounted once the volume is gone */
  readonly checkMounted: () => void;
  /** called once, on close */
  readonly release: () => void;
}

export class FileDevice implements BlockDevice {
  readonly sectorSize: number;
  readonly sectorCount: number;
  readonly readOnly: boolean;
  readonly path: string;
  private readonly disk: BlockDevice;
  /** the file's clusters as runs of device sectors, in file order */
  private readonly extents: readonly Extent[];
  private readonly hooks: FileDeviceHooks;
  private closed = false;

  constructor(disk: BlockDevice, extents: readonly Extent[], sectorCount: number, readOnly: boolean, path: string, hooks: FileDeviceHooks) {
    this.disk = disk;
    this.extents = extents;
    this.sectorSize = disk.sectorSize;
    this.sectorCount = sectorCount;
    this.readOnly = readOnly;
    this.path = path;
    this.hooks = hooks;
  }

  read(lba: number, out: Uint8Array): void {
    this.checkOpen();
    checkBlockAccess(this, lba, out.length, 'read');
    this.forEachRun(lba, out.length / this.sectorSize, (diskLba, offset, sectors) => {
      this.disk.read(diskLba, out.subarray(offset * this.sectorSize, (offset + sectors) * this.sectorSize));
    });
  }

  write(lba: number, data: Uint8Array): void {
    this.checkOpen();
    checkBlockAccess(this, lba, data.length, 'write');
    this.forEachRun(lba, data.length / this.sectorSize, (diskLba, offset, sectors) => {
      this.disk.write(diskLba, data.subarray(offset * this.sectorSize, (offset + sectors) * this.sectorSize));
    });
  }

  flush(): void {
    this.checkOpen();
    if (!this.readOnly) this.disk.flush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.hooks.release();
  }

  private checkOpen(): void {
    if (this.closed) fail('dev.io', `${this.path}: file device is closed`);
    this.hooks.checkMounted();
  }

  /** map file sectors [lba, lba+count) onto device runs: visit(deviceLba, offset in request [sectors], sectors) */
  private forEachRun(lba: number, count: number, visit: (diskLba: number, offset: number, sectors: number) => void): void {
    let extentStart = 0;
    let done = 0;
    for (const extent of this.extents) {
      const extentEnd = extentStart + extent.sectors;
      const at = lba + done;
      if (done < count && at < extentEnd) {
        const take = Math.min(count - done, extentEnd - at);
        visit(extent.lba + (at - extentStart), done, take);
        done += take;
      }
      if (done >= count) return;
      extentStart = extentEnd;
    }
  }
}
