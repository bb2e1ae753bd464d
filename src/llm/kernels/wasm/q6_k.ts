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
// the conversions are exact. The i16 stage holds 2 products of (q − 32) (|·| ≤ 32)
// × int8 per lane: |·| ≤ 2·32·128 = 8192.

import { f16ToF32 } from './f16';

const Q6_K_BYTES: usize = 210;
const Q8_K_BYTES: usize = 292;
const Q8_K_QS: usize = 4;

/** adds scale · (i16 lane sums of 16 quants × 16 int8 at xq) into the two i32x4 lane groups */
// @ts-ignore: decorator
@inline
function groupProducts(quants: v128, xq: usize): v128 {
  const x = v128.load(xq);
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
    let intsLow = i32x4.splat(0);
    let intsHigh = i32x4.splat(0);
    for (let chunk: usize = 0; chunk < 2; chunk++) {
      for (let half: usize = 0; half < 2; half++) {
        const ql0 = v128.load(w + 64 * chunk + 16 * half);
        const ql1 = v128.load(w + 64 * chunk + 32 + 16 * half);
        const qh = v128.load(w + 128 + 32 * chunk + 16 * half);
        const xq = a + Q8_K_QS + 128 * chunk + 16 * half;
        const sc = w + 192 + 8 * chunk + half;
        const q0 = i8x16.sub(v128.or(v128.and(ql0, lowMask), i8x16.shl(v128.and(qh, twoBits), 4)), bias);
        const q1 = i8x16.sub(v128.or(v128.and(ql1, lowMask), i8x16.shl(v128.and(i8x16.shr_u(qh, 2), twoBits), 4)), bias);
        const q2 = i8x16.sub(v128.or(i8x16.shr_u(ql0, 4), i8x16.shl(v128.and(i8x16.shr_u(qh, 4), twoBits), 4)), bias);
        const q3 = i8x16.sub(v128.or(i8x16.shr_u(ql1, 4), i8x16.shl(i8x16.shr_u(qh, 6), 4)), bias);
        const p0 = groupProducts(q0, xq);
        const p1 = groupProducts(q1, xq + 32);
        const p2 = groupProducts(q2, xq + 64);
        const p3 = groupProducts(q3, xq + 96);
        const s0 = i32x4.splat(<i32>load<i8>(sc));
        const s1 = i32x4.splat(<i32>load<i8>(sc + 2));
        const s2 = i32x4.splat(<i32>load<i8>(sc + 4));
        const s3 = i32x4.splat(<i32>load<i8>(sc + 6));
        intsLow = i32x4.add(intsLow, i32x4.mul(i32x4.extend_low_i16x8_s(p0), s0));
        intsHigh = i32x4.add(intsHigh, i32x4.mul(i32x4.extend_high_i16x8_s(p0), s0));
        intsLow = i32x4.add(intsLow, i32x4.mul(i32x4.extend_low_i16x8_s(p1), s1));
        intsHigh = i32x4.add(intsHigh, i32x4.mul(i32x4.extend_high_i16x8_s(p1), s1));
        intsLow = i32x4.add(intsLow, i32x4.mul(i32x4.extend_low_i16x8_s(p2), s2));
        intsHigh = i32x4.add(intsHigh, i32x4.mul(i32x4.extend_high_i16x8_s(p2), s2));
        intsLow = i32x4.add(intsLow, i32x4.mul(i32x4.extend_low_i16x8_s(p3), s3));
        intsHigh = i32x4.add(intsHigh, i32x4.mul(i32x4.extend_high_i16x8_s(p3), s3));
      }
    }
    const d = f32x4.splat(f16ToF32(<u32>load<u16>(w + 208)) * load<f32>(a));
    laneSumsLow = f32x4.add(laneSumsLow, f32x4.mul(d, f32x4.convert_i32x4_s(intsLow)));
    laneSumsHigh = f32x4.add(laneSumsHigh, f32x4.mul(d, f32x4.convert_i32x4_s(intsHigh)));
  }
  let sum: f32 = 0;
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

/** matmulQ8_0's contract (see q8_0.ts) for Q6_K rows and Q8_K activations */
export function matmulQ6_K(
  out: usize, outTokenStride: usize,
  weights: usize, rowStride: usize,
  x: usize, xTokenStride: usize, tokens: i32,
  n: i32, rowBegin: i32, rowEnd: i32,
): void {
  for (let r = rowBegin; r < rowEnd; r++) {
    const row = weights + <usize>r * rowStride;
    const outRow = out + (<usize>r << 2);
    for (let t = 0; t < tokens; t++) store<f32>(outRow + <usize>t * outTokenStride, dotQ6_K(row, x + <usize>t * xTokenStride, n));
  }
}
