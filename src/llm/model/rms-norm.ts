/**
 * RMS normalisation (Zhang & Sennrich 2019), as Qwen2 and llama.cpp use it:
 *   out[i] = x[i] / sqrt(mean(x²) + ε) · weight[i]
 * The sum of squares is accumulated in f64 and the scale rounded to f32,
 * the way ggml_compute_forward_rms_norm_f32 does it.
 */

/** x: [n] at xOffset; weight: [n]; out: [n] at outOffset (may alias x) */
export function rmsNorm(out: Float32Array, outOffset: number, x: Float32Array, xOffset: number, weight: Float32Array, n: number, eps: number): void {
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    const v = x[xOffset + i]!;
    sumSquares += v * v;
  }
  const scale = Math.fround(1 / Math.sqrt(Math.fround(sumSquares / n + eps)));
  for (let i = 0; i < n; i++) out[outOffset + i] = Math.fround(x[xOffset + i]! * scale) * weight[i]!;
}
