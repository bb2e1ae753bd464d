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
// One pass with an online softmax (Milakov & Gimelshein 2018): a running
// maximum m, sum l and output o (kept in the output row itself):
//   s_j = q·k_j / sqrt(headDim)
//   if s_j > m: o ← o·e^(m−s_j), l ← l·e^(m−s_j), m ← s_j
//   p = e^(s_j−m);  o ← o + p·v_j;  l ← l + p
//   out = o / l
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
  for (let r = rowBegin; r < rowEnd; r++) {
    const t = r / headCount;
    const h = r - t * headCount;
    const qRow = q + <usize>t * qTokenStride + <usize>h * headBytes;
    const oRow = out + <usize>t * outTokenStride + <usize>h * headBytes;
    const kvHead: usize = <usize>(h / group) * headBytes;
    const visible = startPosition + t + 1;
    for (let i: usize = 0; i < headBytes; i += 16) v128.store(oRow + i, f32x4.splat(0));
    let max: f32 = -Infinity;
    let sum: f32 = 0;
    let k = keys + kvHead;
    let v = values + kvHead;
    for (let j = 0; j < visible; j++) {
      let acc0 = f32x4.splat(0);
      let acc1 = f32x4.splat(0);
      let i: usize = 0;
      for (; i + 32 <= headBytes; i += 32) {
        acc0 = f32x4.add(acc0, f32x4.mul(v128.load(qRow + i), v128.load(k + i)));
        acc1 = f32x4.add(acc1, f32x4.mul(v128.load(qRow + i, 16), v128.load(k + i, 16)));
      }
      if (i < headBytes) acc0 = f32x4.add(acc0, f32x4.mul(v128.load(qRow + i), v128.load(k + i)));
      const acc = f32x4.add(acc0, acc1);
      const score: f32 = ((f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3))) * scale;
      if (score > max) {
        const shrink: f32 = expNonPositive(max - score);
        if (shrink != 1) {
          const factor = f32x4.splat(shrink);
          for (let o: usize = 0; o < headBytes; o += 16) v128.store(oRow + o, f32x4.mul(v128.load(oRow + o), factor));
          sum *= shrink;
        }
        max = score;
      }
      const p: f32 = expNonPositive(score - max);
      sum += p;
      const weight = f32x4.splat(p);
      for (let o: usize = 0; o < headBytes; o += 16) {
        v128.store(oRow + o, f32x4.add(v128.load(oRow + o), f32x4.mul(weight, v128.load(v + o))));
      }
      k += kvStride;
      v += kvStride;
    }
    const inverse = f32x4.splat(1 / sum);
    for (let o: usize = 0; o < headBytes; o += 16) v128.store(oRow + o, f32x4.mul(v128.load(oRow + o), inverse));
  }
}

const LOG2E: f32 = 1.44269504;
/** ln 2 split so that n·LN2_HIGH is exact for |n| < 2^8 */
const LN2_HIGH: f32 = 0.693359375;
const LN2_LOW: f32 = -2.12194440e-4;

/**
 * e^x for x ≤ 0 (−∞ gives 0) in f32, within about 2 ulp: x = n·ln2 + r with
 * |r| ≤ ln2/2, e^r by its degree-6 Taylor polynomial (error < 2^-26 there),
 * times 2^n built in the exponent bits; results below 2^-126 flush to 0.
 */
// @ts-ignore: decorator
@inline
function expNonPositive(x: f32): f32 {
  if (x < -87.3) return 0;
  const n: f32 = nearest<f32>(x * LOG2E);
  const r = (x - n * LN2_HIGH) - n * LN2_LOW;
  const poly: f32 = 1 + r * (1 + r * (0.5 + r * (0.16666667 + r * (0.041666668 + r * (0.008333334 + r * 0.0013888889)))));
  return poly * reinterpret<f32>((<i32>n + 127) << 23);
}
