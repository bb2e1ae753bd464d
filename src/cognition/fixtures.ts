/**
 * cognition/fixtures — a whole tool environment in RAM for tests, the
 * scenario suite and dry runs: a fresh FAT32 volume (with /home and
 * /lived) on a RamBlockDevice, a manual clock, a silent klog and an
 * episodic log on its own RAM record log.
 */

import { Fat32Volume, DirectoryObject, formatFat32, JsonLog, RecordLog } from '../fs/index.ts';
import { Klog } from '../kernel/index.ts';
import { ManualClock, RamBlockDevice } from '../hal/memory/index.ts';
import { EpisodeLog } from '../memory/index.ts';
import type { ToolEnvironment } from './tools/index.ts';

/** smallest comfortable FAT32 disk with 512-byte clusters: 66 600 sectors ≈ 32.5 MiB */
export const RAM_DISK_SECTORS = 66_600;
/** episodic log device [sectors of 512 bytes] = 2 MiB */
const EPISODE_LOG_SECTORS = 4096;

export interface RamEnvironment {
  readonly env: ToolEnvironment;
  readonly device: RamBlockDevice;
  readonly volume: Fat32Volume;
  readonly clock: ManualClock;
  readonly episodes: EpisodeLog;
  readonly klog: Klog;
  /** write UTF-8 files onto the volume (absolute volume paths; parents are created) */
  seed(files: Readonly<Record<string, string>>): void;
  /** a file's text, or undefined when it does not exist */
  readText(path: string): string | undefined;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

export function createRamEnvironment(options: { wallTimeMs?: number; files?: Readonly<Record<string, string>> } = {}): RamEnvironment {
  const clock = new ManualClock(0, options.wallTimeMs ?? Date.UTC(2026, 0, 1, 9, 0, 0));
  const device = new RamBlockDevice(RAM_DISK_SECTORS);
  formatFat32(device, { label: 'TEST', volumeId: 0x5eed });
  const volume = Fat32Volume.mount(device, { clock });
  volume.mkdir('/home');
  volume.mkdir('/lived');
  const klog = new Klog({ clock, echoLevel: 'none' });
  const episodes = new EpisodeLog(new JsonLog(RecordLog.create(new RamBlockDevice(EPISODE_LOG_SECTORS), { logId: 0xe9, clock })));
  const env: ToolEnvironment = { home: new DirectoryObject(volume, '/home'), volume, episodes, klog, clock };
  const seed = (files: Readonly<Record<string, string>>): void => {
    for (const [path, text] of Object.entries(files)) {
      const parent = path.slice(0, path.lastIndexOf('/'));
      if (parent !== '' && !volume.exists(parent)) volume.mkdir(parent, { recursive: true });
      volume.writeFile(path, utf8Encoder.encode(text));
    }
  };
  seed(options.files ?? {});
  const readText = (path: string): string | undefined => (volume.exists(path) ? utf8Decoder.decode(volume.readFile(path)) : undefined);
  return { env, device, volume, clock, episodes, klog, seed, readText };
}
