// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// F16 and BF16 weight rows · activations of the same type (llama.cpp rounds
// the f32 activations to the weight's type first; see activations.ts).
//
// Numerics: every product of two binary16 (or two bfloat16) values is exact
// in f32 (11 + 11 ≤ 24 significant bits; bf16: 8 + 8), so the only rounding
// is in the sum. The TypeScript twins (vecDotF16 / vecDotBf16) add the products
// in f64 in element order and round once to f32; here four f64 lanes
// (elements ≡ k mod 4) are added and folded ((l0 + l1) + (l2 + l3)) before
// the same final rounding. Both f64 sums are within n·2^-53·Σ|w·x| of the
// exact sum, so |wasm − reference| ≤ 2^-24·|reference| + n·2^-52·Σ|w·x|
// (in practice the two f32 results are equal or one ulp apart).

import { f16x4ToF32x4 } from './f16';

/** four bf16 bit patterns (u16 in the low half of i32 lanes) → f32x4 */
// @ts-ignore: decorator
@inline
function bf16x4ToF32x4(halves: v128): v128 {
  return i32x4.shl(halves, 16);
}

/** dot of n F16 values at `row` with n F16 values at `x` */
export function dotF16(row: usize, x: usize, n: i32): f32 {
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const products = f32x4.mul(f16x4ToF32x4(v128.load16x4_u(row + (<usize>i << 1))), f16x4ToF32x4(v128.load16x4_u(x + (<usize>i << 1))));
    acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(products));
    acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(i32x4.shuffle(products, products, 2, 3, 0, 1)));
  }
  let sum: f64 = (f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1)) + (f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1));
  for (; i < n; i++) {
    const w = f32x4.extract_lane(f16x4ToF32x4(i32x4.splat(<i32>load<u16>(row + (<usize>i << 1)))), 0);
    const a = f32x4.extract_lane(f16x4ToF32x4(i32x4.splat(<i32>load<u16>(x + (<usize>i << 1)))), 0);
    sum += <f64>w * <f64>a;
  }
  return <f32>sum;
}

/** dot of n BF16 values at `row` with n BF16 values at `x` */
export function dotBf16(row: usize, x: usize, n: i32): f32 {
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const products = f32x4.mul(bf16x4ToF32x4(v128.load16x4_u(row + (<usize>i << 1))), bf16x4ToF32x4(v128.load16x4_u(x + (<usize>i << 1))));
    acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(products));
    acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(i32x4.shuffle(products, products, 2, 3, 0, 1)));
  }
  let sum: f64 = (f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1)) + (f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1));
  for (; i < n; i++) {
    const w = reinterpret<f32>(<u32>load<u16>(row + (<usize>i << 1)) << 16);
    const a = reinterpret<f32>(<u32>load<u16>(x + (<usize>i << 1)) << 16);
    sum += <f64>w * <f64>a;
  }
  return <f32>sum;
}

/** matmulQ8_0's contract (see q8_0.ts) for F16 rows and F16 activations */
export function matmulF16(
  out: usize, outTokenStride: usize,
  weights: usize, rowStride: usize,
  x: usize, xTokenStride: usize, tokens: i32,
  n: i32, rowBegin: i32, rowEnd: i32,
): void {
  for (let r = rowBegin; r < rowEnd; r++) {
    const row = weights + <usize>r * rowStride;
    const outRow = out + (<usize>r << 2);
    for (let t = 0; t < tokens; t++) store<f32>(outRow + <usize>t * outTokenStride, dotF16(row, x + <usize>t * xTokenStride, n));
  }
}

/** matmulQ8_0's contract for BF16 rows and BF16 activations */
export function matmulBf16(
  out: usize, outTokenStride: usize,
  weights: usize, rowStride: usize,
  x: usize, xTokenStride: usize, tokens: i32,
  n: i32, rowBegin: i32, rowEnd: i32,
): void {
  for (let r = rowBegin; r < rowEnd; r++) {
    const row = weights + <usize>r * rowStride;
    const outRow = out + (<usize>r << 2);
    for (let t = 0; t < tokens; t++) store<f32>(outRow + <usize>t * outTokenStride, dotBf16(row, x + <usize>t * xTokenStride, n));
  }
}
