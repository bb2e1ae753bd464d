// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// Q8_0 row tiles with relaxed SIMD (only in build/wasm/llm-kernels-relaxed.wasm;
// matmulQ8_0 in q8_0.ts calls them under `if (ASC_FEATURE_RELAXED_SIMD)`).
//
// i16x8.relaxed_dot_i8x16_i7x16_s(a, b) (x86: one pmaddubsw) gives lane k =
// a[2k]·b[2k] + a[2k+1]·b[2k+1] exactly when every b byte is in 0 … 127; with
// b ≥ 128 the engine may read b as signed or unsigned. Q8_0 weights and
// activations are both signed, so the sign moves from the activation to the
// weight (ggml's trick, done without its one overflow):
//   b = |x|                    (0 … 127: needs x ≠ −128, see below)
//   a = w xor sign(x)          (sign(x) = x < 0 ? −1 : 0 per byte: a = w, or ~w = −w − 1)
// For x < 0: a·b = (−w − 1)·(−x) = w·x + x, so Σ a·b = Σ w·x + Σ_{x<0} x: the
// excess Σ_{x<0} x = Σ sign(x)·|x| belongs to the activation block alone and is
// subtracted once per block. ~w never overflows (~(−128) = 127), so weight
// bytes from any file give the exact sum; a plain negation (−w) would wrap
// for w = −128. |pair| ≤ 2·128·127 < 2^15, so the i16 lanes are exact too,
// and i32x4.dot_i16x8_s(p, ones) (pmaddwd) widens them.
//
// x = −128 is never written by the quantizers (|q| ≤ 127 for Q8_0), but the
// contract takes any bytes: matmulQ8_0 scans the activations once per call
// (anyActivationMinus128) and keeps the plain tiles when one occurs.
//
// i32x4.relaxed_dot_i8x16_i7x16_add_s is not used: on Node 20 (V8 11.3) its
// baseline (Liftoff) code returns 2·dot and drops the accumulator, and its
// optimized (TurboFan) code is no vpdpbusd even on AVX-VNNI CPUs (V8 11.3 has
// no AVX-VNNI lowering) but pmaddubsw + pmaddwd with a freshly built vector of
// ones + paddd: measured 0.8–0.9× the plain tiles, where the i16x8 form with
// the ones hoisted out of the loop is faster and right in both tiers.
//
// Batches run 8 rows × 4 tokens per tile (dotOctQuadQ8_0Relaxed): each token's
// sign masks, magnitudes and correction serve 8 rows, the 8 rows' f16 scales
// and the 4 tokens' are converted once per block, and the four-row transposed
// reduction keeps the per-block f32 step vectorised over rows. Measured
// against the plain 4 × 2 tiles (one thread, 0.5B shapes, 16–64 tokens):
// 1.15–1.27×, where the relaxed 4 × 2 tile gave 1.0–1.1×.
//
// The unpacking of a token's block (signs, magnitudes, excess; and its f16
// scale to f32) is the same for every row, so a caller that keeps scratch can
// have it done once per matmul (unpackQ8_0Activations, UNPACKED_BYTES per
// block) and hand the 8 × 4 tiles the result (dotOctQuadQ8_0Unpacked).
// Measured against unpacking in the tile (one thread, 4864 rows × 896 and ×
// 4864, 64 tokens, unpacking included): 1.08–1.11×.
//
// Numerics: the per-block integer sums equal the plain tiles', and the f32
// steps are the same operations in the same order, so the results are the
// same bits as dotQ8_0 (and the reference vecDotQ8_0).

import { f16ToF32 } from './f16';
import { addScaledSums, fourFloats, fourHalves, storeLanes, transposeReduce, zeroOctQuad } from './simd';

/** bytes per Q8_0 block */
const BLOCK_BYTES: usize = 34;
/** bytes per unpacked activation block: |x| (32), sign masks (32), the excess Σ_{x<0} x (i32), the block's f16 scale as f32 */
export const UNPACKED_BYTES: usize = 72;

/** whether any activation byte of `tokens` tokens of n elements (Q8_0 blocks at x, token stride in bytes) is −128 */
export function anyActivationMinus128(x: usize, xTokenStride: usize, tokens: i32, n: i32): bool {
  const minus128 = i8x16.splat(-128);
  const blocks = n >> 5;
  let found = i8x16.splat(0);
  for (let t = 0; t < tokens; t++) {
    let a = x + <usize>t * xTokenStride;
    for (let block = 0; block < blocks; block++) {
      found = v128.or(found, i8x16.eq(v128.load(a, 2), minus128));
      found = v128.or(found, i8x16.eq(v128.load(a, 18), minus128));
      a += BLOCK_BYTES;
    }
  }
  return v128.any_true(found);
}

