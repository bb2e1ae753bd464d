/**
 * TrainCompute over the WebAssembly SIMD training kernels
 * (llm/kernels TrainKernels, wasm/train-f32.ts). The kernels read and
 * write their own memory, so each call copies its Float32Array operands
 * into a scratch region at offset 0 of that memory, runs, and copies the
 * written operand back. The copies are O(inputs + outputs) against the
 * product's O(tokens · nIn · nOut) multiply-adds: for the default model
 * (T = 160, d = 128, ffn 384, vocab 2048) they cost a few percent of a
 * step, and the model, its gradients and the workspace stay ordinary
 * Float32Arrays (LoRA's frozen or dequantized base rows included).
 *
 * Attention (forward and backward) runs through wasm-attention.ts the same
 * way. Anything that is not Float32Array (the f64 gradient checks), and
 * attention with headDim not a multiple of 4, goes to the JavaScript
 * kernels. Not thread-safe: one instance per thread.
 */

import type { TrainKernels } from '../llm/index.ts';
import type { AttentionShape } from './ops/attention.ts';
import type { Floats } from './ops/floats.ts';
import type { ProductMode } from './ops/matmul.ts';
import { JAVASCRIPT_COMPUTE, type TrainCompute } from './ops/train-compute.ts';
import { wasmAttentionBackward, wasmAttentionForward } from './wasm-attention.ts';

/** bytes between scratch operands' starts are rounded up to this (16-byte v128 alignment) */
const ALIGN_BYTES = 64;

export class WasmTrainCompute implements TrainCompute {
  readonly engine = 'wasm-simd';
  private readonly kernels: TrainKernels;

  constructor(kernels: TrainKernels) {
    this.kernels = kernels;
  }

  forward(
    out: Floats, x: Floats, tokens: number, nIn: number, nOut: number,
    rows: Floats, rowStart: number, rowCount: number, bias: Floats | null, mode: ProductMode,
  ): void {
    if (!(out instanceof Float32Array && x instanceof Float32Array && rows instanceof Float32Array && (bias === null || bias instanceof Float32Array))) {
      JAVASCRIPT_COMPUTE.forward(out, x, tokens, nIn, nOut, rows, rowStart, rowCount, bias, mode);
      return;
    }
    if (tokens === 0 || rowCount === 0) return;
    // scratch: x [tokens, nIn] | rows [rowCount, nIn] | bias [rowCount] | out [tokens, rowCount]
    const xAt = 0;
    const rowsAt = aligned(xAt + 4 * tokens * nIn);
    const biasAt = aligned(rowsAt + 4 * rowCount * nIn);
    const outAt = aligned(biasAt + 4 * rowCount);
    const memory = this.kernels.floats(outAt + 4 * tokens * rowCount);
    memory.set(x.subarray(0, tokens * nIn), xAt >> 2);
    memory.set(rows.subarray(0, rowCount * nIn), rowsAt >> 2);
    if (bias !== null) memory.set(bias.subarray(rowStart, rowStart + rowCount), biasAt >> 2);
    const accumulate = mode === 'accumulate';
    if (accumulate) copyColumnsIn(memory, outAt >> 2, out, tokens, nOut, rowStart, rowCount);
    this.kernels.raw.trainForwardF32(outAt, xAt, tokens, nIn, rowCount, rowsAt, 0, rowCount, biasAt, bias === null ? 0 : 1, accumulate ? 1 : 0);
    copyColumnsOut(out, memory, outAt >> 2, tokens, nOut, rowStart, rowCount);
  }

  backwardInput(dx: Floats, dy: Floats, tokens: number, nIn: number, nOut: number, rows: Floats, rowStart: number, rowCount: number): void {
    if (!(dx instanceof Float32Array && dy instanceof Float32Array && rows instanceof Float32Array)) {
      JAVASCRIPT_COMPUTE.backwardInput(dx, dy, tokens, nIn, nOut, rows, rowStart, rowCount);
      return;
    }
    if (tokens === 0 || rowCount === 0) return;
    // scratch: dx [tokens, nIn] | dy columns [tokens, rowCount] | rows [rowCount, nIn]
    const dxAt = 0;
    const dyAt = aligned(dxAt + 4 * tokens * nIn);
    const rowsAt = aligned(dyAt + 4 * tokens * rowCount);
    const memory = this.kernels.floats(rowsAt + 4 * rowCount * nIn);
    memory.set(dx.subarray(0, tokens * nIn), dxAt >> 2);
    copyColumnsIn(memory, dyAt >> 2, dy, tokens, nOut, rowStart, rowCount);
    memory.set(rows.subarray(0, rowCount * nIn), rowsAt >> 2);
    // C = dx [tokens, nIn], A = dy [tokens, rowCount], B = rows [rowCount, nIn]
    this.kernels.raw.accumulateProductF32(dxAt, 4 * nIn, dyAt, 4 * rowCount, 4, rowsAt, 4 * nIn, tokens, rowCount, nIn);
    dx.set(memory.subarray(dxAt >> 2, (dxAt >> 2) + tokens * nIn));
  }

