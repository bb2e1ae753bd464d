// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// Q8_0 weight rows · Q8_0 activations with 128-bit SIMD, over byte offsets
// in the imported shared memory (the kernel arena).
//
// Block layout (ggml block_q8_0, 34 bytes): f16 d at +0, int8 qs[32] at +2.
//
// Numerics: bit-identical to the TypeScript twin vecDotQ8_0 (llm/quant/q8_0.ts).
// Per block the 32 int8·int8 products are summed exactly in i32 (the order
// does not matter for integers), then, in block order,
//   sum = f32(sum + f32(f32(sumi) · f32(d_w · d_x)))
// with every operation rounded to f32, exactly the reference's Math.fround
// chain. |sumi| ≤ 32·128·128 < 2^24, so the int → f32 conversion is exact.
// dotQ8_0 reduces four blocks together (a 4×4 transpose of the i32x4 partial
// sums) so the horizontal adds and the scale multiply run once per 4 blocks.
// matmulQ8_0 takes rows four at a time (dotQuadQ8_0): each lane of an f32x4
// is one row's running sum, so the per-block combination is vectorised and
// the activation block is widened once for four rows; for one token the four
// rows come from the four quarters of the row range (four sequential memory
// streams); for a batch, dotQuadPairQ8_0 also shares each weight load between
// two tokens. Each row keeps its own block order, so its bits do not change.
// The relaxed-SIMD build runs the four-row tiles of q8_0-relaxed.ts instead.

import { f16ToF32, f16x4ToF32x4 } from './f16';
import { addScaledSums, fourHalves, storeLanes } from './simd';
import { anyActivationMinus128, matmulQuadsQ8_0Relaxed, unpackQ8_0ActivationsRelaxed } from './q8_0-relaxed';

/** bytes per Q8_0 block */
const BLOCK_BYTES: usize = 34;

/** i32x4 partial sums of the 32 products of the blocks at w and a */
// @ts-ignore: decorator
@inline
function blockPartialSums(w: usize, a: usize): v128 {
  const w0 = v128.load(w, 2);
  const w1 = v128.load(w, 18);
  const a0 = v128.load(a, 2);
  const a1 = v128.load(a, 18);
  let s = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(w0), i16x8.extend_low_i8x16_s(a0));
  s = i32x4.add(s, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(w0), i16x8.extend_high_i8x16_s(a0)));
  s = i32x4.add(s, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(w1), i16x8.extend_low_i8x16_s(a1)));
  return i32x4.add(s, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(w1), i16x8.extend_high_i8x16_s(a1)));
}

// @ts-ignore: decorator
@inline
function blockScale(w: usize, a: usize): f32 {
  return f16ToF32(<u32>load<u16>(w)) * f16ToF32(<u32>load<u16>(a));
}

/** i32x4 partial sums of the weight block at w against activation quants already sign-extended to i16 */
// @ts-ignore: decorator
@inline
function rowBlockSums(w: usize, x0: v128, x1: v128, x2: v128, x3: v128): v128 {
  const wa = v128.load(w, 2);
  const wb = v128.load(w, 18);
  let s = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(wa), x0);
  s = i32x4.add(s, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(wa), x1));
  s = i32x4.add(s, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(wb), x2));
  return i32x4.add(s, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(wb), x3));
}

/** lane k = horizontal sum of s_k */
// @ts-ignore: decorator
@inline
function transposeReduce(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  const t01 = i32x4.add(i32x4.shuffle(s0, s1, 0, 4, 1, 5), i32x4.shuffle(s0, s1, 2, 6, 3, 7));
  const t23 = i32x4.add(i32x4.shuffle(s2, s3, 0, 4, 1, 5), i32x4.shuffle(s2, s3, 2, 6, 3, 7));
  return i32x4.add(i32x4.shuffle(t01, t23, 0, 1, 4, 5), i32x4.shuffle(t01, t23, 2, 3, 6, 7));
}