/** i32x4 partial sums of the weight block at w · the activation block given as sign masks and magnitudes (signA/magA: bytes 0..15, signB/magB: 16..31) */
// @ts-ignore: decorator
@inline
function flippedRowSums(w: usize, signA: v128, signB: v128, magA: v128, magB: v128, ones: v128): v128 {
  const low = i16x8.relaxed_dot_i8x16_i7x16_s(v128.xor(v128.load(w, 2), signA), magA);
  const high = i16x8.relaxed_dot_i8x16_i7x16_s(v128.xor(v128.load(w, 18), signB), magB);
  return i32x4.add(i32x4.dot_i16x8_s(low, ones), i32x4.dot_i16x8_s(high, ones));
}

/** i32x4 partial sums of Σ_{x<0} x over the activation block (what flippedRowSums adds on top of Σ w·x) */
// @ts-ignore: decorator
@inline
function negativeExcess(signA: v128, signB: v128, magA: v128, magB: v128, ones: v128): v128 {
  const pairs = i16x8.add(i16x8.relaxed_dot_i8x16_i7x16_s(signA, magA), i16x8.relaxed_dot_i8x16_i7x16_s(signB, magB));
  return i32x4.dot_i16x8_s(pairs, ones);
}

/** the block's excess Σ_{x<0} x (negativeExcess summed across lanes) in every lane */
// @ts-ignore: decorator
@inline
function excessInEveryLane(signA: v128, signB: v128, magA: v128, magB: v128, ones: v128): v128 {
  const excess = negativeExcess(signA, signB, magA, magB, ones);
  const pairTotals = i32x4.add(excess, i32x4.shuffle(excess, excess, 1, 0, 3, 2));
  return i32x4.add(pairTotals, i32x4.shuffle(pairTotals, pairTotals, 2, 3, 0, 1));
}

/** lane k = Σ w·x of the weight block at w_k (k = 0…3) and one activation block given unpacked: the flipped products, less its excess */
// @ts-ignore: decorator
@inline
function fourRowSums(w0: usize, w1: usize, w2: usize, w3: usize, signA: v128, signB: v128, magA: v128, magB: v128, excess: v128, ones: v128): v128 {
  const sums = transposeReduce(
    flippedRowSums(w0, signA, signB, magA, magB, ones),
    flippedRowSums(w1, signA, signB, magA, magB, ones),
    flippedRowSums(w2, signA, signB, magA, magB, ones),
    flippedRowSums(w3, signA, signB, magA, magB, ones),
  );
  return i32x4.sub(sums, excess);
}

/**
 * lane k = Σ over the activation block of w·x for the weight block at w_k
 * (k = 0…3), exact. The block is a Q8_0 block at a (unpacked here, once for
 * the four rows) or, when `unpacked`, what unpackQ8_0ActivationsRelaxed wrote
 * for it at a.
 */
// @ts-ignore: decorator
@inline
function fourRowBlockSums(unpacked: bool, w0: usize, w1: usize, w2: usize, w3: usize, a: usize, ones: v128): v128 {
  if (unpacked) return fourRowSums(w0, w1, w2, w3, v128.load(a, 32), v128.load(a, 48), v128.load(a), v128.load(a, 16), v128.load32_splat(a + 64), ones);
  const zero = i8x16.splat(0);
  const xa = v128.load(a, 2);
  const xb = v128.load(a, 18);
  const signA = i8x16.lt_s(xa, zero);
  const signB = i8x16.lt_s(xb, zero);
  const magA = i8x16.abs(xa);
  const magB = i8x16.abs(xb);
  return fourRowSums(w0, w1, w2, w3, signA, signB, magA, magB, excessInEveryLane(signA, signB, magA, magB, ones), ones);
}

/** acc + f32(sums) · (rowScales · tokenScale), lane by lane: one block's step of four rows' running sums */
// @ts-ignore: decorator
@inline
function addScaledBlock(acc: v128, sums: v128, rowScales: v128, tokenScale: v128): v128 {
  return f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(sums), f32x4.mul(rowScales, tokenScale)));
}

/**
 * Eight consecutive rows (row0 + k·rowStride) · four tokens (a0 + t·tokenStride):
 * out + t·outTokenStride + 4k (f32) = dotQ8_0(row k, token t), the same bits
 * (each (row, token) keeps its block order and the reference's f32 steps).
 * The tokens are Q8_0 blocks, unpacked once per block for the eight rows, or
 * (`unpacked`) unpackQ8_0ActivationsRelaxed's blocks; the rows' scales are
 * converted once per block for the four tokens.
 */
