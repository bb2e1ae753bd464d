// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// Q4_0 and Q5_0 prompt tiles with relaxed SIMD (only in
// build/wasm/llm-kernels-relaxed.wasm; matmulTiled in q4_0.ts calls them under
// `if (ASC_FEATURE_RELAXED_SIMD)`).
//
// i16x8.relaxed_dot_i8x16_i7x16_s(a, b) (x86: one pmaddubsw) is exact and
// deterministic when every b byte is in 0 … 127. The weights' unsigned quants
// (Q4_0: nibble 0 … 15; Q5_0: nibble + 16·bit, 0 … 31) are b and the Q8_0
// activations (any int8, −128 included) are a, so each i16 lane
// (a[2k]·b[2k] + a[2k+1]·b[2k+1], bytes 0…15 and 16…31 of the block added:
// four products) stays within 4·128·31 < 2^15. The offset (Q4_0: 8, Q5_0: 16)
// comes off as offset · Σx, the activation block's sum: computed once per
// token and block (a relaxed dot against ones, then i32x4.dot_i16x8_s against
// the offset) and shared by all rows of the tile:
//   Σ (q − offset)·x = Σ q·x − offset·Σ x   (exact i32 arithmetic)
//
// Decode (one token) runs four rows at a time (quadOneTile), prompts 8 rows ×
// 4 tokens (octQuadTile; 4 × 4 quadQuadTile for a last group of four rows): per block each row's quants are unpacked once for the
// four tokens, each token's offset total computed once for the eight rows, and
// a four-row transposed reduction gives one i32 sum per (row, token) lane.
// Measured against the plain 1 row × 4 token tiles (one thread, 896 × 4864 and
// 896 × 896, 16 and 64 tokens, same process): 8 × 4 gives 1.8–1.95× (Q4_0)
// and 1.65–1.95× (Q5_0); 4 × 4 alone gave 1.6×.
//
// Numerics: the per-block integer sums equal the plain tiles', and the f32
// steps per (row, token) are the reference's (Q4_0: f32(f32(sumi·d_w)·d_x),
// Q5_0: f32(f32(d_w·d_x)·sumi)) added into the running sum in block order, so
// the results are the same bits as dotQ4_0 / dotQ5_0 (and vecDotQ4_0 / vecDotQ5_0).

import { f16ToF32 } from './f16';
import { fourHalves, storeLanes, storeOctQuad, transposeReduce } from './simd';

/** bytes per Q8_0 activation block */
const Q8_0_BYTES: usize = 34;