/** f32x4 of the four f16 scales at p, p + 34, p + 68, p + 102 */
// @ts-ignore: decorator
@inline
function fourScales(p: usize): v128 {
  let halves = i32x4.splat(<i32>load<u16>(p));
  halves = i32x4.replace_lane(halves, 1, <i32>load<u16>(p + BLOCK_BYTES));
  halves = i32x4.replace_lane(halves, 2, <i32>load<u16>(p + 2 * BLOCK_BYTES));
  halves = i32x4.replace_lane(halves, 3, <i32>load<u16>(p + 3 * BLOCK_BYTES));
  return f16x4ToF32x4(halves);
}

/** dot of the n-element Q8_0 row at `row` with Q8_0 activations at `x` (n a multiple of 32) */
export function dotQ8_0(row: usize, x: usize, n: i32): f32 {
  const blocks = n >> 5;
  let sum: f32 = 0;
  let w = row;
  let a = x;
  let block = 0;
  for (; block + 4 <= blocks; block += 4) {
    const s0 = blockPartialSums(w, a);
    const s1 = blockPartialSums(w + BLOCK_BYTES, a + BLOCK_BYTES);
    const s2 = blockPartialSums(w + 2 * BLOCK_BYTES, a + 2 * BLOCK_BYTES);
    const s3 = blockPartialSums(w + 3 * BLOCK_BYTES, a + 3 * BLOCK_BYTES);
    const sums = transposeReduce(s0, s1, s2, s3);
    const scales = f32x4.mul(fourScales(w), fourScales(a));
    const products = f32x4.mul(f32x4.convert_i32x4_s(sums), scales);
    sum += f32x4.extract_lane(products, 0);
    sum += f32x4.extract_lane(products, 1);
    sum += f32x4.extract_lane(products, 2);
    sum += f32x4.extract_lane(products, 3);
    w += 4 * BLOCK_BYTES;
    a += 4 * BLOCK_BYTES;
  }
  for (; block < blocks; block++) {
    const s = blockPartialSums(w, a);
    const sumi = i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
    sum += <f32>sumi * blockScale(w, a);
    w += BLOCK_BYTES;
    a += BLOCK_BYTES;
  }
  return sum;
}

/**
 * dotQ8_0 of two rows with the same activations, stored as f32 at out0 and
 * out1: the activation loads, sign extensions and scales are shared; each
 * row's result is the same bits dotQ8_0 gives (same per-row order).
 */
