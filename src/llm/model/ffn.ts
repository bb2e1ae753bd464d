/**
 * Element-wise pieces of the feed-forward block and the residual stream.
 * Qwen2's FFN is SwiGLU (Shazeer 2020): down(silu(gate·x) ⊙ up·x), with
 * silu(z) = z / (1 + e^(−z)); the matmuls live in matmul.ts.
 */

/** gate[i] = silu(gate[i]) · up[i] for i < n (in place in gate) */
export function swiglu(gate: Float32Array, up: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    gate[i] = (g / (1 + Math.exp(-g))) * up[i]!;
  }
}

/** x[i] += delta[i] for i < n (residual connection) */
export function addInPlace(x: Float32Array, delta: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) x[i] = x[i]! + delta[i]!;
}

/** rows of out ([tokens, n]) += bias ([n]) */
export function addBias(out: Float32Array, bias: Float32Array, tokens: number, n: number): void {
  for (let t = 0; t < tokens; t++) {
    const base = t * n;
    for (let i = 0; i < n; i++) out[base + i] = out[base + i]! + bias[i]!;
  }
}
