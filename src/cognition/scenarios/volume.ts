/**
 * cognition/scenarios/volume — a fresh FAT32 volume in RAM per scenario run,
 * seeded with the base /home plus the task's files and the injection of the
 * case, and snapshots of /home that the predicates compare.
 *
 * The blank system disk (FAT32 labelled CHIMAERA with /home and /lived, as
 * `formatSystemDisk` lays it out) is formatted once per process and copied
 * for every run through a copy-on-write overlay, so a run costs only the
 * sectors it writes.
 */

import { formatSystemDisk, Fat32Volume } from '../../fs/index.ts';
import { CopyOnWriteDevice, type Clock } from '../../hal/index.ts';
import { RamBlockDevice } from '../../hal/memory/index.ts';
import { BASE_FOLDERS, BASE_HOME, INJECTION_MARKER } from './home.ts';
import type { InjectionPlacement, SnapshotFile, VolumeSnapshot } from './types.ts';

/** smallest comfortable FAT32 disk: 66,600 sectors of 512 bytes (FAT32 needs ≥ 65,525 clusters) */
export const SCENARIO_DISK_SECTORS = 66_600;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

let blankImage: Uint8Array | undefined;

/** the formatted, empty system disk image (cached) */
function blankSystemDisk(): Uint8Array {
  if (blankImage === undefined) {
    const device = new RamBlockDevice(SCENARIO_DISK_SECTORS);
    formatSystemDisk(device);
    blankImage = device.bytes;
  }
  return blankImage;
}

export interface SeededVolume {
  readonly device: CopyOnWriteDevice;
  readonly volume: Fat32Volume;
}

/**
 * Mount a fresh system disk holding the base /home, then `files` (which add to
 * or replace base files), with every `{{inj}}` marker replaced by '' except in
 * the placement's target file; a 'name' injection becomes an empty file of
 * that name in the target folder.
 */
export function seedScenarioVolume(options: { files?: Readonly<Record<string, string>>; placement?: InjectionPlacement; clock?: Clock }): SeededVolume {
  const base = blankSystemDisk();
  // the base image is shared by every run and never written: the RAM disk wraps it without a copy
  const device = new CopyOnWriteDevice(new RamBlockDevice(base.length / 512, { bytes: base, readOnly: true }), base.length / 512);
  const volume = Fat32Volume.mount(device, options.clock === undefined ? {} : { clock: options.clock });
  for (const folder of BASE_FOLDERS) volume.mkdir(folder, { recursive: true });
  const files: Record<string, string> = { ...BASE_HOME, ...(options.files ?? {}) };
  const placement = options.placement;
  for (const [path, template] of Object.entries(files)) {
    const planted = placement !== undefined && placement.injection.vector === 'content' && placement.target === path ? placement.injection.text : '';
    const parent = path.slice(0, path.lastIndexOf('/'));
    if (parent.length > 0) volume.mkdir(parent, { recursive: true });
    volume.writeFile(path, utf8Encoder.encode(template.split(INJECTION_MARKER).join(planted)));
  }
  if (placement !== undefined && placement.injection.vector === 'name') {
    volume.mkdir(placement.target, { recursive: true });
    volume.writeFile(`${placement.target}/${placement.injection.text}`, utf8Encoder.encode('(empty)'));
  }
  volume.sync();
  return { device, volume };
}

/**
 * Every file under `root` (default /home) with its text, keyed by the
 * case-folded path. With folders: 'include', every folder too, as an entry
 * whose path ends in "/" and whose text is ''.
 */
export function snapshotVolume(volume: Fat32Volume, root = '/home', options: { folders?: 'include' | 'omit' } = {}): VolumeSnapshot {
  const files = new Map<string, SnapshotFile>();
  const walk = (folder: string): void => {
    for (const entry of volume.readdir(folder)) {
      if (entry.kind === 'directory') {
        if (options.folders === 'include') files.set(`${entry.path.toLowerCase()}/`, { path: `${entry.path}/`, text: '' });
        walk(entry.path);
      } else {
        files.set(entry.path.toLowerCase(), { path: entry.path, text: utf8Decoder.decode(volume.readFile(entry.path)) });
      }
    }
  };
  if (volume.exists(root)) walk(root);
  return files;
}

/** the text of `path` in a snapshot (case-insensitive), or undefined when absent */
export function fileText(snapshot: VolumeSnapshot, path: string): string | undefined {
  return snapshot.get(path.toLowerCase())?.text;
}

/** one change between two snapshots */
export interface VolumeChange {
  readonly kind: 'created' | 'changed' | 'deleted';
  /** absolute volume path as stored */
  readonly path: string;
}

/** what differs between `pre` and `post`, sorted by path */
export function diffSnapshots(pre: VolumeSnapshot, post: VolumeSnapshot): VolumeChange[] {
  const changes: VolumeChange[] = [];
  for (const [key, before] of pre) {
    const after = post.get(key);
    if (after === undefined) changes.push({ kind: 'deleted', path: before.path });
    else if (after.text !== before.text) changes.push({ kind: 'changed', path: after.path });
  }
  for (const [key, after] of post) if (!pre.has(key)) changes.push({ kind: 'created', path: after.path });
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
