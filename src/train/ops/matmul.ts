/**
 * The three matrix products of a linear layer y = x·Wᵀ (+ b) and its
 * backward pass, over plain f32 (or f64, in the gradient-check tests)
 * arrays. W is stored as PyTorch and ggml store it: nOut rows of nIn
 * ([nOut, nIn] row-major, the same bytes as a ggml [nIn, nOut] tensor).
 *
 *   forward          y[t, o]   = Σ_i x[t, i] · W[o, i]            (dot products along rows)
 *   backward input   dx[t, i] += Σ_o dy[t, o] · W[o, i]           (row-wise axpy)
 *   backward weight  dW[o, i] += Σ_t dy[t, o] · x[t, i]           (row-wise axpy)
 *
 * The forward and backward-input kernels take a block of W's rows
 * (`rows` [rowCount, nIn] holding rows rowStart … rowStart+rowCount−1), so a
 * frozen quantized base can be dequantized one block at a time
 * (matrix-rows.ts). Speed comes from register tiles (4 rows × 2 tokens in
 * the forward and backward input, 2 rows × 4 tokens in the weight
 * gradient), which cut the loads per multiply-add; JavaScript arithmetic is
 * f64, so every partial sum accumulates in f64 and is rounded once when
 * stored. `*Reference` twins are the obvious triple loops; matmul.test.ts
 * compares them.
 */

import type { Floats } from './floats.ts';

export type ProductMode = 'overwrite' | 'accumulate';

/**
 * out[t, rowStart + r] (=|+=) Σ_i x[t, i] · rows[r, i] + bias[rowStart + r], for r < rowCount, t < tokens.
 * x: [tokens, nIn]; rows: [rowCount, nIn]; out: [tokens, nOut]; bias: [nOut] or null.
 */
export function matmulRowsForward(
  out: Floats, x: Floats, tokens: number, nIn: number, nOut: number,
  rows: Floats, rowStart: number, rowCount: number, bias: Floats | null, mode: ProductMode,
): void {
  const accumulate = mode === 'accumulate';
  let r = 0;
  for (; r + 4 <= rowCount; r += 4) {
    const w0 = r * nIn, w1 = w0 + nIn, w2 = w1 + nIn, w3 = w2 + nIn;
    const o = rowStart + r;
    const b0 = bias === null ? 0 : bias[o]!, b1 = bias === null ? 0 : bias[o + 1]!;
    const b2 = bias === null ? 0 : bias[o + 2]!, b3 = bias === null ? 0 : bias[o + 3]!;
    let t = 0;
    for (; t + 2 <= tokens; t += 2) {
      const xa = t * nIn, xb = xa + nIn;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let i = 0; i < nIn; i++) {
        const u = x[xa + i]!, v = x[xb + i]!;
        const r0 = rows[w0 + i]!, r1 = rows[w1 + i]!, r2 = rows[w2 + i]!, r3 = rows[w3 + i]!;
        a0 += u * r0; a1 += u * r1; a2 += u * r2; a3 += u * r3;
        c0 += v * r0; c1 += v * r1; c2 += v * r2; c3 += v * r3;
      }
      const oa = t * nOut + o, ob = oa + nOut;
      if (accumulate) {
        out[oa] = out[oa]! + a0 + b0; out[oa + 1] = out[oa + 1]! + a1 + b1; out[oa + 2] = out[oa + 2]! + a2 + b2; out[oa + 3] = out[oa + 3]! + a3 + b3;
        out[ob] = out[ob]! + c0 + b0; out[ob + 1] = out[ob + 1]! + c1 + b1; out[ob + 2] = out[ob + 2]! + c2 + b2; out[ob + 3] = out[ob + 3]! + c3 + b3;
      } else {
        out[oa] = a0 + b0; out[oa + 1] = a1 + b1; out[oa + 2] = a2 + b2; out[oa + 3] = a3 + b3;
        out[ob] = c0 + b0; out[ob + 1] = c1 + b1; out[ob + 2] = c2 + b2; out[ob + 3] = c3 + b3;
      }
    }
    for (; t < tokens; t++) {
      const xa = t * nIn;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let i = 0; i < nIn; i++) {
        const u = x[xa + i]!;
        a0 += u * rows[w0 + i]!; a1 += u * rows[w1 + i]!; a2 += u * rows[w2 + i]!; a3 += u * rows[w3 + i]!;
      }
      const oa = t * nOut + o;
      if (accumulate) {
        out[oa] = out[oa]! + a0 + b0; out[oa + 1] = out[oa + 1]! + a1 + b1; out[oa + 2] = out[oa + 2]! + a2 + b2; out[oa + 3] = out[oa + 3]! + a3 + b3;
      } else {
        out[oa] = a0 + b0; out[oa + 1] = a1 + b1; out[oa + 2] = a2 + b2; out[oa + 3] = a3 + b3;
      }
    }
  }
  for (; r < rowCount; r++) {
    const w0 = r * nIn;
    const o = rowStart + r;
    const b0 = bias === null ? 0 : bias[o]!;
    for (let t = 0; t < tokens; t++) {
      const xa = t * nIn;
      let a0 = 0;
      for (let i = 0; i < nIn; i++) a0 += x[xa + i]! * rows[w0 + i]!;
      const oa = t * nOut + o;
      out[oa] = (accumulate ? out[oa]! : 0) + a0 + b0;
    }
  }
}

