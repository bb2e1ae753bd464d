/**
 * anomaly — layer 4: Isolation Forest (Liu, Ting & Zhou 2008, scikit-learn
 * semantics), AUROC, numeric CSV, and the online detector that combines the
 * forest with the perception error-neuron summary into anomaly events.
 */
export { averagePathLength, IsolationForest, matrix, percentile, type IsolationForestOptions, type Matrix } from './isolation-forest.ts';
export { auroc } from './auroc.ts';
export { formatNumericCsv, parseNumericCsv, type CsvMatrix } from './csv.ts';
export { ChannelStats } from './channel-stats.ts';
export { ChannelNovelty } from './channel-novelty.ts';
export { RunningQuantile } from './running-quantile.ts';
export {
  AnomalyDetector,
  channelFamilyOf,
  PERCEPTION_FOREST_FEATURE_NAMES,
  type AnomalyDetectorOptions,
  type AnomalyEvent,
  type DetectorStatus,
  type DetectorWindow,
  type PerceptionWindowLike,
} from './detector.ts';
export { RAW_COUNT_FEATURE_NAMES, rawCountFeatures } from './raw-count-features.ts';
