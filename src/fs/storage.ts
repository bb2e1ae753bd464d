/**
 * Storage bring-up at boot: the boot disk module → a mounted FAT32 volume
 * with /home and /lived, the file syscalls registered, and a shutdown hook
 * that syncs and unmounts it.
 *
 * The fs-sync daemon writes dirty metadata back every SYNC_PERIOD_MS.
 *
 * A disk whose first sector is all zeros is blank (the loader just created
 * it) and gets formatted. Anything else must already be FAT32: we never
 * format over data we do not recognise.
 */

import { formatBytes, formatDuration } from '../common/index.ts';
import type { BlockDevice } from '../hal/index.ts';
import type { Kernel } from '../kernel/index.ts';
import { DirectoryObject } from './directory-object.ts';
import { Fat32Volume, formatFat32 } from './fat32/index.ts';
import { registerFsSyscalls } from './syscalls.ts';

/** the directories every ChimaeraOS disk has */
export const SYSTEM_DIRECTORIES = ['/home', '/lived'] as const;

/** how often the fs-sync daemon writes dirty metadata back and flushes the disk [ms] */
export const SYNC_PERIOD_MS = 5000;

export interface Storage {
  readonly device: BlockDevice;
  readonly volume: Fat32Volume;
  /** capability for the whole volume (the shell's root handle points here) */
  readonly root: DirectoryObject;
}

export function startStorage(kernel: Kernel): Storage {
  const { klog, machine } = kernel;
  const disk = kernel.requireModule('disk');
  const device = machine.openModuleDevice(disk.start, disk.end);
  klog.info('fs', `disk ${disk.name}: ${formatBytes(device.sectorCount * device.sectorSize)}, ${device.sectorCount} sectors of ${device.sectorSize} bytes`);
  let volume: Fat32Volume;
  try {
    if (isBlank(device)) {
      const started = machine.clock.now();
      klog.notice('fs', 'blank disk: formatting FAT32');
      formatFat32(device, { label: 'CHIMAERA', clock: machine.clock });
      klog.info('fs', `formatted in ${formatDuration(machine.clock.now() - started)}`);
    }
    volume = Fat32Volume.mount(device, { clock: machine.clock, onOperation: (op) => kernel.bus.publish('fs.op', op) });
  } catch (e) {
    device.close();
    throw e;
  }
  kernel.onShutdown('fs', () => {
    volume.unmount();
    device.close();
    klog.info('fs', 'volume synced and unmounted cleanly');
  });
  const s = volume.statfs();
  klog.info('fs', `mounted FAT32 volume "${s.label}" (id ${s.volumeId.toString(16).padStart(8, '0')}): ${formatBytes(s.totalBytes)}, ${formatBytes(s.freeBytes)} free, cluster ${formatBytes(s.clusterSize)}`);
  for (const dir of SYSTEM_DIRECTORIES) {
    if (!volume.exists(dir)) {
      volume.mkdir(dir);
      klog.info('fs', `created ${dir}`);
    }
  }
  volume.sync();
  kernel.scheduler.spawn({ name: 'fs-sync', kind: 'daemon', priority: 'background', periodMs: SYNC_PERIOD_MS, run: () => volume.sync() });
  registerFsSyscalls(kernel.syscalls);
  return { device, volume, root: new DirectoryObject(volume) };
}

function isBlank(device: BlockDevice): boolean {
  const first = new Uint8Array(device.sectorSize);
  device.read(0, first);
  return first.every((b) => b === 0);
}
