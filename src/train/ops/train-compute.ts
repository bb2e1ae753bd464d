/**
 * The seam between the training passes and whoever computes their heavy
 * parts — a linear layer's three matrix products and causal attention's
 * forward and backward: `TrainCompute`, with the meaning and argument order
 * of matmul.ts's and attention.ts's kernels. Two implementations exist:
 *
 *   JAVASCRIPT_COMPUTE   the JavaScript kernels (f64 sums; any Floats)
 *   WasmTrainCompute     the WebAssembly SIMD kernels (../wasm-compute.ts; f32
 *                        sums, Float32Array operands, the JavaScript kernels
 *                        for anything else)
 *
 * A SequenceWorkspace carries one, so a trainer picks its engine once.
 */

import type { Floats } from './floats.ts';
import { attentionBackward, attentionForward, type AttentionShape } from './attention.ts';
import { matmulBackwardWeight, matmulRowsBackwardInput, matmulRowsForward, type ProductMode } from './matmul.ts';

export interface TrainCompute {
  /** 'javascript' or 'wasm-simd' (for logs and benchmarks) */
  readonly engine: 'javascript' | 'wasm-simd';
  /** matmulRowsForward: out[t, rowStart + r] (=|+=) Σ_i x[t, i] · rows[r, i] + bias[rowStart + r] */
  forward(
    out: Floats, x: Floats, tokens: number, nIn: number, nOut: number,
    rows: Floats, rowStart: number, rowCount: number, bias: Floats | null, mode: ProductMode,
  ): void;
  /** matmulRowsBackwardInput: dx[t, i] += Σ_r dy[t, rowStart + r] · rows[r, i] */
  backwardInput(dx: Floats, dy: Floats, tokens: number, nIn: number, nOut: number, rows: Floats, rowStart: number, rowCount: number): void;
  /** matmulBackwardWeight: dW[o, i] += Σ_t dy[t, o] · x[t, i] */
  backwardWeight(dW: Floats, dy: Floats, x: Floats, tokens: number, nIn: number, nOut: number): void;
  /** attention.ts attentionForward: out and probabilities ([heads, tokens, tokens], lower triangle) written */
  attentionForward(out: Floats, probabilities: Floats, q: Floats, k: Floats, v: Floats, tokens: number, shape: AttentionShape): void;
  /** attention.ts attentionBackward: dq, dk, dv += the gradients from dOut */
  attentionBackward(
    dq: Floats, dk: Floats, dv: Floats, dOut: Floats, probabilities: Floats, q: Floats, k: Floats, v: Floats,
    tokens: number, shape: AttentionShape, scratch: Floats,
  ): void;
}

export const JAVASCRIPT_COMPUTE: TrainCompute = {
  engine: 'javascript',
  forward: matmulRowsForward,
  backwardInput: matmulRowsBackwardInput,
  backwardWeight: matmulBackwardWeight,
  attentionForward,
  attentionBackward,
};