  backwardWeight(dW: Floats, dy: Floats, x: Floats, tokens: number, nIn: number, nOut: number): void {
    if (!(dW instanceof Float32Array && dy instanceof Float32Array && x instanceof Float32Array)) {
      JAVASCRIPT_COMPUTE.backwardWeight(dW, dy, x, tokens, nIn, nOut);
      return;
    }
    if (tokens === 0 || nOut === 0) return;
    // scratch: dW [nOut, nIn] | dyᵀ [nOut, tokens] | x [tokens, nIn]; dy is transposed on the way in
    // so the kernel reads each row's A values consecutively (dy's columns are nOut·4 bytes apart)
    const dWAt = 0;
    const dyAt = aligned(dWAt + 4 * nOut * nIn);
    const xAt = aligned(dyAt + 4 * tokens * nOut);
    const memory = this.kernels.floats(xAt + 4 * tokens * nIn);
    memory.set(dW.subarray(0, nOut * nIn), dWAt >> 2);
    const transposed = dyAt >> 2;
    for (let t = 0; t < tokens; t++) {
      const row = t * nOut;
      for (let o = 0; o < nOut; o++) memory[transposed + o * tokens + t] = dy[row + o]!;
    }
    memory.set(x.subarray(0, tokens * nIn), xAt >> 2);
    // C = dW [nOut, nIn], A = dyᵀ [nOut, tokens], B = x [tokens, nIn]
    this.kernels.raw.accumulateProductF32(dWAt, 4 * nIn, dyAt, 4 * tokens, 4, xAt, 4 * nIn, nOut, tokens, nIn);
    dW.set(memory.subarray(dWAt >> 2, (dWAt >> 2) + nOut * nIn));
  }

  attentionForward(out: Floats, probabilities: Floats, q: Floats, k: Floats, v: Floats, tokens: number, shape: AttentionShape): void {
    if (!(out instanceof Float32Array && probabilities instanceof Float32Array && q instanceof Float32Array && k instanceof Float32Array && v instanceof Float32Array) || shape.headDim % 4 !== 0) {
      JAVASCRIPT_COMPUTE.attentionForward(out, probabilities, q, k, v, tokens, shape);
      return;
    }
    if (tokens > 0) wasmAttentionForward(this.kernels, out, probabilities, q, k, v, tokens, shape);
  }

  attentionBackward(
    dq: Floats, dk: Floats, dv: Floats, dOut: Floats, probabilities: Floats, q: Floats, k: Floats, v: Floats,
    tokens: number, shape: AttentionShape, scratch: Floats,
  ): void {
    const all32 = [dq, dk, dv, dOut, probabilities, q, k, v].every((a) => a instanceof Float32Array);
    if (!all32 || shape.headDim % 4 !== 0) {
      JAVASCRIPT_COMPUTE.attentionBackward(dq, dk, dv, dOut, probabilities, q, k, v, tokens, shape, scratch);
      return;
    }
    if (tokens > 0) wasmAttentionBackward(this.kernels, dq as Float32Array, dk as Float32Array, dv as Float32Array, dOut as Float32Array, probabilities as Float32Array, q as Float32Array, k as Float32Array, v as Float32Array, tokens, shape);
  }
}

function aligned(bytes: number): number {
  return Math.ceil(bytes / ALIGN_BYTES) * ALIGN_BYTES;
}

/** memory[at + t·count + c] = source[t·width + start + c] for t < tokens, c < count */
function copyColumnsIn(memory: Float32Array, at: number, source: Float32Array, tokens: number, width: number, start: number, count: number): void {
  if (start === 0 && count === width) {
    memory.set(source.subarray(0, tokens * width), at);
    return;
  }
  for (let t = 0; t < tokens; t++) memory.set(source.subarray(t * width + start, t * width + start + count), at + t * count);
}

/** target[t·width + start + c] = memory[at + t·count + c] (copyColumnsIn's inverse) */
function copyColumnsOut(target: Float32Array, memory: Float32Array, at: number, tokens: number, width: number, start: number, count: number): void {
  if (start === 0 && count === width) {
    target.set(memory.subarray(at, at + tokens * width));
    return;
  }
  for (let t = 0; t < tokens; t++) target.set(memory.subarray(at + t * count, at + (t + 1) * count), t * width + start);
}
