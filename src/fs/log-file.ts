/**
 * A record log living in a file on the FAT32 volume (/lived/...).
 *
 * The file is preallocated to the log's capacity once, and the log runs
 * over `volume.openFileDevice(path)`, whose writes go straight to the file's
 * data sectors. So appending never touches the FAT or a directory entry:
 * the crash-safety argument of record-log.ts holds unchanged on top of
 * FAT32 (tests/log-file.test.ts crashes the two together).
 *
 * Creation is two steps — preallocate (synced), then write the log header
 * (flushed). A crash between them leaves a file whose first sector is all
 * zeros; opening such a file initialises the log instead of failing.
 */

import { fail } from '../common/index.ts';
import { firstSectorIsZero, type BlockDevice, type Clock } from '../hal/index.ts';
import type { Fat32Volume } from './fat32/index.ts';
import { RecordLog, type RecordLogRecovery } from './record-log/index.ts';

export interface LogFileOptions {
  /** log size [bytes] when the file is created (rounded up to whole sectors); default 1 MiB */
  readonly capacityBytes?: number;
  readonly clock?: Clock;
}

export interface LogFile {
  readonly path: string;
  readonly log: RecordLog;
  /** what recovery found; undefined when the log was created just now */
  readonly recovery: RecordLogRecovery | undefined;
  /** commit what is buffered and release the file */
  close(): void;
}

export const DEFAULT_LOG_FILE_BYTES = 2 ** 20;

export function openLogFile(volume: Fat32Volume, path: string, options: LogFileOptions = {}): LogFile {
  const clockOption = options.clock === undefined ? {} : { clock: options.clock };
  if (!volume.exists(path)) {
    const sectorSize = volume.statfs().sectorSize;
    const capacity = options.capacityBytes ?? DEFAULT_LOG_FILE_BYTES;
    if (!Number.isSafeInteger(capacity) || capacity < 4 * sectorSize) fail('arg.invalid', `log file capacity must be at least ${4 * sectorSize} bytes, got ${capacity}`);
    volume.preallocate(path, Math.ceil(capacity / sectorSize) * sectorSize);
  }
  const device = volume.openFileDevice(path);
  try {
    if (firstSectorIsZero(device)) return wrap(path, RecordLog.create(device, clockOption), undefined, device);
    const { log, recovery } = RecordLog.open(device, clockOption);
    return wrap(path, log, recovery, device);
  } catch (e) {
    device.close();
    throw e;
  }
}

function wrap(path: string, log: RecordLog, recovery: RecordLogRecovery | undefined, device: BlockDevice): LogFile {
  return {
    path,
    log,
    recovery,
    close: () => {
      try {
        if (log.isOpen) log.close();
      } finally {
        device.close();
      }
    },
  };
}
