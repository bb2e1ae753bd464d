/**
 * The seam between the forward pass and the compute kernels: a
 * `MatmulBackend` multiplies one batch of activations by one or more weight
 * matrices that share that input (q/k/v, gate/up), and runs a layer's causal
 * attention over the KV cache. Two implementations:
 *   'typescript' — llm/quant's reference kernels (matmul.ts), on any buffers;
 *   'wasm'       — the WebAssembly SIMD kernels on a thread pool (wasm-backend.ts),
 *                  for weights and context buffers in the pool's shared memory.
 * Both give bit-identical results for the quantized types (see
 * llm/kernels/wasm-kernels.ts for the F32/F16/BF16 rounding bounds).
 */

import type { GgmlTypeId, Tensor } from '../tensor.ts';
import { attendOne, type AttentionShape } from './attention.ts';
import { swiglu } from './ffn.ts';
import { matmul } from './matmul.ts';
import { preparedBytes } from './quant.ts';

export type KernelChoice = 'typescript' | 'wasm';

/** one product of a group: out[t·nOut + r] = row r of weight · input[t] */
export interface Product {
  out: Float32Array;
  weight: Tensor;
  nOut: number;
}

export interface MatmulBackend {
  readonly kind: KernelChoice;
  /**
   * every product of `products` (count of them used) over input [tokens, nIn] f32;
   * prepared: scratch of ≥ tokens · this.preparedBytes(type, nIn) bytes for each type in use.
   */
  multiply(input: Float32Array, tokens: number, nIn: number, products: readonly Product[], count: number, prepared: Uint8Array): void;
  /**
   * out[t] = causal attention of q[t] (at position startPosition + t) over the cache
   * positions 0 … startPosition + t of the layer starting at layerOffset in keys/values;
   * out, q: [tokens, headCount·headDim]; scores: scratch [≥ startPosition + tokens] (TypeScript path).
   */
  attend(out: Float32Array, q: Float32Array, keys: Float32Array, values: Float32Array, layerOffset: number, startPosition: number, tokens: number, shape: AttentionShape, scores: Float32Array): void;
  /** scratch bytes per token that multiply needs in `prepared` for `type` weights of nIn inputs */
  preparedBytes(type: GgmlTypeId, nIn: number): number;
  /** gate[i] = silu(gate[i]) · up[i] for i < n (ffn.ts swiglu's bits) */
  swiglu(gate: Float32Array, up: Float32Array, n: number): void;
  /** whether the backend can compute on `view` (context buffers are checked once at creation) */
  accepts(view: ArrayBufferView): boolean;
}

/** the reference attention: attendOne per token, on this thread */
export function attendTokens(out: Float32Array, q: Float32Array, keys: Float32Array, values: Float32Array, layerOffset: number, startPosition: number, tokens: number, shape: AttentionShape, scores: Float32Array): void {
  const qDim = shape.headCount * shape.headDim;
  for (let t = 0; t < tokens; t++) attendOne(out, t * qDim, q, t * qDim, keys, values, layerOffset, startPosition + t + 1, shape, scores);
}

export const typescriptBackend: MatmulBackend = {
  kind: 'typescript',
  accepts: () => true,
  attend: attendTokens,
  preparedBytes,
  swiglu,
  multiply(input, tokens, nIn, products, count, prepared) {
    for (let p = 0; p < count; p++) {
      const product = products[p]!;
      matmul(product.out, 0, input, 0, tokens, product.weight, nIn, product.nOut, prepared);
    }
  },
};
