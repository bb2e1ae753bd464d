// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// Causal grouped-query attention over the f32 KV cache, one (token, query
// head) pair per "row", so the thread pool splits a batch's attention the way
// it splits matmul rows. The TypeScript twin is llm/model/attention.ts
// (attendOne); the test llm/kernels/wasm-attention.test.ts compares them.
//
// Row r of a job: token t = r / headCount, query head h = r % headCount,
// KV head g = h / (headCount / kvHeadCount); the token sits at position
// startPosition + t and sees positions 0 … startPosition + t.
//
// One pass with an online softmax (Milakov & Gimelshein 2018), a block of
// eight positions at a time: a running maximum m, sum l and output o (kept
// in the output row itself):
//   s_j = q·k_j / sqrt(headDim) for the block's eight positions
//   if max_j s_j > m: o ← o·e^(m−max), l ← l·e^(m−max), m ← max
//   p_j = e^(s_j−m);  o ← o + Σ_j p_j·v_j (one pass over o per block);  l ← l + Σ_j p_j
//   out = o / l
// and the last (visible mod 8) positions one at a time the same way. The
// relaxed-SIMD build fuses the multiply-adds (f32x4.relaxed_madd).
// The reference takes two passes (scores, then max-subtracted exponentials),
// so results agree to rounding (f32 exponentials, different summation
// order): the test allows 2e-5 relative to max|v|.
//
// The exponential is our own (expNonPositive below): AssemblyScript's Mathf.exp
// brings lookup tables as data segments, and this module must have none
// (instantiating it in a worker would write them over the arena).
//
// Layouts (byte offsets into the shared memory):
//   out  [tokens, headCount·headDim] f32, token stride outTokenStride
//   q    [tokens, headCount·headDim] f32, token stride qTokenStride
//   keys, values: this layer's cache, (position, kvHead, headDim) f32
// headDim must be a multiple of 4.

/** a·b + c lane by lane: fused where the relaxed-SIMD build may fuse (one vfmadd), else a multiply and an add */
// @ts-ignore: decorator
@inline
function multiplyAdd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** q·k over headBytes (a multiple of 16) bytes, times scale */
// @ts-ignore: decorator
@inline
function scoreOf(q: usize, k: usize, headBytes: usize, scale: f32): f32 {
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let i: usize = 0;
  for (; i + 32 <= headBytes; i += 32) {
    acc0 = multiplyAdd(v128.load(q + i), v128.load(k + i), acc0);
    acc1 = multiplyAdd(v128.load(q + i, 16), v128.load(k + i, 16), acc1);
  }
  if (i < headBytes) acc0 = multiplyAdd(v128.load(q + i), v128.load(k + i), acc0);
  const acc = f32x4.add(acc0, acc1);
  return ((f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3))) * scale;
}

/** the scores of four consecutive positions (keys at k, k + kvStride, …) against q, times scale: four independent chains, then a transposed reduction */
// @ts-ignore: decorator
@inline
function fourScores(q: usize, k: usize, kvStride: usize, headBytes: usize, scale: v128): v128 {
  const k1 = k + kvStride;
  const k2 = k1 + kvStride;
  const k3 = k2 + kvStride;
  let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0), acc2 = f32x4.splat(0), acc3 = f32x4.splat(0);
  for (let i: usize = 0; i < headBytes; i += 16) {
    const qi = v128.load(q + i);
    acc0 = multiplyAdd(qi, v128.load(k + i), acc0);
    acc1 = multiplyAdd(qi, v128.load(k1 + i), acc1);
    acc2 = multiplyAdd(qi, v128.load(k2 + i), acc2);
    acc3 = multiplyAdd(qi, v128.load(k3 + i), acc3);
  }
  const pairs01 = f32x4.add(i32x4.shuffle(acc0, acc1, 0, 4, 1, 5), i32x4.shuffle(acc0, acc1, 2, 6, 3, 7));
  const pairs23 = f32x4.add(i32x4.shuffle(acc2, acc3, 0, 4, 1, 5), i32x4.shuffle(acc2, acc3, 2, 6, 3, 7));
  return f32x4.mul(f32x4.add(i32x4.shuffle(pairs01, pairs23, 0, 1, 4, 5), i32x4.shuffle(pairs01, pairs23, 2, 3, 6, 7)), scale);
}

