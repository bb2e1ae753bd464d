/**
 * Storage bring-up at boot: the boot disk module → a mounted FAT32 volume
 * with /home and /lived, the file syscalls registered, and a shutdown hook
 * that syncs and unmounts it.
 *
 * Every boot is appended to /lived/boot.log, a record log (log-file.ts).
 * The fs-sync daemon writes dirty metadata back every SYNC_PERIOD_MS.
 *
 * A disk whose first sector is all zeros is blank (the loader just created
 * it) and gets formatted. Anything else must already be FAT32: we never
 * format over data we do not recognise.
 */

import { formatBytes, formatDuration } from '../common/index.ts';
import { firstSectorIsZero, type BlockDevice, type Clock } from '../hal/index.ts';
import type { Kernel } from '../kernel/index.ts';
import { DirectoryObject } from './directory-object.ts';
import { Fat32Volume, formatFat32 } from './fat32/index.ts';
import { openLogFile } from './log-file.ts';
import { JsonLog } from './record-log/index.ts';
import { registerFsSyscalls } from './syscalls.ts';

/** the directories every ChimaeraOS disk has */
export const SYSTEM_DIRECTORIES = ['/home', '/lived'] as const;
/** the disk's boot history */
export const BOOT_LOG_PATH = '/lived/boot.log';
const BOOT_LOG_BYTES = 256 * 1024;
/** volume label of disks we format */
export const DEFAULT_LABEL = 'CHIMAERA';

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
    if (firstSectorIsZero(device)) {
      const started = machine.clock.now();
      klog.notice('fs', 'blank disk: formatting FAT32');
      formatSystemDisk(device, { clock: machine.clock });
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
  for (const dir of ensureSystemDirectories(volume)) klog.info('fs', `created ${dir}`);
  recordBoot(kernel, volume);
  kernel.scheduler.spawn({ name: 'fs-sync', kind: 'daemon', priority: 'background', periodMs: SYNC_PERIOD_MS, run: () => volume.sync() });
  registerFsSyscalls(kernel.syscalls);
  return { device, volume, root: new DirectoryObject(volume) };
}

/** one record of /lived/boot.log */
export interface BootRecord {
  /** 1 for the first boot of this disk */
  readonly boot: number;
  /** [ms since epoch] */
  readonly wallTime: number;
  readonly loader: string;
  readonly commandLine: string;
}

/** append this boot to /lived/boot.log, the disk's boot history (a record log) */
function recordBoot(kernel: Kernel, volume: Fat32Volume): void {
  const file = openLogFile(volume, BOOT_LOG_PATH, { capacityBytes: BOOT_LOG_BYTES, clock: kernel.machine.clock });
  try {
    const log = new JsonLog<BootRecord>(file.log);
    const boot = file.log.lastSeq + 1;
    log.appendCommitted({ boot, wallTime: kernel.machine.clock.wallTime(), loader: kernel.bootInfo.bootLoaderName ?? '', commandLine: kernel.commandLine.text });
    const recovered = file.recovery === undefined ? 'new log' : file.recovery.discardedTail ? 'recovered after an unclean stop' : 'clean';
    kernel.klog.info('lived', `boot #${boot} recorded in ${BOOT_LOG_PATH} (${recovered}, ${formatBytes(file.log.usedBytes)} of ${formatBytes(file.log.capacityBytes)})`);
  } finally {
    file.close();
  }
}

/** format `device` as a ChimaeraOS disk: FAT32 labelled CHIMAERA, with /home and /lived */
export function formatSystemDisk(device: BlockDevice, options: { label?: string; clock?: Clock } = {}): void {
  formatFat32(device, { label: options.label ?? DEFAULT_LABEL, ...(options.clock === undefined ? {} : { clock: options.clock }) });
  const volume = Fat32Volume.mount(device, options.clock === undefined ? {} : { clock: options.clock });
  ensureSystemDirectories(volume);
  volume.unmount();
}

/** create whichever system directories are missing (synced); returns those created */
function ensureSystemDirectories(volume: Fat32Volume): string[] {
  const created = SYSTEM_DIRECTORIES.filter((dir) => !volume.exists(dir));
  for (const dir of created) volume.mkdir(dir);
  volume.sync();
  return created;
}
