// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// Small SIMD helpers shared by the block kernels.

import { f16ToF32, f16x4ToF32x4 } from './f16';

/** lane k = horizontal i32 sum of s_k */
// @ts-ignore: decorator
@inline
export function transposeReduce(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  const t01 = i32x4.add(i32x4.shuffle(s0, s1, 0, 4, 1, 5), i32x4.shuffle(s0, s1, 2, 6, 3, 7));
  const t23 = i32x4.add(i32x4.shuffle(s2, s3, 0, 4, 1, 5), i32x4.shuffle(s2, s3, 2, 6, 3, 7));
  return i32x4.add(i32x4.shuffle(t01, t23, 0, 1, 4, 5), i32x4.shuffle(t01, t23, 2, 3, 6, 7));
}

/** f32x4 of the four f16 values at p, p + stride, p + 2·stride, p + 3·stride */
// @ts-ignore: decorator
@inline
export function fourHalves(p: usize, stride: usize): v128 {
  let halves = i32x4.splat(<i32>load<u16>(p));
  halves = i32x4.replace_lane(halves, 1, <i32>load<u16>(p + stride));
  halves = i32x4.replace_lane(halves, 2, <i32>load<u16>(p + 2 * stride));
  halves = i32x4.replace_lane(halves, 3, <i32>load<u16>(p + 3 * stride));
  return f16x4ToF32x4(halves);
}

/** i16x8 splat of i16 lane j (a constant 0 … 7) of v */
// @ts-ignore: decorator
@inline
export function lane16(v: v128, j: i32): v128 {
  if (j == 0) return i8x16.shuffle(v, v, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1);
  if (j == 1) return i8x16.shuffle(v, v, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
  if (j == 2) return i8x16.shuffle(v, v, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5);
  if (j == 3) return i8x16.shuffle(v, v, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7);
  if (j == 4) return i8x16.shuffle(v, v, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9);
  if (j == 5) return i8x16.shuffle(v, v, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11);
  if (j == 6) return i8x16.shuffle(v, v, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13);
  return i8x16.shuffle(v, v, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15);
}

/** f32x4 of the four f32 values at p, p + stride, p + 2·stride, p + 3·stride */
// @ts-ignore: decorator
@inline
export function fourFloats(p: usize, stride: usize): v128 {
  let values = f32x4.splat(load<f32>(p));
  values = f32x4.replace_lane(values, 1, load<f32>(p + stride));
  values = f32x4.replace_lane(values, 2, load<f32>(p + 2 * stride));
  return f32x4.replace_lane(values, 3, load<f32>(p + 3 * stride));
}

/** i32 sum of the four lanes */
// @ts-ignore: decorator
@inline
export function laneSum(s: v128): i32 {
  return i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
}

/** i32x4 partial sums of 32 int8 weights (w0: 0..15, w1: 16..31) times 32 int8 activations at a */
// @ts-ignore: decorator
@inline
export function int8BlockSums(w0: v128, w1: v128, a: usize): v128 {
  const a0 = v128.load(a);
  const a1 = v128.load(a, 16);
  let s = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(w0), i16x8.extend_low_i8x16_s(a0));
  s = i32x4.add(s, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(w0), i16x8.extend_high_i8x16_s(a0)));
  s = i32x4.add(s, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(w1), i16x8.extend_low_i8x16_s(a1)));
  return i32x4.add(s, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(w1), i16x8.extend_high_i8x16_s(a1)));
}

/**
 * i16x8 lane sums of 16 int8 activations x × 16 small non-negative quants q
 * (0 … 127): each lane adds two products (which two differs between the
 * builds: neighbours in the relaxed dot, k and k + 8 with extmul), so only
 * sums over all lanes are defined. Exact: |lane| ≤ 2·128·127 < 2^15.
 */
// @ts-ignore: decorator
@inline
export function products16(x: v128, q: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i16x8.relaxed_dot_i8x16_i7x16_s(x, q);
  return i16x8.add(i16x8.extmul_low_i8x16_s(x, q), i16x8.extmul_high_i8x16_s(x, q));
}

/** bytes a0, b0, a1, b1, …, a7, b7 (punpcklbw) */
// @ts-ignore: decorator
@inline
export function interleaveLow(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}

/** bytes a8, b8, a9, b9, …, a15, b15 (punpckhbw) */
// @ts-ignore: decorator
@inline
export function interleaveHigh(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
}

/**
 * i16x8 lane sums (lane l ≡ element mod 8) of 32 small quants (0 ≤ q ≤ 31,
 * two v128) × 32 int8 activations at xq (K-quant sub-blocks). With relaxed
 * SIMD the products come from two i16x8.relaxed_dot_i8x16_i7x16_s, whose
 * lane k adds the products of bytes 2k and 2k + 1: interleaving bytes k of
 * the two halves (elements k and 16 + k, the same class mod 8) keeps every
 * lane inside its class. The quants are the 7-bit operand (non-negative), so
 * the result is exact and deterministic; |lane| ≤ 4·31·128 < 2^15.
 */