// @ts-ignore: decorator
@inline
function octQuadTile(unpacked: bool, row0: usize, rowStride: usize, a0: usize, tokenStride: usize, n: i32, out: usize, outTokenStride: usize): void {
  const blocks = n >> 5;
  const blockBytes = unpacked ? UNPACKED_BYTES : BLOCK_BYTES;
  const ones = i16x8.splat(1);
  // the running sums live at their results' place (see zeroOctQuad)
  const out1 = out + outTokenStride, out2 = out1 + outTokenStride, out3 = out2 + outTokenStride;
  zeroOctQuad(out, outTokenStride);
  const rowStride3 = 3 * rowStride;
  let w = row0;
  let a = a0;
  for (let block = 0; block < blocks; block++) {
    const v = w + 4 * rowStride;
    const scalesLow = fourHalves(w, rowStride);
    const scalesHigh = fourHalves(v, rowStride);
    const tokenScales = unpacked ? fourFloats(a + 68, tokenStride) : fourHalves(a, tokenStride);
    let t = a;
    let scale = i32x4.shuffle(tokenScales, tokenScales, 0, 0, 0, 0);
    v128.store(out, addScaledBlock(v128.load(out), fourRowBlockSums(unpacked, w, w + rowStride, w + 2 * rowStride, w + rowStride3, t, ones), scalesLow, scale));
    v128.store(out, addScaledBlock(v128.load(out, 16), fourRowBlockSums(unpacked, v, v + rowStride, v + 2 * rowStride, v + rowStride3, t, ones), scalesHigh, scale), 16);
    t += tokenStride;
    scale = i32x4.shuffle(tokenScales, tokenScales, 1, 1, 1, 1);
    v128.store(out1, addScaledBlock(v128.load(out1), fourRowBlockSums(unpacked, w, w + rowStride, w + 2 * rowStride, w + rowStride3, t, ones), scalesLow, scale));
    v128.store(out1, addScaledBlock(v128.load(out1, 16), fourRowBlockSums(unpacked, v, v + rowStride, v + 2 * rowStride, v + rowStride3, t, ones), scalesHigh, scale), 16);
    t += tokenStride;
    scale = i32x4.shuffle(tokenScales, tokenScales, 2, 2, 2, 2);
    v128.store(out2, addScaledBlock(v128.load(out2), fourRowBlockSums(unpacked, w, w + rowStride, w + 2 * rowStride, w + rowStride3, t, ones), scalesLow, scale));
    v128.store(out2, addScaledBlock(v128.load(out2, 16), fourRowBlockSums(unpacked, v, v + rowStride, v + 2 * rowStride, v + rowStride3, t, ones), scalesHigh, scale), 16);
    t += tokenStride;
    scale = i32x4.shuffle(tokenScales, tokenScales, 3, 3, 3, 3);
    v128.store(out3, addScaledBlock(v128.load(out3), fourRowBlockSums(unpacked, w, w + rowStride, w + 2 * rowStride, w + rowStride3, t, ones), scalesLow, scale));
    v128.store(out3, addScaledBlock(v128.load(out3, 16), fourRowBlockSums(unpacked, v, v + rowStride, v + 2 * rowStride, v + rowStride3, t, ones), scalesHigh, scale), 16);
    w += BLOCK_BYTES;
    a += blockBytes;
  }
}

/** octQuadTile over Q8_0 activation blocks (x0 + t·xTokenStride) */
function dotOctQuadQ8_0Relaxed(row0: usize, rowStride: usize, x0: usize, xTokenStride: usize, n: i32, out: usize, outTokenStride: usize): void {
  octQuadTile(false, row0, rowStride, x0, xTokenStride, n, out, outTokenStride);
}

/** octQuadTile over unpacked activations (u0 + t·uTokenStride) */
function dotOctQuadQ8_0Unpacked(row0: usize, rowStride: usize, u0: usize, uTokenStride: usize, n: i32, out: usize, outTokenStride: usize): void {
  octQuadTile(true, row0, rowStride, u0, uTokenStride, n, out, outTokenStride);
}

/**
 * Unpack `tokens` tokens of Q8_0 activations (n elements each, blocks at x,
 * token stride xTokenStride) into dst: tokens × n/32 blocks of
 * UNPACKED_BYTES, token after token. Returns false, leaving dst unusable,
 * when an activation byte is −128 (the relaxed tiles need |x| ≤ 127).
 */