function dotPairQ8_0(row0: usize, row1: usize, x: usize, n: i32, out0: usize, out1: usize): void {
  const blocks = n >> 5;
  let sum0: f32 = 0;
  let sum1: f32 = 0;
  let w0 = row0;
  let w1 = row1;
  let a = x;
  let block = 0;
  for (; block + 4 <= blocks; block += 4) {
    let xa = v128.load(a, 2);
    let xb = v128.load(a, 18);
    let x0 = i16x8.extend_low_i8x16_s(xa), x1 = i16x8.extend_high_i8x16_s(xa);
    let x2 = i16x8.extend_low_i8x16_s(xb), x3 = i16x8.extend_high_i8x16_s(xb);
    const s00 = rowBlockSums(w0, x0, x1, x2, x3);
    const s10 = rowBlockSums(w1, x0, x1, x2, x3);
    xa = v128.load(a, 2 + 34);
    xb = v128.load(a, 18 + 34);
    x0 = i16x8.extend_low_i8x16_s(xa); x1 = i16x8.extend_high_i8x16_s(xa);
    x2 = i16x8.extend_low_i8x16_s(xb); x3 = i16x8.extend_high_i8x16_s(xb);
    const s01 = rowBlockSums(w0 + BLOCK_BYTES, x0, x1, x2, x3);
    const s11 = rowBlockSums(w1 + BLOCK_BYTES, x0, x1, x2, x3);
    xa = v128.load(a, 2 + 68);
    xb = v128.load(a, 18 + 68);
    x0 = i16x8.extend_low_i8x16_s(xa); x1 = i16x8.extend_high_i8x16_s(xa);
    x2 = i16x8.extend_low_i8x16_s(xb); x3 = i16x8.extend_high_i8x16_s(xb);
    const s02 = rowBlockSums(w0 + 2 * BLOCK_BYTES, x0, x1, x2, x3);
    const s12 = rowBlockSums(w1 + 2 * BLOCK_BYTES, x0, x1, x2, x3);
    xa = v128.load(a, 2 + 102);
    xb = v128.load(a, 18 + 102);
    x0 = i16x8.extend_low_i8x16_s(xa); x1 = i16x8.extend_high_i8x16_s(xa);
    x2 = i16x8.extend_low_i8x16_s(xb); x3 = i16x8.extend_high_i8x16_s(xb);
    const s03 = rowBlockSums(w0 + 3 * BLOCK_BYTES, x0, x1, x2, x3);
    const s13 = rowBlockSums(w1 + 3 * BLOCK_BYTES, x0, x1, x2, x3);
    const r0 = transposeReduce(s00, s01, s02, s03);
    const r1 = transposeReduce(s10, s11, s12, s13);
    const scalesX = fourScales(a);
    const p0 = f32x4.mul(f32x4.convert_i32x4_s(r0), f32x4.mul(fourScales(w0), scalesX));
    const p1 = f32x4.mul(f32x4.convert_i32x4_s(r1), f32x4.mul(fourScales(w1), scalesX));
    sum0 += f32x4.extract_lane(p0, 0);
    sum1 += f32x4.extract_lane(p1, 0);
    sum0 += f32x4.extract_lane(p0, 1);
    sum1 += f32x4.extract_lane(p1, 1);
    sum0 += f32x4.extract_lane(p0, 2);
    sum1 += f32x4.extract_lane(p1, 2);
    sum0 += f32x4.extract_lane(p0, 3);
    sum1 += f32x4.extract_lane(p1, 3);
    w0 += 4 * BLOCK_BYTES;
    w1 += 4 * BLOCK_BYTES;
    a += 4 * BLOCK_BYTES;
  }
  for (; block < blocks; block++) {
    const s0 = blockPartialSums(w0, a);
    const s1 = blockPartialSums(w1, a);
    sum0 += <f32>(i32x4.extract_lane(s0, 0) + i32x4.extract_lane(s0, 1) + i32x4.extract_lane(s0, 2) + i32x4.extract_lane(s0, 3)) * blockScale(w0, a);
    sum1 += <f32>(i32x4.extract_lane(s1, 0) + i32x4.extract_lane(s1, 1) + i32x4.extract_lane(s1, 2) + i32x4.extract_lane(s1, 3)) * blockScale(w1, a);
    w0 += BLOCK_BYTES;
    w1 += BLOCK_BYTES;
    a += BLOCK_BYTES;
  }
  store<f32>(out0, sum0);
  store<f32>(out1, sum1);
}

/**
 * dotQ8_0 of four consecutive rows (row0, row0 + rowStride, …) with the same
 * activations, the four f32 results stored at out … out + 12. The activation
 * block is loaded and sign-extended once for the four rows (load8x8_s), the
 * four rows' block sums are reduced together (one transpose) and each row's
 * running sum lives in one lane, so the per-block f32 combination
 * sum = f32(sum + f32(f32(sumi) · f32(d_w · d_x))) runs on four rows at once
 * in each row's own block order: the same bits as dotQ8_0.
 */