// @ts-ignore: decorator
@inline
export function subBlockProducts(quants0: v128, quants1: v128, xq: usize): v128 {
  const x0 = v128.load(xq);
  const x1 = v128.load(xq, 16);
  if (ASC_FEATURE_RELAXED_SIMD) {
    const low = i16x8.relaxed_dot_i8x16_i7x16_s(interleaveLow(x0, x1), interleaveLow(quants0, quants1));
    return i16x8.add(low, i16x8.relaxed_dot_i8x16_i7x16_s(interleaveHigh(x0, x1), interleaveHigh(quants0, quants1)));
  }
  const p0 = i16x8.add(i16x8.extmul_low_i8x16_s(quants0, x0), i16x8.extmul_high_i8x16_s(quants0, x0));
  const p1 = i16x8.add(i16x8.extmul_low_i8x16_s(quants1, x1), i16x8.extmul_high_i8x16_s(quants1, x1));
  return i16x8.add(p0, p1);
}

/** sum + the eight f32 lane sums (low lanes 0..3, then high lanes 0..3), one at a time in that order (the references' final loop) */
// @ts-ignore: decorator
@inline
export function addLanesInOrder(sum: f32, laneSumsLow: v128, laneSumsHigh: v128): f32 {
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

/** acc + (f32) sums · rowScales · (the f16 activation scale at `activationScale`): one block of four rows into their accumulators */
// @ts-ignore: decorator
@inline
export function addScaledSums(acc: v128, sums: v128, rowScales: v128, activationScale: usize): v128 {
  return f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(sums), f32x4.mul(rowScales, f32x4.splat(f16ToF32(<u32>load<u16>(activationScale))))));
}

/** the four f32 lanes of `lanes` to out, out + laneStride, out + 2·laneStride, out + 3·laneStride */
// @ts-ignore: decorator
@inline
export function storeLanes(out: usize, laneStride: usize, lanes: v128): void {
  store<f32>(out, f32x4.extract_lane(lanes, 0));
  store<f32>(out + laneStride, f32x4.extract_lane(lanes, 1));
  store<f32>(out + 2 * laneStride, f32x4.extract_lane(lanes, 2));
  store<f32>(out + 3 * laneStride, f32x4.extract_lane(lanes, 3));
}

/** an 8-row × 4-token tile's sums: token t's rows 0–3 (low_t) and 4–7 (high_t) at out + t·tokenStride, four bytes apart */
// @ts-ignore: decorator
@inline
export function storeOctQuad(out: usize, tokenStride: usize, low0: v128, high0: v128, low1: v128, high1: v128, low2: v128, high2: v128, low3: v128, high3: v128): void {
  storeLanes(out, 4, low0);
  storeLanes(out + 16, 4, high0);
  storeLanes(out + tokenStride, 4, low1);
  storeLanes(out + tokenStride + 16, 4, high1);
  storeLanes(out + 2 * tokenStride, 4, low2);
  storeLanes(out + 2 * tokenStride + 16, 4, high2);
  storeLanes(out + 3 * tokenStride, 4, low3);
  storeLanes(out + 3 * tokenStride + 16, 4, high3);
}

/**
 * Zero an 8-row × 4-token tile's running sums, kept where its results go:
 * token t's rows 0–3 at out + t·tokenStride (one f32x4), rows 4–7 16 bytes on.
 *
 * Why in memory, not in eight v128 locals: V8's optimizing tier (TurboFan,
 * Node 20) schedules a loop body's loads as early as it may, and a load may
 * not move above a store. With the sums in locals, a tile's body has no store,
 * so every weight and activation load of the block lands at the top of the
 * loop and the register allocator spills most of them (Q8_0's 8 × 4 tile: 55
 * spill stores and 99 reloads per block). Loading and storing each sum once
 * per (block, 4-row half, token) costs 16 memory operations and keeps each
 * token's loads beside their use (11 spills; the tile 1.07×, 0.5B Q8_0 pp512
 * 1.10× in an interleaved in-process A/B).
 */
// @ts-ignore: decorator
@inline
export function zeroOctQuad(out: usize, tokenStride: usize): void {
  const zero = f32x4.splat(0);
  for (let t: usize = 0; t < 4; t++) {
    v128.store(out + t * tokenStride, zero);
    v128.store(out + t * tokenStride, zero, 16);
  }
}

/**
 * Store s0 + s1 + s2 + s3 (i32x4) at p, a place the caller overwrites with its
 * results later: a fence for V8's load scheduling (see zeroOctQuad). A tile
 * whose block works in stages, each loading its own operands, calls it
 * between stages with its running sums, so that a stage's loads come after
 * the previous stage's arithmetic rather than all at the top of the loop.
 */
// @ts-ignore: decorator
@inline
export function loadFence(p: usize, s0: v128, s1: v128, s2: v128, s3: v128): void {
  v128.store(p, i32x4.add(i32x4.add(s0, s1), i32x4.add(s2, s3)));
}
