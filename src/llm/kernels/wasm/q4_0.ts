// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// Q4_0 and Q5_0 weight rows · Q8_0 activations with 128-bit SIMD.
//
// Q4_0 block (18 bytes): f16 d at +0, u8 qs[16] at +2 (low nibble = quant j,
// high nibble = quant j + 16); weight = d·(q − 8).
// Q5_0 block (22 bytes): f16 d at +0, u32 qh at +2 (bit j = 5th bit of quant j),
// u8 qs[16] at +6 as Q4_0; weight = d·(q − 16).
// Q8_0 activation block (34 bytes): f16 d at +0, int8 qs[32] at +2.
//
// Numerics: bit-identical to vecDotQ4_0 / vecDotQ5_0 (llm/quant): per block
// an exact i32 sum of the 32 products, then in block order
//   Q4_0: sum = f32(sum + f32(f32(sumi · d_w) · d_x))
//   Q5_0: sum = f32(sum + f32(f32(d_w · d_x) · sumi))
// Four blocks are reduced together; the per-lane f32 products round exactly
// as the scalar ones, and the adds into sum stay in block order.

import { fourHalves, int8BlockSums, laneSum, storeLanes, transposeReduce } from './simd';
import { f16ToF32 } from './f16';
import { octQuadQ4_0Relaxed, octQuadQ5_0Relaxed, quadOneQ4_0Relaxed, quadOneQ5_0Relaxed, quadQuadQ4_0Relaxed, quadQuadQ5_0Relaxed } from './q4_0-relaxed';

const Q4_0_BYTES: usize = 18;
const Q5_0_BYTES: usize = 22;
const Q8_0_BYTES: usize = 34;

/** the 32 signed quants (q − 8) of the Q4_0 block at w: lanes 0..15 in the first vector, 16..31 in the second, summed against a */
// @ts-ignore: decorator
@inline
function q4_0BlockSums(w: usize, a: usize): v128 {
  const packed = v128.load(w, 2);
  const eight = i8x16.splat(8);
  const low = i8x16.sub(v128.and(packed, i8x16.splat(0x0f)), eight);
  const high = i8x16.sub(i8x16.shr_u(packed, 4), eight);
  return int8BlockSums(low, high, a + 2);
}

