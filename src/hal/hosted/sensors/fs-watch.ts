/**
 * File-activity source for host folders: one recursive `fs.watch` per
 * folder (inotify underneath; recursive watching works on Linux from
 * Node 20). Node reports two event types, which map to operations as:
 *
 *   'change'                → modify
 *   'rename', path exists   → create   (also the new name of a rename)
 *   'rename', path is gone  → delete   (also the old name of a rename)
 *
 * inotify cannot pair the two halves of a rename through this API, so host
 * renames arrive as delete + create; our own volume reports true renames
 * (the fs driver takes those from the bus).
 */

import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join, resolve } from 'node:path';
import { fail } from '../../../common/index.ts';
import type { Clock } from '../../clock.ts';
import type { FileReading, SensorSource } from '../../sensors.ts';

export class FsWatchSource implements SensorSource<'fs'> {
  readonly kind = 'fs' as const;
  private readonly folders: readonly string[];
  private readonly clock: Clock;
  private watchers: FSWatcher[] = [];

  constructor(folders: readonly string[], clock: Clock) {
    if (folders.length === 0) fail('sensors.config_invalid', 'fs: no host folders to watch; configure at least one');
    this.folders = folders.map((folder) => resolve(folder));
    this.clock = clock;
  }

  start(emit: (reading: FileReading) => void, onError?: (error: Error) => void): void {
    if (this.watchers.length > 0) return;
    for (const folder of this.folders) {
      let isDirectory = false;
      try {
        isDirectory = statSync(folder).isDirectory();
      } catch {
        // reported below
      }
      if (!isDirectory) {
        this.stop();
        fail('sensors.source_unavailable', `fs: ${folder} is not a folder that can be watched`, { folder });
      }
      const watcher = watch(folder, { recursive: true, persistent: false }, (eventType, filename) => {
        if (filename === null || !this.watchers.includes(watcher)) return;
        const path = join(folder, filename.toString());
        const op = eventType === 'change' ? 'modify' : existsSync(path) ? 'create' : 'delete';
        emit({ kind: 'fs', atMs: this.clock.now(), op, path, origin: 'host' });
      });
      watcher.on('error', (error) => {
        if (!this.watchers.includes(watcher)) return;
        this.stop();
        onError?.(error);
      });
      this.watchers.push(watcher);
    }
  }

  stop(): void {
    const watchers = this.watchers;
    this.watchers = [];
    for (const watcher of watchers) watcher.close();
  }
}