/** the output row's headBytes bytes of f32 times factor (nothing to do for 1) */
// @ts-ignore: decorator
@inline
function scaleRow(oRow: usize, headBytes: usize, factor: f32): void {
  if (factor == 1) return;
  const lanes = f32x4.splat(factor);
  for (let o: usize = 0; o < headBytes; o += 16) v128.store(oRow + o, f32x4.mul(v128.load(oRow + o), lanes));
}

/**
 * the largest lane of v: pseudo-maxima (a < b ? b : a, one instruction each),
 * where f32x4.max and f32.max compile to compare-and-fix-up sequences for
 * their NaN and −0 rules (a NaN score would spoil the row either way)
 */
// @ts-ignore: decorator
@inline
function largestLane(v: v128): f32 {
  const pairs = f32x4.pmax(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.pmax(pairs, i32x4.shuffle(pairs, pairs, 1, 0, 3, 2)), 0);
}

/** positions per block of the online softmax: scores, one rescale and one pass over the output row per block */
const BLOCK = 8;

/** rows [rowBegin, rowEnd) of one layer's attention (see the header) */
export function attendRows(
  out: usize, outTokenStride: usize,
  keys: usize, values: usize,
  q: usize, qTokenStride: usize,
  startPosition: i32, headCount: i32, kvHeadCount: i32, headDim: i32,
  rowBegin: i32, rowEnd: i32,
): void {
  const group = headCount / kvHeadCount;
  const kvStride: usize = <usize>(kvHeadCount * headDim) << 2;
  const headBytes: usize = <usize>headDim << 2;
  const scale: f32 = 1 / Mathf.sqrt(<f32>headDim);
  const scales = f32x4.splat(scale);
  for (let r = rowBegin; r < rowEnd; r++) {
    const t = r / headCount;
    const h = r - t * headCount;
    const qRow = q + <usize>t * qTokenStride + <usize>h * headBytes;
    const oRow = out + <usize>t * outTokenStride + <usize>h * headBytes;
    const kvHead: usize = <usize>(h / group) * headBytes;
    const visible = startPosition + t + 1;
    for (let i: usize = 0; i < headBytes; i += 16) v128.store(oRow + i, f32x4.splat(0));
    let runningMax: f32 = -Infinity;
    let sum: f32 = 0;
    let j = 0;
    // whole blocks: eight scores, at most one rescale, one pass over the output row
    for (; j + BLOCK <= visible; j += BLOCK) {
      const k = keys + kvHead + <usize>j * kvStride;
      const scoresLow = fourScores(qRow, k, kvStride, headBytes, scales);
      const scoresHigh = fourScores(qRow, k + 4 * kvStride, kvStride, headBytes, scales);
      const blockMax = largestLane(f32x4.pmax(scoresLow, scoresHigh));
      if (blockMax > runningMax) {
        const shrink: f32 = expNonPositive(runningMax - blockMax);
        scaleRow(oRow, headBytes, shrink);
        sum *= shrink;
        runningMax = blockMax;
      }
      const top = f32x4.splat(runningMax);
      const pLow = expNonPositiveLanes(f32x4.sub(scoresLow, top));
      const pHigh = expNonPositiveLanes(f32x4.sub(scoresHigh, top));
      const pSum = f32x4.add(pLow, pHigh);
      sum += (f32x4.extract_lane(pSum, 0) + f32x4.extract_lane(pSum, 1)) + (f32x4.extract_lane(pSum, 2) + f32x4.extract_lane(pSum, 3));
      const p0 = i32x4.shuffle(pLow, pLow, 0, 0, 0, 0);
      const p1 = i32x4.shuffle(pLow, pLow, 1, 1, 1, 1);
      const p2 = i32x4.shuffle(pLow, pLow, 2, 2, 2, 2);
      const p3 = i32x4.shuffle(pLow, pLow, 3, 3, 3, 3);
      const p4 = i32x4.shuffle(pHigh, pHigh, 0, 0, 0, 0);
      const p5 = i32x4.shuffle(pHigh, pHigh, 1, 1, 1, 1);
      const p6 = i32x4.shuffle(pHigh, pHigh, 2, 2, 2, 2);
      const p7 = i32x4.shuffle(pHigh, pHigh, 3, 3, 3, 3);
      const v = values + kvHead + <usize>j * kvStride;
      for (let o: usize = 0; o < headBytes; o += 16) {
        // two independent chains of four multiply-adds (shorter latency), then one add
        let first = multiplyAdd(p0, v128.load(v + o), v128.load(oRow + o));
        let second = f32x4.mul(p4, v128.load(v + 4 * kvStride + o));
        first = multiplyAdd(p1, v128.load(v + kvStride + o), first);
        second = multiplyAdd(p5, v128.load(v + 5 * kvStride + o), second);
        first = multiplyAdd(p2, v128.load(v + 2 * kvStride + o), first);
        second = multiplyAdd(p6, v128.load(v + 6 * kvStride + o), second);
        first = multiplyAdd(p3, v128.load(v + 3 * kvStride + o), first);
        second = multiplyAdd(p7, v128.load(v + 7 * kvStride + o), second);
        v128.store(oRow + o, f32x4.add(first, second));
      }
    }
    // the last visible mod 8 positions one at a time
    for (; j < visible; j++) {
      const score = scoreOf(qRow, keys + kvHead + <usize>j * kvStride, headBytes, scale);
      if (score > runningMax) {
        const shrink: f32 = expNonPositive(runningMax - score);
        scaleRow(oRow, headBytes, shrink);
        sum *= shrink;
        runningMax = score;
      }
      const p: f32 = expNonPositive(score - runningMax);
      sum += p;
      const weight = f32x4.splat(p);
      const v = values + kvHead + <usize>j * kvStride;
      for (let o: usize = 0; o < headBytes; o += 16) v128.store(oRow + o, multiplyAdd(weight, v128.load(v + o), v128.load(oRow + o)));
    }
    scaleRow(oRow, headBytes, 1 / sum);
  }
}

