/**
 * Random-weight Qwen2 models for tests and benchmarks: every tensor the
 * architecture needs, under GGUF or Hugging Face names, filled from a seeded
 * Rng (uniform in ±scale) and encoded in any weight type (ggml's reference
 * quantizers). Also the config metadata a GGUF writer would store for it.
 */

import { Rng } from '../../common/index.ts';
import { GgmlType, rowBytes, type GgmlTypeId, type GgmlTypeName, type Tensor } from '../tensor.ts';
import { configToGgufMetadata, type Qwen2Config } from './config.ts';
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
  const random = (n: number, center = 0): Float32Array => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = center + (rng.next() * 2 - 1) * scale;
    return out;
  };
  const matrix = (gguf: string, hfName: string, nIn: number, nOut: number): void => {
    const name = hf ? hfName : gguf;
    const tensor = makeTensor(name, [nIn, nOut], random(nIn * nOut), options.matrixTypeOf?.(name) ?? matrixType);
    tensors.set(name, hf ? { ...tensor, shape: [nOut, nIn] } : tensor);
  };
  const vector = (gguf: string, hfName: string, n: number, center: number): void => {
    const name = hf ? hfName : gguf;
    tensors.set(name, makeTensor(name, [n], random(n, center)));
  };
  const { hiddenSize: d, headCount, kvHeadCount, headDim, intermediateSize: f, vocabSize } = config;
  const qDim = headCount * headDim;
  const kvDim = kvHeadCount * headDim;
  matrix('token_embd.weight', 'model.embed_tokens.weight', d, vocabSize);
  for (let l = 0; l < config.layerCount; l++) {
    const g = `blk.${l}.`;
    const h = `model.layers.${l}.`;
    vector(`${g}attn_norm.weight`, `${h}input_layernorm.weight`, d, 1);
    matrix(`${g}attn_q.weight`, `${h}self_attn.q_proj.weight`, d, qDim);
    vector(`${g}attn_q.bias`, `${h}self_attn.q_proj.bias`, qDim, 0);
    matrix(`${g}attn_k.weight`, `${h}self_attn.k_proj.weight`, d, kvDim);
    vector(`${g}attn_k.bias`, `${h}self_attn.k_proj.bias`, kvDim, 0);
    matrix(`${g}attn_v.weight`, `${h}self_attn.v_proj.weight`, d, kvDim);
    vector(`${g}attn_v.bias`, `${h}self_attn.v_proj.bias`, kvDim, 0);
    matrix(`${g}attn_output.weight`, `${h}self_attn.o_proj.weight`, qDim, d);
    vector(`${g}ffn_norm.weight`, `${h}post_attention_layernorm.weight`, d, 1);
    matrix(`${g}ffn_gate.weight`, `${h}mlp.gate_proj.weight`, d, f);
    matrix(`${g}ffn_up.weight`, `${h}mlp.up_proj.weight`, d, f);
    matrix(`${g}ffn_down.weight`, `${h}mlp.down_proj.weight`, f, d);
  }
  vector('output_norm.weight', 'model.norm.weight', d, 1);
  if (!config.tiedEmbeddings) matrix('output.weight', 'lm_head.weight', d, vocabSize);
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
