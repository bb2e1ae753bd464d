// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// Q4_K weight rows · Q8_K activations with 128-bit SIMD.
//
// Q4_K super-block (144 bytes, 256 weights): f16 d at +0, f16 dmin at +2,
// 12 bytes of 6-bit scales/mins at +4, 128 bytes of nibbles at +16 (byte
// 32c + l holds weight 64c + l in the low nibble, 64c + 32 + l in the high one:
// sub-block 2c is the low nibbles, 2c + 1 the high ones).
// Q8_K super-block (292 bytes): f32 d at +0, int8 qs[256] at +4,
// int16 bsums[16] at +260 (sums of each 16 quants).
//
// Numerics (twin: vecDotQ4_KBlocks in llm/quant/q4_k.ts, same bits): per
// super-block two exact integers
//   isum    = Σ_j scale_j · Σ_{i in j} q_i·x_i             (|isum| < 2^25)
//   minsum  = Σ_j min_j · (bsum_2j + bsum_2j+1)             (|minsum| < 2^22)
// then two f32 steps  sum = f32(sum + f32(isum)·f32(d_w·d_x)),
//                     sum = f32(sum − f32(minsum)·f32(dmin_w·d_x)).
// The nibbles (0 … 15) are the 7-bit operand of the relaxed dot, exact and
// deterministic; the plain build sums the same products with extmul. ggml's
// scalar reference (vecDotQ4_K, the TypeScript backend's) keeps eight f32
// lane sums, so the two differ by rounding only.
//
// Tiles as in q6_k.ts: a batch one row × four tokens (nibbles and scales
// unpacked once for the four), fewer tokens four rows at a time per token;
// the f32 steps run vectorised over the tile's tokens or rows.

import { f16ToF32 } from './f16';
import { fourFloats, fourHalves, lane16, laneSum, loadFence, products16, storeLanes, transposeReduce } from './simd';

const Q4_K_BYTES: usize = 144;
const Q8_K_BYTES: usize = 292;
const Q8_K_QS: usize = 4;
const Q8_K_BSUMS: usize = 260;

// The 12 packed bytes s[0..11] as words u0, u1, u2 (little-endian) hold, for j < 4,
// scale_j = s[j] & 63 and min_j = s[j+4] & 63; for j ≥ 4, scale_j = (s[j+4] & 15) | (s[j−4] >> 6) << 4
// and min_j = (s[j+4] >> 4) | (s[j] >> 6) << 4 (ggml get_scale_min_k4); word-wide, byte k of
// scalesLow is scale_k, of scalesHigh scale_{4+k}, and the same for the mins:
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

/**
 * bytes 0–7: the block's eight scales, bytes 8–15: its eight mins (block at
 * w), the packing above lane-wise: A = (s[0..3], s[8..11], s[4..7], s[8..11]),
 * B = (s[0..3], s[0..3], s[4..7], s[4..7]); byte k of the result is
 *   k < 4: A & 63   4 ≤ k < 8: (A & 15) | (B >> 6) << 4
 *   8 ≤ k < 12: A & 63   12 ≤ k: (A >> 4) | (B >> 6) << 4
 * (16-bit shifts; each mask keeps only bits that stayed inside their byte).
 */
// @ts-ignore: decorator
@inline
function scalesAndMins(w: usize): v128 {
  const bytes = v128.load(w + 4);
  const a = i8x16.shuffle(bytes, bytes, 0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11);
  const b = i8x16.shuffle(bytes, bytes, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 4, 5, 6, 7);
  const low = v128.and(a, i8x16(63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 0, 0, 0, 0));
  const highNibble = v128.and(i16x8.shr_u(a, 4), i8x16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 15, 15, 15));
  const topBits = v128.and(i16x8.shr_u(b, 2), i8x16(0, 0, 0, 0, 0x30, 0x30, 0x30, 0x30, 0, 0, 0, 0, 0x30, 0x30, 0x30, 0x30));
  return v128.or(v128.or(low, highNibble), topBits);
}

/** i16x8 splat of byte k (0 … 3) of a packed scales word */
// @ts-ignore: decorator
@inline
function scaleOf(scales: u32, k: u32): v128 {
  return i16x8.splat(<i16>((scales >> (k << 3)) & 0xff));
}

