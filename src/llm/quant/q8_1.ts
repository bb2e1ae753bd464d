/**
 * Q8_1: blocks of 32 values, 36 bytes (ggml-common.h `block_q8_1`):
 *   offset 0  f16 d        scale
 *   offset 2  f16 s        d · Σ qs (lets Q5_1/Q4_1 dots fold in their min)
 *   offset 4  int8 qs[32]
 * Activations only: the dot partner of Q5_1 weights.
 *
 * quantizeRowQ8_1 is quantize_row_q8_1_ref (d = amax/127, q = roundf(x/d));
 * quantizeRowQ8_1X86 is the AVX2 twin llama.cpp's x86 backend runs
 * (127/amax, ties to even, s from the integer sum).
 */

import { readF16, readI8, writeF16 } from './f16.ts';

export const Q8_1_BYTES = 36;

const f = Math.fround;

export function quantizeRowQ8_1(src: Float32Array, srcOffset: number, out: Uint8Array, outOffset: number, n: number): void {
  for (let block = 0; block < n / 32; block++) {
    const x = srcOffset + block * 32;
    const base = outOffset + block * Q8_1_BYTES;
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(src[x + j]!));
    const d = f(amax / 127);
    const id = d !== 0 ? f(1 / d) : 0;
    writeF16(out, base, d);
    let sum = 0;
    for (let j = 0; j < 32; j++) {
      const v = f(src[x + j]! * id);
      const q = v < 0 ? -Math.round(-v) : Math.round(v);
      out[base + 4 + j] = q & 0xff;
      sum += q;
    }
    writeF16(out, base + 2, f(sum * d));
  }
}

export function quantizeRowQ8_1X86(src: Float32Array, srcOffset: number, out: Uint8Array, outOffset: number, n: number): void {
  for (let block = 0; block < n / 32; block++) {
    const x = srcOffset + block * 32;
    const base = outOffset + block * Q8_1_BYTES;
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(src[x + j]!));
    const d = f(amax / 127);
    writeF16(out, base, d);
    const id = amax !== 0 ? f(127 / amax) : 0;
    let sum = 0;
    for (let j = 0; j < 32; j++) {
      const v = f(src[x + j]! * id);
      let q = Math.round(v);
      if (q - v === 0.5 && q % 2 !== 0) q -= 1;
      out[base + 4 + j] = q & 0xff;
      sum += q;
    }
    writeF16(out, base + 2, f(d * sum));
  }
}

export function dequantizeRowQ8_1(src: Uint8Array, srcOffset: number, out: Float32Array, outOffset: number, n: number): void {
  for (let block = 0; block < n / 32; block++) {
    const base = srcOffset + block * Q8_1_BYTES;
    const scale = readF16(src, base);
    for (let j = 0; j < 32; j++) out[outOffset + block * 32 + j] = f(readI8(src, base + 4 + j) * scale);
  }
}
