/**
 * Small random Qwen2 models for the train/ tests and the bench: llm's
 * random-model tensors wrapped as inference weights, a checksum over every
 * base tensor byte (to prove a base stayed bit-identical), and synthetic
 * token sequences.
 */

import { Rng, crc32 } from '../common/index.ts';
import { buildQwen2Weights, randomQwen2Tensors, tinyConfig, type Qwen2Config, type Qwen2Weights, type RandomWeightType, type Tensor } from '../llm/index.ts';

/** hidden 32, 2 layers, 4 heads / 2 KV heads, vocab 64, ffn 64 (rows of 32 and 64: every quantized type fits) */
export function smallConfig(overrides: Partial<Qwen2Config> = {}): Qwen2Config {
  return tinyConfig({ vocabSize: 64, hiddenSize: 32, intermediateSize: 64, layerCount: 2, headCount: 4, kvHeadCount: 2, headDim: 8, ...overrides });
}

export interface RandomBase {
  readonly config: Qwen2Config;
  readonly tensors: Map<string, Tensor>;
  readonly weights: Qwen2Weights;
}

export function randomBase(config: Qwen2Config, seed: number, matrixType: RandomWeightType = 'F32', scale = 0.3): RandomBase {
  const tensors = randomQwen2Tensors(config, { seed, matrixType, scale });
  return { config, tensors, weights: buildQwen2Weights(config, tensors, 'random.gguf') };
}

/** CRC-32 over every tensor's bytes, in name order */
export function tensorChecksum(tensors: ReadonlyMap<string, Tensor>): number {
  let crc = 0;
  for (const name of [...tensors.keys()].sort()) crc = crc32(tensors.get(name)!.data, crc);
  return crc;
}

/** `count` random token sequences of `length` ids below `vocab` */
export function randomSequences(seed: number, count: number, length: number, vocab: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => Array.from({ length }, () => rng.int(0, vocab - 1)));
}
