/**
 * Q4_0: blocks of 32 weights, 18 bytes each (ggml-common.h `block_q4_0`):
 *   offset 0  f16 d        scale
 *   offset 2  u8 qs[16]    low nibble of qs[j] = quant j, high nibble = quant j+16
 * weight = d · (q − 8), q in 0..15.
 *
 * quantizeRowQ4_0 is ggml's `quantize_row_q4_0_ref`: d = max/−8 where max is
 * the signed value of largest magnitude, q = min(15, trunc(x/d + 8.5)).
 * Activations for the dot product are Q8_0.
 */

import { readF16, readI8, writeF16 } from './f16.ts';
import { Q8_0_BYTES } from './q8_0.ts';

export const Q4_0_BLOCK = 32;
export const Q4_0_BYTES = 18;

export function dequantizeRowQ4_0(src: Uint8Array, srcOffset: number, out: Float32Array, outOffset: number, n: number): void {
  for (let block = 0; block < n / Q4_0_BLOCK; block++) {
    const base = srcOffset + block * Q4_0_BYTES;
    const d = readF16(src, base);
    const o = outOffset + block * Q4_0_BLOCK;
    for (let j = 0; j < 16; j++) {
      const q = src[base + 2 + j]!;
      out[o + j] = Math.fround(((q & 0x0f) - 8) * d);
      out[o + j + 16] = Math.fround(((q >>> 4) - 8) * d);
    }
  }
}

export function quantizeRowQ4_0(src: Float32Array, srcOffset: number, out: Uint8Array, outOffset: number, n: number): void {
  const f = Math.fround;
  for (let block = 0; block < n / Q4_0_BLOCK; block++) {
    const x = srcOffset + block * Q4_0_BLOCK;
    const base = outOffset + block * Q4_0_BYTES;
    let amax = 0;
    let max = 0;
    for (let j = 0; j < Q4_0_BLOCK; j++) {
      const v = src[x + j]!;
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = f(max / -8);
    const id = d !== 0 ? f(1 / d) : 0;
    writeF16(out, base, d);
    for (let j = 0; j < 16; j++) {
      const q0 = Math.min(15, Math.trunc(f(f(src[x + j]! * id) + 8.5)));
      const q1 = Math.min(15, Math.trunc(f(f(src[x + j + 16]! * id) + 8.5)));
      out[base + 2 + j] = q0 | (q1 << 4);
    }
  }
}

/** Q4_0 row · Q8_0 activations (ggml_vec_dot_q4_0_q8_0) */
export function vecDotQ4_0(row: Uint8Array, rowOffset: number, x: Uint8Array, xOffset: number, n: number): number {
  const f = Math.fround;
  let sum = 0;
  for (let block = 0; block < n / Q4_0_BLOCK; block++) {
    const w = rowOffset + block * Q4_0_BYTES;
    const a = xOffset + block * Q8_0_BYTES;
    let sumi = 0;
    for (let j = 0; j < 16; j++) {
      const q = row[w + 2 + j]!;
      sumi += ((q & 0x0f) - 8) * readI8(x, a + 2 + j) + ((q >>> 4) - 8) * readI8(x, a + 2 + j + 16);
    }
    sum = f(sum + f(f(sumi * readF16(row, w)) * readF16(x, a)));
  }
  return sum;
}