export function unpackQ8_0ActivationsRelaxed(x: usize, xTokenStride: usize, tokens: i32, n: i32, dst: usize): bool {
  const blocks = n >> 5;
  const zero = i8x16.splat(0);
  const minus128 = i8x16.splat(-128);
  const ones = i16x8.splat(1);
  let found = i8x16.splat(0);
  let u = dst;
  for (let t = 0; t < tokens; t++) {
    let a = x + <usize>t * xTokenStride;
    for (let block = 0; block < blocks; block++) {
      const xa = v128.load(a, 2);
      const xb = v128.load(a, 18);
      found = v128.or(found, v128.or(i8x16.eq(xa, minus128), i8x16.eq(xb, minus128)));
      const signA = i8x16.lt_s(xa, zero);
      const signB = i8x16.lt_s(xb, zero);
      const magA = i8x16.abs(xa);
      const magB = i8x16.abs(xb);
      v128.store(u, magA);
      v128.store(u, magB, 16);
      v128.store(u, signA, 32);
      v128.store(u, signB, 48);
      store<i32>(u, i32x4.extract_lane(excessInEveryLane(signA, signB, magA, magB, ones), 0), 64);
      store<f32>(u, f16ToF32(<u32>load<u16>(a)), 68);
      a += BLOCK_BYTES;
      u += UNPACKED_BYTES;
    }
  }
  return !v128.any_true(found);
}

