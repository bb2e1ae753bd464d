/**
 * memory/episode-file — the episodic log on the system disk: a record log
 * in the file /lived/episodes (fs openLogFile), wrapped as an EpisodeLog.
 */

import type { Clock } from '../hal/index.ts';
import { JsonLog, openLogFile, type Fat32Volume } from '../fs/index.ts';
import { EpisodeLog } from './episodes.ts';

/** where the episodic log lives on the volume */
export const EPISODES_PATH = '/lived/episodes';
/** default log capacity [bytes] */
const EPISODE_LOG_BYTES = 4 * 2 ** 20;

export interface EpisodeLogFile {
  readonly episodes: EpisodeLog;
  /** commit and release the file */
  close(): void;
}

export function openEpisodeLog(volume: Fat32Volume, options: { path?: string; capacityBytes?: number; clock?: Clock } = {}): EpisodeLogFile {
  const file = openLogFile(volume, options.path ?? EPISODES_PATH, {
    capacityBytes: options.capacityBytes ?? EPISODE_LOG_BYTES,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return { episodes: new EpisodeLog(new JsonLog(file.log)), close: () => file.close() };
}
