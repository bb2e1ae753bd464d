/**
 * An inference context: one conversation's KV cache plus the scratch
 * buffers to run the model over it. `evaluate` appends tokens — processed
 * in batches of up to `batchSize`, each batch going through the model
 * layer by layer — and returns logits. Buffers are allocated once here
 * (through the model's allocator); evaluation allocates only the 'all'
 * logits result.
 *
 *   evaluate(tokens, { logits: 'last' })  → [vocab] view of the context's logits
 *                                            buffer, overwritten by the next call
 *   evaluate(tokens, { logits: 'all' })   → new [tokens, vocab] array
 *   evaluate(tokens, { logits: 'none' })  → empty array (cache only)
 *   embed(tokens, { pooling })            → new [hidden]: the final hidden state
 *                                            AFTER the final RMS norm (output_norm),
 *                                            mean over tokens or the last token
 */

import { fail } from '../../common/index.ts';
import type { GgmlTypeId } from '../tensor.ts';
import { KvCache } from './kv-cache.ts';
import { dequantizeRow, rowBytes } from './quant.ts';
import { rmsNorm } from './rms-norm.ts';
import { ropeAngles } from './rope.ts';
import { allocateFloat32 } from './scratch.ts';
import type { BatchState, TransformerModel } from './transformer.ts';

export type LogitsMode = 'last' | 'all' | 'none';
export type Pooling = 'mean' | 'last';

export interface EvaluateOptions {
  /** which tokens' logits to compute; default 'last' */
  readonly logits?: LogitsMode;
}

export interface ContextOptions {
  /** tokens per batch in prompt processing [1, maxTokens]; default 64 */
  readonly batchSize?: number;
}

export class InferenceContext {
  readonly model: TransformerModel;
  readonly cache: KvCache;
  /** tokens per batch */
  readonly batchSize: number;
  private readonly state: BatchState;
  /** tokens in the cache, in order [capacity] */
  private readonly history: Int32Array;
  /** [vocab] f32 */
  private readonly logitsBuffer: Float32Array;

