/**
 * RMS normalisation (Zhang & Sennrich 2019) over each token's row, forward
 * and backward:
 *
 *   r      = 1 / sqrt(mean_j x_j² + ε)                     (one per token, saved)
 *   y_i    = x_i · r · w_i
 *   dx_i  += r · g_i w_i − (r³ / n) · x_i · Σ_j g_j w_j x_j
 *   dw_i  += Σ_t g_i · x_i · r
 *
 * where g = dL/dy. Sums are f64.
 */

import type { Floats } from './floats.ts';

/** out, x: [tokens, n]; weight: [n]; inverseRms: [tokens] (written, for the backward) */
export function rmsNormForward(out: Floats, inverseRms: Floats, x: Floats, weight: Floats, tokens: number, n: number, eps: number): void {
  for (let t = 0; t < tokens; t++) {
    const base = t * n;
    let sumSquares = 0;
    for (let i = 0; i < n; i++) {
      const v = x[base + i]!;
      sumSquares += v * v;
    }
    const r = 1 / Math.sqrt(sumSquares / n + eps);
    inverseRms[t] = r;
    for (let i = 0; i < n; i++) out[base + i] = x[base + i]! * r * weight[i]!;
  }
}

/**
 * dx += ∂L/∂x, weightGrad += ∂L/∂w (when not null), from dy = ∂L/∂y.
 * dy, x, dx: [tokens, n]; inverseRms: [tokens] from the forward (recomputed from x if the caller prefers: it is r above).
 */
export function rmsNormBackward(dx: Floats, weightGrad: Floats | null, dy: Floats, x: Floats, inverseRms: Floats, weight: Floats, tokens: number, n: number): void {
  for (let t = 0; t < tokens; t++) {
    const base = t * n;
    const r = inverseRms[t]!;
    let dot = 0;
    for (let i = 0; i < n; i++) dot += dy[base + i]! * weight[i]! * x[base + i]!;
    const coefficient = (r * r * r * dot) / n;
    for (let i = 0; i < n; i++) {
      const xi = x[base + i]!;
      dx[base + i] = dx[base + i]! + r * dy[base + i]! * weight[i]! - coefficient * xi;
    }
    if (weightGrad !== null) {
      for (let i = 0; i < n; i++) weightGrad[i] = weightGrad[i]! + dy[base + i]! * x[base + i]! * r;
    }
  }
}
