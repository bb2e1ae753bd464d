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
import { addLanesInOrder, evenLanes, highLanes, lowLanes, oddLanes, subBlockProducts } from './simd';

const Q4_K_BYTES: usize = 144;
const Q8_K_BYTES: usize = 292;
const Q8_K_QS: usize = 4;
const Q8_K_BSUMS: usize = 260;

/** sub-block scales (which = 0) or mins (which = 1) of a super-block: bytes 0..3 of the low word are j = 0..3, of the high word j = 4..7 */
// The 12 packed bytes s[0..11] as words u0, u1, u2 (little-endian) hold, for j < 4,
// scale_j = s[j] & 63 and min_j = s[j+4] & 63; for j ≥ 4, scale_j = (s[j+4] & 15) | (s[j−4] >> 6) << 4
// and min_j = (s[j+4] >> 4) | (s[j] >> 6) << 4 (ggml get_scale_min_k4); word-wide that is:
// @ts-ignore: decorator
@inline
function scalesLow(u0: u32): u32 { return u0 & 0x3f3f3f3f; }
// @ts-ignore: decorator
@inline
function scalesHigh(u0: u32, u2: u32): u32 { return (u2 & 0x0f0f0f0f) | (((u0 >> 6) & 0x03030303) << 4); }
// @ts-ignore: decorator
@inline
function minsLow(u1: u32): u32 { return u1 & 0x3f3f3f3f; }
// @ts-ignore: decorator
@inline
function minsHigh(u1: u32, u2: u32): u32 { return ((u2 >> 4) & 0x0f0f0f0f) | (((u1 >> 6) & 0x03030303) << 4); }

/** Σ_j min_j · (bsum_2j + bsum_2j+1) over the 8 sub-blocks, exact in i32 (one i16 dot per half) */
// @ts-ignore: decorator
@inline
function minsDotBsums(w: usize, a: usize): i32 {
  const u0 = load<u32>(w + 4);
  const u1 = load<u32>(w + 8);
  const u2 = load<u32>(w + 12);
  const mins = i16x8.extend_low_i8x16_u(i32x4.replace_lane(i32x4.splat(<i32>minsLow(u1)), 1, <i32>minsHigh(u1, u2)));
  // each min twice, against the two bsums of its 32 quants
  const minsLowPairs = i8x16.shuffle(mins, mins, 0, 1, 0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7);
  const minsHighPairs = i8x16.shuffle(mins, mins, 8, 9, 8, 9, 10, 11, 10, 11, 12, 13, 12, 13, 14, 15, 14, 15);
  const s = i32x4.add(i32x4.dot_i16x8_s(v128.load(a + Q8_K_BSUMS), minsLowPairs), i32x4.dot_i16x8_s(v128.load(a + Q8_K_BSUMS, 16), minsHighPairs));
  return i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
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
    const u0 = load<u32>(w + 4);
    const u2 = load<u32>(w + 12);
    const scales0 = scalesLow(u0);
    const scales1 = scalesHigh(u0, u2);
    let intsEven = i32x4.splat(0);
    let intsOdd = i32x4.splat(0);
    for (let chunk: usize = 0; chunk < 4; chunk++) {
      const q0 = v128.load(w + 16 + 32 * chunk);
      const q1 = v128.load(w + 16 + 32 * chunk, 16);
      const scales = chunk < 2 ? scales0 : scales1;
      const shift = <u32>(chunk & 1) << 4;
      // sub-block 2·chunk: low nibbles; 2·chunk + 1: high nibbles
      const lowScale = <i32>((scales >> shift) & 0xff);
      const highScale = <i32>((scales >> (shift + 8)) & 0xff);
      const lowProducts = subBlockProducts(v128.and(q0, lowMask), v128.and(q1, lowMask), a + Q8_K_QS + 64 * chunk);
      intsEven = i32x4.add(intsEven, i32x4.dot_i16x8_s(lowProducts, evenLanes(lowScale)));
      intsOdd = i32x4.add(intsOdd, i32x4.dot_i16x8_s(lowProducts, oddLanes(lowScale)));
      const highProducts = subBlockProducts(i8x16.shr_u(q0, 4), i8x16.shr_u(q1, 4), a + Q8_K_QS + 64 * chunk + 32);
      intsEven = i32x4.add(intsEven, i32x4.dot_i16x8_s(highProducts, evenLanes(highScale)));
      intsOdd = i32x4.add(intsOdd, i32x4.dot_i16x8_s(highProducts, oddLanes(highScale)));
    }
    const xd = load<f32>(a);
    const d = f32x4.splat(f16ToF32(<u32>load<u16>(w)) * xd);
    laneSumsLow = f32x4.add(laneSumsLow, f32x4.mul(d, f32x4.convert_i32x4_s(lowLanes(intsEven, intsOdd))));
    laneSumsHigh = f32x4.add(laneSumsHigh, f32x4.mul(d, f32x4.convert_i32x4_s(highLanes(intsEven, intsOdd))));
    const dmin = f16ToF32(<u32>load<u16>(w + 2)) * xd;
    sum -= dmin * <f32>minsDotBsums(w, a);
  }
  return addLanesInOrder(sum, laneSumsLow, laneSumsHigh);
}

/**
 * dotQ4_K of one row with two tokens' activations (x0, x1), results at out0
 * and out1: the nibbles are unpacked and the scales decoded once for both
 * tokens; each token's arithmetic is dotQ4_K's, so the bits are the same.
 */
