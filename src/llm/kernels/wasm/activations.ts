// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// Activation quantizers: f32 rows → the vec-dot type of the weights, the
// same bytes the TypeScript `prepareActivations` writes by default:
//   quantizeQ8_0  ggml's x86 SIMD quantize_row_q8_0 (twin: quantizeRowQ8_0X86):
//                 d = f16(amax/127), q = round-half-even(x · (127/amax));
//                 a block holding a NaN gets d = 0x7e00 and quants 0
//   quantizeQ8_K  quantize_row_q8_K_ref (twin: quantizeRowQ8_K): the value of
//                 largest magnitude (first one on ties; NaNs passed over) sets iscale = −127/max,
//                 q = min(127, round-half-even(iscale·x)), 16 i16 block sums, d = 1/iscale
//   quantizeF16   round to nearest even binary16 (twin: quantizeRowF16)
//   quantizeBf16  round to nearest even bfloat16, NaN → quiet NaN (twin: quantizeRowBf16)
// All f32 operations are single IEEE operations, as Math.fround of one JS
// operation on f32 inputs is (double rounding is innocuous for + − × ÷ here).
// Layouts: Q8_0 block 34 bytes (f16 d, int8 qs[32]); Q8_K block 292 bytes
// (f32 d, int8 qs[256], i16 bsums[16]).

const Q8_0_BYTES: usize = 34;
const Q8_K_BYTES: usize = 292;

/** f32 → binary16 bits, round to nearest even; overflow → ±inf; NaN → 0x7e00 with the sign */
export function f32ToF16Bits(value: f32): u32 {
  const bits = reinterpret<u32>(value);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = <i32>((bits >>> 23) & 0xff);
  const mantissa = bits & 0x7fffff;
  if (exponent == 0xff) return mantissa != 0 ? sign | 0x7e00 : sign | 0x7c00;
  const unbiased = exponent - 127;
  if (unbiased > 15) return sign | 0x7c00;
  if (unbiased >= -14) {
    let half = (<u32>(unbiased + 15) << 10) | (mantissa >>> 13);
    const rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) half += 1;
    return sign | half;
  }
  if (unbiased < -25) return sign;
  const significand = mantissa | 0x800000;
  const shift = <u32>(-unbiased - 1);
  let half = significand >>> shift;
  const rest = significand & ((<u32>1 << shift) - 1);
  const halfway = <u32>1 << (shift - 1);
  if (rest > halfway || (rest == halfway && (half & 1) == 1)) half += 1;
  return sign | half;
}

/** largest lane of an f32x4 */
// @ts-ignore: decorator
@inline
function maxLane(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/** 16 f32 at p scaled by `scale`, rounded half-even, clamped to ≤ `top`, as 16 int8 */
// @ts-ignore: decorator
@inline
function roundToInt8(p: usize, scale: v128, top: v128): v128 {
  const i0 = i32x4.min_s(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(p), scale))), top);
  const i1 = i32x4.min_s(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(p, 16), scale))), top);
  const i2 = i32x4.min_s(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(p, 32), scale))), top);
  const i3 = i32x4.min_s(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(p, 48), scale))), top);
  return i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(i0, i1), i16x8.narrow_i32x4_s(i2, i3));
}

/**
 * max |x| over the 32 f32 at x, as an integer max of the magnitudes' bits:
 * for non-negative floats the bit order is the value order, and a NaN's
 * bits exceed infinity's, so a NaN wins as it would in f32.max (the float
 * max compiles to a compare-and-fix-up sequence per operation; this is one
 * instruction each).
 */
