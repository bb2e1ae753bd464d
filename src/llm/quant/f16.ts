/**
 * Half-precision formats: IEEE 754 binary16 (F16) and bfloat16 (BF16), and
 * the scalar plumbing every quant kernel shares (reading f16/f32 fields out
 * of byte blocks, ggml's `nearest_int`).
 *
 * Conversions follow ggml (ggml-impl.h):
 *   - f32 → f16: round to nearest, ties to even; overflow → ±inf; NaN → 0x7e00
 *     with the sign kept (ggml_compute_fp32_to_fp16, the same result F16C gives).
 *   - f16 → f32: exact (a 65536-entry table, as ggml keeps `ggml_table_f32_f16`).
 *   - f32 → bf16: round to nearest, ties to even on the top 16 bits; NaN → quiet
 *     NaN (`(u >> 16) | 64`), as ggml_compute_fp32_to_bf16.
 *   - bf16 → f32: exact (the 16 bits become the top half of an f32).
 *
 * Row layout: F16 and BF16 rows are n little-endian u16 values (2 bytes each);
 * F32 rows are n little-endian f32 values (4 bytes each).
 */

// ── scalar scratch: bit casts without allocation ────────────────────────────

const castBuffer = new ArrayBuffer(4);
const castF32 = new Float32Array(castBuffer);
const castU32 = new Uint32Array(castBuffer);

export function f32Bits(value: number): number {
  castF32[0] = value;
  return castU32[0]!;
}

export function f32FromBits(bits: number): number {
  castU32[0] = bits >>> 0;
  return castF32[0]!;
}

/** little-endian f32 at `offset` of a byte array */
export function readF32(bytes: Uint8Array, offset: number): number {
  castU32[0] = bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24);
  return castF32[0]!;
}

/** writes a little-endian f32 (rounded to f32) at `offset` */
export function writeF32(bytes: Uint8Array, offset: number, value: number): void {
  castF32[0] = value;
  const bits = castU32[0]!;
  bytes[offset] = bits & 0xff;
  bytes[offset + 1] = (bits >>> 8) & 0xff;
  bytes[offset + 2] = (bits >>> 16) & 0xff;
  bytes[offset + 3] = bits >>> 24;
}

export function readU16(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! | (bytes[offset + 1]! << 8);
}

export function writeU16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
}

/** signed byte at `offset` */
export function readI8(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 24) >> 24;
}

/**
 * ggml's `nearest_int`, bit for bit: add 1.5·2^23 in f32 and read the low
 * 23 bits. Round to nearest, ties to even, for |x| ≤ 4194303; beyond that it
 * returns the same wrapped value ggml gets (its assert is compiled out).
 */
export function nearestInt(x: number): number {
  castF32[0] = x + 12582912;
  return (castU32[0]! & 0x007fffff) - 0x00400000;
}

/** nearestInt for |x| ≤ 4194303 (no bit cast; for hot loops) */
export function nearestIntSmall(x: number): number {
  return Math.fround(x + 12582912) - 12582912;
}

// ── f16 ─────────────────────────────────────────────────────────────────────

/** f16 bit pattern (u16) → f32 value */
function f16BitsToF32Slow(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/** f16 → f32 for every bit pattern (256 KiB), like ggml_table_f32_f16 */
const F16_TABLE = (() => {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) table[h] = f16BitsToF32Slow(h);
  return table;
})();

export function f16ToF32(bits: number): number {
  return F16_TABLE[bits & 0xffff]!;
}

/** f16 stored little-endian at `offset`, as f32 */
export function readF16(bytes: Uint8Array, offset: number): number {
  return F16_TABLE[bytes[offset]! | (bytes[offset + 1]! << 8)]!;
}

