// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// Q4_K weight rows · Q8_K activations with 128-bit SIMD.
//
// Q4_K super-block (144 bytes, 256 weights): f16 d at +0, f16 dmin at +2,
// 12 bytes of 6-bit scales/mins at +4, 128 bytes of nibbles at +16 (byte
// 32c + l holds weight 64c + l in the low nibble, 64c + 32 + l in the high one).
// Q8_K super-block (292 bytes): f32 d at +0, int8 qs[256] at +4,
// int16 bsums[16] at +260 (sums of each 16 quants).
//
// Numerics: bit-identical to the TypeScript twin vecDotQ4_K (llm/quant/q4_k.ts),
// which follows ggml's 8-lane scheme: lane l (0..7) gets the integer sum over
// sub-blocks j of scale_j · Σ_{i ≡ l mod 8} q_i · x_i; per super-block
//   laneSum_l = f32(laneSum_l + f32(d_w·d_x · lane_l)),  sum = f32(sum − f32(dmin·d_x · Σ_j min_j·bsum_j)),
// and at the end sum += laneSum_0 … laneSum_7 in order. All integer parts are
// exact (|lane| < 2^22, so the conversion to f32 is exact too); the float steps
// are the same f32 operations in the same order. The i16 stage holds 4
// products of nibble (≤ 15) × int8 per lane: |·| ≤ 4·15·128 = 7680.

import { f16ToF32 } from './f16';
import { evenLanes, highLanes, lowLanes, oddLanes } from './simd';

const Q4_K_BYTES: usize = 144;
const Q8_K_BYTES: usize = 292;
const Q8_K_QS: usize = 4;
const Q8_K_BSUMS: usize = 260;

/** i16x8 lane sums (lane l ≡ element mod 8) of 32 nibbles × 32 int8 */
// @ts-ignore: decorator
@inline
function subBlockProducts(nibbles0: v128, nibbles1: v128, xq: usize): v128 {
  const x0 = v128.load(xq);
  const x1 = v128.load(xq, 16);
  const p0 = i16x8.add(i16x8.extmul_low_i8x16_s(nibbles0, x0), i16x8.extmul_high_i8x16_s(nibbles0, x0));
  const p1 = i16x8.add(i16x8.extmul_low_i8x16_s(nibbles1, x1), i16x8.extmul_high_i8x16_s(nibbles1, x1));
  return i16x8.add(p0, p1);
}

/** 6-bit scale (which = 0) or min (which = 1) of sub-block j from the 12 packed bytes at s (ggml get_scale_min_k4) */
// @ts-ignore: decorator
@inline
function scaleMinK4(j: usize, s: usize, which: usize): i32 {
  if (j < 4) return <i32>load<u8>(s + j + 4 * which) & 63;
  if (which == 0) return (<i32>load<u8>(s + j + 4) & 0x0f) | ((<i32>load<u8>(s + j - 4) >> 6) << 4);
  return (<i32>load<u8>(s + j + 4) >> 4) | ((<i32>load<u8>(s + j) >> 6) << 4);
}

/** dot of the n-element Q4_K row at `row` with Q8_K activations at `x` (n a multiple of 256) */
export function dotQ4_K(row: usize, x: usize, n: i32): f32 {
  const blocks = n >> 8;
  const lowMask = i8x16.splat(0x0f);
  let laneSumsLow = f32x4.splat(0);
  let laneSumsHigh = f32x4.splat(0);
  let sum: f32 = 0;
  for (let block = 0; block < blocks; block++) {
    const w = row + <usize>block * Q4_K_BYTES;
    const a = x + <usize>block * Q8_K_BYTES;
    let intsEven = i32x4.splat(0);
    let intsOdd = i32x4.splat(0);
    let sumMins: i32 = 0;
    for (let chunk: usize = 0; chunk < 4; chunk++) {
      const q0 = v128.load(w + 16 + 32 * chunk);
      const q1 = v128.load(w + 16 + 32 * chunk, 16);
      for (let half: usize = 0; half < 2; half++) {
        const j: usize = (chunk << 1) + half;
        const scale = scaleMinK4(j, w + 4, 0);
        const min = scaleMinK4(j, w + 4, 1);
        sumMins += (<i32>load<i16>(a + Q8_K_BSUMS + 4 * j) + <i32>load<i16>(a + Q8_K_BSUMS + 4 * j + 2)) * min;
        const nibbles0 = half == 0 ? v128.and(q0, lowMask) : i8x16.shr_u(q0, 4);
        const nibbles1 = half == 0 ? v128.and(q1, lowMask) : i8x16.shr_u(q1, 4);
        const products = subBlockProducts(nibbles0, nibbles1, a + Q8_K_QS + 32 * j);
        const scalesEven = evenLanes(scale);
        const scalesOdd = oddLanes(scale);
        intsEven = i32x4.add(intsEven, i32x4.dot_i16x8_s(products, scalesEven));
        intsOdd = i32x4.add(intsOdd, i32x4.dot_i16x8_s(products, scalesOdd));
      }
    }
    const xd = load<f32>(a);
    const d = f32x4.splat(f16ToF32(<u32>load<u16>(w)) * xd);
    laneSumsLow = f32x4.add(laneSumsLow, f32x4.mul(d, f32x4.convert_i32x4_s(lowLanes(intsEven, intsOdd))));
    laneSumsHigh = f32x4.add(laneSumsHigh, f32x4.mul(d, f32x4.convert_i32x4_s(highLanes(intsEven, intsOdd))));
    const dmin = f16ToF32(<u32>load<u16>(w + 2)) * xd;
    sum -= dmin * <f32>sumMins;
  }
  sum += f32x4.extract_lane(laneSumsLow, 0);
  sum += f32x4.extract_lane(laneSumsLow, 1);
  sum += f32x4.extract_lane(laneSumsLow, 2);
  sum += f32x4.extract_lane(laneSumsLow, 3);
  sum += f32x4.extract_lane(laneSumsHigh, 0);
  sum += f32x4.extract_lane(laneSumsHigh, 1);
  sum += f32x4.extract_lane(laneSumsHigh, 2);
  sum += f32x4.extract_lane(laneSumsHigh, 3);
  return sum;
}

/** matmulQ8_0's contract for Q4_K rows and Q8_K activations */
export function matmulQ4_K(
  out: usize, outTokenStride: usize,
  weights: usize, rowStride: usize,
  x: usize, xTokenStride: usize, tokens: i32,
  n: i32, rowBegin: i32, rowEnd: i32,
): void {
  for (let r = rowBegin; r < rowEnd; r++) {
    const row = weights + <usize>r * rowStride;
    const outRow = out + (<usize>r << 2);
    for (let t = 0; t < tokens; t++) {
      store<f32>(outRow + <usize>t * outTokenStride, dotQ4_K(row, x + <usize>t * xTokenStride, n));
    }
  }
}