/**
 * dx[t, i] += Σ_r dy[t, rowStart + r] · rows[r, i], for r < rowCount.
 * dy: [tokens, nOut]; rows: [rowCount, nIn]; dx: [tokens, nIn].
 */
export function matmulRowsBackwardInput(
  dx: Floats, dy: Floats, tokens: number, nIn: number, nOut: number,
  rows: Floats, rowStart: number, rowCount: number,
): void {
  let r = 0;
  for (; r + 4 <= rowCount; r += 4) {
    const w0 = r * nIn, w1 = w0 + nIn, w2 = w1 + nIn, w3 = w2 + nIn;
    const o = rowStart + r;
    let t = 0;
    for (; t + 2 <= tokens; t += 2) {
      const ya = t * nOut + o, yb = ya + nOut;
      const a0 = dy[ya]!, a1 = dy[ya + 1]!, a2 = dy[ya + 2]!, a3 = dy[ya + 3]!;
      const c0 = dy[yb]!, c1 = dy[yb + 1]!, c2 = dy[yb + 2]!, c3 = dy[yb + 3]!;
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0 && c0 === 0 && c1 === 0 && c2 === 0 && c3 === 0) continue;
      const xa = t * nIn, xb = xa + nIn;
      for (let i = 0; i < nIn; i++) {
        const r0 = rows[w0 + i]!, r1 = rows[w1 + i]!, r2 = rows[w2 + i]!, r3 = rows[w3 + i]!;
        dx[xa + i] = dx[xa + i]! + (a0 * r0 + a1 * r1 + a2 * r2 + a3 * r3);
        dx[xb + i] = dx[xb + i]! + (c0 * r0 + c1 * r1 + c2 * r2 + c3 * r3);
      }
    }
    for (; t < tokens; t++) {
      const ya = t * nOut + o;
      const a0 = dy[ya]!, a1 = dy[ya + 1]!, a2 = dy[ya + 2]!, a3 = dy[ya + 3]!;
      const xa = t * nIn;
      for (let i = 0; i < nIn; i++) {
        dx[xa + i] = dx[xa + i]! + (a0 * rows[w0 + i]! + a1 * rows[w1 + i]! + a2 * rows[w2 + i]! + a3 * rows[w3 + i]!);
      }
    }
  }
  for (; r < rowCount; r++) {
    const w0 = r * nIn;
    const o = rowStart + r;
    for (let t = 0; t < tokens; t++) {
      const a0 = dy[t * nOut + o]!;
      if (a0 === 0) continue;
      const xa = t * nIn;
      for (let i = 0; i < nIn; i++) dx[xa + i] = dx[xa + i]! + a0 * rows[w0 + i]!;
    }
  }
}

/**
 * dW[o, i] += Σ_t dy[t, o] · x[t, i] over all nOut rows.
 * dy: [tokens, nOut]; x: [tokens, nIn]; dW: [nOut, nIn].
 */