  constructor(model: TransformerModel, maxTokens: number, options: ContextOptions = {}) {
    const config = model.config;
    if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > config.maxContext) {
      fail('arg.invalid', `a context needs between 1 and ${config.maxContext} tokens (the model's trained context), got ${maxTokens}`);
    }
    const batchSize = options.batchSize ?? Math.min(64, maxTokens);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > maxTokens) {
      fail('arg.invalid', `batch size must be between 1 and the context size ${maxTokens}, got ${batchSize}`);
    }
    this.model = model;
    this.batchSize = batchSize;
    const alloc = model.allocator;
    const f32 = (count: number, label: string): Float32Array => allocateFloat32(alloc, count, label);
    const { hiddenSize, headCount, kvHeadCount, headDim, intermediateSize } = config;
    this.cache = new KvCache(config.layerCount, maxTokens, kvHeadCount * headDim, { precision: model.kvPrecision, allocator: alloc });
    let largestPrepared = model.backend.preparedBytes(model.output.type as GgmlTypeId, hiddenSize);
    for (const m of model.matrices) largestPrepared = Math.max(largestPrepared, model.backend.preparedBytes(m.type as GgmlTypeId, m.shape[0]!));
    this.state = {
      config,
      cache: this.cache,
      batchCapacity: batchSize,
      tokens: 0,
      startPosition: 0,
      x: f32(batchSize * hiddenSize, 'activations x'),
      normed: f32(batchSize * hiddenSize, 'activations normed'),
      q: f32(batchSize * headCount * headDim, 'activations q'),
      k: f32(batchSize * kvHeadCount * headDim, 'activations k'),
      v: f32(batchSize * kvHeadCount * headDim, 'activations v'),
      attention: f32(batchSize * headCount * headDim, 'activations attention'),
      projection: f32(batchSize * hiddenSize, 'activations projection'),
      gate: f32(batchSize * intermediateSize, 'activations gate'),
      up: f32(batchSize * intermediateSize, 'activations up'),
      ropeCos: f32(batchSize * (headDim / 2), 'rope cos'),
      ropeSin: f32(batchSize * (headDim / 2), 'rope sin'),
      scores: f32(maxTokens, 'attention scores'),
      prepared: alloc(batchSize * largestPrepared, 'prepared activations'),
      backend: model.backend,
      products: [0, 1, 2].map(() => ({ out: new Float32Array(0), weight: model.output, nOut: 0 })),
      adapterInner: new Float64Array(0),
    };
    this.history = new Int32Array(maxTokens);
    this.logitsBuffer = f32(config.vocabSize, 'logits');
    const s = this.state;
    const buffers = [s.x, s.normed, s.q, s.k, s.v, s.attention, s.projection, s.gate, s.up, s.prepared, this.logitsBuffer];
    if (!buffers.every((buffer) => model.backend.accepts(buffer))) {
      fail('kernels.unavailable', `an inference context for the ${model.backend.kind} kernels needs its buffers in the kernels' shared memory, but the model's allocator gives other memory`);
    }
  }

  /** tokens in the model's vocabulary (length of a logits row) */
  get vocabSize(): number {
    return this.model.config.vocabSize;
  }

  /** positions the context can hold */
  get capacity(): number {
    return this.cache.capacity;
  }

  /** tokens evaluated so far (positions filled) */
  get length(): number {
    return this.cache.length;
  }

  /** the tokens in the cache, in order (a copy) */
  tokens(): Int32Array {
    return this.history.slice(0, this.cache.length);
  }

  /** forget all tokens */
  reset(): void {
    this.cache.reset();
  }

  /** keep only the first `length` tokens (reuse a shared prefix) */
  truncate(length: number): void {
    this.cache.truncate(length);
  }

  /** append tokens to the context and return their logits (see header) */
  evaluate(tokens: ArrayLike<number>, options: EvaluateOptions = {}): Float32Array {
    const mode = options.logits ?? 'last';
    this.checkTokens(tokens);
    const vocab = this.model.config.vocabSize;
    const all = mode === 'all' ? new Float32Array(tokens.length * vocab) : null;
    for (let from = 0; from < tokens.length; from += this.batchSize) {
      const count = Math.min(this.batchSize, tokens.length - from);
      this.runBatch(tokens, from, count);
      if (mode === 'all') this.outputLogits(0, count, all!, from * vocab);
      else if (mode === 'last' && from + count === tokens.length) this.outputLogits(count - 1, 1, this.logitsBuffer, 0);
    }
    if (mode === 'all') return all!;
    return mode === 'last' ? this.logitsBuffer : new Float32Array(0);
  }

  /**
   * Embedding of a text: resets the context, evaluates `tokens` and pools the
   * final hidden states after output_norm — their mean (default) or the last
   * one. The cache holds `tokens` afterwards.
   */
  embed(tokens: ArrayLike<number>, options: { pooling?: Pooling } = {}): Float32Array {
    if (tokens.length === 0) fail('arg.invalid', 'cannot embed an empty token list');
    this.cache.reset();
    this.checkTokens(tokens);
    const d = this.model.config.hiddenSize;
    const pooled = new Float64Array(d);
    const s = this.state;
    for (let from = 0; from < tokens.length; from += this.batchSize) {
      const count = Math.min(this.batchSize, tokens.length - from);
      this.runBatch(tokens, from, count);
      const first = options.pooling === 'last' ? count - 1 : 0;
      for (let t = first; t < count; t++) {
        rmsNorm(s.normed, t * d, s.x, t * d, this.model.outputNorm, d, this.model.config.rmsNormEps);
        if (options.pooling === 'last') for (let i = 0; i < d; i++) pooled[i] = s.normed[t * d + i]!;
        else for (let i = 0; i < d; i++) pooled[i] = pooled[i]! + s.normed[t * d + i]!;
      }
    }
    const divisor = options.pooling === 'last' ? 1 : tokens.length;
    const out = new Float32Array(d);
    for (let i = 0; i < d; i++) out[i] = pooled[i]! / divisor;
    return out;
  }

  // ── internals ────────────────────────────────────────────────────────────

  /** validate before changing any state */
  private checkTokens(tokens: ArrayLike<number>): void {
    const vocab = this.model.config.vocabSize;
    if (tokens.length > this.cache.free) {
      fail('llm.context_full', `${tokens.length} tokens do not fit in the context: ${this.cache.length} of ${this.cache.capacity} positions are used`, {
        tokens: tokens.length, used: this.cache.length, capacity: this.cache.capacity,
      });
    }
    for (let i = 0; i < tokens.length; i++) {
      const id = tokens[i]!;
      if (!Number.isInteger(id) || id < 0 || id >= vocab) fail('llm.token_invalid', `token ${i} has id ${id}, outside the vocabulary of ${vocab}`);
    }
  }

  /** embed tokens[from .. from+count) at the next positions, run every layer, extend the cache */
  private runBatch(tokens: ArrayLike<number>, from: number, count: number): void {
    const s = this.state;
    const model = this.model;
    const config = model.config;
    const d = config.hiddenSize;
    s.tokens = count;
    s.startPosition = this.cache.length;
    const embedding = model.tokenEmbedding;
    const embeddingType = embedding.type as GgmlTypeId;
    const embeddingRow = rowBytes(embeddingType, d);
    for (let t = 0; t < count; t++) {
      const id = tokens[from + t]!;
      dequantizeRow(embeddingType, embedding.data, id * embeddingRow, s.x, t * d, d);
      ropeAngles(s.ropeCos, s.ropeSin, t * (config.headDim / 2), s.startPosition + t, config.headDim, config.ropeTheta);
      this.history[s.startPosition + t] = id;
    }
    for (let layer = 0; layer < config.layerCount; layer++) model.forwardLayer(s, layer);
    this.cache.advance(count);
  }

  /** final norm of batch tokens [first, first+count) into normed, then out[outOffset..] = output · normed ([count, vocab]) */
  private outputLogits(first: number, count: number, out: Float32Array, outOffset: number): void {
    const s = this.state;
    const { hiddenSize: d, vocabSize, rmsNormEps } = this.model.config;
    for (let t = 0; t < count; t++) rmsNorm(s.normed, t * d, s.x, (first + t) * d, this.model.outputNorm, d, rmsNormEps);
    const product = s.products[0]!;
    product.weight = this.model.output;
    product.nOut = vocabSize;
    const target = out.subarray(outOffset, outOffset + count * vocabSize);
    if (s.backend.accepts(target)) {
      product.out = target;
      s.backend.multiply(s.normed, count, d, s.products, 1, s.prepared);
      return;
    }
    // `out` may lie outside the backend's memory ('all' logits): one token at a time through the logits buffer
    product.out = this.logitsBuffer;
    for (let t = 0; t < count; t++) {
      s.backend.multiply(s.normed.subarray(t * d, (t + 1) * d), 1, d, s.products, 1, s.prepared);
      out.set(this.logitsBuffer, outOffset + t * vocabSize);
    }
  }
}