/** i16x8 lane j = bsum_2j + bsum_2j+1 of the activation block at a (the sum of sub-block j's 32 quants, |·| ≤ 4096) */
// @ts-ignore: decorator
@inline
function bsumPairs(a: usize): v128 {
  const low = v128.load(a + Q8_K_BSUMS);
  const high = v128.load(a + Q8_K_BSUMS, 16);
  const even = i8x16.shuffle(low, high, 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29);
  const odd = i8x16.shuffle(low, high, 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31);
  return i16x8.add(even, odd);
}

/** i32x4 partial sums of minsum: the block's mins (scalesAndMins, bytes 8–15) against bsumPairs */
// @ts-ignore: decorator
@inline
function minSums(packed: v128, pairs: v128): v128 {
  return i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(packed), pairs);
}

/** i32x4 partial sums of scale · Σ q·x over one 32-element sub-block (nibbles q0: 0 … 15, q1: 16 … 31; activations x0, x1) */
// @ts-ignore: decorator
@inline
function subBlockSums(q0: v128, q1: v128, x0: v128, x1: v128, scale: v128): v128 {
  return i32x4.dot_i16x8_s(i16x8.add(products16(x0, q0), products16(x1, q1)), scale);
}

/**
 * i32x4 partial sums of isum over chunk c (a constant 0 … 3) of the block at
 * w: its nibble bytes at w + 16 + 32c (sub-blocks 2c, 2c + 1), the chunk's 64
 * activations x0 … x3, the block's scales as i16 lanes
 */
// @ts-ignore: decorator
@inline
function chunkSums(w: usize, c: i32, x0: v128, x1: v128, x2: v128, x3: v128, scales: v128): v128 {
  const lowMask = i8x16.splat(0x0f);
  const bytes0 = v128.load(w + 16 + 32 * <usize>c);
  const bytes1 = v128.load(w + 16 + 32 * <usize>c, 16);
  const low = subBlockSums(v128.and(bytes0, lowMask), v128.and(bytes1, lowMask), x0, x1, lane16(scales, 2 * c));
  // 16-bit shifts: the mask keeps only bits that stayed inside their byte
  const high = subBlockSums(v128.and(i16x8.shr_u(bytes0, 4), lowMask), v128.and(i16x8.shr_u(bytes1, 4), lowMask), x2, x3, lane16(scales, 2 * c + 1));
  return i32x4.add(low, high);
}

/** i32x4 partial sums of isum over the block at w with the activations at a */
// @ts-ignore: decorator
@inline
function blockSums(w: usize, a: usize): v128 {
  const scales = i16x8.extend_low_i8x16_u(scalesAndMins(w));
  const x = a + Q8_K_QS;
  let sums = chunkSums(w, 0, v128.load(x), v128.load(x, 16), v128.load(x, 32), v128.load(x, 48), scales);
  sums = i32x4.add(sums, chunkSums(w, 1, v128.load(x, 64), v128.load(x, 80), v128.load(x, 96), v128.load(x, 112), scales));
  sums = i32x4.add(sums, chunkSums(w, 2, v128.load(x, 128), v128.load(x, 144), v128.load(x, 160), v128.load(x, 176), scales));
  return i32x4.add(sums, chunkSums(w, 3, v128.load(x, 192), v128.load(x, 208), v128.load(x, 224), v128.load(x, 240), scales));
}

/** dot of the n-element Q4_K row at `row` with Q8_K activations at `x` (n a multiple of 256) */
export function dotQ4_K(row: usize, x: usize, n: i32): f32 {
  const blocks = n >> 8;
  let sum: f32 = 0;
  for (let block = 0; block < blocks; block++) {
    const w = row + <usize>block * Q4_K_BYTES;
    const a = x + <usize>block * Q8_K_BYTES;
    const xd = load<f32>(a);
    sum += <f32>laneSum(blockSums(w, a)) * (f16ToF32(<u32>load<u16>(w)) * xd);
    sum -= <f32>laneSum(minSums(scalesAndMins(w), bsumPairs(a))) * (f16ToF32(<u32>load<u16>(w + 2)) * xd);
  }
  return sum;
}

/** acc after one block's two f32 steps, lane by lane (see the header) */
// @ts-ignore: decorator
@inline
function addBlock(acc: v128, sums: v128, mins: v128, d: v128, dmin: v128): v128 {
  const scaled = f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(sums), d));
  return f32x4.sub(scaled, f32x4.mul(f32x4.convert_i32x4_s(mins), dmin));
}