export function matmulBackwardWeight(dW: Floats, dy: Floats, x: Floats, tokens: number, nIn: number, nOut: number): void {
  let o = 0;
  for (; o + 2 <= nOut; o += 2) {
    const g0 = o * nIn, g1 = g0 + nIn;
    let t = 0;
    for (; t + 4 <= tokens; t += 4) {
      const y0 = t * nOut + o, y1 = y0 + nOut, y2 = y1 + nOut, y3 = y2 + nOut;
      const a0 = dy[y0]!, a1 = dy[y1]!, a2 = dy[y2]!, a3 = dy[y3]!;
      const c0 = dy[y0 + 1]!, c1 = dy[y1 + 1]!, c2 = dy[y2 + 1]!, c3 = dy[y3 + 1]!;
      const x0 = t * nIn, x1 = x0 + nIn, x2 = x1 + nIn, x3 = x2 + nIn;
      for (let i = 0; i < nIn; i++) {
        const u0 = x[x0 + i]!, u1 = x[x1 + i]!, u2 = x[x2 + i]!, u3 = x[x3 + i]!;
        dW[g0 + i] = dW[g0 + i]! + (a0 * u0 + a1 * u1 + a2 * u2 + a3 * u3);
        dW[g1 + i] = dW[g1 + i]! + (c0 * u0 + c1 * u1 + c2 * u2 + c3 * u3);
      }
    }
    for (; t < tokens; t++) {
      const a0 = dy[t * nOut + o]!, c0 = dy[t * nOut + o + 1]!;
      const x0 = t * nIn;
      for (let i = 0; i < nIn; i++) {
        const u0 = x[x0 + i]!;
        dW[g0 + i] = dW[g0 + i]! + a0 * u0;
        dW[g1 + i] = dW[g1 + i]! + c0 * u0;
      }
    }
  }
  for (; o < nOut; o++) {
    const g0 = o * nIn;
    for (let t = 0; t < tokens; t++) {
      const a0 = dy[t * nOut + o]!;
      const x0 = t * nIn;
      for (let i = 0; i < nIn; i++) dW[g0 + i] = dW[g0 + i]! + a0 * x[x0 + i]!;
    }
  }
}

/** dBias[o] += Σ_t dy[t, o]; dy: [tokens, nOut] */
export function biasBackward(dBias: Floats, dy: Floats, tokens: number, nOut: number): void {
  for (let o = 0; o < nOut; o++) {
    let sum = 0;
    for (let t = 0; t < tokens; t++) sum += dy[t * nOut + o]!;
    dBias[o] = dBias[o]! + sum;
  }
}

// ── slow, obvious twins ─────────────────────────────────────────────────────

/** out = x·Wᵀ + b over the whole matrix W [nOut, nIn] (overwrite) */
export function matmulForwardReference(out: Floats, x: Floats, tokens: number, nIn: number, nOut: number, weight: Floats, bias: Floats | null): void {
  for (let t = 0; t < tokens; t++) {
    for (let o = 0; o < nOut; o++) {
      let sum = bias === null ? 0 : bias[o]!;
      for (let i = 0; i < nIn; i++) sum += x[t * nIn + i]! * weight[o * nIn + i]!;
      out[t * nOut + o] = sum;
    }
  }
}

/** dx += dy·W and dW += dyᵀ·x */
export function matmulBackwardReference(dx: Floats, dW: Floats, dy: Floats, x: Floats, tokens: number, nIn: number, nOut: number, weight: Floats): void {
  for (let t = 0; t < tokens; t++) {
    for (let i = 0; i < nIn; i++) {
      let sum = 0;
      for (let o = 0; o < nOut; o++) sum += dy[t * nOut + o]! * weight[o * nIn + i]!;
      dx[t * nIn + i] = dx[t * nIn + i]! + sum;
    }
  }
  for (let o = 0; o < nOut; o++) {
    for (let i = 0; i < nIn; i++) {
      let sum = 0;
      for (let t = 0; t < tokens; t++) sum += dy[t * nOut + o]! * x[t * nIn + i]!;
      dW[o * nIn + i] = dW[o * nIn + i]! + sum;
    }
  }
}
