// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// Q6_K weight rows · Q8_K activations with 128-bit SIMD.
//
// Q6_K super-block (210 bytes, 256 weights): u8 ql[128] at +0 (low 4 bits),
// u8 qh[64] at +128 (high 2 bits), int8 scales[16] at +192, f16 d at +208.
// Weight e = 128c + 32p + l (chunk c, part p, l < 32):
//   q = nibble (p >> 1) of ql[64c + 32(p & 1) + l] | (bits 2p.. of qh[32c + l]) << 4,
//   value = d · scales[e >> 4] · (q − 32).
// Q8_K super-block (292 bytes): f32 d at +0, int8 qs[256] at +4.
//
// Numerics: bit-identical to vecDotQ6_K (llm/quant/q6_k.ts): lane l (0..7)
// holds the exact integer Σ_{e ≡ l mod 8} scale·(q − 32)·x; per super-block
// laneSum_l = f32(laneSum_l + f32(f32(d_w · d_x) · lane_l)); at the end
// sum = 0 + laneSum_0 + … + laneSum_7 in order, in f32. |lane| < 2^24, so
// the conversions are exact. Scales are applied with i32x4.dot_i16x8_s into
// even/odd lane accumulators (simd.ts evenLanes). matmulQ6_K takes tokens in
// pairs so each block is unpacked once for two tokens (relaxed-SIMD build: see groupProducts). The i16 stage holds 2 products of (q − 32) (|·| ≤ 32)
// × int8 per lane: |·| ≤ 2·32·128 = 8192.

import { f16ToF32 } from './f16';
import { addLanesInOrder, evenLanes, highLanes, lowLanes, oddLanes } from './simd';

const Q6_K_BYTES: usize = 210;
const Q8_K_BYTES: usize = 292;
const Q8_K_QS: usize = 4;

// Relaxed-SIMD build: the quants stay unsigned (0 … 63, the 7-bit operand of
// i16x8.relaxed_dot_i8x16_i7x16_s, exact), bytes l and l + 8 (same lane class)
// are made neighbours by one shuffle of quants and activations, and the −32
// offset comes off as 32·(x_l + x_{l+8}) from a second relaxed dot. Lane sums
// are the same integers: |q·x pair| ≤ 2·63·128, |32·x pair| ≤ 8192 < 2^15.