/** i32x4 partial sums of isum over one chunk, its nibbles unpacked (low0/1: sub-block 2c, high0/1: 2c + 1), activations at xq */
// @ts-ignore: decorator
@inline
function tokenChunkSums(low0: v128, low1: v128, high0: v128, high1: v128, xq: usize, lowScale: v128, highScale: v128): v128 {
  const low = subBlockSums(low0, low1, v128.load(xq), v128.load(xq, 16), lowScale);
  return i32x4.add(low, subBlockSums(high0, high1, v128.load(xq, 32), v128.load(xq, 48), highScale));
}

/** one row · four tokens (x0 + t·xTokenStride): results at out + t·outTokenStride, each dotQ4_K's bits */
function rowQuadQ4_K(row: usize, x0: usize, xTokenStride: usize, n: i32, out: usize, outTokenStride: usize): void {
  const blocks = n >> 8;
  const lowMask = i8x16.splat(0x0f);
  let acc = f32x4.splat(0);
  for (let block = 0; block < blocks; block++) {
    const w = row + <usize>block * Q4_K_BYTES;
    const a0 = x0 + <usize>block * Q8_K_BYTES;
    const a1 = a0 + xTokenStride;
    const a2 = a1 + xTokenStride;
    const a3 = a2 + xTokenStride;
    const u0 = load<u32>(w + 4);
    const scales0 = scalesLow(u0);
    const scales1 = scalesHigh(u0, load<u32>(w + 12));
    let s0 = i32x4.splat(0), s1 = i32x4.splat(0), s2 = i32x4.splat(0), s3 = i32x4.splat(0);
    for (let c: usize = 0; c < 4; c++) {
      const scales = c < 2 ? scales0 : scales1;
      const lowScale = scaleOf(scales, <u32>(c & 1) << 1);
      const highScale = scaleOf(scales, (<u32>(c & 1) << 1) + 1);
      const bytes0 = v128.load(w + 16 + 32 * c);
      const bytes1 = v128.load(w + 16 + 32 * c, 16);
      const low0 = v128.and(bytes0, lowMask);
      const low1 = v128.and(bytes1, lowMask);
      const high0 = v128.and(i16x8.shr_u(bytes0, 4), lowMask);
      const high1 = v128.and(i16x8.shr_u(bytes1, 4), lowMask);
      const xq = Q8_K_QS + 64 * c;
      s0 = i32x4.add(s0, tokenChunkSums(low0, low1, high0, high1, a0 + xq, lowScale, highScale));
      s1 = i32x4.add(s1, tokenChunkSums(low0, low1, high0, high1, a1 + xq, lowScale, highScale));
      s2 = i32x4.add(s2, tokenChunkSums(low0, low1, high0, high1, a2 + xq, lowScale, highScale));
      s3 = i32x4.add(s3, tokenChunkSums(low0, low1, high0, high1, a3 + xq, lowScale, highScale));
    }
    const packed = scalesAndMins(w);
    const sums = transposeReduce(s0, s1, s2, s3);
    const mins = transposeReduce(minSums(packed, bsumPairs(a0)), minSums(packed, bsumPairs(a1)), minSums(packed, bsumPairs(a2)), minSums(packed, bsumPairs(a3)));
    const xd = fourFloats(a0, xTokenStride);
    const d = f32x4.mul(f32x4.splat(f16ToF32(<u32>load<u16>(w))), xd);
    const dmin = f32x4.mul(f32x4.splat(f16ToF32(<u32>load<u16>(w + 2))), xd);
    acc = addBlock(acc, sums, mins, d, dmin);
  }
  storeLanes(out, outTokenStride, acc);
}

/**
 * four rows (row0 + k·rowStride) · one token: results at out + 4k, each
 * dotQ4_K's bits. The chunks are staged by loadFence (at out, which the
 * results overwrite): without it every chunk's loads were hoisted to the top of
 * the block and spilled (296 spill stores per block); with it, 1.4× faster.
 */
