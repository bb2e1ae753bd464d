/**
 * Random-weight Qwen2 models for tests and benchmarks: every tensor the
 * architecture needs, under GGUF or Hugging Face names, filled from a seeded
 * Rng (uniform in ±scale) and encoded in any weight type (ggml's reference
 * quantizers). Also the config metadata a GGUF writer would store for it.
 */

import { Rng } from '../../common/index.ts';
import { GgmlType, rowBytes, type GgmlTypeId, type GgmlTypeName, type Tensor } from '../tensor.ts';
import { configToGgufMetadata, type Qwen2Config } from './config.ts';
import { qwen2TensorPlan } from './tensor-plan.ts';
import { quantizeRow } from './quant.ts';
import type { TensorNaming } from './weights.ts';

export type RandomWeightType = Exclude<GgmlTypeName, 'Q8_K'>;

export interface RandomModelOptions {
  readonly seed: number;
  /** type of the weight matrices (norms and biases are always F32); default F32 */
  readonly matrixType?: RandomWeightType;
  /** per-tensor override of matrixType (by the tensor's name), e.g. to mimic a q4_k_m mix */
  readonly matrixTypeOf?: (name: string) => RandomWeightType | undefined;
  /** default 'gguf' */
  readonly naming?: TensorNaming;
  /** half-width of the uniform distribution; default 0.5 */
  readonly scale?: number;
}

/** encode f32 values (rows of rowLength) as `type` */
export function encodeTensorData(values: Float32Array, type: RandomWeightType, rowLength: number): Uint8Array {
  const id = GgmlType[type] as GgmlTypeId;
  const stride = rowBytes(id, rowLength);
  const rows = values.length / rowLength;
  const bytes = new Uint8Array(stride * rows);
  for (let r = 0; r < rows; r++) quantizeRow(id, values, r * rowLength, bytes, r * stride, rowLength);
  return bytes;
}

/** a tensor named `name`, ggml shape `shape` (shape[0] innermost), from f32 values */
export function makeTensor(name: string, shape: readonly number[], values: Float32Array, type: RandomWeightType = 'F32'): Tensor {
  return { name, type: GgmlType[type] as GgmlTypeId, shape: [...shape], data: encodeTensorData(values, type, shape[0]!) };
}

/**
 * All tensors of a random model. With naming 'hf', matrix shapes are given
 * in PyTorch order ([out, in]) as safetensors stores them. `output.weight`
 * is omitted when config.tiedEmbeddings.
 */
export function randomQwen2Tensors(config: Qwen2Config, options: RandomModelOptions): Map<string, Tensor> {
  const rng = new Rng(options.seed);
  const scale = options.scale ?? 0.5;
  const matrixType = options.matrixType ?? 'F32';
  const hf = options.naming === 'hf';
  const tensors = new Map<string, Tensor>();
  for (const plan of qwen2TensorPlan(config)) {
    const name = hf ? plan.hfName : plan.ggufName;
    const values = new Float32Array(plan.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; i++) values[i] = plan.center + (rng.next() * 2 - 1) * scale;
    if (plan.kind === 'vector') {
      tensors.set(name, makeTensor(name, plan.shape, values));
      continue;
    }
    const tensor = makeTensor(name, plan.shape, values, options.matrixTypeOf?.(name) ?? matrixType);
    tensors.set(name, hf ? { ...tensor, shape: [plan.shape[1]!, plan.shape[0]!] } : tensor);
  }
  return tensors;
}

/** GGUF metadata (qwen2.* keys) describing `config`, as bare values */
export function ggufMetadataFor(config: Qwen2Config): Map<string, unknown> {
  return new Map([...configToGgufMetadata(config)].map(([key, value]) => [key, value.value]));
}

/** a small config for tests; override any field */
export function tinyConfig(overrides: Partial<Qwen2Config> = {}): Qwen2Config {
  return {
    vocabSize: 48, hiddenSize: 32, intermediateSize: 40, layerCount: 2, headCount: 4, kvHeadCount: 2, headDim: 8,
    ropeTheta: 10000, rmsNormEps: 1e-6, maxContext: 256, tiedEmbeddings: false,
    ...overrides,
  };
}
