/**
 * Causal GQA attention's training forward and backward on the WASM SIMD
 * kernels (wasm/train-attention.ts), with the same contract as
 * ops/attention.ts (its JavaScript twin, which has the formulas). The
 * O(T²·headDim) products run in WebAssembly over a scratch copy of the
 * operands; the O(T²) softmax and its backward run here in JavaScript, in
 * place on a view of the kernels' memory (f64 sums, rounded to f32 when
 * stored). Scratch layouts are listed in each function, in floats; every
 * region starts on a 64-byte boundary.
 */

import type { TrainKernels } from '../llm/index.ts';
import type { AttentionShape } from './ops/attention.ts';

/** region starts: running offsets [bytes] rounded up to 64 */
function layout(sizes: readonly number[]): { offsets: number[]; end: number } {
  const offsets: number[] = [];
  let at = 0;
  for (const floats of sizes) {
    offsets.push(at);
    at += Math.ceil((4 * floats) / 64) * 64;
  }
  return { offsets, end: at };
}

/**
 * out [T, heads·hd] and probabilities [heads, T, T] (zero above the
 * diagonal) from q [T, heads·hd], k, v [T, kvHeads·hd].
 * Scratch: q | k | v | out | P.
 */
export function wasmAttentionForward(
  kernels: TrainKernels, out: Float32Array, probabilities: Float32Array,
  q: Float32Array, k: Float32Array, v: Float32Array, tokens: number, shape: AttentionShape,
): void {
  const { headCount, kvHeadCount, headDim } = shape;
  const qFloats = tokens * headCount * headDim, kvFloats = tokens * kvHeadCount * headDim, pFloats = headCount * tokens * tokens;
  const { offsets: [qAt, kAt, vAt, outAt, pAt], end } = layout([qFloats, kvFloats, kvFloats, qFloats, pFloats]);
  const memory = kernels.floats(end);
  memory.set(q.subarray(0, qFloats), qAt! >> 2);
  memory.set(k.subarray(0, kvFloats), kAt! >> 2);
  memory.set(v.subarray(0, kvFloats), vAt! >> 2);
  memory.fill(0, outAt! >> 2, (outAt! >> 2) + qFloats);
  const qStride = 4 * headCount * headDim, kvStride = 4 * kvHeadCount * headDim;
  kernels.raw.attentionScoresF32(pAt!, qAt!, qStride, kAt!, kvStride, tokens, headCount, kvHeadCount, headDim, 1 / Math.sqrt(headDim));
  // softmax of each row's j ≤ i
  for (let row = 0; row < headCount * tokens; row++) {
    const i = row % tokens;
    const base = (pAt! >> 2) + row * tokens;
    let max = -Infinity;
    for (let j = 0; j <= i; j++) if (memory[base + j]! > max) max = memory[base + j]!;
    let sum = 0;
    for (let j = 0; j <= i; j++) {
      const e = Math.exp(memory[base + j]! - max);
      memory[base + j] = e;
      sum += e;
    }
    const inverse = 1 / sum;
    for (let j = 0; j <= i; j++) memory[base + j] = memory[base + j]! * inverse;
  }
  kernels.raw.attentionLowerF32(outAt!, qStride, pAt!, vAt!, kvStride, tokens, headCount, kvHeadCount, headDim);
  out.set(memory.subarray(outAt! >> 2, (outAt! >> 2) + qFloats));
  probabilities.set(memory.subarray(pAt! >> 2, (pAt! >> 2) + pFloats));
}

/**
 * dq, dk, dv += attention's input gradients from dOut [T, heads·hd], with the
 * forward's probabilities [heads, T, T] (only j ≤ i read).
 * Scratch: dOut | q | k | v | dq | dk | dv | P | dS.
 */
export function wasmAttentionBackward(
  kernels: TrainKernels, dq: Float32Array, dk: Float32Array, dv: Float32Array, dOut: Float32Array,
  probabilities: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, tokens: number, shape: AttentionShape,
): void {
  const { headCount, kvHeadCount, headDim } = shape;
  const qFloats = tokens * headCount * headDim, kvFloats = tokens * kvHeadCount * headDim, pFloats = headCount * tokens * tokens;
  const { offsets, end } = layout([qFloats, qFloats, kvFloats, kvFloats, qFloats, kvFloats, kvFloats, pFloats, pFloats]);
  const [dOutAt, qAt, kAt, vAt, dqAt, dkAt, dvAt, pAt, dsAt] = offsets as [number, number, number, number, number, number, number, number, number];
  const memory = kernels.floats(end);
  const sources: [Float32Array, number, number][] = [
    [dOut, dOutAt, qFloats], [q, qAt, qFloats], [k, kAt, kvFloats], [v, vAt, kvFloats],
    [dq, dqAt, qFloats], [dk, dkAt, kvFloats], [dv, dvAt, kvFloats], [probabilities, pAt, pFloats],
  ];
  for (const [source, at, floats] of sources) memory.set(source.subarray(0, floats), at >> 2);
  const qStride = 4 * headCount * headDim, kvStride = 4 * kvHeadCount * headDim;
  const raw = kernels.raw;
  // dP = dOut·vᵀ (into dS), dv += Pᵀ·dOut
  raw.attentionScoresF32(dsAt, dOutAt, qStride, vAt, kvStride, tokens, headCount, kvHeadCount, headDim, 1);
  raw.attentionUpperF32(dvAt, kvStride, pAt, dOutAt, qStride, tokens, headCount, kvHeadCount, headDim);
  // dS = P ⊙ (dP − Σ_j P·dP) · scale, row by row
  const scale = 1 / Math.sqrt(headDim);
  for (let row = 0; row < headCount * tokens; row++) {
    const i = row % tokens;
    const p = (pAt >> 2) + row * tokens, d = (dsAt >> 2) + row * tokens;
    let weighted = 0;
    for (let j = 0; j <= i; j++) weighted += memory[p + j]! * memory[d + j]!;
    for (let j = 0; j <= i; j++) memory[d + j] = memory[p + j]! * (memory[d + j]! - weighted) * scale;
  }
  // dq += dS·k, dk += dSᵀ·q
  raw.attentionLowerF32(dqAt, qStride, dsAt, kAt, kvStride, tokens, headCount, kvHeadCount, headDim);
  raw.attentionUpperF32(dkAt, kvStride, dsAt, qAt, qStride, tokens, headCount, kvHeadCount, headDim);
  dq.set(memory.subarray(dqAt >> 2, (dqAt >> 2) + qFloats));
  dk.set(memory.subarray(dkAt >> 2, (dkAt >> 2) + kvFloats));
  dv.set(memory.subarray(dvAt >> 2, (dvAt >> 2) + kvFloats));
}