/** q8_0.ts dotQuadQ8_0 with relaxed dots: four rows (row0 + k·rowStride) · one token, f32 results at out + k·outLaneStride */
function dotQuadQ8_0Relaxed(row0: usize, rowStride: usize, x: usize, n: i32, out: usize, outLaneStride: usize): void {
  const blocks = n >> 5;
  const ones = i16x8.splat(1);
  const zero = i8x16.splat(0);
  let acc = f32x4.splat(0);
  let w0 = row0;
  let w1 = row0 + rowStride;
  let w2 = w1 + rowStride;
  let w3 = w2 + rowStride;
  let a = x;
  for (let block = 0; block < blocks; block++) {
    const xa = v128.load(a, 2);
    const xb = v128.load(a, 18);
    const signA = i8x16.lt_s(xa, zero);
    const signB = i8x16.lt_s(xb, zero);
    const magA = i8x16.abs(xa);
    const magB = i8x16.abs(xb);
    const excess = negativeExcess(signA, signB, magA, magB, ones);
    const s0 = i32x4.sub(flippedRowSums(w0, signA, signB, magA, magB, ones), excess);
    const s1 = i32x4.sub(flippedRowSums(w1, signA, signB, magA, magB, ones), excess);
    const s2 = i32x4.sub(flippedRowSums(w2, signA, signB, magA, magB, ones), excess);
    const s3 = i32x4.sub(flippedRowSums(w3, signA, signB, magA, magB, ones), excess);
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

/** q8_0.ts dotQuadPairQ8_0 with relaxed dots: four rows · two tokens (x0, x1); results at out0/out1 + k·outLaneStride */
function dotQuadPairQ8_0Relaxed(row0: usize, rowStride: usize, x0: usize, x1: usize, n: i32, out0: usize, out1: usize, outLaneStride: usize): void {
  const blocks = n >> 5;
  const ones = i16x8.splat(1);
  const zero = i8x16.splat(0);
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let w0 = row0;
  let w1 = row0 + rowStride;
  let w2 = w1 + rowStride;
  let w3 = w2 + rowStride;
  let a0 = x0;
  let a1 = x1;
  for (let block = 0; block < blocks; block++) {
    const xa0 = v128.load(a0, 2);
    const xb0 = v128.load(a0, 18);
    const signA0 = i8x16.lt_s(xa0, zero);
    const signB0 = i8x16.lt_s(xb0, zero);
    const magA0 = i8x16.abs(xa0);
    const magB0 = i8x16.abs(xb0);
    const excess0 = negativeExcess(signA0, signB0, magA0, magB0, ones);
    const xa1 = v128.load(a1, 2);
    const xb1 = v128.load(a1, 18);
    const signA1 = i8x16.lt_s(xa1, zero);
    const signB1 = i8x16.lt_s(xb1, zero);
    const magA1 = i8x16.abs(xa1);
    const magB1 = i8x16.abs(xb1);
    const excess1 = negativeExcess(signA1, signB1, magA1, magB1, ones);
    const s00 = i32x4.sub(flippedRowSums(w0, signA0, signB0, magA0, magB0, ones), excess0);
    const s01 = i32x4.sub(flippedRowSums(w0, signA1, signB1, magA1, magB1, ones), excess1);
    const s10 = i32x4.sub(flippedRowSums(w1, signA0, signB0, magA0, magB0, ones), excess0);
    const s11 = i32x4.sub(flippedRowSums(w1, signA1, signB1, magA1, magB1, ones), excess1);
    const s20 = i32x4.sub(flippedRowSums(w2, signA0, signB0, magA0, magB0, ones), excess0);
    const s21 = i32x4.sub(flippedRowSums(w2, signA1, signB1, magA1, magB1, ones), excess1);
    const s30 = i32x4.sub(flippedRowSums(w3, signA0, signB0, magA0, magB0, ones), excess0);
    const s31 = i32x4.sub(flippedRowSums(w3, signA1, signB1, magA1, magB1, ones), excess1);
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
 * matmulQ8_0's row tiles (its contract, q8_0.ts) with relaxed dots: one token
 * in four-row quarter-stream tiles, four or more tokens in 8 × 4 tiles (over
 * `unpacked` activations when that is not 0: unpackQ8_0ActivationsRelaxed of x), the
 * rest in four-row tiles of token pairs, for rows [rowBegin, rowBegin + 4·k); returns the first row left (fewer than
 * four remain), which the caller finishes with the plain pair/single dots.
 * Activations must hold no −128 byte (anyActivationMinus128).
 */
export function matmulQuadsQ8_0Relaxed(
  out: usize, outTokenStride: usize,
  weights: usize, rowStride: usize,
  x: usize, xTokenStride: usize, tokens: i32,
  n: i32, rowBegin: i32, rowEnd: i32, unpacked: usize,
): i32 {
  let r = rowBegin;
  const uTokenStride = <usize>(n >> 5) * UNPACKED_BYTES;
  if (tokens == 1 && rowEnd - rowBegin >= 16) {
    // one token: lanes take rows from the four quarters of the range (four sequential streams, as in q8_0.ts)
    const quarter = (rowEnd - rowBegin) >> 2;
    for (let i = 0; i < quarter; i++, r++) {
      dotQuadQ8_0Relaxed(weights + <usize>r * rowStride, <usize>quarter * rowStride, x, n, out + (<usize>r << 2), <usize>quarter << 2);
    }
    r = rowBegin + (quarter << 2);
  }
  if (tokens >= 4) {
    // batches: tiles of 8 rows × 4 tokens, the last < 4 tokens of each 8 rows as two 4-row tiles
    for (; r + 8 <= rowEnd; r += 8) {
      const row = weights + <usize>r * rowStride;
      const outRow = out + (<usize>r << 2);
      let t = 0;
      for (; t + 4 <= tokens; t += 4) {
        if (unpacked != 0) dotOctQuadQ8_0Unpacked(row, rowStride, unpacked + <usize>t * uTokenStride, uTokenStride, n, outRow + <usize>t * outTokenStride, outTokenStride);
        else dotOctQuadQ8_0Relaxed(row, rowStride, x + <usize>t * xTokenStride, xTokenStride, n, outRow + <usize>t * outTokenStride, outTokenStride);
      }
      if (t < tokens) {
        quadRowsQ8_0Relaxed(row, rowStride, x, xTokenStride, t, tokens, n, outRow, outTokenStride);
        quadRowsQ8_0Relaxed(row + 4 * rowStride, rowStride, x, xTokenStride, t, tokens, n, outRow + 16, outTokenStride);
      }
    }
  }
  for (; r + 4 <= rowEnd; r += 4) {
    quadRowsQ8_0Relaxed(weights + <usize>r * rowStride, rowStride, x, xTokenStride, 0, tokens, n, out + (<usize>r << 2), outTokenStride);
  }
  return r;
}

/** four rows (row0 + k·rowStride) · tokens [tokenBegin, tokenEnd): pairs of tokens, then one; results at outRow + t·outTokenStride + 4k */
function quadRowsQ8_0Relaxed(row: usize, rowStride: usize, x: usize, xTokenStride: usize, tokenBegin: i32, tokenEnd: i32, n: i32, outRow: usize, outTokenStride: usize): void {
  let t = tokenBegin;
  for (; t + 2 <= tokenEnd; t += 2) {
    const xt = x + <usize>t * xTokenStride;
    const outToken = outRow + <usize>t * outTokenStride;
    dotQuadPairQ8_0Relaxed(row, rowStride, xt, xt + xTokenStride, n, outToken, outToken + outTokenStride, 4);
  }
  if (t < tokenEnd) dotQuadQ8_0Relaxed(row, rowStride, x + <usize>t * xTokenStride, n, outRow + <usize>t * outTokenStride, 4);
}
