/**
 * The model as the training passes see it: for every weight, where its
 * values come from (a MatrixRows source or an f32 vector) and where its
 * gradient goes (an f32 buffer, or null when the weight is frozen). One
 * shape serves both modes:
 *
 *   full training  every tensor is an f32 Qwen2Parameters tensor with a gradient
 *   LoRA           the base is frozen (any ggml type, read-only, grads null);
 *                  only the adapters' A and B get gradients (sequence-pass.ts)
 *
 * `TrainableParameter` is the flat list the optimizer, the clipping and the
 * checkpoints walk.
 */

import type { Qwen2Config, Qwen2Weights } from '../llm/index.ts';
import { f32MatrixRows, tensorMatrixRows, type MatrixRows } from './matrix-rows.ts';
import type { Qwen2Parameters } from './parameters.ts';

export interface TrainVector {
  /** [n] f32 */
  readonly value: Float32Array;
  /** [n] f32, or null when frozen */
  readonly grad: Float32Array | null;
}

export interface TrainLinear {
  readonly weight: MatrixRows;
  /** [nOut, nIn] f32, or null when frozen */
  readonly weightGrad: Float32Array | null;
  readonly bias: TrainVector | null;
}

export interface TrainLayer {
  readonly attentionNorm: TrainVector;
  readonly query: TrainLinear;
  readonly key: TrainLinear;
  readonly value: TrainLinear;
  readonly output: TrainLinear;
  readonly ffnNorm: TrainVector;
  readonly gate: TrainLinear;
  readonly up: TrainLinear;
  readonly down: TrainLinear;
}

export interface TrainModel {
  readonly config: Qwen2Config;
  /** [vocab, hidden]: row t is token t's embedding */
  readonly embedding: MatrixRows;
  /** [vocab, hidden] or null */
  readonly embeddingGrad: Float32Array | null;
  readonly layers: readonly TrainLayer[];
  readonly outputNorm: TrainVector;
  /** [vocab, hidden]; the embedding source itself when tied */
  readonly head: MatrixRows;
  /** [vocab, hidden] or null; the embedding's gradient buffer when tied */
  readonly headGrad: Float32Array | null;
}

export interface TrainableParameter {
  /** GGUF tensor name, or an adapter matrix name (lora.ts) */
  readonly name: string;
  readonly value: Float32Array;
  readonly grad: Float32Array;
  /** AdamW's decoupled weight decay applies to matrices, not to norm scales and biases */
  readonly decay: 'decay' | 'no-decay';
}

/** a frozen model over inference weights: nothing is copied or written, every gradient is null */
export function frozenTrainModel(config: Qwen2Config, weights: Qwen2Weights): TrainModel {
  const vector = (value: Float32Array): TrainVector => ({ value, grad: null });
  const linear = (tensor: Qwen2Weights['layers'][number]['query'], bias: Float32Array | null): TrainLinear => ({
    weight: tensorMatrixRows(tensor), weightGrad: null, bias: bias === null ? null : vector(bias),
  });
  const embedding = tensorMatrixRows(weights.tokenEmbedding);
  return {
    config,
    embedding,
    embeddingGrad: null,
    layers: weights.layers.map((w) => ({
      attentionNorm: vector(w.attentionNorm),
      query: linear(w.query, w.queryBias),
      key: linear(w.key, w.keyBias),
      value: linear(w.value, w.valueBias),
      output: linear(w.attentionOutput, null),
      ffnNorm: vector(w.ffnNorm),
      gate: linear(w.gate, null),
      up: linear(w.up, null),
      down: linear(w.down, null),
    })),
    outputNorm: vector(weights.outputNorm),
    head: weights.output === weights.tokenEmbedding ? embedding : tensorMatrixRows(weights.output),
    headGrad: null,
  };
}

/** a fully trainable model over `parameters`, with a zeroed gradient buffer for every tensor */
export function fullTrainModel(parameters: Qwen2Parameters): { model: TrainModel; trainable: TrainableParameter[] } {
  const trainable: TrainableParameter[] = [];
  const grads = new Map<string, Float32Array>();
  for (const tensor of parameters.tensors) {
    const grad = new Float32Array(tensor.values.length);
    grads.set(tensor.name, grad);
    trainable.push({ name: tensor.name, value: tensor.values, grad, decay: tensor.kind === 'matrix' ? 'decay' : 'no-decay' });
  }
  const vector = (name: string): TrainVector => ({ value: parameters.values(name), grad: grads.get(name)! });
  const matrix = (name: string): MatrixRows => {
    const tensor = parameters.get(name);
    return f32MatrixRows(tensor.values, tensor.shape[0]!, tensor.shape[1]!);
  };
  const linear = (name: string, bias: string | null): TrainLinear => ({
    weight: matrix(`${name}.weight`), weightGrad: grads.get(`${name}.weight`)!, bias: bias === null ? null : vector(bias),
  });
  const config = parameters.config;
  const embedding = matrix('token_embd.weight');
  const layers: TrainLayer[] = [];
  for (let l = 0; l < config.layerCount; l++) {
    const b = `blk.${l}.`;
    layers.push({
      attentionNorm: vector(`${b}attn_norm.weight`),
      query: linear(`${b}attn_q`, `${b}attn_q.bias`),
      key: linear(`${b}attn_k`, `${b}attn_k.bias`),
      value: linear(`${b}attn_v`, `${b}attn_v.bias`),
      output: linear(`${b}attn_output`, null),
      ffnNorm: vector(`${b}ffn_norm.weight`),
      gate: linear(`${b}ffn_gate`, null),
      up: linear(`${b}ffn_up`, null),
      down: linear(`${b}ffn_down`, null),
    });
  }
  const tied = config.tiedEmbeddings;
  const model: TrainModel = {
    config,
    embedding,
    embeddingGrad: grads.get('token_embd.weight')!,
    layers,
    outputNorm: vector('output_norm.weight'),
    head: tied ? embedding : matrix('output.weight'),
    headGrad: tied ? grads.get('token_embd.weight')! : grads.get('output.weight')!,
  };
  return { model, trainable };
}