function dotPairQ4_K(row: usize, x0: usize, x1: usize, n: i32, out0: usize, out1: usize): void {
  const blocks = n >> 8;
  const lowMask = i8x16.splat(0x0f);
  let low0 = f32x4.splat(0);
  let high0 = f32x4.splat(0);
  let low1 = f32x4.splat(0);
  let high1 = f32x4.splat(0);
  let sum0: f32 = 0;
  let sum1: f32 = 0;
  for (let block = 0; block < blocks; block++) {
    const w = row + <usize>block * Q4_K_BYTES;
    const a0 = x0 + <usize>block * Q8_K_BYTES;
    const a1 = x1 + <usize>block * Q8_K_BYTES;
    const u0 = load<u32>(w + 4);
    const u2 = load<u32>(w + 12);
    const scales0 = scalesLow(u0);
    const scales1 = scalesHigh(u0, u2);
    let even0 = i32x4.splat(0);
    let odd0 = i32x4.splat(0);
    let even1 = i32x4.splat(0);
    let odd1 = i32x4.splat(0);
    for (let chunk: usize = 0; chunk < 4; chunk++) {
      const q0 = v128.load(w + 16 + 32 * chunk);
      const q1 = v128.load(w + 16 + 32 * chunk, 16);
      const scales = chunk < 2 ? scales0 : scales1;
      const shift = <u32>(chunk & 1) << 4;
      const lowEven = evenLanes(<i32>((scales >> shift) & 0xff));
      const lowOdd = oddLanes(<i32>((scales >> shift) & 0xff));
      const highEven = evenLanes(<i32>((scales >> (shift + 8)) & 0xff));
      const highOdd = oddLanes(<i32>((scales >> (shift + 8)) & 0xff));
      const n0 = v128.and(q0, lowMask);
      const n1 = v128.and(q1, lowMask);
      const m0 = i8x16.shr_u(q0, 4);
      const m1 = i8x16.shr_u(q1, 4);
      const offset = Q8_K_QS + 64 * chunk;
      let p = subBlockProducts(n0, n1, a0 + offset);
      even0 = i32x4.add(even0, i32x4.dot_i16x8_s(p, lowEven));
      odd0 = i32x4.add(odd0, i32x4.dot_i16x8_s(p, lowOdd));
      p = subBlockProducts(m0, m1, a0 + offset + 32);
      even0 = i32x4.add(even0, i32x4.dot_i16x8_s(p, highEven));
      odd0 = i32x4.add(odd0, i32x4.dot_i16x8_s(p, highOdd));
      p = subBlockProducts(n0, n1, a1 + offset);
      even1 = i32x4.add(even1, i32x4.dot_i16x8_s(p, lowEven));
      odd1 = i32x4.add(odd1, i32x4.dot_i16x8_s(p, lowOdd));
      p = subBlockProducts(m0, m1, a1 + offset + 32);
      even1 = i32x4.add(even1, i32x4.dot_i16x8_s(p, highEven));
      odd1 = i32x4.add(odd1, i32x4.dot_i16x8_s(p, highOdd));
    }
    const dw = f16ToF32(<u32>load<u16>(w));
    const dminW = f16ToF32(<u32>load<u16>(w + 2));
    const xd0 = load<f32>(a0);
    const xd1 = load<f32>(a1);
    const d0 = f32x4.splat(dw * xd0);
    const d1 = f32x4.splat(dw * xd1);
    low0 = f32x4.add(low0, f32x4.mul(d0, f32x4.convert_i32x4_s(lowLanes(even0, odd0))));
    high0 = f32x4.add(high0, f32x4.mul(d0, f32x4.convert_i32x4_s(highLanes(even0, odd0))));
    low1 = f32x4.add(low1, f32x4.mul(d1, f32x4.convert_i32x4_s(lowLanes(even1, odd1))));
    high1 = f32x4.add(high1, f32x4.mul(d1, f32x4.convert_i32x4_s(highLanes(even1, odd1))));
    sum0 -= (dminW * xd0) * <f32>minsDotBsums(w, a0);
    sum1 -= (dminW * xd1) * <f32>minsDotBsums(w, a1);
  }
  store<f32>(out0, addLanesInOrder(sum0, low0, high0));
  store<f32>(out1, addLanesInOrder(sum1, low1, high1));
}

/** matmulQ8_0's contract for Q4_K rows and Q8_K activations (tokens in pairs, see dotPairQ4_K) */
export function matmulQ4_K(
  out: usize, outTokenStride: usize,
  weights: usize, rowStride: usize,
  x: usize, xTokenStride: usize, tokens: i32,
  n: i32, rowBegin: i32, rowEnd: i32,
): void {
  for (let r = rowBegin; r < rowEnd; r++) {
    const row = weights + <usize>r * rowStride;
    const outRow = out + (<usize>r << 2);
    let t = 0;
    for (; t + 2 <= tokens; t += 2) {
      const xt = x + <usize>t * xTokenStride;
      const outToken = outRow + <usize>t * outTokenStride;
      dotPairQ4_K(row, xt, xt + xTokenStride, n, outToken, outToken + outTokenStride);
    }
    if (t < tokens) store<f32>(outRow + <usize>t * outTokenStride, dotQ4_K(row, x + <usize>t * xTokenStride, n));
  }
}
