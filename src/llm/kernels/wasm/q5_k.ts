// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// Q5_K weight rows · Q8_K activations with 128-bit SIMD.
//
// Q5_K super-block (176 bytes, 256 weights): f16 d at +0, f16 dmin at +2,
// 12 bytes of 6-bit scales/mins at +4 (as Q4_K), u8 qh[32] at +16 (bit j of
// qh[l] is the 5th bit of weight 32j + l), u8 qs[128] at +48 (byte 32c + l:
// low nibble = weight 64c + l, high nibble = weight 64c + 32 + l).
// value = d·scale_j·q − dmin·min_j, q in 0..31.
//
// Numerics: bit-identical to vecDotQ5_K (llm/quant/q5_k.ts), the same lane
// scheme as Q4_K (see q4_k.ts): 8 integer lanes (element mod 8), per block
// laneSum_l = f32(laneSum_l + f32(d_w·d_x · lane_l)),
// sum = f32(sum − f32(dmin·d_x · Σ_j min_j·bsum_j)), then the lanes in order.
// The i16 stage holds 4 products of q (≤ 31) × int8: |·| ≤ 4·31·128 = 15872.

import { f16ToF32 } from './f16';
import { addLanesInOrder, subBlockProducts } from './simd';

const Q5_K_BYTES: usize = 176;
const Q8_K_BYTES: usize = 292;
const Q8_K_QS: usize = 4;
const Q8_K_BSUMS: usize = 260;

/** 6-bit scale (which = 0) or min (which = 1) of sub-block j from the 12 packed bytes at s (ggml get_scale_min_k4) */
// @ts-ignore: decorator
@inline
function scaleMinK4(j: usize, s: usize, which: usize): i32 {
  if (j < 4) return <i32>load<u8>(s + j + 4 * which) & 63;
  if (which == 0) return (<i32>load<u8>(s + j + 4) & 0x0f) | ((<i32>load<u8>(s + j - 4) >> 6) << 4);
  return (<i32>load<u8>(s + j + 4) >> 4) | ((<i32>load<u8>(s + j) >> 6) << 4);
}

/** dot of the n-element Q5_K row at `row` with Q8_K activations at `x` (n a multiple of 256) */
export function dotQ5_K(row: usize, x: usize, n: i32): f32 {
  const blocks = n >> 8;
  const lowMask = i8x16.splat(0x0f);
  const one = i8x16.splat(1);
  let laneSumsLow = f32x4.splat(0);
  let laneSumsHigh = f32x4.splat(0);
  let sum: f32 = 0;
  for (let block = 0; block < blocks; block++) {
    const w = row + <usize>block * Q5_K_BYTES;
    const a = x + <usize>block * Q8_K_BYTES;
    const qh0 = v128.load(w + 16);
    const qh1 = v128.load(w + 32);
    let intsLow = i32x4.splat(0);
    let intsHigh = i32x4.splat(0);
    let sumMins: i32 = 0;
    for (let chunk: usize = 0; chunk < 4; chunk++) {
      const q0 = v128.load(w + 48 + 32 * chunk);
      const q1 = v128.load(w + 48 + 32 * chunk, 16);
      for (let half: usize = 0; half < 2; half++) {
        const j: usize = (chunk << 1) + half;
        const scale = scaleMinK4(j, w + 4, 0);
        const min = scaleMinK4(j, w + 4, 1);
        sumMins += (<i32>load<i16>(a + Q8_K_BSUMS + 4 * j) + <i32>load<i16>(a + Q8_K_BSUMS + 4 * j + 2)) * min;
        const fifth0 = i8x16.shl(v128.and(i8x16.shr_u(qh0, <i32>j), one), 4);
        const fifth1 = i8x16.shl(v128.and(i8x16.shr_u(qh1, <i32>j), one), 4);
        const nibbles0 = half == 0 ? v128.and(q0, lowMask) : i8x16.shr_u(q0, 4);
        const nibbles1 = half == 0 ? v128.and(q1, lowMask) : i8x16.shr_u(q1, 4);
        const products = subBlockProducts(v128.or(nibbles0, fifth0), v128.or(nibbles1, fifth1), a + Q8_K_QS + 32 * j);
        const scales = i32x4.splat(scale);
        intsLow = i32x4.add(intsLow, i32x4.mul(i32x4.extend_low_i16x8_s(products), scales));
        intsHigh = i32x4.add(intsHigh, i32x4.mul(i32x4.extend_high_i16x8_s(products), scales));
      }
    }
    const xd = load<f32>(a);
    const d = f32x4.splat(f16ToF32(<u32>load<u16>(w)) * xd);
    laneSumsLow = f32x4.add(laneSumsLow, f32x4.mul(d, f32x4.convert_i32x4_s(intsLow)));
    laneSumsHigh = f32x4.add(laneSumsHigh, f32x4.mul(d, f32x4.convert_i32x4_s(intsHigh)));
    const dmin = f16ToF32(<u32>load<u16>(w + 2)) * xd;
    sum -= dmin * <f32>sumMins;
  }
  return addLanesInOrder(sum, laneSumsLow, laneSumsHigh);
}

/** matmulQ8_0's contract (see q8_0.ts) for Q5_K rows and Q8_K activations */
export function matmulQ5_K(
  out: usize, outTokenStride: usize,
  weights: usize, rowStride: usize,
  x: usize, xTokenStride: usize, tokens: i32,
  n: i32, rowBegin: i32, rowEnd: i32,
): void {
  for (let r = rowBegin; r < rowEnd; r++) {
    const row = weights + <usize>r * rowStride;
    const outRow = out + (<usize>r << 2);
    for (let t = 0; t < tokens; t++) store<f32>(outRow + <usize>t * outTokenStride, dotQ5_K(row, x + <usize>t * xTokenStride, n));
  }
}