function dotQuadQ8_0(row0: usize, rowStride: usize, x: usize, n: i32, out: usize, outLaneStride: usize): void {
  const blocks = n >> 5;
  let acc = f32x4.splat(0);
  let w0 = row0;
  let w1 = row0 + rowStride;
  let w2 = w1 + rowStride;
  let w3 = w2 + rowStride;
  let a = x;
  for (let block = 0; block < blocks; block++) {
    const x0 = v128.load8x8_s(a, 2);
    const x1 = v128.load8x8_s(a, 10);
    const x2 = v128.load8x8_s(a, 18);
    const x3 = v128.load8x8_s(a, 26);
    let s0 = i32x4.dot_i16x8_s(v128.load8x8_s(w0, 2), x0);
    let s1 = i32x4.dot_i16x8_s(v128.load8x8_s(w1, 2), x0);
    let s2 = i32x4.dot_i16x8_s(v128.load8x8_s(w2, 2), x0);
    let s3 = i32x4.dot_i16x8_s(v128.load8x8_s(w3, 2), x0);
    s0 = i32x4.add(s0, i32x4.dot_i16x8_s(v128.load8x8_s(w0, 10), x1));
    s1 = i32x4.add(s1, i32x4.dot_i16x8_s(v128.load8x8_s(w1, 10), x1));
    s2 = i32x4.add(s2, i32x4.dot_i16x8_s(v128.load8x8_s(w2, 10), x1));
    s3 = i32x4.add(s3, i32x4.dot_i16x8_s(v128.load8x8_s(w3, 10), x1));
    s0 = i32x4.add(s0, i32x4.dot_i16x8_s(v128.load8x8_s(w0, 18), x2));
    s1 = i32x4.add(s1, i32x4.dot_i16x8_s(v128.load8x8_s(w1, 18), x2));
    s2 = i32x4.add(s2, i32x4.dot_i16x8_s(v128.load8x8_s(w2, 18), x2));
    s3 = i32x4.add(s3, i32x4.dot_i16x8_s(v128.load8x8_s(w3, 18), x2));
    s0 = i32x4.add(s0, i32x4.dot_i16x8_s(v128.load8x8_s(w0, 26), x3));
    s1 = i32x4.add(s1, i32x4.dot_i16x8_s(v128.load8x8_s(w1, 26), x3));
    s2 = i32x4.add(s2, i32x4.dot_i16x8_s(v128.load8x8_s(w2, 26), x3));
    s3 = i32x4.add(s3, i32x4.dot_i16x8_s(v128.load8x8_s(w3, 26), x3));
    const sums = transposeReduce(s0, s1, s2, s3);
    const scales = f32x4.mul(fourHalves(w0, rowStride), f32x4.splat(f16ToF32(<u32>load<u16>(a))));
    acc = f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(sums), scales));
    w0 += BLOCK_BYTES;
    w1 += BLOCK_BYTES;
    w2 += BLOCK_BYTES;
    w3 += BLOCK_BYTES;
    a += BLOCK_BYTES;
  }
  storeLanes(out, outLaneStride, acc);
}

/**
 * dotQuadQ8_0 for two tokens at once: four consecutive rows times the
 * activations at x0 and x1, results at out0 … out0 + 3·outLaneStride and
 * out1 … (same lanes). Each weight half-block is loaded and sign-extended once
 * for both tokens (eight i32x4 partial sums stay in registers); every
 * (row, token) keeps its own block order, so the bits equal dotQ8_0's.
 */
