/**
 * perception — layer 4: the predictive-coding spiking network (PC-SNN) that
 * turns sensor spikes into per-window summary features and an error-neuron
 * summary (PERCEPTION.md), and the spike encoders that feed it.
 */

// network
export { PcSnn, type PcSnnConstruction, type PcSnnStats, type SpikeObserver, type SpikePopulation } from './network.ts';
export { defaultParams, resolveParams, validateParams, type FeedforwardMode, type LevelTriple, type PcSnnOptions, type PcSnnParams } from './params.ts';
export { SPIKE_GROUPS, plainChannelMap, type SpikeBatch, type SpikeChannelMap, type SpikeGroup } from './spikes.ts';
export { FOREST_FEATURES, SUMMARY_EXTRA } from './window.ts';
export { SNAPSHOT_MAGIC, SNAPSHOT_VERSION } from './snapshot.ts';
export { PerceptionService, type PerceptionServiceOptions, type SpikeEncoderLike } from './service.ts';
export { randomPattern, patternSpikes, poissonSpikes, toBatches, batchesIn, type SpikePattern, type TimedSpike } from './spike-patterns.ts';

// encoders (sensor events → input spikes)
export * from './encoders/index.ts';
