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
// Four blocks are reduced together (a 4×4 transpose of the i32x4 partial
// sums) so the horizontal adds and the scale multiply run once per 4 blocks.

import { f16ToF32 } from './f16';

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
    // transpose-reduce: lane k of `sums` = the four lanes of s_k added
    const t01 = i32x4.add(i32x4.shuffle(s0, s1, 0, 4, 1, 5), i32x4.shuffle(s0, s1, 2, 6, 3, 7));
    const t23 = i32x4.add(i32x4.shuffle(s2, s3, 0, 4, 1, 5), i32x4.shuffle(s2, s3, 2, 6, 3, 7));
    const sums = i32x4.add(i32x4.shuffle(t01, t23, 0, 1, 4, 5), i32x4.shuffle(t01, t23, 2, 3, 6, 7));
    let scales = f32x4.splat(blockScale(w, a));
    scales = f32x4.replace_lane(scales, 1, blockScale(w + BLOCK_BYTES, a + BLOCK_BYTES));
    scales = f32x4.replace_lane(scales, 2, blockScale(w + 2 * BLOCK_BYTES, a + 2 * BLOCK_BYTES));
    scales = f32x4.replace_lane(scales, 3, blockScale(w + 3 * BLOCK_BYTES, a + 3 * BLOCK_BYTES));
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
 * out[t · outTokenStride + 4r] (f32) = dotQ8_0(row r, activations of token t)
 * for rows r in [rowBegin, rowEnd) and tokens t in [0, tokens).
 * Rows start at weights + r · rowStride; token t's activations at x + t · xTokenStride.
 * Strides are in bytes. The row loop is outside so a row is read once per batch.
 */
export function matmulQ8_0(
  out: usize, outTokenStride: usize,
  weights: usize, rowStride: usize,
  x: usize, xTokenStride: usize, tokens: i32,
  n: i32, rowBegin: i32, rowEnd: i32,
): void {
  for (let r = rowBegin; r < rowEnd; r++) {
    const row = weights + <usize>r * rowStride;
    const outRow = out + (<usize>r << 2);
    for (let t = 0; t < tokens; t++) {
      store<f32>(outRow + <usize>t * outTokenStride, dotQ8_0(row, x + <usize>t * xTokenStride, n));
    }
  }
}
