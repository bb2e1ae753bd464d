/**
 * The shared builder of decoder-only transformers: a batch of consecutive
 * tokens' activations (`BatchState`) and the block operations an
 * architecture file strings together (norm, projection, rotary, causal
 * attention through the KV cache, SwiGLU FFN, residual add). Each operation
 * runs over all tokens of the batch; qwen2.ts is one short list of them.
 * Projections take the LoRA matrices of their slot (adapters.ts): the
 * adapters' deltas join the base product before any bias or activation.
 */

import type { Tensor } from '../tensor.ts';
import { addAdapterDeltas, type AdapterMatricesLike, type LayerAdapters } from './adapters.ts';
import type { MatmulBackend, Product } from './backend.ts';
import type { Qwen2Config } from './config.ts';
import { addBias, addInPlace } from './ffn.ts';
import type { KvCache, KvPrecision } from './kv-cache.ts';
import { rmsNorm } from './rms-norm.ts';
import { ropeNeox } from './rope.ts';
import type { ScratchAllocator } from './scratch.ts';

/** activations of up to `batchCapacity` tokens at positions startPosition … startPosition + tokens − 1 */
export interface BatchState {
  readonly config: Qwen2Config;
  readonly cache: KvCache;
  readonly batchCapacity: number;
  /** tokens in the current batch */
  tokens: number;
  /** position of the batch's first token */
  startPosition: number;
  /** residual stream [batch, hidden] */
  readonly x: Float32Array;
  /** normalised residual [batch, hidden] */
  readonly normed: Float32Array;
  /** [batch, heads·headDim] */
  readonly q: Float32Array;
  /** [batch, kvHeads·headDim] */
  readonly k: Float32Array;
  /** [batch, kvHeads·headDim] */
  readonly v: Float32Array;
  /** attention output before o_proj [batch, heads·headDim] */
  readonly attention: Float32Array;
  /** output of o_proj / ffn_down, added to the residual [batch, hidden] */
  readonly projection: Float32Array;
  /** [batch, ffn] */
  readonly gate: Float32Array;
  /** [batch, ffn] */
  readonly up: Float32Array;
  /** rotary cos/sin per token [batch, headDim/2] */
  readonly ropeCos: Float32Array;
  readonly ropeSin: Float32Array;
  /** attention scores of one head [cache capacity] */
  readonly scores: Float32Array;
  /** activations converted for vecDot, and the backend's scratch for them [batch · largest backend.preparedBytes] */
  readonly prepared: Uint8Array;
  /** the matmul kernels (the model's) */
  readonly backend: MatmulBackend;
  /** reused product descriptors for backend.multiply [3] */
  readonly products: Product[];
  /** LoRA inner activations of one token [≥ largest adapter rank] f64; grown once when a larger-rank adapter arrives */
  adapterInner: Float64Array;
}

/** make sure the adapter scratch holds `rank` values (allocates only when adapters of a larger rank are first used) */
export function ensureAdapterScratch(s: BatchState, rank: number): void {
  if (s.adapterInner.length < rank) s.adapterInner = new Float64Array(rank);
}

/** normed[t] = rmsNorm(x[t]) · weight for every token */
export function normTokens(s: BatchState, weight: Float32Array): void {
  const d = s.config.hiddenSize;
  for (let t = 0; t < s.tokens; t++) rmsNorm(s.normed, t * d, s.x, t * d, weight, d, s.config.rmsNormEps);
}

/** out[t] = W · input[t] + Σ adapters' scale·B(A·input[t]) (+ bias) for every token; W: [nIn, nOut] */
export function project(s: BatchState, out: Float32Array, input: Float32Array, weight: Tensor, nIn: number, nOut: number, bias: Float32Array | null, adapters: readonly AdapterMatricesLike[]): void {
  setProduct(s, 0, out, weight, nOut);
  s.backend.multiply(input, s.tokens, nIn, s.products, 1, s.prepared);
  if (adapters.length > 0) addAdapterDeltas(out, input, s.tokens, adapters, s.adapterInner);
  if (bias !== null) addBias(out, bias, s.tokens, nOut);
}

function setProduct(s: BatchState, index: number, out: Float32Array, weight: Tensor, nOut: number): void {
  const product = s.products[index]!;
  product.out = out;
  product.weight = weight;
  product.nOut = nOut;
}

