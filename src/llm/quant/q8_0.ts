/**
 * Q8_0: blocks of 32 weights, 34 bytes each (ggml-common.h `block_q8_0`):
 *   offset 0  f16 d      scale
 *   offset 2  int8 qs[32] quants; weight i = d · qs[i]
 *
 * quantizeRowQ8_0 is ggml's `quantize_row_q8_0_ref` (d = amax/127, q = roundf(x/d),
 * ties away from zero). Q8_0 is also the activation type for Q4_0 and Q8_0
 * weights; on x86 builds with AVX llama.cpp quantizes activations with a SIMD
 * twin that uses 127/amax and ties-to-even — `quantizeRowQ8_0X86` reproduces it.
 */

import { readF16, readI8, writeF16 } from './f16.ts';

export const Q8_0_BLOCK = 32;
export const Q8_0_BYTES = 34;

export function dequantizeRowQ8_0(src: Uint8Array, srcOffset: number, out: Float32Array, outOffset: number, n: number): void {
  for (let block = 0; block < n / Q8_0_BLOCK; block++) {
    const base = srcOffset + block * Q8_0_BYTES;
    const d = readF16(src, base);
    const o = outOffset + block * Q8_0_BLOCK;
    for (let j = 0; j < Q8_0_BLOCK; j++) out[o + j] = Math.fround(readI8(src, base + 2 + j) * d);
  }
}

export function quantizeRowQ8_0(src: Float32Array, srcOffset: number, out: Uint8Array, outOffset: number, n: number): void {
  const f = Math.fround;
  for (let block = 0; block < n / Q8_0_BLOCK; block++) {
    const x = srcOffset + block * Q8_0_BLOCK;
    const base = outOffset + block * Q8_0_BYTES;
    let amax = 0;
    for (let j = 0; j < Q8_0_BLOCK; j++) amax = Math.max(amax, Math.abs(src[x + j]!));
    const d = f(amax / 127);
    const id = d !== 0 ? f(1 / d) : 0;
    writeF16(out, base, d);
    for (let j = 0; j < Q8_0_BLOCK; j++) {
      const v = f(src[x + j]! * id);
      // roundf: ties away from zero
      out[base + 2 + j] = (v < 0 ? -Math.round(-v) : Math.round(v)) & 0xff;
    }
  }
}

/** the AVX/AVX2 activation quantizer of llama.cpp's x86 CPU backend (quantize_row_q8_0) */
export function quantizeRowQ8_0X86(src: Float32Array, srcOffset: number, out: Uint8Array, outOffset: number, n: number): void {
  const f = Math.fround;
  for (let block = 0; block < n / Q8_0_BLOCK; block++) {
    const x = srcOffset + block * Q8_0_BLOCK;
    const base = outOffset + block * Q8_0_BYTES;
    let amax = 0;
    for (let j = 0; j < Q8_0_BLOCK; j++) amax = Math.max(amax, Math.abs(src[x + j]!));
    // a NaN in the block: the scale is the positive quiet NaN (a NaN's sign is the engine's choice), every quant 0
    if (Number.isNaN(amax)) {
      out[base] = 0x00;
      out[base + 1] = 0x7e;
    } else writeF16(out, base, f(amax / 127));
    const id = amax !== 0 ? f(127 / amax) : 0;
    for (let j = 0; j < Q8_0_BLOCK; j++) {
      const v = f(src[x + j]! * id);
      // _mm256_round_ps(_MM_ROUND_NEAREST): ties to even
      let r = Math.round(v);
      if (r - v === 0.5 && r % 2 !== 0) r -= 1;
      out[base + 2 + j] = r & 0xff;
    }
  }
}

/** Q8_0 row · Q8_0 activations (ggml_vec_dot_q8_0_q8_0) */
export function vecDotQ8_0(row: Uint8Array, rowOffset: number, x: Uint8Array, xOffset: number, n: number): number {
  const f = Math.fround;
  let sum = 0;
  for (let block = 0; block < n / Q8_0_BLOCK; block++) {
    const w = rowOffset + block * Q8_0_BYTES;
    const a = xOffset + block * Q8_0_BYTES;
    let sumi = 0;
    for (let j = 0; j < Q8_0_BLOCK; j++) sumi += readI8(row, w + 2 + j) * readI8(x, a + 2 + j);
    sum = f(sum + f(sumi * f(readF16(row, w) * readF16(x, a))));
  }
  return sum;
}
