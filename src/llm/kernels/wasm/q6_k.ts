// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// Q6_K weight rows · Q8_K activations with 128-bit SIMD.
//
// Q6_K super-block (210 bytes, 256 weights): u8 ql[128] at +0 (low 4 bits),
// u8 qh[64] at +128 (high 2 bits), int8 scales[16] at +192, f16 d at +208.
// Weight e = 128c + 32p + l (chunk c, part p, l < 32):
//   q = nibble (p >> 1) of ql[64c + 32(p & 1) + l] | (bits 2p.. of qh[32c + l]) << 4,
//   value = d · scales[e >> 4] · (q − 32).
// Q8_K super-block (292 bytes): f32 d at +0, int8 qs[256] at +4, i16
// bsums[16] at +260 (the sums of each 16 quants: group g = e >> 4, the
// same groups as the scales).
//
// Numerics (twin: vecDotQ6_KBlocks in llm/quant/q6_k.ts, same bits): per
// super-block one exact integer
//   isum = Σ_g scales[g] · Σ_{e in g} q_e·x_e  −  32 · Σ_g scales[g] · bsums[g]
// (|isum| < 2^29), then one f32 step  sum = f32(sum + f32(isum) · f32(d_w · d_x)).
// The −32 offset comes from the block sums, so the 6-bit quants stay
// unsigned (0 … 63): the 7-bit operand of i16x8.relaxed_dot_i8x16_i7x16_s,
// exact and deterministic; the plain build sums the same products with
// extmul. ggml's scalar reference (vecDotQ6_K, what the TypeScript backend
// runs) keeps eight f32 lane sums instead, so the two differ by rounding only
// (the test allows (blocks + 4)·2^-23 of Σ|w·x|).
//
// Tiles: a batch takes one row × four tokens at a time (the row's quants
// and scales unpacked once for the four), fewer tokens four rows at a time
// per token; both end with a four-lane transposed reduction, so the f32
// steps run vectorised over tokens or rows.

import { f16ToF32 } from './f16';
import { fourFloats, fourHalves, laneSum, products16, storeLanes, transposeReduce } from './simd';

const Q6_K_BYTES: usize = 210;
const Q8_K_BYTES: usize = 292;
const Q8_K_QS: usize = 4;
const Q8_K_BSUMS: usize = 260;

/** i32x4 partial sums of scale · Σ q·x over one group of 16 (quants q: 0 … 63, activations at xq) */
// @ts-ignore: decorator
@inline
function groupSums(quants: v128, xq: usize, scale: v128): v128 {
  return i32x4.dot_i16x8_s(products16(v128.load(xq), quants), scale);
}

/** i32x4 partial sums of Σ_g scales[g] · bsums[g] (the −32 offset's factor) for the block's scales at sc and the activation block at a */
// @ts-ignore: decorator
@inline
function offsetSums(sc: usize, a: usize): v128 {
  const scales = v128.load(sc);
  const low = i32x4.dot_i16x8_s(v128.load(a + Q8_K_BSUMS), i16x8.extend_low_i8x16_s(scales));
  return i32x4.add(low, i32x4.dot_i16x8_s(v128.load(a + Q8_K_BSUMS, 16), i16x8.extend_high_i8x16_s(scales)));
}

/** the 16 quants of part 0 … 3 (see the header) from ql bytes ql0 (parts 0, 2) / ql1 (parts 1, 3) and qh bytes (one 16-element half) */
// @ts-ignore: decorator
@inline
function quantsOfPart(part: i32, ql0: v128, ql1: v128, qh: v128): v128 {
  const lowMask = i8x16.splat(0x0f);
  const highMask = i8x16.splat(0x30);
  // 16-bit shifts: the masks keep only bits that stayed inside their byte
  if (part == 0) return v128.or(v128.and(ql0, lowMask), v128.and(i16x8.shl(qh, 4), highMask));
  if (part == 1) return v128.or(v128.and(ql1, lowMask), v128.and(i16x8.shl(qh, 2), highMask));
  if (part == 2) return v128.or(v128.and(i16x8.shr_u(ql0, 4), lowMask), v128.and(qh, highMask));
  return v128.or(v128.and(i16x8.shr_u(ql1, 4), lowMask), v128.and(i16x8.shr_u(qh, 2), highMask));
}

/** i16x8 splat of the int8 scale at p */
// @ts-ignore: decorator
@inline
function scaleAt(p: usize): v128 {
  return i16x8.splat(<i16>load<i8>(p));
}