/** bit k of each byte lane (k = lane mod 8) */
// @ts-ignore: decorator
@inline
function bitMask(): v128 {
  return i8x16(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
}

// @ts-ignore: decorator
@inline
function q5_0BlockSums(w: usize, a: usize): v128 {
  const packed = v128.load(w, 6);
  const qh = v128.load32_splat(w + 2);
  const mask = bitMask();
  // lanes 0..15 take qh bytes 0,1 (8 lanes each), lanes 16..31 bytes 2,3
  const spreadLow = i8x16.swizzle(qh, i8x16(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
  const spreadHigh = i8x16.swizzle(qh, i8x16(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
  const sixteen = i8x16.splat(16);
  const fifthLow = v128.and(i8x16.eq(v128.and(spreadLow, mask), mask), sixteen);
  const fifthHigh = v128.and(i8x16.eq(v128.and(spreadHigh, mask), mask), sixteen);
  const low = i8x16.sub(v128.or(v128.and(packed, i8x16.splat(0x0f)), fifthLow), sixteen);
  const high = i8x16.sub(v128.or(i8x16.shr_u(packed, 4), fifthHigh), sixteen);
  return int8BlockSums(low, high, a + 2);
}

/** dot of the n-element Q4_0 row at `row` with Q8_0 activations at `x` (n a multiple of 32) */
export function dotQ4_0(row: usize, x: usize, n: i32): f32 {
  const blocks = n >> 5;
  let sum: f32 = 0;
  let w = row;
  let a = x;
  let block = 0;
  for (; block + 4 <= blocks; block += 4) {
    const sums = transposeReduce(q4_0BlockSums(w, a), q4_0BlockSums(w + Q4_0_BYTES, a + Q8_0_BYTES),
      q4_0BlockSums(w + 2 * Q4_0_BYTES, a + 2 * Q8_0_BYTES), q4_0BlockSums(w + 3 * Q4_0_BYTES, a + 3 * Q8_0_BYTES));
    const products = f32x4.mul(f32x4.mul(f32x4.convert_i32x4_s(sums), fourHalves(w, Q4_0_BYTES)), fourHalves(a, Q8_0_BYTES));
    sum += f32x4.extract_lane(products, 0);
    sum += f32x4.extract_lane(products, 1);
    sum += f32x4.extract_lane(products, 2);
    sum += f32x4.extract_lane(products, 3);
    w += 4 * Q4_0_BYTES;
    a += 4 * Q8_0_BYTES;
  }
  for (; block < blocks; block++) {
    sum += (<f32>laneSum(q4_0BlockSums(w, a)) * f16ToF32(<u32>load<u16>(w))) * f16ToF32(<u32>load<u16>(a));
    w += Q4_0_BYTES;
    a += Q8_0_BYTES;
  }
  return sum;
}

/** dot of the n-element Q5_0 row at `row` with Q8_0 activations at `x` (n a multiple of 32) */
export function dotQ5_0(row: usize, x: usize, n: i32): f32 {
  const blocks = n >> 5;
  let sum: f32 = 0;
  let w = row;
  let a = x;
  let block = 0;
  for (; block + 4 <= blocks; block += 4) {
    const sums = transposeReduce(q5_0BlockSums(w, a), q5_0BlockSums(w + Q5_0_BYTES, a + Q8_0_BYTES),
      q5_0BlockSums(w + 2 * Q5_0_BYTES, a + 2 * Q8_0_BYTES), q5_0BlockSums(w + 3 * Q5_0_BYTES, a + 3 * Q8_0_BYTES));
    const scales = f32x4.mul(fourHalves(w, Q5_0_BYTES), fourHalves(a, Q8_0_BYTES));
    const products = f32x4.mul(scales, f32x4.convert_i32x4_s(sums));
    sum += f32x4.extract_lane(products, 0);
    sum += f32x4.extract_lane(products, 1);
    sum += f32x4.extract_lane(products, 2);
    sum += f32x4.extract_lane(products, 3);
    w += 4 * Q5_0_BYTES;
    a += 4 * Q8_0_BYTES;
  }
  for (; block < blocks; block++) {
    sum += (f16ToF32(<u32>load<u16>(w)) * f16ToF32(<u32>load<u16>(a))) * <f32>laneSum(q5_0BlockSums(w, a));
    w += Q5_0_BYTES;
    a += Q8_0_BYTES;
  }
  return sum;
}

// Tiles for matmul. A weight block's quants are unpacked to int8 once and
// sign-extended to four i16x8 vectors; the Q8_0 activations are widened by
// load8x8_s. Rows × 1 token (decode) puts four rows in the lanes; 1 row ×
// tokens (prompt) puts four tokens in the lanes and reuses the unpacked block
// for all four. Either way each lane is one (row, token) dot whose f32 sum
// runs over the blocks in order with the reference's rounding. The relaxed
// build runs prompts (≥ 4 tokens) in 8 × 4 and 4 × 4 tiles of relaxed dots
// (q4_0-relaxed.ts), with the same bits.

/** i32x4 partial sums of widened weight quants (w0..w3: quants 0..7, 8..15, 16..23, 24..31) against the Q8_0 activation block at a */
// @ts-ignore: decorator
@inline
function widenedSums(w0: v128, w1: v128, w2: v128, w3: v128, a: usize): v128 {
  let s = i32x4.dot_i16x8_s(w0, v128.load8x8_s(a, 2));
  s = i32x4.add(s, i32x4.dot_i16x8_s(w1, v128.load8x8_s(a, 10)));
  s = i32x4.add(s, i32x4.dot_i16x8_s(w2, v128.load8x8_s(a, 18)));
  return i32x4.add(s, i32x4.dot_i16x8_s(w3, v128.load8x8_s(a, 26)));
}

/** the 32 int8 quants of the Q4_0 (kind 0) or Q5_0 (kind 1) block at w: quants 0..15 */
// @ts-ignore: decorator
@inline
function quantsLow(kind: i32, w: usize): v128 {
  if (kind == 0) return i8x16.sub(v128.and(v128.load(w, 2), i8x16.splat(0x0f)), i8x16.splat(8));
  const qh = v128.load32_splat(w + 2);
  const mask = bitMask();
  const spread = i8x16.swizzle(qh, i8x16(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
  // q = nibble + 16·bit − 16 = nibble − (bit ? 0 : 16)
  const missing = v128.andnot(i8x16.splat(16), i8x16.eq(v128.and(spread, mask), mask));
  return i8x16.sub(v128.and(v128.load(w, 6), i8x16.splat(0x0f)), missing);
}

/** quants 16..31 of the block at w (see quantsLow) */
// @ts-ignore: decorator
@inline
function quantsHigh(kind: i32, w: usize): v128 {
  if (kind == 0) return i8x16.sub(i8x16.shr_u(v128.load(w, 2), 4), i8x16.splat(8));
  const qh = v128.load32_splat(w + 2);
  const mask = bitMask();
  const spread = i8x16.swizzle(qh, i8x16(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
  const missing = v128.andnot(i8x16.splat(16), i8x16.eq(v128.and(spread, mask), mask));
  return i8x16.sub(i8x16.shr_u(v128.load(w, 6), 4), missing);
}

/** i32x4 partial sums of the block at w against the activation block at a */
// @ts-ignore: decorator
@inline
function blockSums(kind: i32, w: usize, a: usize): v128 {
  const low = quantsLow(kind, w);
  const high = quantsHigh(kind, w);
  return widenedSums(i16x8.extend_low_i8x16_s(low), i16x8.extend_high_i8x16_s(low),
    i16x8.extend_low_i8x16_s(high), i16x8.extend_high_i8x16_s(high), a);
}

/** per-lane block product in the reference's order: Q4_0 f32(f32(sumi·d_w)·d_x), Q5_0 f32(f32(d_w·d_x)·sumi) */
// @ts-ignore: decorator
@inline
function blockProducts(kind: i32, sums: v128, scalesW: v128, scalesX: v128): v128 {
  if (kind == 0) return f32x4.mul(f32x4.mul(f32x4.convert_i32x4_s(sums), scalesW), scalesX);
  return f32x4.mul(f32x4.mul(scalesW, scalesX), f32x4.convert_i32x4_s(sums));
}

/** four rows (row0 + k·rowStride) · one token's activations at x; f32 results at out + k·outLaneStride */
// @ts-ignore: decorator
@inline
function rowsQuad(kind: i32, blockBytes: usize, row0: usize, rowStride: usize, x: usize, n: i32, out: usize, outLaneStride: usize): void {
  const blocks = n >> 5;
  let acc = f32x4.splat(0);
  let w = row0;
  let a = x;
  for (let block = 0; block < blocks; block++) {
    const sums = transposeReduce(blockSums(kind, w, a), blockSums(kind, w + rowStride, a),
      blockSums(kind, w + 2 * rowStride, a), blockSums(kind, w + 3 * rowStride, a));
    const scalesX = f32x4.splat(f16ToF32(<u32>load<u16>(a)));
    acc = f32x4.add(acc, blockProducts(kind, sums, fourHalves(w, rowStride), scalesX));
    w += blockBytes;
    a += Q8_0_BYTES;
  }
  storeLanes(out, outLaneStride, acc);
}

/** rowsQuad, with relaxed dots in the relaxed build (q4_0-relaxed.ts quadOneTile, the same bits) */
// @ts-ignore: decorator
@inline
function rowsQuadAny(kind: i32, blockBytes: usize, row0: usize, rowStride: usize, x: usize, n: i32, out: usize, outLaneStride: usize): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    if (kind == 0) quadOneQ4_0Relaxed(row0, rowStride, x, n, out, outLaneStride);
    else quadOneQ5_0Relaxed(row0, rowStride, x, n, out, outLaneStride);
  } else {
    rowsQuad(kind, blockBytes, row0, rowStride, x, n, out, outLaneStride);
  }
}

/** one row · four tokens' activations (x + k·xStride); f32 results at out + k·outStride */
// @ts-ignore: decorator
@inline
function tokensQuad(kind: i32, blockBytes: usize, row: usize, x: usize, xStride: usize, n: i32, out: usize, outStride: usize): void {
  const blocks = n >> 5;
  let acc = f32x4.splat(0);
  let w = row;
  let a = x;
  for (let block = 0; block < blocks; block++) {
    const low = quantsLow(kind, w);
    const high = quantsHigh(kind, w);
    const w0 = i16x8.extend_low_i8x16_s(low);
    const w1 = i16x8.extend_high_i8x16_s(low);
    const w2 = i16x8.extend_low_i8x16_s(high);
    const w3 = i16x8.extend_high_i8x16_s(high);
    const sums = transposeReduce(widenedSums(w0, w1, w2, w3, a), widenedSums(w0, w1, w2, w3, a + xStride),
      widenedSums(w0, w1, w2, w3, a + 2 * xStride), widenedSums(w0, w1, w2, w3, a + 3 * xStride));
    const scalesW = f32x4.splat(f16ToF32(<u32>load<u16>(w)));
    acc = f32x4.add(acc, blockProducts(kind, sums, scalesW, fourHalves(a, xStride)));
    w += blockBytes;
    a += Q8_0_BYTES;
  }
  storeLanes(out, outStride, acc);
}

/** one relaxed prompt tile of `rows` (8 or 4) rows × 4 tokens for Q4_0 (kind 0) or Q5_0 (kind 1) rows (q4_0-relaxed.ts) */
// @ts-ignore: decorator
@inline
function relaxedTile(kind: i32, rows: i32, row0: usize, rowStride: usize, x0: usize, xTokenStride: usize, n: i32, out: usize, outTokenStride: usize): void {
  if (rows == 8) {
    if (kind == 0) octQuadQ4_0Relaxed(row0, rowStride, x0, xTokenStride, n, out, outTokenStride);
    else octQuadQ5_0Relaxed(row0, rowStride, x0, xTokenStride, n, out, outTokenStride);
  } else {
    if (kind == 0) quadQuadQ4_0Relaxed(row0, rowStride, x0, xTokenStride, n, out, outTokenStride);
    else quadQuadQ5_0Relaxed(row0, rowStride, x0, xTokenStride, n, out, outTokenStride);
  }
}

/** the matmul contract for Q4_0 (kind 0) or Q5_0 (kind 1) rows, tiled (see above), leftovers by the single dot */
// @ts-ignore: decorator
@inline
function matmulTiled(
  kind: i32, blockBytes: usize,
  out: usize, outTokenStride: usize,
  weights: usize, rowStride: usize,
  x: usize, xTokenStride: usize, tokens: i32,
  n: i32, rowBegin: i32, rowEnd: i32,
): void {
  let r = rowBegin;
  if (tokens == 1 && rowEnd - rowBegin >= 16) {
    // the four lanes take rows from the four quarters of the range: four
    // independent sequential streams, which the hardware prefetchers follow
    // far better than four interleaved neighbouring rows
    const quarter = (rowEnd - rowBegin) >> 2;
    for (let i = 0; i < quarter; i++, r++) {
      rowsQuadAny(kind, blockBytes, weights + <usize>r * rowStride, <usize>quarter * rowStride, x, n, out + (<usize>r << 2), <usize>quarter << 2);
    }
    r = rowBegin + (quarter << 2);
  }
  if (ASC_FEATURE_RELAXED_SIMD) {
    if (tokens >= 4) {
      // prompts: 8 rows × 4 tokens relaxed tiles, then 4 × 4 for a last row quad (q4_0-relaxed.ts); each group's last < 4 tokens by rowsQuad
      for (let group = 8; group >= 4; group -= 4) {
        for (; r + group <= rowEnd; r += group) {
          const row = weights + <usize>r * rowStride;
          const outRow = out + (<usize>r << 2);
          let t = 0;
          for (; t + 4 <= tokens; t += 4) {
            relaxedTile(kind, group, row, rowStride, x + <usize>t * xTokenStride, xTokenStride, n, outRow + <usize>t * outTokenStride, outTokenStride);
          }
          for (; t < tokens; t++) {
            for (let quad = 0; quad < group; quad += 4) {
              rowsQuadAny(kind, blockBytes, row + <usize>quad * rowStride, rowStride, x + <usize>t * xTokenStride, n, outRow + (<usize>quad << 2) + <usize>t * outTokenStride, 4);
            }
          }
        }
      }
    }
  }
  if (tokens < 4) {
    for (; r + 4 <= rowEnd; r += 4) {
      const row = weights + <usize>r * rowStride;
      const outRow = out + (<usize>r << 2);
      for (let t = 0; t < tokens; t++) rowsQuadAny(kind, blockBytes, row, rowStride, x + <usize>t * xTokenStride, n, outRow + <usize>t * outTokenStride, 4);
    }
  }
  for (; r < rowEnd; r++) {
    const row = weights + <usize>r * rowStride;
    const outRow = out + (<usize>r << 2);
    let t = 0;
    for (; t + 4 <= tokens; t += 4) tokensQuad(kind, blockBytes, row, x + <usize>t * xTokenStride, xTokenStride, n, outRow + <usize>t * outTokenStride, outTokenStride);
    for (; t < tokens; t++) {
      const a = x + <usize>t * xTokenStride;
      store<f32>(outRow + <usize>t * outTokenStride, kind == 0 ? dotQ4_0(row, a, n) : dotQ5_0(row, a, n));
    }
  }
}

/** matmulQ8_0's contract (see q8_0.ts) for Q4_0 rows and Q8_0 activations */
export function matmulQ4_0(
  out: usize, outTokenStride: usize,
  weights: usize, rowStride: usize,
  x: usize, xTokenStride: usize, tokens: i32,
  n: i32, rowBegin: i32, rowEnd: i32,
): void {
  matmulTiled(0, Q4_0_BYTES, out, outTokenStride, weights, rowStride, x, xTokenStride, tokens, n, rowBegin, rowEnd);
}

/** matmulQ8_0's contract for Q5_0 rows and Q8_0 activations */
export function matmulQ5_0(
  out: usize, outTokenStride: usize,
  weights: usize, rowStride: usize,
  x: usize, xTokenStride: usize, tokens: i32,
  n: i32, rowBegin: i32, rowEnd: i32,
): void {
  matmulTiled(1, Q5_0_BYTES, out, outTokenStride, weights, rowStride, x, xTokenStride, tokens, n, rowBegin, rowEnd);
}
