/** common — layer 0: error registry, results, events, small pure helpers. Imports nothing of ours. */
export * from './errors.ts';
export * from './events.ts';
export { crc32 } from './crc32.ts';
export { Sha256, sha256, sha256Hex } from './sha256.ts';
export { Rng } from './rng.ts';
export { formatBytes, formatDuration } from './format.ts';