function dotQuadPairQ8_0(row0: usize, rowStride: usize, a0: usize, a1: usize, n: i32, out0: usize, out1: usize, outLaneStride: usize): void {
  const blocks = n >> 5;
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let w0 = row0;
  let w1 = row0 + rowStride;
  let w2 = w1 + rowStride;
  let w3 = w2 + rowStride;
  let x0: v128, x1: v128, w: v128;
  let s00: v128, s01: v128, s10: v128, s11: v128, s20: v128, s21: v128, s30: v128, s31: v128;
  for (let block = 0; block < blocks; block++) {
    x0 = v128.load8x8_s(a0, 2);
    x1 = v128.load8x8_s(a1, 2);
    w = v128.load8x8_s(w0, 2);
    s00 = i32x4.dot_i16x8_s(w, x0);
    s01 = i32x4.dot_i16x8_s(w, x1);
    w = v128.load8x8_s(w1, 2);
    s10 = i32x4.dot_i16x8_s(w, x0);
    s11 = i32x4.dot_i16x8_s(w, x1);
    w = v128.load8x8_s(w2, 2);
    s20 = i32x4.dot_i16x8_s(w, x0);
    s21 = i32x4.dot_i16x8_s(w, x1);
    w = v128.load8x8_s(w3, 2);
    s30 = i32x4.dot_i16x8_s(w, x0);
    s31 = i32x4.dot_i16x8_s(w, x1);
    x0 = v128.load8x8_s(a0, 10);
    x1 = v128.load8x8_s(a1, 10);
    w = v128.load8x8_s(w0, 10);
    s00 = i32x4.add(s00, i32x4.dot_i16x8_s(w, x0));
    s01 = i32x4.add(s01, i32x4.dot_i16x8_s(w, x1));
    w = v128.load8x8_s(w1, 10);
    s10 = i32x4.add(s10, i32x4.dot_i16x8_s(w, x0));
    s11 = i32x4.add(s11, i32x4.dot_i16x8_s(w, x1));
    w = v128.load8x8_s(w2, 10);
    s20 = i32x4.add(s20, i32x4.dot_i16x8_s(w, x0));
    s21 = i32x4.add(s21, i32x4.dot_i16x8_s(w, x1));
    w = v128.load8x8_s(w3, 10);
    s30 = i32x4.add(s30, i32x4.dot_i16x8_s(w, x0));
    s31 = i32x4.add(s31, i32x4.dot_i16x8_s(w, x1));
    x0 = v128.load8x8_s(a0, 18);
    x1 = v128.load8x8_s(a1, 18);
    w = v128.load8x8_s(w0, 18);
    s00 = i32x4.add(s00, i32x4.dot_i16x8_s(w, x0));
    s01 = i32x4.add(s01, i32x4.dot_i16x8_s(w, x1));
    w = v128.load8x8_s(w1, 18);
    s10 = i32x4.add(s10, i32x4.dot_i16x8_s(w, x0));
    s11 = i32x4.add(s11, i32x4.dot_i16x8_s(w, x1));
    w = v128.load8x8_s(w2, 18);
    s20 = i32x4.add(s20, i32x4.dot_i16x8_s(w, x0));
    s21 = i32x4.add(s21, i32x4.dot_i16x8_s(w, x1));
    w = v128.load8x8_s(w3, 18);
    s30 = i32x4.add(s30, i32x4.dot_i16x8_s(w, x0));
    s31 = i32x4.add(s31, i32x4.dot_i16x8_s(w, x1));
    x0 = v128.load8x8_s(a0, 26);
    x1 = v128.load8x8_s(a1, 26);
    w = v128.load8x8_s(w0, 26);
    s00 = i32x4.add(s00, i32x4.dot_i16x8_s(w, x0));
    s01 = i32x4.add(s01, i32x4.dot_i16x8_s(w, x1));
    w = v128.load8x8_s(w1, 26);
    s10 = i32x4.add(s10, i32x4.dot_i16x8_s(w, x0));
    s11 = i32x4.add(s11, i32x4.dot_i16x8_s(w, x1));
    w = v128.load8x8_s(w2, 26);
    s20 = i32x4.add(s20, i32x4.dot_i16x8_s(w, x0));
    s21 = i32x4.add(s21, i32x4.dot_i16x8_s(w, x1));
    w = v128.load8x8_s(w3, 26);
    s30 = i32x4.add(s30, i32x4.dot_i16x8_s(w, x0));
    s31 = i32x4.add(s31, i32x4.dot_i16x8_s(w, x1));
    const rowScales = fourHalves(w0, rowStride);
    const sums0 = transposeReduce(s00, s10, s20, s30);
    const sums1 = transposeReduce(s01, s11, s21, s31);
    acc0 = addScaledSums(acc0, sums0, rowScales, a0);
    acc1 = addScaledSums(acc1, sums1, rowScales, a1);
    w0 += BLOCK_BYTES;
    w1 += BLOCK_BYTES;
    w2 += BLOCK_BYTES;
    w3 += BLOCK_BYTES;
    a0 += BLOCK_BYTES;
    a1 += BLOCK_BYTES;
  }
  storeLanes(out0, outLaneStride, acc0);
  storeLanes(out1, outLaneStride, acc1);
}

