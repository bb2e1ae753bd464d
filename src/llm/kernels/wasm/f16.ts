// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// f16 → f32, exact, without a table (the module owns no memory of its own).
//
// The 15 magnitude bits of a binary16 shifted left by 13 are an f32 whose
// exponent field is the f16 exponent unbiased by 15 instead of 127, so one
// multiply by 2^112 rebias it. That is exact for normals and subnormals alike
// (an f16 subnormal becomes an f32 subnormal, and the product is a normal f32);
// WebAssembly keeps subnormals (no flush-to-zero). Exponent 31 (inf, NaN) maps
// to the f32 exponent 255 instead. Same values as ggml's table.

/** 2^112 as f32 bits: exponent field 112 + 127 = 239 */
const REBIAS_BITS: u32 = 0x77800000;

/** the f32 value of the binary16 bit pattern `half` (low 16 bits) */
// @ts-ignore: decorator
@inline
export function f16ToF32(half: u32): f32 {
  const magnitude = (half & 0x7fff) << 13;
  let value: f32;
  if ((half & 0x7c00) == 0x7c00) value = reinterpret<f32>(magnitude | 0x7f800000);
  else value = reinterpret<f32>(magnitude) * reinterpret<f32>(REBIAS_BITS);
  return (half & 0x8000) != 0 ? -value : value;
}

/** f16ToF32 on four lanes: `halves` holds binary16 bit patterns in the low 16 bits of each i32 lane */
// @ts-ignore: decorator
@inline
export function f16x4ToF32x4(halves: v128): v128 {
  const magnitude = i32x4.shl(v128.and(halves, i32x4.splat(0x7fff)), 13);
  const finite = f32x4.mul(magnitude, f32x4.splat(reinterpret<f32>(REBIAS_BITS)));
  const special = v128.or(magnitude, i32x4.splat(0x7f800000));
  const isSpecial = i32x4.eq(v128.and(halves, i32x4.splat(0x7c00)), i32x4.splat(0x7c00));
  const sign = i32x4.shl(v128.and(halves, i32x4.splat(0x8000)), 16);
  return v128.or(v128.bitselect(special, finite, isSpecial), sign);
}
