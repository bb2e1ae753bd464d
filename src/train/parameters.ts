/**
 * The f32 parameters of a Qwen2 model trained in full (every weight
 * learns): one tensor per GGUF name, in llm's tensor-plan order, ggml shape
 * ([nIn, nOut] for a matrix stored as nOut rows of nIn; [n] for a vector).
 *
 *   Qwen2Parameters.initialize(config, seed)   from scratch
 *   Qwen2Parameters.fromWeights(config, w)     from a loaded model (decoded to f32)
 *   p.toTensors() / p.toWeights()              back to llm's Tensor map (F32, GGUF
 *                                              names) for the inference engine or a writer
 *
 * Initialisation (GPT-2, Radford et al. 2019; the Hugging Face Qwen2
 * default): matrices N(0, std²) with std = 0.02 (`std`), the residual
 * projections attn_output and ffn_down scaled by 1/√(2·layers)
 * (`residualScaling: 'gpt2'`, default; 'none' turns it off) so the residual
 * stream's variance does not grow with depth; norm scales 1, biases 0.
 * `copyCircuit` then sets a previous-token head and value/output copy maps
 * into the attention weights (copy-circuit.ts).
 */

import { Rng, fail } from '../common/index.ts';
import { installCopyCircuit, type CopyCircuitOptions } from './copy-circuit.ts';
import { buildQwen2Weights, dequantizeRow, makeTensor, qwen2TensorPlan, rowBytes, type GgmlTypeId, type Qwen2Config, type Qwen2Weights, type Tensor } from '../llm/index.ts';

export interface ParameterTensor {
  /** GGUF name */
  readonly name: string;
  /** ggml order */
  readonly shape: readonly number[];
  readonly kind: 'matrix' | 'vector';
  /** f32 values, rows back to back */
  readonly values: Float32Array;
}

export interface InitializeOptions {
  /** standard deviation of the matrices' normal init; default 0.02 */
  readonly std?: number;
  /** default 'gpt2' */
  readonly residualScaling?: 'gpt2' | 'none';
  /** set a copy circuit into the attention weights (copy-circuit.ts); default none */
  readonly copyCircuit?: CopyCircuitOptions;
}

export class Qwen2Parameters {
  readonly config: Qwen2Config;
  readonly tensors: readonly ParameterTensor[];
  private readonly byName: ReadonlyMap<string, ParameterTensor>;

  private constructor(config: Qwen2Config, tensors: ParameterTensor[]) {
    this.config = config;
    this.tensors = tensors;
    this.byName = new Map(tensors.map((t) => [t.name, t]));
  }

  static initialize(config: Qwen2Config, seed: number, options: InitializeOptions = {}): Qwen2Parameters {
    const std = options.std ?? 0.02;
    if (!(std > 0)) fail('train.config_invalid', `initial standard deviation must be positive, got ${std}`);
    const rng = new Rng(seed);
    const residualStd = (options.residualScaling ?? 'gpt2') === 'gpt2' ? std / Math.sqrt(2 * config.layerCount) : std;
    const tensors = qwen2TensorPlan(config).map((plan): ParameterTensor => {
      const values = new Float32Array(plan.shape.reduce((a, b) => a * b, 1));
      if (plan.kind === 'vector') values.fill(plan.center);
      else {
        const sigma = /attn_output|ffn_down/.test(plan.ggufName) ? residualStd : std;
        for (let i = 0; i < values.length; i++) values[i] = sigma * normal(rng);
      }
      return { name: plan.ggufName, shape: plan.shape, kind: plan.kind, values };
    });
    const parameters = new Qwen2Parameters(config, tensors);
    if (options.copyCircuit !== undefined) installCopyCircuit(parameters, options.copyCircuit);
    return parameters;
  }

  /** decode every tensor of loaded weights to f32 (the weights are only read) */
  static fromWeights(config: Qwen2Config, weights: Qwen2Weights): Qwen2Parameters {
    const byName = new Map<string, Tensor | Float32Array>();
    byName.set('token_embd.weight', weights.tokenEmbedding);
    weights.layers.forEach((w, l) => {
      const b = `blk.${l}.`;
      const entries: [string, Tensor | Float32Array | null][] = [
        ['attn_norm.weight', w.attentionNorm], ['attn_q.weight', w.query], ['attn_q.bias', w.queryBias], ['attn_k.weight', w.key], ['attn_k.bias', w.keyBias],
        ['attn_v.weight', w.value], ['attn_v.bias', w.valueBias], ['attn_output.weight', w.attentionOutput], ['ffn_norm.weight', w.ffnNorm],
        ['ffn_gate.weight', w.gate], ['ffn_up.weight', w.up], ['ffn_down.weight', w.down],
      ];
      for (const [name, value] of entries) if (value !== null) byName.set(b + name, value);
    });
    byName.set('output_norm.weight', weights.outputNorm);
    if (!config.tiedEmbeddings) byName.set('output.weight', weights.output);
    const tensors = qwen2TensorPlan(config).map((plan): ParameterTensor => {
      const source = byName.get(plan.ggufName);
      const count = plan.shape.reduce((a, b) => a * b, 1);
      // Qwen2 always has q/k/v biases; a model without them trains them from zero
      if (source === undefined) return { name: plan.ggufName, shape: plan.shape, kind: plan.kind, values: new Float32Array(count) };
      const values = source instanceof Float32Array ? Float32Array.from(source) : decode(source, plan.shape);
      return { name: plan.ggufName, shape: plan.shape, kind: plan.kind, values };
    });
    return new Qwen2Parameters(config, tensors);
  }

  /** the tensor named `name` (GGUF name); a missing name is a bug */
  get(name: string): ParameterTensor {
    const tensor = this.byName.get(name);
    if (tensor === undefined) throw new Error(`Qwen2Parameters: no tensor ${name}`);
    return tensor;
  }

  values(name: string): Float32Array {
    return this.get(name).values;
  }

  /** Σ elements */
  get parameterCount(): number {
    return this.tensors.reduce((sum, t) => sum + t.values.length, 0);
  }

  /** F32 copies of every tensor under its GGUF name (output.weight absent when tied) */
  toTensors(): Map<string, Tensor> {
    return new Map(this.tensors.map((t) => [t.name, makeTensor(t.name, t.shape, t.values)]));
  }

  /** inference weights over copies of the current values */
  toWeights(fileName = 'trained'): Qwen2Weights {
    return buildQwen2Weights(this.config, this.toTensors(), fileName);
  }
}

function decode(tensor: Tensor, shape: readonly number[]): Float32Array {
  const nIn = shape[0]!;
  const rows = shape[1] ?? 1;
  const type = tensor.type as GgmlTypeId;
  const stride = rowBytes(type, nIn);
  const out = new Float32Array(nIn * rows);
  for (let r = 0; r < rows; r++) dequantizeRow(type, tensor.data, r * stride, out, r * nIn, nIn);
  return out;
}

/** a standard normal sample (Box–Muller) */
function normal(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