/**
 * out[t · outTokenStride + 4r] (f32) = dotQ8_0(row r, activations of token t)
 * for rows r in [rowBegin, rowEnd) and tokens t in [0, tokens).
 * Rows start at weights + r · rowStride; token t's activations at x + t · xTokenStride.
 * Strides are in bytes. The row loop is outside so a row is read once per batch.
 * `unpacked`: 0, or where unpackQ8_0Activations wrote x's tokens (it returned
 * true); the relaxed module's batch tiles then read them instead of
 * unpacking per tile. Called from JavaScript with ten arguments it is 0.
 */
export function matmulQ8_0(
  out: usize, outTokenStride: usize,
  weights: usize, rowStride: usize,
  x: usize, xTokenStride: usize, tokens: i32,
  n: i32, rowBegin: i32, rowEnd: i32, unpacked: usize,
): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    // the relaxed module: tiles of four rows with int8 relaxed dots (q8_0-relaxed.ts), then the plain code below for the last < 4 rows
    if (unpacked != 0 || !anyActivationMinus128(x, xTokenStride, tokens, n)) {
      rowBegin = matmulQuadsQ8_0Relaxed(out, outTokenStride, weights, rowStride, x, xTokenStride, tokens, n, rowBegin, rowEnd, unpacked);
    }
  }
  let r = rowBegin;
  if (tokens == 1 && rowEnd - rowBegin >= 16) {
    // one token: the four lanes take rows from the four quarters of the range,
    // four independent sequential streams that the hardware prefetchers follow
    // (four interleaved neighbouring rows stream from memory at half the speed)
    const quarter = (rowEnd - rowBegin) >> 2;
    for (let i = 0; i < quarter; i++, r++) {
      dotQuadQ8_0(weights + <usize>r * rowStride, <usize>quarter * rowStride, x, n, out + (<usize>r << 2), <usize>quarter << 2);
    }
    r = rowBegin + (quarter << 2);
  }
  for (; r + 4 <= rowEnd; r += 4) {
    const row = weights + <usize>r * rowStride;
    const outRow = out + (<usize>r << 2);
    let t = 0;
    for (; t + 2 <= tokens; t += 2) {
      const xt = x + <usize>t * xTokenStride;
      const outToken = outRow + <usize>t * outTokenStride;
      dotQuadPairQ8_0(row, rowStride, xt, xt + xTokenStride, n, outToken, outToken + outTokenStride, 4);
    }
    if (t < tokens) dotQuadQ8_0(row, rowStride, x + <usize>t * xTokenStride, n, outRow + <usize>t * outTokenStride, 4);
  }
  for (; r + 2 <= rowEnd; r += 2) {
    const row = weights + <usize>r * rowStride;
    const outRow = out + (<usize>r << 2);
    for (let t = 0; t < tokens; t++) {
      const outToken = outRow + <usize>t * outTokenStride;
      dotPairQ8_0(row, row + rowStride, x + <usize>t * xTokenStride, n, outToken, outToken + 4);
    }
  }
  if (r < rowEnd) {
    const row = weights + <usize>r * rowStride;
    const outRow = out + (<usize>r << 2);
    for (let t = 0; t < tokens; t++) {
      store<f32>(outRow + <usize>t * outTokenStride, dotQ8_0(row, x + <usize>t * xTokenStride, n));
    }
  }
}

/**
 * Unpack `tokens` tokens of Q8_0 activations (n elements, blocks at x, token
 * stride xTokenStride) for matmulQ8_0's `unpacked` into dst (tokens · n/32 ·
 * UNPACKED_BYTES = 72 bytes). Returns whether dst may be used: false in the
 * plain module (its tiles unpack nothing) and when an activation byte is
 * −128 (the relaxed tiles then take the exact plain path).
 */
export function unpackQ8_0Activations(x: usize, xTokenStride: usize, tokens: i32, n: i32, dst: usize): bool {
  if (ASC_FEATURE_RELAXED_SIMD) return unpackQ8_0ActivationsRelaxed(x, xTokenStride, tokens, n, dst);
  return false;
}
