/**
 * Q8_K: super-blocks of 256 values, 292 bytes each (ggml-common.h `block_q8_K`):
 *   offset 0    f32 d           scale
 *   offset 4    int8 qs[256]    quants; value i = d · qs[i]
 *   offset 260  int16 bsums[16] sum of each group of 16 quants
 * Only activations use it: the dot partner of Q4_K, Q5_K and Q6_K weights.
 *
 * quantizeRowQ8_K is ggml's `quantize_row_q8_K_ref` (iscale = −127/max with
 * max the signed value of largest magnitude; q = min(127, nearest_int(iscale·x));
 * d = 1/iscale). llama.cpp's x86 backend uses the same reference code.
 */

import { nearestIntSmall, readF32, readI8, writeF32 } from './f16.ts';
import { QK_K } from './k-common.ts';

export const Q8_K_BYTES = 292;
/** byte offset of qs in a Q8_K block */
export const Q8_K_QS = 4;
/** byte offset of bsums in a Q8_K block */
export const Q8_K_BSUMS = 260;

export function quantizeRowQ8_K(src: Float32Array, srcOffset: number, out: Uint8Array, outOffset: number, n: number): void {
  const f = Math.fround;
  for (let block = 0; block < n / QK_K; block++) {
    const x = srcOffset + block * QK_K;
    const base = outOffset + block * Q8_K_BYTES;
    let max = 0;
    let amax = 0;
    for (let j = 0; j < QK_K; j++) {
      const ax = Math.abs(src[x + j]!);
      if (ax > amax) {
        amax = ax;
        max = src[x + j]!;
      }
    }
    if (amax === 0) {
      out.fill(0, base, base + Q8_K_BYTES);
      continue;
    }
    const iscale = f(-127 / max);
    for (let j = 0; j < QK_K; j++) {
      const v = Math.min(127, nearestIntSmall(f(iscale * src[x + j]!)));
      out[base + Q8_K_QS + j] = v & 0xff;
    }
    for (let group = 0; group < QK_K / 16; group++) {
      let sum = 0;
      for (let i = 0; i < 16; i++) sum += readI8(out, base + Q8_K_QS + group * 16 + i);
      out[base + Q8_K_BSUMS + 2 * group] = sum & 0xff;
      out[base + Q8_K_BSUMS + 2 * group + 1] = (sum >> 8) & 0xff;
    }
    writeF32(out, base, f(1 / iscale));
  }
}

export function dequantizeRowQ8_K(src: Uint8Array, srcOffset: number, out: Float32Array, outOffset: number, n: number): void {
  for (let block = 0; block < n / QK_K; block++) {
    const base = srcOffset + block * Q8_K_BYTES;
    const d = readF32(src, base);
    const o = outOffset + block * QK_K;
    for (let j = 0; j < QK_K; j++) out[o + j] = Math.fround(d * readI8(src, base + Q8_K_QS + j));
  }
}

/** signed 16-bit block sum `group` (0..15) of the Q8_K block at `base` */
export function readQ8KBlockSum(bytes: Uint8Array, base: number, group: number): number {
  const o = base + Q8_K_BSUMS + 2 * group;
  return ((bytes[o]! | (bytes[o + 1]! << 8)) << 16) >> 16;
}
