/**
 * Element-wise pieces of the feed-forward block and the residual stream.
 * Qwen2's FFN is SwiGLU (Shazeer 2020): down(silu(gate·x) ⊙ up·x), with
 * silu(z) = z / (1 + e^(−z)); the matmuls live in matmul.ts.
 *
 * The gating is computed in f32 with our own e^x (expF32): it is the twin of
 * the WebAssembly kernel (llm/kernels/wasm/swiglu.ts, whose header explains
 * the method and its clamp), one Math.fround per f32 operation in the same
 * order, so both give the same bits and the two backends' forwards stay
 * bit-identical.
 */

const f32 = Math.fround;
const LOG2E = f32(1.44269504);
/** ln 2 split so that n·LN2_HIGH is exact for |n| < 2^8 */
const LN2_HIGH = f32(0.693359375);
const LN2_LOW = f32(-2.12194440e-4);
const EXP_MIN = f32(-87.3);
const EXP_MAX = f32(88.3);
// P(r), highest degree first
const P0 = f32(1.9875691500e-4);
const P1 = f32(1.3981999507e-3);
const P2 = f32(8.3334519073e-3);
const P3 = f32(4.1665795894e-2);
const P4 = f32(1.6666665459e-1);
const P5 = f32(5.0000001201e-1);

/** round to the nearest integer, ties to even (WebAssembly's `nearest`) */
function nearestEven(v: number): number {
  const rounded = Math.round(v);
  return rounded - v === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded;
}

/** e^x in f32 (within about 1 ulp for x in [−87.3, 88.3]; clamped outside): the WASM kernel's exp */
export function expF32(x: number): number {
  const clamped = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
  const n = nearestEven(f32(clamped * LOG2E));
  const r = f32(f32(clamped - f32(n * LN2_HIGH)) - f32(n * LN2_LOW));
  let p = f32(f32(P0 * r) + P1);
  p = f32(f32(p * r) + P2);
  p = f32(f32(p * r) + P3);
  p = f32(f32(p * r) + P4);
  p = f32(f32(p * r) + P5);
  const y = f32(f32(f32(p * f32(r * r)) + r) + 1);
  // 2^n is exact for n in [−126, 127]; NaN keeps y (NaN)
  return Number.isNaN(n) ? y : f32(y * 2 ** n);
}

/** gate[i] = silu(gate[i]) · up[i] for i < n (in place in gate) */
export function swiglu(gate: Float32Array, up: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    gate[i] = f32(f32(g / f32(1 + expF32(-g))) * up[i]!);
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
