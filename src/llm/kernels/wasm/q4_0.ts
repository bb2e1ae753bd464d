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

import { fourHalves, int8BlockSums, laneSum, transposeReduce } from './simd';
import { f16ToF32 } from './f16';

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

/** matmulQ8_0's contract (see q8_0.ts) for Q4_0 rows and Q8_0 activations */
export function matmulQ4_0(
  out: usize, outTokenStride: usize,
  weights: usize, rowStride: usize,
  x: usize, xTokenStride: usize, tokens: i32,
  n: i32, rowBegin: i32, rowEnd: i32,
): void {
  for (let r = rowBegin; r < rowEnd; r++) {
    const row = weights + <usize>r * rowStride;
    const outRow = out + (<usize>r << 2);
    for (let t = 0; t < tokens; t++) store<f32>(outRow + <usize>t * outTokenStride, dotQ4_0(row, x + <usize>t * xTokenStride, n));
  }
}

/** matmulQ8_0's contract for Q5_0 rows and Q8_0 activations */
export function matmulQ5_0(
  out: usize, outTokenStride: usize,
  weights: usize, rowStride: usize,
  x: usize, xTokenStride: usize, tokens: i32,
  n: i32, rowBegin: i32, rowEnd: i32,
): void {
  for (let r = rowBegin; r < rowEnd; r++) {
    const row = weights + <usize>r * rowStride;
    const outRow = out + (<usize>r << 2);
    for (let t = 0; t < tokens; t++) store<f32>(outRow + <usize>t * outTokenStride, dotQ5_0(row, x + <usize>t * xTokenStride, n));
  }
}