function quadRowQ4_K(row0: usize, rowStride: usize, x: usize, n: i32, out: usize): void {
  const blocks = n >> 8;
  let acc = f32x4.splat(0);
  for (let block = 0; block < blocks; block++) {
    const w0 = row0 + <usize>block * Q4_K_BYTES;
    const w1 = w0 + rowStride;
    const w2 = w1 + rowStride;
    const w3 = w2 + rowStride;
    const a = x + <usize>block * Q8_K_BYTES;
    const packed0 = scalesAndMins(w0);
    const packed1 = scalesAndMins(w1);
    const packed2 = scalesAndMins(w2);
    const packed3 = scalesAndMins(w3);
    const scales0 = i16x8.extend_low_i8x16_u(packed0);
    const scales1 = i16x8.extend_low_i8x16_u(packed1);
    const scales2 = i16x8.extend_low_i8x16_u(packed2);
    const scales3 = i16x8.extend_low_i8x16_u(packed3);
    // chunk by chunk, the activations loaded once for the four rows
    const x = a + Q8_K_QS;
    let xa = v128.load(x), xb = v128.load(x, 16), xc = v128.load(x, 32), xd = v128.load(x, 48);
    let s0 = chunkSums(w0, 0, xa, xb, xc, xd, scales0);
    let s1 = chunkSums(w1, 0, xa, xb, xc, xd, scales1);
    let s2 = chunkSums(w2, 0, xa, xb, xc, xd, scales2);
    let s3 = chunkSums(w3, 0, xa, xb, xc, xd, scales3);
    loadFence(out, s0, s1, s2, s3);
    xa = v128.load(x, 64); xb = v128.load(x, 80); xc = v128.load(x, 96); xd = v128.load(x, 112);
    s0 = i32x4.add(s0, chunkSums(w0, 1, xa, xb, xc, xd, scales0));
    s1 = i32x4.add(s1, chunkSums(w1, 1, xa, xb, xc, xd, scales1));
    s2 = i32x4.add(s2, chunkSums(w2, 1, xa, xb, xc, xd, scales2));
    s3 = i32x4.add(s3, chunkSums(w3, 1, xa, xb, xc, xd, scales3));
    loadFence(out, s0, s1, s2, s3);
    xa = v128.load(x, 128); xb = v128.load(x, 144); xc = v128.load(x, 160); xd = v128.load(x, 176);
    s0 = i32x4.add(s0, chunkSums(w0, 2, xa, xb, xc, xd, scales0));
    s1 = i32x4.add(s1, chunkSums(w1, 2, xa, xb, xc, xd, scales1));
    s2 = i32x4.add(s2, chunkSums(w2, 2, xa, xb, xc, xd, scales2));
    s3 = i32x4.add(s3, chunkSums(w3, 2, xa, xb, xc, xd, scales3));
    loadFence(out, s0, s1, s2, s3);
    xa = v128.load(x, 192); xb = v128.load(x, 208); xc = v128.load(x, 224); xd = v128.load(x, 240);
    s0 = i32x4.add(s0, chunkSums(w0, 3, xa, xb, xc, xd, scales0));
    s1 = i32x4.add(s1, chunkSums(w1, 3, xa, xb, xc, xd, scales1));
    s2 = i32x4.add(s2, chunkSums(w2, 3, xa, xb, xc, xd, scales2));
    s3 = i32x4.add(s3, chunkSums(w3, 3, xa, xb, xc, xd, scales3));
    const sums = transposeReduce(s0, s1, s2, s3);
    const pairs = bsumPairs(a);
    const mins = transposeReduce(minSums(packed0, pairs), minSums(packed1, pairs), minSums(packed2, pairs), minSums(packed3, pairs));
    const tokenScale = f32x4.splat(load<f32>(a));
    acc = addBlock(acc, sums, mins, f32x4.mul(fourHalves(w0, rowStride), tokenScale), f32x4.mul(fourHalves(w0 + 2, rowStride), tokenScale));
  }
  v128.store(out, acc);
}

/** matmulQ8_0's contract (see q8_0.ts) for Q4_K rows and Q8_K activations (tiles: see the header) */
export function matmulQ4_K(
  out: usize, outTokenStride: usize,
  weights: usize, rowStride: usize,
  x: usize, xTokenStride: usize, tokens: i32,
  n: i32, rowBegin: i32, rowEnd: i32,
): void {
  let r = rowBegin;
  if (tokens < 4) {
    for (; r + 4 <= rowEnd; r += 4) {
      const row = weights + <usize>r * rowStride;
      for (let t = 0; t < tokens; t++) {
        quadRowQ4_K(row, rowStride, x + <usize>t * xTokenStride, n, out + <usize>t * outTokenStride + (<usize>r << 2));
      }
    }
  }
  for (; r < rowEnd; r++) {
    const row = weights + <usize>r * rowStride;
    const outRow = out + (<usize>r << 2);
    let t = 0;
    for (; t + 4 <= tokens; t += 4) {
      rowQuadQ4_K(row, x + <usize>t * xTokenStride, xTokenStride, n, outRow + <usize>t * outTokenStride, outTokenStride);
    }
    for (; t < tokens; t++) store<f32>(outRow + <usize>t * outTokenStride, dotQ4_K(row, x + <usize>t * xTokenStride, n));
  }
}