const LOG2E: f32 = 1.44269504;
/** 1.5·2^23: adding it rounds an f32 below 2^22 in magnitude to an integer; its bits */
const ROUNDING_SHIFT: f32 = 12582912;
const ROUNDING_SHIFT_BITS: i32 = 0x4b400000;
/** ln 2 split so that n·LN2_HIGH is exact for |n| < 2^8 */
const LN2_HIGH: f32 = 0.693359375;
const LN2_LOW: f32 = -2.12194440e-4;

/**
 * e^x for x ≤ 0 (−∞ gives 0) in f32, within a few ulp: x = n·ln2 + r with
 * |r| ≤ ln2/2, e^r by its degree-6 Taylor polynomial (truncation error
 * below 2^-23 there), times 2^n built in the exponent bits; x below −87.3
 * gives 0.
 */
// @ts-ignore: decorator
@inline
function expNonPositive(x: f32): f32 {
  return f32x4.extract_lane(expNonPositiveLanes(f32x4.splat(x)), 0);
}

/** expNonPositive lane by lane (the same operations) */
// @ts-ignore: decorator
@inline
function expNonPositiveLanes(x: v128): v128 {
  // x·log2e + 1.5·2^23 rounds to an integer, half to even (as f32x4.nearest),
  // which then sits in the low mantissa bits: one add gives n as a float, one
  // integer subtract gives it as an int (|n| ≤ 126 where the result counts)
  const shifted = f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(ROUNDING_SHIFT));
  const n = f32x4.sub(shifted, f32x4.splat(ROUNDING_SHIFT));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HIGH))), f32x4.mul(n, f32x4.splat(LN2_LOW)));
  let poly = f32x4.add(f32x4.mul(r, f32x4.splat(0.0013888889)), f32x4.splat(0.008333334));
  poly = f32x4.add(f32x4.mul(r, poly), f32x4.splat(0.041666668));
  poly = f32x4.add(f32x4.mul(r, poly), f32x4.splat(0.16666667));
  poly = f32x4.add(f32x4.mul(r, poly), f32x4.splat(0.5));
  poly = f32x4.add(f32x4.mul(r, poly), f32x4.splat(1));
  poly = f32x4.add(f32x4.mul(r, poly), f32x4.splat(1));
  // below −87.3 (and −∞) the result is 0, like the scalar version's early return
  const scaled = f32x4.mul(poly, i32x4.shl(i32x4.sub(shifted, i32x4.splat(ROUNDING_SHIFT_BITS - 127)), 23));
  return v128.and(scaled, f32x4.ge(x, f32x4.splat(-87.3)));
}