/** q, k, v = Wq·normed + bq, Wk·normed + bk, Wv·normed + bv in one backend call (one pass of the threads), adapter deltas before the biases */
export function projectQueryKeyValue(s: BatchState, query: Tensor, key: Tensor, value: Tensor, queryBias: Float32Array | null, keyBias: Float32Array | null, valueBias: Float32Array | null, adapters: LayerAdapters): void {
  const { hiddenSize: d, headCount, kvHeadCount, headDim } = s.config;
  setProduct(s, 0, s.q, query, headCount * headDim);
  setProduct(s, 1, s.k, key, kvHeadCount * headDim);
  setProduct(s, 2, s.v, value, kvHeadCount * headDim);
  s.backend.multiply(s.normed, s.tokens, d, s.products, 3, s.prepared);
  if (adapters.q.length > 0) addAdapterDeltas(s.q, s.normed, s.tokens, adapters.q, s.adapterInner);
  if (adapters.k.length > 0) addAdapterDeltas(s.k, s.normed, s.tokens, adapters.k, s.adapterInner);
  if (adapters.v.length > 0) addAdapterDeltas(s.v, s.normed, s.tokens, adapters.v, s.adapterInner);
  if (queryBias !== null) addBias(s.q, queryBias, s.tokens, headCount * headDim);
  if (keyBias !== null) addBias(s.k, keyBias, s.tokens, kvHeadCount * headDim);
  if (valueBias !== null) addBias(s.v, valueBias, s.tokens, kvHeadCount * headDim);
}

/** rotate q and k of every token by its position (angles precomputed in ropeCos/ropeSin) */
export function rotateQueryKey(s: BatchState): void {
  const { headCount, kvHeadCount, headDim } = s.config;
  const half = headDim / 2;
  for (let t = 0; t < s.tokens; t++) {
    ropeNeox(s.q, t * headCount * headDim, headCount, headDim, s.ropeCos, s.ropeSin, t * half);
    ropeNeox(s.k, t * kvHeadCount * headDim, kvHeadCount, headDim, s.ropeCos, s.ropeSin, t * half);
  }
}

/** store the batch's k, v in the cache for `layer`, then attention[t] = causal attention of q[t] over positions ≤ its own */
export function attendCausal(s: BatchState, layer: number): void {
  const kvDim = s.config.kvHeadCount * s.config.headDim;
  for (let t = 0; t < s.tokens; t++) s.cache.store(layer, s.startPosition + t, s.k, t * kvDim, s.v, t * kvDim);
  s.backend.attend(s.attention, s.q, s.cache.keys, s.cache.values, s.cache.layerOffset(layer), s.startPosition, s.tokens, s.config, s.scores);
}

/** x += delta over the batch ([batch, hidden]) */
export function addResidual(s: BatchState, delta: Float32Array): void {
  addInPlace(s.x, delta, s.tokens * s.config.hiddenSize);
}

/** projection[t] = down(silu(gate·normed[t]) ⊙ up·normed[t]), each product with its adapter deltas (gate/up before the SiLU) */
export function feedForwardSwiglu(s: BatchState, gate: Tensor, up: Tensor, down: Tensor, adapters: LayerAdapters): void {
  const d = s.config.hiddenSize;
  const f = s.config.intermediateSize;
  setProduct(s, 0, s.gate, gate, f);
  setProduct(s, 1, s.up, up, f);
  s.backend.multiply(s.normed, s.tokens, d, s.products, 2, s.prepared);
  if (adapters.gate.length > 0) addAdapterDeltas(s.gate, s.normed, s.tokens, adapters.gate, s.adapterInner);
  if (adapters.up.length > 0) addAdapterDeltas(s.up, s.normed, s.tokens, adapters.up, s.adapterInner);
  s.backend.swiglu(s.gate, s.up, s.tokens * f);
  project(s, s.projection, s.gate, down, f, d, null, adapters.down);
}

/** what an inference context needs from an architecture */
export interface TransformerModel {
  readonly config: Qwen2Config;
  /** [hidden, vocab] */
  readonly tokenEmbedding: Tensor;
  /** [hidden] f32 */
  readonly outputNorm: Float32Array;
  /** [hidden, vocab] */
  readonly output: Tensor;
  /** every weight matrix the layers multiply by (sizes the activation scratch) */
  readonly matrices: readonly Tensor[];
  readonly allocator: ScratchAllocator;
  readonly kvPrecision: KvPrecision;
  /** the matmul kernels; a context checks its buffers with backend.accepts */
  readonly backend: MatmulBackend;
  /** run decoder layer `layer` over the batch, in place on s.x */
  forwardLayer(s: BatchState, layer: number): void;
}
