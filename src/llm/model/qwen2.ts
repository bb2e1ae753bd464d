/**
 * Qwen2 / Qwen2.5 (llama.cpp LLM_ARCH_QWEN2): a pre-norm decoder with
 * biased q/k/v projections, NeoX rotary embeddings, grouped-query attention
 * and a SwiGLU feed-forward block. Per layer:
 *
 *   h  = rmsNorm(x) · attn_norm
 *   q, k, v = Wq h + bq, Wk h + bk, Wv h + bv;  rotate q, k by position
 *   x += Wo · attention(q, K-cache, V-cache)
 *   h  = rmsNorm(x) · ffn_norm
 *   x += down(silu(gate h) ⊙ up h)
 *
 * then logits = output · (rmsNorm(x) · output_norm). Everything else is in
 * the shared builder (transformer.ts) and the context (context.ts).
 *
 * LoRA adapters (adapters.ts) ride on every projection: `setAdapters` swaps
 * the active list without touching the base weights; an empty list is the
 * plain base. Contexts keep their KV cache across a swap, so tokens already
 * evaluated stay as the old adapters computed them: reset (or truncate) a
 * context to re-evaluate its prompt under the new ones.
 */

import type { KernelPool } from '../kernels/index.ts';
import { AdapterSet, type AdapterLike } from './adapters.ts';
import type { Tensor } from '../tensor.ts';
import type { KernelChoice, MatmulBackend } from './backend.ts';
import type { Qwen2Config } from './config.ts';
import { InferenceContext, type ContextOptions } from './context.ts';
import { chooseBackend } from './kernel-choice.ts';
import type { KvPrecision } from './kv-cache.ts';
import { plainAllocator, type ScratchAllocator } from './scratch.ts';
import { addResidual, attendCausal, ensureAdapterScratch, feedForwardSwiglu, normTokens, project, projectQueryKeyValue, rotateQueryKey, type BatchState, type TransformerModel } from './transformer.ts';
import type { Qwen2Weights } from './weights.ts';

export interface ModelOptions {
  /** where context buffers come from (the kernel arena); default plain typed arrays */
  readonly allocator?: ScratchAllocator;
  /** KV cache rounding: 'f32' (default) or 'f16' to mirror llama.cpp's default f16 cache */
  readonly kvPrecision?: KvPrecision;
  /** matmul kernels: default 'wasm' when `pool` is given and the allocator hands out its memory, else 'typescript' (kernel-choice.ts) */
  readonly kernels?: KernelChoice;
  /** the WebAssembly kernels and their worker threads over the arena's shared memory */
  readonly pool?: KernelPool;
}

export class Qwen2Model implements TransformerModel {
  readonly config: Qwen2Config;
  readonly weights: Qwen2Weights;
  readonly allocator: ScratchAllocator;
  readonly kvPrecision: KvPrecision;
  readonly matrices: readonly Tensor[];
  readonly backend: MatmulBackend;
  /** the active LoRA adapters, checked against this model */
  private adapterSet: AdapterSet;

  constructor(config: Qwen2Config, weights: Qwen2Weights, options: ModelOptions = {}) {
    this.config = config;
    this.allocator = options.allocator ?? plainAllocator;
    this.kvPrecision = options.kvPrecision ?? 'f32';
    const chosen = chooseBackend(weights, this.allocator, options.kernels, options.pool);
    this.backend = chosen.backend;
    this.weights = chosen.weights;
    this.matrices = this.weights.layers.flatMap((w) => [w.query, w.key, w.value, w.attentionOutput, w.gate, w.up, w.down]);
    this.adapterSet = AdapterSet.none(config);
  }

  /**
   * Make `adapters` the active LoRA adapters (their deltas add, in order);
   * [] restores the plain base. Every matrix is checked against the model
   * first (llm.adapter_mismatch); on failure the previous list stays active.
   */
  setAdapters(adapters: readonly AdapterLike[]): void {
    this.adapterSet = AdapterSet.build(this.config, adapters);
  }

  /** the active adapters, in order */
  get adapters(): readonly AdapterLike[] {
    return this.adapterSet.adapters;
  }

  /** which matmul kernels this model runs */
  get kernels(): KernelChoice {
    return this.backend.kind;
  }

  get tokenEmbedding(): Tensor {
    return this.weights.tokenEmbedding;
  }

  get outputNorm(): Float32Array {
    return this.weights.outputNorm;
  }

  get output(): Tensor {
    return this.weights.output;
  }

  createContext(maxTokens: number, options?: ContextOptions): InferenceContext {
    return new InferenceContext(this, maxTokens, options);
  }

  forwardLayer(s: BatchState, layer: number): void {
    const w = this.weights.layers[layer]!;
    const { hiddenSize: d, headCount, headDim } = this.config;
    const qDim = headCount * headDim;
    const adapters = this.adapterSet.layer(layer);
    ensureAdapterScratch(s, this.adapterSet.maxRank);

    normTokens(s, w.attentionNorm);
    projectQueryKeyValue(s, w.query, w.key, w.value, w.queryBias, w.keyBias, w.valueBias, adapters);
    rotateQueryKey(s);
    attendCausal(s, layer);
    project(s, s.projection, s.attention, w.attentionOutput, qDim, d, null, adapters.o);
    addResidual(s, s.projection);

    normTokens(s, w.ffnNorm);
    feedForwardSwiglu(s, w.gate, w.up, w.down, adapters);
    addResidual(s, s.projection);
  }
}
