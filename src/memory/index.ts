/** memory — layer 4: what the system has lived (the episodic log; later the User Sketch and vectors). */
export * from './episodes.ts';
export { EPISODES_PATH, openEpisodeLog, type EpisodeLogFile } from './episode-file.ts';
export {
  appendCorrection, findFollowUpCorrections, followUpCorrection, isCorrectionRecord, readCorrections, FOLLOW_UP_WINDOW_MS,
  type CorrectionRecord, type CorrectionSource, type StoredCorrection,
} from './corrections.ts';