/** bytes 0, 8, 1, 9, …, 7, 15 of v (elements l and l + 8 side by side) */
// @ts-ignore: decorator
@inline
function pairEighths(v: v128): v128 {
  return i8x16.shuffle(v, v, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
}

/** 16 unpacked 6-bit quants (0 … 63) in the form groupProducts takes: q − 32 (plain) or pairEighths(q) (relaxed) */
// @ts-ignore: decorator
@inline
function groupQuants(quants: v128, bias: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return pairEighths(quants);
  return i8x16.sub(quants, bias);
}

/** i16 lane l = Σ (q − 32)·x over elements l and l + 8 of the 16 quants (groupQuants form) × 16 int8 at xq */
// @ts-ignore: decorator
@inline
function groupProducts(quants: v128, xq: usize): v128 {
  const x = v128.load(xq);
  if (ASC_FEATURE_RELAXED_SIMD) {
    const paired = pairEighths(x);
    return i16x8.sub(i16x8.relaxed_dot_i8x16_i7x16_s(paired, quants), i16x8.relaxed_dot_i8x16_i7x16_s(paired, i8x16.splat(32)));
  }
  return i16x8.add(i16x8.extmul_low_i8x16_s(quants, x), i16x8.extmul_high_i8x16_s(quants, x));
}

/** dot of the n-element Q6_K row at `row` with Q8_K activations at `x` (n a multiple of 256) */
export function dotQ6_K(row: usize, x: usize, n: i32): f32 {
  const blocks = n >> 8;
  const lowMask = i8x16.splat(0x0f);
  const twoBits = i8x16.splat(0x03);
  const bias = i8x16.splat(32);
  let laneSumsLow = f32x4.splat(0);
  let laneSumsHigh = f32x4.splat(0);
  for (let block = 0; block < blocks; block++) {
    const w = row + <usize>block * Q6_K_BYTES;
    const a = x + <usize>block * Q8_K_BYTES;
    let intsEven = i32x4.splat(0);
    let intsOdd = i32x4.splat(0);
    for (let chunk: usize = 0; chunk < 2; chunk++) {
      for (let half: usize = 0; half < 2; half++) {
        const ql0 = v128.load(w + 64 * chunk + 16 * half);
        const ql1 = v128.load(w + 64 * chunk + 32 + 16 * half);
        const qh = v128.load(w + 128 + 32 * chunk + 16 * half);
        const xq = a + Q8_K_QS + 128 * chunk + 16 * half;
        const sc = w + 192 + 8 * chunk + half;
        const q0 = groupQuants(v128.or(v128.and(ql0, lowMask), i8x16.shl(v128.and(qh, twoBits), 4)), bias);
        const q1 = groupQuants(v128.or(v128.and(ql1, lowMask), i8x16.shl(v128.and(i8x16.shr_u(qh, 2), twoBits), 4)), bias);
        const q2 = groupQuants(v128.or(i8x16.shr_u(ql0, 4), i8x16.shl(v128.and(i8x16.shr_u(qh, 4), twoBits), 4)), bias);
        const q3 = groupQuants(v128.or(i8x16.shr_u(ql1, 4), i8x16.shl(i8x16.shr_u(qh, 6), 4)), bias);
        const p0 = groupProducts(q0, xq);
        const p1 = groupProducts(q1, xq + 32);
        const p2 = groupProducts(q2, xq + 64);
        const p3 = groupProducts(q3, xq + 96);
        const s0Even = evenLanes(<i32>load<i8>(sc));
        const s0Odd = oddLanes(<i32>load<i8>(sc));
        const s1Even = evenLanes(<i32>load<i8>(sc + 2));
        const s1Odd = oddLanes(<i32>load<i8>(sc + 2));
        const s2Even = evenLanes(<i32>load<i8>(sc + 4));
        const s2Odd = oddLanes(<i32>load<i8>(sc + 4));
        const s3Even = evenLanes(<i32>load<i8>(sc + 6));
        const s3Odd = oddLanes(<i32>load<i8>(sc + 6));
        intsEven = i32x4.add(intsEven, i32x4.dot_i16x8_s(p0, s0Even));
        intsOdd = i32x4.add(intsOdd, i32x4.dot_i16x8_s(p0, s0Odd));
        intsEven = i32x4.add(intsEven, i32x4.dot_i16x8_s(p1, s1Even));
        intsOdd = i32x4.add(intsOdd, i32x4.dot_i16x8_s(p1, s1Odd));
        intsEven = i32x4.add(intsEven, i32x4.dot_i16x8_s(p2, s2Even));
        intsOdd = i32x4.add(intsOdd, i32x4.dot_i16x8_s(p2, s2Odd));
        intsEven = i32x4.add(intsEven, i32x4.dot_i16x8_s(p3, s3Even));
        intsOdd = i32x4.add(intsOdd, i32x4.dot_i16x8_s(p3, s3Odd));
      }
    }
    const d = f32x4.splat(f16ToF32(<u32>load<u16>(w + 208)) * load<f32>(a));
    laneSumsLow = f32x4.add(laneSumsLow, f32x4.mul(d, f32x4.convert_i32x4_s(lowLanes(intsEven, intsOdd))));
    laneSumsHigh = f32x4.add(laneSumsHigh, f32x4.mul(d, f32x4.convert_i32x4_s(highLanes(intsEven, intsOdd))));
  }
  return addLanesInOrder(0, laneSumsLow, laneSumsHigh);
}

/**
 * dotQ6_K of one row with two tokens' activations (x0, x1), f32 results at
 * out0 and out1: each block's quants are unpacked once for both tokens; each
 * token's lanes and sums follow dotQ6_K's order (same bits).
 */
function dotPairQ6_K(row: usize, x0: usize, x1: usize, n: i32, out0: usize, out1: usize): void {
  const blocks = n >> 8;
  const lowMask = i8x16.splat(0x0f);
  const twoBits = i8x16.splat(0x03);
  const bias = i8x16.splat(32);
  let sumsLow0 = f32x4.splat(0);
  let sumsHigh0 = f32x4.splat(0);
  let sumsLow1 = f32x4.splat(0);
  let sumsHigh1 = f32x4.splat(0);
  for (let block = 0; block < blocks; block++) {
    const w = row + <usize>block * Q6_K_BYTES;
    const a0 = x0 + <usize>block * Q8_K_BYTES;
    const a1 = x1 + <usize>block * Q8_K_BYTES;
    let even0 = i32x4.splat(0);
    let odd0 = i32x4.splat(0);
    let even1 = i32x4.splat(0);
    let odd1 = i32x4.splat(0);
    for (let chunk: usize = 0; chunk < 2; chunk++) {
      for (let half: usize = 0; half < 2; half++) {
        const ql0 = v128.load(w + 64 * chunk + 16 * half);
        const ql1 = v128.load(w + 64 * chunk + 32 + 16 * half);
        const qh = v128.load(w + 128 + 32 * chunk + 16 * half);
        const offset = Q8_K_QS + 128 * chunk + 16 * half;
        const sc = w + 192 + 8 * chunk + half;
        const q0 = groupQuants(v128.or(v128.and(ql0, lowMask), i8x16.shl(v128.and(qh, twoBits), 4)), bias);
        const q1 = groupQuants(v128.or(v128.and(ql1, lowMask), i8x16.shl(v128.and(i8x16.shr_u(qh, 2), twoBits), 4)), bias);
        const q2 = groupQuants(v128.or(i8x16.shr_u(ql0, 4), i8x16.shl(v128.and(i8x16.shr_u(qh, 4), twoBits), 4)), bias);
        const q3 = groupQuants(v128.or(i8x16.shr_u(ql1, 4), i8x16.shl(i8x16.shr_u(qh, 6), 4)), bias);
        const s0Even = evenLanes(<i32>load<i8>(sc));
        const s0Odd = oddLanes(<i32>load<i8>(sc));
        const s1Even = evenLanes(<i32>load<i8>(sc + 2));
        const s1Odd = oddLanes(<i32>load<i8>(sc + 2));
        const s2Even = evenLanes(<i32>load<i8>(sc + 4));
        const s2Odd = oddLanes(<i32>load<i8>(sc + 4));
        const s3Even = evenLanes(<i32>load<i8>(sc + 6));
        const s3Odd = oddLanes(<i32>load<i8>(sc + 6));
        let p = groupProducts(q0, a0 + offset);
        even0 = i32x4.add(even0, i32x4.dot_i16x8_s(p, s0Even));
        odd0 = i32x4.add(odd0, i32x4.dot_i16x8_s(p, s0Odd));
        p = groupProducts(q0, a1 + offset);
        even1 = i32x4.add(even1, i32x4.dot_i16x8_s(p, s0Even));
        odd1 = i32x4.add(odd1, i32x4.dot_i16x8_s(p, s0Odd));
        p = groupProducts(q1, a0 + offset + 32);
        even0 = i32x4.add(even0, i32x4.dot_i16x8_s(p, s1Even));
        odd0 = i32x4.add(odd0, i32x4.dot_i16x8_s(p, s1Odd));
        p = groupProducts(q1, a1 + offset + 32);
        even1 = i32x4.add(even1, i32x4.dot_i16x8_s(p, s1Even));
        odd1 = i32x4.add(odd1, i32x4.dot_i16x8_s(p, s1Odd));
        p = groupProducts(q2, a0 + offset + 64);
        even0 = i32x4.add(even0, i32x4.dot_i16x8_s(p, s2Even));
        odd0 = i32x4.add(odd0, i32x4.dot_i16x8_s(p, s2Odd));
        p = groupProducts(q2, a1 + offset + 64);
        even1 = i32x4.add(even1, i32x4.dot_i16x8_s(p, s2Even));
        odd1 = i32x4.add(odd1, i32x4.dot_i16x8_s(p, s2Odd));
        p = groupProducts(q3, a0 + offset + 96);
        even0 = i32x4.add(even0, i32x4.dot_i16x8_s(p, s3Even));
        odd0 = i32x4.add(odd0, i32x4.dot_i16x8_s(p, s3Odd));
        p = groupProducts(q3, a1 + offset + 96);
        even1 = i32x4.add(even1, i32x4.dot_i16x8_s(p, s3Even));
        odd1 = i32x4.add(odd1, i32x4.dot_i16x8_s(p, s3Odd));
      }
    }
    const dw = f16ToF32(<u32>load<u16>(w + 208));
    const d0 = f32x4.splat(dw * load<f32>(a0));
    const d1 = f32x4.splat(dw * load<f32>(a1));
    sumsLow0 = f32x4.add(sumsLow0, f32x4.mul(d0, f32x4.convert_i32x4_s(lowLanes(even0, odd0))));
    sumsHigh0 = f32x4.add(sumsHigh0, f32x4.mul(d0, f32x4.convert_i32x4_s(highLanes(even0, odd0))));
    sumsLow1 = f32x4.add(sumsLow1, f32x4.mul(d1, f32x4.convert_i32x4_s(lowLanes(even1, odd1))));
    sumsHigh1 = f32x4.add(sumsHigh1, f32x4.mul(d1, f32x4.convert_i32x4_s(highLanes(even1, odd1))));
  }
  store<f32>(out0, addLanesInOrder(0, sumsLow0, sumsHigh0));
  store<f32>(out1, addLanesInOrder(0, sumsLow1, sumsHigh1));
}

/** matmulQ8_0's contract (see q8_0.ts) for Q6_K rows and Q8_K activations; tokens are taken in pairs */
export function matmulQ6_K(
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
      const a = x + <usize>t * xTokenStride;
      const o = outRow + <usize>t * outTokenStride;
      dotPairQ6_K(row, a, a + xTokenStride, n, o, o + outTokenStride);
    }
    if (t < tokens) store<f32>(outRow + <usize>t * outTokenStride, dotQ6_K(row, x + <usize>t * xTokenStride, n));
  }
}
