/**
 * sensors — layer 3: one driver per sense (kbd, mic, usb, fs, net) behind
 * the privacy gate, with coarsening, keyed hashing, rate limits and drop
 * counters, publishing 'sensor.event' on the kernel bus. Raw sources live
 * in hal (hal/hosted/sensors for the host, hal/memory for tests).
 */
export { type SenseGate, StaticSenseGate } from './gate.ts';
export { SensorDriver, DEFAULT_RATE_LIMITS, type RateLimit, type SensorDriverOptions, type SensorDriverState, type SensorDriverStats } from './driver.ts';
export { KeyboardFeaturizer, MicFeaturizer, UsbFeaturizer, FsFeaturizer, NetFeaturizer, type Featurizer, type FsFeaturizerOptions, type NetFeaturizerOptions } from './featurizers.ts';
export { VolumeOpsSource } from './volume-ops-source.ts';
export { sipHash24, hashBucket, checkSalt, type SensorSalt } from './siphash.ts';
export { coarsenPath, extensionClassOf, portClassOf, processBasename } from './coarsen.ts';
export { TokenBucket } from './token-bucket.ts';
export { RealFft, directDftPower } from './fft.ts';
export { MicFeatures, MIC_BAND_COUNT } from './mic-features.ts';
export { formatSensorEventLine, parseSensorEvents } from './recording.ts';
