/**
 * The seam between the forward pass and the matmul kernels: a
 * `MatmulBackend` multiplies one batch of activations by one or more weight
 * matrices that share that input (q/k/v, gate/up). Two implementations:
 *   'typescript' — llm/quant's reference kernels (matmul.ts), on any buffers;
 *   'wasm'       — the WebAssembly SIMD kernels on a thread pool (wasm-backend.ts),
 *                  for weights and context buffers in the pool's shared memory.
 * Both give bit-identical results for the quantized types (see
 * llm/kernels/wasm-kernels.ts for the F32/F16/BF16 rounding bounds).
 */

import type { Tensor } from '../tensor.ts';
import { matmul } from './matmul.ts';

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
   * prepared: scratch of ≥ tokens · preparedBytes(type, nIn) bytes for each type in use.
   */
  multiply(input: Float32Array, tokens: number, nIn: number, products: readonly Product[], count: number, prepared: Uint8Array): void;
  /** whether the backend can compute on `view` (context buffers are checked once at creation) */
  accepts(view: ArrayBufferView): boolean;
}

export const typescriptBackend: MatmulBackend = {
  kind: 'typescript',
  accepts: () => true,
  multiply(input, tokens, nIn, products, count, prepared) {
    for (let p = 0; p < count; p++) {
      const product = products[p]!;
      matmul(product.out, 0, input, 0, tokens, product.weight, nIn, product.nOut, prepared);
    }
  },
};