// @ts-ignore: decorator
@inline
function largestMagnitude32(x: usize): f32 {
  const magnitude = i32x4.splat(0x7fffffff);
  let m = i32x4.max_s(v128.and(v128.load(x), magnitude), v128.and(v128.load(x, 16), magnitude));
  m = i32x4.max_s(m, i32x4.max_s(v128.and(v128.load(x, 32), magnitude), v128.and(v128.load(x, 48), magnitude)));
  m = i32x4.max_s(m, i32x4.max_s(v128.and(v128.load(x, 64), magnitude), v128.and(v128.load(x, 80), magnitude)));
  m = i32x4.max_s(m, i32x4.max_s(v128.and(v128.load(x, 96), magnitude), v128.and(v128.load(x, 112), magnitude)));
  m = i32x4.max_s(m, i32x4.shuffle(m, m, 2, 3, 0, 1));
  m = i32x4.max_s(m, i32x4.shuffle(m, m, 1, 0, 3, 2));
  return f32x4.extract_lane(m, 0);
}

/** n f32 at src (n a multiple of 32) → n/32 Q8_0 blocks at dst */
export function quantizeQ8_0(src: usize, dst: usize, n: i32): void {
  const blocks = n >> 5;
  const top = i32x4.splat(127);
  for (let block = 0; block < blocks; block++) {
    const x = src + (<usize>block << 7);
    const out = dst + <usize>block * Q8_0_BYTES;
    const amax = largestMagnitude32(x);
    // a NaN in the block: the scale is the positive quiet NaN (as the twin writes it), every quant 0
    store<u16>(out, amax != amax ? 0x7e00 : <u16>f32ToF16Bits(amax / 127));
    const scale = f32x4.splat(amax != 0 ? <f32>127 / amax : 0);
    v128.store(out + 2, roundToInt8(x, scale, top));
    v128.store(out + 18, roundToInt8(x + 64, scale, top));
  }
}

/** n f32 at src (n a multiple of 256) → n/256 Q8_K blocks at dst */
export function quantizeQ8_K(src: usize, dst: usize, n: i32): void {
  const blocks = n >> 8;
  const top = i32x4.splat(127);
  for (let block = 0; block < blocks; block++) {
    const x = src + (<usize>block << 10);
    const out = dst + <usize>block * Q8_K_BYTES;
    let m = f32x4.splat(0);
    // pmax(m, a) = m < a ? a : m passes NaNs over, as the reference's `if (ax > amax)` does
    for (let i: usize = 0; i < 1024; i += 16) m = f32x4.pmax(m, f32x4.abs(v128.load(x + i)));
    const amax = maxLane(m);
    if (!(amax > 0)) {
      memory.fill(out, 0, Q8_K_BYTES);
      continue;
    }
    let largest: f32 = 0;
    for (let i: usize = 0; i < 1024; i += 4) {
      const value = load<f32>(x + i);
      if (abs(value) == amax) {
        largest = value;
        break;
      }
    }
    const iscale: f32 = -127 / largest;
    const scale = f32x4.splat(iscale);
    for (let group: usize = 0; group < 16; group++) {
      const quants = roundToInt8(x + (group << 6), scale, top);
      v128.store(out + 4 + (group << 4), quants);
      const sums = i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(quants));
      const total = i32x4.extract_lane(sums, 0) + i32x4.extract_lane(sums, 1) + i32x4.extract_lane(sums, 2) + i32x4.extract_lane(sums, 3);
      store<i16>(out + 260 + (group << 1), <i16>total);
    }
    store<f32>(out, <f32>1 / iscale);
  }
}

/** n f32 at src → n binary16 at dst */
export function quantizeF16(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<u16>(dst + (<usize>i << 1), <u16>f32ToF16Bits(load<f32>(src + (<usize>i << 2))));
}

/** n f32 at src → n bfloat16 at dst */
export function quantizeBf16(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const bits = load<u32>(src + (<usize>i << 2));
    const half = (bits & 0x7fffffff) > 0x7f800000 ? (bits >>> 16) | 64 : (bits + (0x7fff + ((bits >>> 16) & 1))) >>> 16;
    store<u16>(dst + (<usize>i << 1), <u16>half);
  }
}
