// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// SwiGLU's gating, element-wise and in place: gate[i] = silu(gate[i]) · up[i],
// silu(g) = g / (1 + e^(−g)), four lanes at a time. The thread pool splits
// the elements of a batch (kernel id 10 in pool.ts), so the gating no longer
// runs on the dispatching thread alone between the gate/up and down matmuls.
//
// e^x (expF32x4) is Cephes' expf scheme in f32: x clamped to
// [EXP_MIN, EXP_MAX], x = n·ln2 + r (n = nearest(x·log2 e), ln2 split in two
// so n·LN2_HIGH is exact), e^r = 1 + r + r²·P(r) with P of degree 5 (within
// about 1 ulp on |r| ≤ ln2/2), times 2^n built in the exponent bits. The
// clamp keeps 2^n normal and finite: inputs below EXP_MIN give e^EXP_MIN
// (silu of g > 87.3 is g exactly), above EXP_MAX e^EXP_MAX (silu of
// g < −88.3 is g / (1 + e^88.3), about 0 rather than the true, tinier value).
//
// Twin: llm/model/ffn.ts `swiglu` does the same f32 operations in the same
// order (Math.fround after each), so the results are the same bits; the test
// llm/kernels/wasm-swiglu.test.ts compares them, and ffn.ts's expF32 against
// Math.exp.

const LOG2E: f32 = 1.44269504;
/** ln 2 split so that n·LN2_HIGH is exact for |n| < 2^8 */
const LN2_HIGH: f32 = 0.693359375;
const LN2_LOW: f32 = -2.12194440e-4;
const EXP_MIN: f32 = -87.3;
const EXP_MAX: f32 = 88.3;
// P(r), highest degree first
const P0: f32 = 1.9875691500e-4;
const P1: f32 = 1.3981999507e-3;
const P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2;
const P4: f32 = 1.6666665459e-1;
const P5: f32 = 5.0000001201e-1;

/** e^x lane by lane (see the header) */
// @ts-ignore: decorator
@inline
function expF32x4(x: v128): v128 {
  const clamped = f32x4.min(f32x4.max(x, f32x4.splat(EXP_MIN)), f32x4.splat(EXP_MAX));
  const n = f32x4.nearest(f32x4.mul(clamped, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(clamped, f32x4.mul(n, f32x4.splat(LN2_HIGH))), f32x4.mul(n, f32x4.splat(LN2_LOW)));
  let p = f32x4.add(f32x4.mul(f32x4.splat(P0), r), f32x4.splat(P1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P5));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  // NaN: trunc_sat gives 0, so the scale is 1 and y (NaN) passes through
  const powerOfTwo = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(y, powerOfTwo);
}

/** silu(g) · u lane by lane */
// @ts-ignore: decorator
@inline
function gatedLanes(g: v128, u: v128): v128 {
  const e = expF32x4(f32x4.neg(g));
  return f32x4.mul(f32x4.div(g, f32x4.add(f32x4.splat(1), e)), u);
}

/** gate[i] = silu(gate[i]) · up[i] for the n f32 at gate and up (byte offsets) */
export function swiglu(gate: usize, up: usize, n: i32): void {
  const whole = <usize>(n & ~3) << 2;
  for (let i: usize = 0; i < whole; i += 16) v128.store(gate + i, gatedLanes(v128.load(gate + i), v128.load(up + i)));
  // the last n mod 4 elements through lane 0, the same operations
  for (let i = whole; i < <usize>n << 2; i += 4) {
    const lanes = gatedLanes(f32x4.splat(load<f32>(gate + i)), f32x4.splat(load<f32>(up + i)));
    store<f32>(gate + i, f32x4.extract_lane(lanes, 0));
  }
}