/** f32 → f16 bit pattern, round to nearest even (the value is first rounded to f32) */
export function f32ToF16(value: number): number {
  const bits = f32Bits(value);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return mantissa !== 0 ? sign | 0x7e00 : sign | 0x7c00;
  const unbiased = exponent - 127;
  if (unbiased > 15) return sign | 0x7c00; // overflow → inf
  if (unbiased >= -14) {
    // normal f16: keep 10 of 23 mantissa bits, round the other 13 to nearest even
    let half = ((unbiased + 15) << 10) | (mantissa >>> 13);
    const rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half += 1; // may carry into inf: correct
    return sign | half;
  }
  if (unbiased < -25) return sign; // below half the smallest subnormal → ±0
  // subnormal f16: value = m · 2^-24 with m = full significand >> shift
  const significand = mantissa | 0x800000;
  const shift = -unbiased - 14 + 13; // 14..24
  let half = significand >>> shift;
  const rest = significand & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  if (rest > halfway || (rest === halfway && (half & 1) === 1)) half += 1;
  return sign | half;
}

/** value rounded through f16 and back (what storing as f16 keeps) */
export function roundToF16(value: number): number {
  return F16_TABLE[f32ToF16(value)]!;
}

export function writeF16(bytes: Uint8Array, offset: number, value: number): void {
  const h = f32ToF16(value);
  bytes[offset] = h & 0xff;
  bytes[offset + 1] = h >>> 8;
}

// ── bf16 ────────────────────────────────────────────────────────────────────

export function bf16ToF32(bits: number): number {
  return f32FromBits((bits & 0xffff) << 16);
}

export function readBf16(bytes: Uint8Array, offset: number): number {
  castU32[0] = (bytes[offset]! << 16) | (bytes[offset + 1]! << 24);
  return castF32[0]!;
}

export function f32ToBf16(value: number): number {
  const bits = f32Bits(value);
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 64) & 0xffff; // NaN → quiet NaN
  return ((bits + (0x7fff + ((bits >>> 16) & 1))) >>> 16) & 0xffff;
}

// ── rows ────────────────────────────────────────────────────────────────────

export function dequantizeRowF32(src: Uint8Array, srcOffset: number, out: Float32Array, outOffset: number, n: number): void {
  for (let i = 0; i < n; i++) out[outOffset + i] = readF32(src, srcOffset + 4 * i);
}

export function quantizeRowF32(src: Float32Array, srcOffset: number, out: Uint8Array, outOffset: number, n: number): void {
  for (let i = 0; i < n; i++) writeF32(out, outOffset + 4 * i, src[srcOffset + i]!);
}

export function dequantizeRowF16(src: Uint8Array, srcOffset: number, out: Float32Array, outOffset: number, n: number): void {
  for (let i = 0; i < n; i++) out[outOffset + i] = readF16(src, srcOffset + 2 * i);
}

export function quantizeRowF16(src: Float32Array, srcOffset: number, out: Uint8Array, outOffset: number, n: number): void {
  for (let i = 0; i < n; i++) writeU16(out, outOffset + 2 * i, f32ToF16(src[srcOffset + i]!));
}

export function dequantizeRowBf16(src: Uint8Array, srcOffset: number, out: Float32Array, outOffset: number, n: number): void {
  for (let i = 0; i < n; i++) out[outOffset + i] = readBf16(src, srcOffset + 2 * i);
}

export function quantizeRowBf16(src: Float32Array, srcOffset: number, out: Uint8Array, outOffset: number, n: number): void {
  for (let i = 0; i < n; i++) writeU16(out, outOffset + 2 * i, f32ToBf16(src[srcOffset + i]!));
}

// ── float dots (ggml_vec_dot_f32 / _f16 / _bf16, scalar form: f32 products summed in double) ──

/** F32 row · f32 activations */
export function vecDotF32(row: Uint8Array, rowOffset: number, x: Uint8Array, xOffset: number, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.fround(readF32(row, rowOffset + 4 * i) * readF32(x, xOffset + 4 * i));
  return Math.fround(sum);
}

/** F16 row · f16 activations (products of two f16 are exact in f32) */
export function vecDotF16(row: Uint8Array, rowOffset: number, x: Uint8Array, xOffset: number, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += readF16(row, rowOffset + 2 * i) * readF16(x, xOffset + 2 * i);
  return Math.fround(sum);
}

/** BF16 row · bf16 activations (products of two bf16 are exact in f32) */
export function vecDotBf16(row: Uint8Array, rowOffset: number, x: Uint8Array, xOffset: number, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += readBf16(row, rowOffset + 2 * i) * readBf16(x, xOffset + 2 * i);
  return Math.fround(sum);
}