/** i32x4 partial sums of the four groups (parts 0 … 3) of one 16-element half of a chunk: low bits at ql (parts 0, 2; +32: parts 1, 3), high bits at qh, scales at sc (+2 per part), activations at xq (+32 per part) */
// @ts-ignore: decorator
@inline
function halfChunkSums(ql: usize, qh: usize, sc: usize, xq: usize): v128 {
  const ql0 = v128.load(ql);
  const ql1 = v128.load(ql, 32);
  const high = v128.load(qh);
  let sums = groupSums(quantsOfPart(0, ql0, ql1, high), xq, scaleAt(sc));
  sums = i32x4.add(sums, groupSums(quantsOfPart(1, ql0, ql1, high), xq + 32, scaleAt(sc + 2)));
  sums = i32x4.add(sums, groupSums(quantsOfPart(2, ql0, ql1, high), xq + 64, scaleAt(sc + 4)));
  return i32x4.add(sums, groupSums(quantsOfPart(3, ql0, ql1, high), xq + 96, scaleAt(sc + 6)));
}

/** the exact integer isum of one super-block (weights at w, activations at a) */
// @ts-ignore: decorator
@inline
function blockSum(w: usize, a: usize): i32 {
  let sums = i32x4.splat(0);
  for (let c: usize = 0; c < 2; c++) {
    for (let h: usize = 0; h < 2; h++) {
      sums = i32x4.add(sums, halfChunkSums(w + 64 * c + 16 * h, w + 128 + 32 * c + 16 * h, w + 192 + 8 * c + h, a + Q8_K_QS + 128 * c + 16 * h));
    }
  }
  return laneSum(i32x4.sub(sums, i32x4.shl(offsetSums(w + 192, a), 5)));
}

/** dot of the n-element Q6_K row at `row` with Q8_K activations at `x` (n a multiple of 256) */
export function dotQ6_K(row: usize, x: usize, n: i32): f32 {
  const blocks = n >> 8;
  let sum: f32 = 0;
  for (let block = 0; block < blocks; block++) {
    const w = row + <usize>block * Q6_K_BYTES;
    const a = x + <usize>block * Q8_K_BYTES;
    sum += <f32>blockSum(w, a) * (f16ToF32(<u32>load<u16>(w + 208)) * load<f32>(a));
  }
  return sum;
}

/** one row · four tokens (x0 + t·xTokenStride): results at out + t·outTokenStride, each dotQ6_K's bits */
function rowQuadQ6_K(row: usize, x0: usize, xTokenStride: usize, n: i32, out: usize, outTokenStride: usize): void {
  const blocks = n >> 8;
  let acc = f32x4.splat(0);
  for (let block = 0; block < blocks; block++) {
    const w = row + <usize>block * Q6_K_BYTES;
    const a0 = x0 + <usize>block * Q8_K_BYTES;
    const a1 = a0 + xTokenStride;
    const a2 = a1 + xTokenStride;
    const a3 = a2 + xTokenStride;
    let s0 = i32x4.splat(0), s1 = i32x4.splat(0), s2 = i32x4.splat(0), s3 = i32x4.splat(0);
    for (let c: usize = 0; c < 2; c++) {
      for (let h: usize = 0; h < 2; h++) {
        const ql0 = v128.load(w + 64 * c + 16 * h);
        const ql1 = v128.load(w + 64 * c + 32 + 16 * h);
        const qh = v128.load(w + 128 + 32 * c + 16 * h);
        const sc = w + 192 + 8 * c + h;
        const offset = Q8_K_QS + 128 * c + 16 * h;
        const quants0 = quantsOfPart(0, ql0, ql1, qh);
        const scale0 = scaleAt(sc + 0);
        s0 = i32x4.add(s0, groupSums(quants0, a0 + offset + 0, scale0));
        s1 = i32x4.add(s1, groupSums(quants0, a1 + offset + 0, scale0));
        s2 = i32x4.add(s2, groupSums(quants0, a2 + offset + 0, scale0));
        s3 = i32x4.add(s3, groupSums(quants0, a3 + offset + 0, scale0));
        const quants1 = quantsOfPart(1, ql0, ql1, qh);
        const scale1 = scaleAt(sc + 2);
        s0 = i32x4.add(s0, groupSums(quants1, a0 + offset + 32, scale1));
        s1 = i32x4.add(s1, groupSums(quants1, a1 + offset + 32, scale1));
        s2 = i32x4.add(s2, groupSums(quants1, a2 + offset + 32, scale1));
        s3 = i32x4.add(s3, groupSums(quants1, a3 + offset + 32, scale1));
        const quants2 = quantsOfPart(2, ql0, ql1, qh);
        const scale2 = scaleAt(sc + 4);
        s0 = i32x4.add(s0, groupSums(quants2, a0 + offset + 64, scale2));
        s1 = i32x4.add(s1, groupSums(quants2, a1 + offset + 64, scale2));
        s2 = i32x4.add(s2, groupSums(quants2, a2 + offset + 64, scale2));
        s3 = i32x4.add(s3, groupSums(quants2, a3 + offset + 64, scale2));
        const quants3 = quantsOfPart(3, ql0, ql1, qh);
        const scale3 = scaleAt(sc + 6);
        s0 = i32x4.add(s0, groupSums(quants3, a0 + offset + 96, scale3));
        s1 = i32x4.add(s1, groupSums(quants3, a1 + offset + 96, scale3));
        s2 = i32x4.add(s2, groupSums(quants3, a2 + offset + 96, scale3));
        s3 = i32x4.add(s3, groupSums(quants3, a3 + offset + 96, scale3));
      }
    }
    const sums = transposeReduce(s0, s1, s2, s3);
    const offsets = transposeReduce(offsetSums(w + 192, a0), offsetSums(w + 192, a1), offsetSums(w + 192, a2), offsetSums(w + 192, a3));
    const d = f32x4.mul(f32x4.splat(f16ToF32(<u32>load<u16>(w + 208))), fourFloats(a0, xTokenStride));
    acc = f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(sums, i32x4.shl(offsets, 5))), d));
  }
  storeLanes(out, outTokenStride, acc);
}