/** bit k of each byte lane (k = lane mod 8) */
// @ts-ignore: decorator
@inline
function bitMask(): v128 {
  return i8x16(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
}

/** unsigned quants 0..15 of the Q4_0 (kind 0) or Q5_0 (kind 1) block at w, as bytes 0 … 31 */
// @ts-ignore: decorator
@inline
function unsignedLow(kind: i32, w: usize): v128 {
  if (kind == 0) return v128.and(v128.load(w, 2), i8x16.splat(0x0f));
  const qh = v128.load32_splat(w + 2);
  const mask = bitMask();
  const spread = i8x16.swizzle(qh, i8x16(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
  const fifth = v128.and(i8x16.eq(v128.and(spread, mask), mask), i8x16.splat(16));
  return v128.or(v128.and(v128.load(w, 6), i8x16.splat(0x0f)), fifth);
}

/** unsigned quants 16..31 of the block at w (see unsignedLow) */
// @ts-ignore: decorator
@inline
function unsignedHigh(kind: i32, w: usize): v128 {
  if (kind == 0) return i8x16.shr_u(v128.load(w, 2), 4);
  const qh = v128.load32_splat(w + 2);
  const mask = bitMask();
  const spread = i8x16.swizzle(qh, i8x16(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
  const fifth = v128.and(i8x16.eq(v128.and(spread, mask), mask), i8x16.splat(16));
  return v128.or(i8x16.shr_u(v128.load(w, 6), 4), fifth);
}

/** i32x4 partial sums of Σ q·x: unsigned quants (low: 0..15, high: 16..31) against activations xa (0..15) and xb (16..31) */
// @ts-ignore: decorator
@inline
function unsignedSums(low: v128, high: v128, xa: v128, xb: v128, ones: v128): v128 {
  const pairs = i16x8.add(i16x8.relaxed_dot_i8x16_i7x16_s(xa, low), i16x8.relaxed_dot_i8x16_i7x16_s(xb, high));
  return i32x4.dot_i16x8_s(pairs, ones);
}

/** every lane = offset · Σx over the activation block (xa, xb); byteOnes = i8x16.splat(1), offsets = i16x8.splat(offset) */
// @ts-ignore: decorator
@inline
function offsetTotal(xa: v128, xb: v128, byteOnes: v128, offsets: v128): v128 {
  const pairs = i16x8.add(i16x8.relaxed_dot_i8x16_i7x16_s(xa, byteOnes), i16x8.relaxed_dot_i8x16_i7x16_s(xb, byteOnes));
  const partial = i32x4.dot_i16x8_s(pairs, offsets);
  const pairTotals = i32x4.add(partial, i32x4.shuffle(partial, partial, 1, 0, 3, 2));
  return i32x4.add(pairTotals, i32x4.shuffle(pairTotals, pairTotals, 2, 3, 0, 1));
}

/** offsetTotal of the activation block at a */
// @ts-ignore: decorator
@inline
function tokenOffset(a: usize, byteOnes: v128, offsets: v128): v128 {
  return offsetTotal(v128.load(a, 2), v128.load(a, 18), byteOnes, offsets);
}

/** acc + one block's products per lane in the reference's order: Q4_0 f32(f32(sumi·d_w)·d_x), Q5_0 f32(f32(d_w·d_x)·sumi) */
// @ts-ignore: decorator
@inline
function addBlock(kind: i32, acc: v128, sums: v128, rowScales: v128, tokenScale: v128): v128 {
  if (kind == 0) return f32x4.add(acc, f32x4.mul(f32x4.mul(f32x4.convert_i32x4_s(sums), rowScales), tokenScale));
  return f32x4.add(acc, f32x4.mul(f32x4.mul(rowScales, tokenScale), f32x4.convert_i32x4_s(sums)));
}

/**
 * Four rows (row0 + k·rowStride) · four tokens (x0 + t·xTokenStride) of
 * Q4_0 (kind 0) or Q5_0 (kind 1) weights: out + t·outTokenStride + 4k (f32) =
 * dotQ4_0 / dotQ5_0 of row k and token t, the same bits.
 */
// @ts-ignore: decorator
@inline
function quadQuadTile(kind: i32, blockBytes: usize, row0: usize, rowStride: usize, x0: usize, xTokenStride: usize, n: i32, out: usize, outTokenStride: usize): void {
  const blocks = n >> 5;
  const ones = i16x8.splat(1);
  const byteOnes = i8x16.splat(1);
  const offsets = i16x8.splat(kind == 0 ? 8 : 16);
  let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0), acc2 = f32x4.splat(0), acc3 = f32x4.splat(0);
  let w0 = row0, w1 = w0 + rowStride, w2 = w1 + rowStride, w3 = w2 + rowStride;
  let a0 = x0, a1 = a0 + xTokenStride, a2 = a1 + xTokenStride, a3 = a2 + xTokenStride;
  for (let block = 0; block < blocks; block++) {
    const low0 = unsignedLow(kind, w0), high0 = unsignedHigh(kind, w0);
    const low1 = unsignedLow(kind, w1), high1 = unsignedHigh(kind, w1);
    const low2 = unsignedLow(kind, w2), high2 = unsignedHigh(kind, w2);
    const low3 = unsignedLow(kind, w3), high3 = unsignedHigh(kind, w3);
    const rowScales = fourHalves(w0, rowStride);
    const tokenScales = fourHalves(a0, xTokenStride);
    acc0 = tokenStep(kind, acc0, a0, low0, high0, low1, high1, low2, high2, low3, high3, tokenOffset(a0, byteOnes, offsets), rowScales, i32x4.shuffle(tokenScales, tokenScales, 0, 0, 0, 0), ones);
    acc1 = tokenStep(kind, acc1, a1, low0, high0, low1, high1, low2, high2, low3, high3, tokenOffset(a1, byteOnes, offsets), rowScales, i32x4.shuffle(tokenScales, tokenScales, 1, 1, 1, 1), ones);
    acc2 = tokenStep(kind, acc2, a2, low0, high0, low1, high1, low2, high2, low3, high3, tokenOffset(a2, byteOnes, offsets), rowScales, i32x4.shuffle(tokenScales, tokenScales, 2, 2, 2, 2), ones);
    acc3 = tokenStep(kind, acc3, a3, low0, high0, low1, high1, low2, high2, low3, high3, tokenOffset(a3, byteOnes, offsets), rowScales, i32x4.shuffle(tokenScales, tokenScales, 3, 3, 3, 3), ones);
    w0 += blockBytes; w1 += blockBytes; w2 += blockBytes; w3 += blockBytes;
    a0 += Q8_0_BYTES; a1 += Q8_0_BYTES; a2 += Q8_0_BYTES; a3 += Q8_0_BYTES;
  }
  storeLanes(out, 4, acc0);
  storeLanes(out + outTokenStride, 4, acc1);
  storeLanes(out + 2 * outTokenStride, 4, acc2);
  storeLanes(out + 3 * outTokenStride, 4, acc3);
}

/** quadQuadTile for Q4_0 rows (see there) */
export function quadQuadQ4_0Relaxed(row0: usize, rowStride: usize, x0: usize, xTokenStride: usize, n: i32, out: usize, outTokenStride: usize): void {
  quadQuadTile(0, 18, row0, rowStride, x0, xTokenStride, n, out, outTokenStride);
}

/** quadQuadTile for Q5_0 rows (see there) */
export function quadQuadQ5_0Relaxed(row0: usize, rowStride: usize, x0: usize, xTokenStride: usize, n: i32, out: usize, outTokenStride: usize): void {
  quadQuadTile(1, 22, row0, rowStride, x0, xTokenStride, n, out, outTokenStride);
}

/**
 * Four rows (row0 + k·rowStride) · one token at x (decode): f32 results at
 * out + k·outLaneStride, the bits of q4_0.ts rowsQuad (the same integer sums,
 * the same f32 steps) with relaxed dots instead of widened ones.
 */
// @ts-ignore: decorator
@inline
function quadOneTile(kind: i32, blockBytes: usize, row0: usize, rowStride: usize, x: usize, n: i32, out: usize, outLaneStride: usize): void {
  const blocks = n >> 5;
  const ones = i16x8.splat(1);
  const byteOnes = i8x16.splat(1);
  const offsets = i16x8.splat(kind == 0 ? 8 : 16);
  let acc = f32x4.splat(0);
  let w0 = row0, w1 = w0 + rowStride, w2 = w1 + rowStride, w3 = w2 + rowStride;
  let a = x;
  for (let block = 0; block < blocks; block++) {
    acc = tokenStep(kind, acc, a,
      unsignedLow(kind, w0), unsignedHigh(kind, w0), unsignedLow(kind, w1), unsignedHigh(kind, w1),
      unsignedLow(kind, w2), unsignedHigh(kind, w2), unsignedLow(kind, w3), unsignedHigh(kind, w3),
      tokenOffset(a, byteOnes, offsets), fourHalves(w0, rowStride), f32x4.splat(f16ToF32(<u32>load<u16>(a))), ones);
    w0 += blockBytes; w1 += blockBytes; w2 += blockBytes; w3 += blockBytes;
    a += Q8_0_BYTES;
  }
  storeLanes(out, outLaneStride, acc);
}

/** quadOneTile for Q4_0 rows */
export function quadOneQ4_0Relaxed(row0: usize, rowStride: usize, x: usize, n: i32, out: usize, outLaneStride: usize): void {
  quadOneTile(0, 18, row0, rowStride, x, n, out, outLaneStride);
}

/** quadOneTile for Q5_0 rows */
export function quadOneQ5_0Relaxed(row0: usize, rowStride: usize, x: usize, n: i32, out: usize, outLaneStride: usize): void {
  quadOneTile(1, 22, row0, rowStride, x, n, out, outLaneStride);
}

/** one token's block step for four rows already unpacked: acc + the four (row, token) block products */
// @ts-ignore: decorator
@inline
function tokenStep(kind: i32, acc: v128, a: usize, low0: v128, high0: v128, low1: v128, high1: v128, low2: v128, high2: v128, low3: v128, high3: v128,
  offset: v128, rowScales: v128, tokenScale: v128, ones: v128): v128 {
  const xa = v128.load(a, 2), xb = v128.load(a, 18);
  const sums = i32x4.sub(transposeReduce(unsignedSums(low0, high0, xa, xb, ones), unsignedSums(low1, high1, xa, xb, ones),
    unsignedSums(low2, high2, xa, xb, ones), unsignedSums(low3, high3, xa, xb, ones)), offset);
  return addBlock(kind, acc, sums, rowScales, tokenScale);
}

/** eight rows × four tokens (as quadQuadTile, rows 4..7 at out + 16): each token's offset total serves eight rows */
// @ts-ignore: decorator
@inline
function octQuadTile(kind: i32, blockBytes: usize, row0: usize, rowStride: usize, x0: usize, xTokenStride: usize, n: i32, out: usize, outTokenStride: usize): void {
  const blocks = n >> 5;
  const ones = i16x8.splat(1);
  const byteOnes = i8x16.splat(1);
  const offsets = i16x8.splat(kind == 0 ? 8 : 16);
  let accLow0 = f32x4.splat(0), accLow1 = f32x4.splat(0), accLow2 = f32x4.splat(0), accLow3 = f32x4.splat(0);
  let accHigh0 = f32x4.splat(0), accHigh1 = f32x4.splat(0), accHigh2 = f32x4.splat(0), accHigh3 = f32x4.splat(0);
  let w = row0;
  const rowStride4 = 4 * rowStride;
  let a0 = x0, a1 = a0 + xTokenStride, a2 = a1 + xTokenStride, a3 = a2 + xTokenStride;
  for (let block = 0; block < blocks; block++) {
    const tokenScales = fourHalves(a0, xTokenStride);
    const scale0 = i32x4.shuffle(tokenScales, tokenScales, 0, 0, 0, 0);
    const scale1 = i32x4.shuffle(tokenScales, tokenScales, 1, 1, 1, 1);
    const scale2 = i32x4.shuffle(tokenScales, tokenScales, 2, 2, 2, 2);
    const scale3 = i32x4.shuffle(tokenScales, tokenScales, 3, 3, 3, 3);
    const offset0 = tokenOffset(a0, byteOnes, offsets);
    const offset1 = tokenOffset(a1, byteOnes, offsets);
    const offset2 = tokenOffset(a2, byteOnes, offsets);
    const offset3 = tokenOffset(a3, byteOnes, offsets);
    let rowScales = fourHalves(w, rowStride);
    let low0 = unsignedLow(kind, w), high0 = unsignedHigh(kind, w);
    let low1 = unsignedLow(kind, w + rowStride), high1 = unsignedHigh(kind, w + rowStride);
    let low2 = unsignedLow(kind, w + 2 * rowStride), high2 = unsignedHigh(kind, w + 2 * rowStride);
    let low3 = unsignedLow(kind, w + 3 * rowStride), high3 = unsignedHigh(kind, w + 3 * rowStride);
    accLow0 = tokenStep(kind, accLow0, a0, low0, high0, low1, high1, low2, high2, low3, high3, offset0, rowScales, scale0, ones);
    accLow1 = tokenStep(kind, accLow1, a1, low0, high0, low1, high1, low2, high2, low3, high3, offset1, rowScales, scale1, ones);
    accLow2 = tokenStep(kind, accLow2, a2, low0, high0, low1, high1, low2, high2, low3, high3, offset2, rowScales, scale2, ones);
    accLow3 = tokenStep(kind, accLow3, a3, low0, high0, low1, high1, low2, high2, low3, high3, offset3, rowScales, scale3, ones);
    const v = w + rowStride4;
    rowScales = fourHalves(v, rowStride);
    low0 = unsignedLow(kind, v); high0 = unsignedHigh(kind, v);
    low1 = unsignedLow(kind, v + rowStride); high1 = unsignedHigh(kind, v + rowStride);
    low2 = unsignedLow(kind, v + 2 * rowStride); high2 = unsignedHigh(kind, v + 2 * rowStride);
    low3 = unsignedLow(kind, v + 3 * rowStride); high3 = unsignedHigh(kind, v + 3 * rowStride);
    accHigh0 = tokenStep(kind, accHigh0, a0, low0, high0, low1, high1, low2, high2, low3, high3, offset0, rowScales, scale0, ones);
    accHigh1 = tokenStep(kind, accHigh1, a1, low0, high0, low1, high1, low2, high2, low3, high3, offset1, rowScales, scale1, ones);
    accHigh2 = tokenStep(kind, accHigh2, a2, low0, high0, low1, high1, low2, high2, low3, high3, offset2, rowScales, scale2, ones);
    accHigh3 = tokenStep(kind, accHigh3, a3, low0, high0, low1, high1, low2, high2, low3, high3, offset3, rowScales, scale3, ones);
    w += blockBytes;
    a0 += Q8_0_BYTES; a1 += Q8_0_BYTES; a2 += Q8_0_BYTES; a3 += Q8_0_BYTES;
  }
  storeOctQuad(out, outTokenStride, accLow0, accHigh0, accLow1, accHigh1, accLow2, accHigh2, accLow3, accHigh3);
}

/** octQuadTile for Q4_0 rows */
export function octQuadQ4_0Relaxed(row0: usize, rowStride: usize, x0: usize, xTokenStride: usize, n: i32, out: usize, outTokenStride: usize): void {
  octQuadTile(0, 18, row0, rowStride, x0, xTokenStride, n, out, outTokenStride);
}

/** octQuadTile for Q5_0 rows */
export function octQuadQ5_0Relaxed(row0: usize, rowStride: usize, x0: usize, xTokenStride: usize, n: i32, out: usize, outTokenStride: usize): void {
  octQuadTile(1, 22, row0, rowStride, x0, xTokenStride, n, out, outTokenStride);
}
