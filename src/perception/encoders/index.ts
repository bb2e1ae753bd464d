/** perception/encoders — sensor events → input spikes for the PC-SNN (N0 = 128 channels; PERCEPTION.md §3). */
export { SensorSpikeEncoder, type SensorSpikeEncoderOptions, type SensorSpikeEncoderStats } from './sensor-encoder.ts';
export { SENSOR_CHANNEL_MAP, ENCODER_CHANNELS } from './channel-layout.ts';
export { SpikeScheduler, type SpikeSchedulerStats } from './spike-scheduler.ts';
export { MAX_SPIKES_PER_EVENT } from './kind-encoder.ts';
export { intervalBin } from './keyboard-encoder.ts';
export { energyBin } from './mic-encoder.ts';
export { throughputLevel } from './network-encoder.ts';