/** four rows (row0 + k·rowStride) · one token: results at out + k·outLaneStride, each dotQ6_K's bits */
function quadRowQ6_K(row0: usize, rowStride: usize, x: usize, n: i32, out: usize, outLaneStride: usize): void {
  const blocks = n >> 8;
  let acc = f32x4.splat(0);
  for (let block = 0; block < blocks; block++) {
    const w0 = row0 + <usize>block * Q6_K_BYTES;
    const w1 = w0 + rowStride;
    const w2 = w1 + rowStride;
    const w3 = w2 + rowStride;
    const a = x + <usize>block * Q8_K_BYTES;
    let s0 = i32x4.splat(0), s1 = i32x4.splat(0), s2 = i32x4.splat(0), s3 = i32x4.splat(0);
    for (let c: usize = 0; c < 2; c++) {
      for (let h: usize = 0; h < 2; h++) {
        const weightOffset: usize = 64 * c + 16 * h;
        const highOffset: usize = 128 + 32 * c + 16 * h;
        const sc: usize = 192 + 8 * c + h;
        const xq = a + Q8_K_QS + 128 * c + 16 * h;
        s0 = i32x4.add(s0, halfChunkSums(w0 + weightOffset, w0 + highOffset, w0 + sc, xq));
        s1 = i32x4.add(s1, halfChunkSums(w1 + weightOffset, w1 + highOffset, w1 + sc, xq));
        s2 = i32x4.add(s2, halfChunkSums(w2 + weightOffset, w2 + highOffset, w2 + sc, xq));
        s3 = i32x4.add(s3, halfChunkSums(w3 + weightOffset, w3 + highOffset, w3 + sc, xq));
      }
    }
    const sums = transposeReduce(s0, s1, s2, s3);
    const offsets = transposeReduce(offsetSums(w0 + 192, a), offsetSums(w1 + 192, a), offsetSums(w2 + 192, a), offsetSums(w3 + 192, a));
    const d = f32x4.mul(fourHalves(w0 + 208, rowStride), f32x4.splat(load<f32>(a)));
    acc = f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(sums, i32x4.shl(offsets, 5))), d));
  }
  storeLanes(out, outLaneStride, acc);
}

/** matmulQ8_0's contract (see q8_0.ts) for Q6_K rows and Q8_K activations (tiles: see the header) */
export function matmulQ6_K(
  out: usize, outTokenStride: usize,
  weights: usize, rowStride: usize,
  x: usize, xTokenStride: usize, tokens: i32,
  n: i32, rowBegin: i32, rowEnd: i32,
): void {
  let r = rowBegin;
  if (tokens < 4) {
    // fewer than four tokens: four rows at a time, each token on its own
    for (; r + 4 <= rowEnd; r += 4) {
      const row = weights + <usize>r * rowStride;
      for (let t = 0; t < tokens; t++) {
        quadRowQ6_K(row, rowStride, x + <usize>t * xTokenStride, n, out + <usize>t * outTokenStride + (<usize>r << 2), 4);
      }
    }
  }
  for (; r < rowEnd; r++) {
    const row = weights + <usize>r * rowStride;
    const outRow = out + (<usize>r << 2);
    let t = 0;
    for (; t + 4 <= tokens; t += 4) {
      rowQuadQ6_K(row, x + <usize>t * xTokenStride, xTokenStride, n, outRow + <usize>t * outTokenStride, outTokenStride);
    }
    for (; t < tokens; t++) store<f32>(outRow + <usize>t * outTokenStride, dotQ6_K(row, x + <usize>t * xTokenStride, n));
  }
}
