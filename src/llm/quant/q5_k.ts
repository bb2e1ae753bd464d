/**
 * Q5_K: super-blocks of 256 weights in 8 sub-blocks of 32, 176 bytes each
 * (ggml-common.h `block_q5_K`):
 *   offset 0   f16 d          super-scale of the 6-bit sub-block scales
 *   offset 2   f16 dmin       super-scale of the 6-bit sub-block mins
 *   offset 4   u8 scales[12]  8 scales + 8 mins, 6 bits each (as Q4_K)
 *   offset 16  u8 qh[32]      5th bits: bit 2c of qh[l] for weight 64c+l,
 *                             bit 2c+1 for weight 64c+32+l
 *   offset 48  u8 qs[128]     low 4 bits, laid out as Q4_K's qs
 * weight = d·scale_j · q − dmin·min_j, q in 0..31.
 *
 * quantizeRowQ5_K is ggml's `quantize_row_q5_K_ref` (make_qkx2_quants with
 * nmax 31, rmin −0.5, 16 candidate scales).
 */

import { readF16, readF32, readI8 } from './f16.ts';
import { getScaleMinK4, QK_K, quantizeScalesMinsK } from './k-common.ts';
import { Q8_K_BYTES, Q8_K_QS, readQ8KBlockSum } from './q8_k.ts';

export const Q5_K_BYTES = 176;

const f = Math.fround;

const levels = new Uint8Array(QK_K);
const scaleMin = new Uint8Array(2);

export function dequantizeRowQ5_K(src: Uint8Array, srcOffset: number, out: Float32Array, outOffset: number, n: number): void {
  for (let block = 0; block < n / QK_K; block++) {
    const base = srcOffset + block * Q5_K_BYTES;
    const d = readF16(src, base);
    const dmin = readF16(src, base + 2);
    const qh = base + 16;
    let ql = base + 48;
    let o = outOffset + block * QK_K;
    let u1 = 1;
    let u2 = 2;
    for (let chunk = 0; chunk < 4; chunk++) {
      getScaleMinK4(2 * chunk, src, base + 4, scaleMin);
      const d1 = f(d * scaleMin[0]!);
      const m1 = f(dmin * scaleMin[1]!);
      getScaleMinK4(2 * chunk + 1, src, base + 4, scaleMin);
      const d2 = f(d * scaleMin[0]!);
      const m2 = f(dmin * scaleMin[1]!);
      for (let l = 0; l < 32; l++) out[o + l] = f(f(d1 * ((src[ql + l]! & 0x0f) + (src[qh + l]! & u1 ? 16 : 0))) - m1);
      for (let l = 0; l < 32; l++) out[o + 32 + l] = f(f(d2 * ((src[ql + l]! >>> 4) + (src[qh + l]! & u2 ? 16 : 0))) - m2);
      o += 64;
      ql += 32;
      u1 <<= 2;
      u2 <<= 2;
    }
  }
}

export function quantizeRowQ5_K(src: Float32Array, srcOffset: number, out: Uint8Array, outOffset: number, n: number): void {
  for (let block = 0; block < n / QK_K; block++) {
    const x = srcOffset + block * QK_K;
    const base = outOffset + block * Q5_K_BYTES;
    quantizeScalesMinsK(src, x, out, base, 31, -0.5, 15, levels);
    const qh = base + 16;
    let ql = base + 48;
    out.fill(0, qh, qh + 32);
    let m1 = 1;
    let m2 = 2;
    for (let chunk = 0; chunk < QK_K; chunk += 64) {
      for (let j = 0; j < 32; j++) {
        let l1 = levels[chunk + j]!;
        if (l1 > 15) {
          l1 -= 16;
          out[qh + j] = out[qh + j]! | m1;
        }
        let l2 = levels[chunk + j + 32]!;
        if (l2 > 15) {
          l2 -= 16;
          out[qh + j] = out[qh + j]! | m2;
        }
        out[ql + j] = l1 | (l2 << 4);
      }
      m1 <<= 2;
      m2 <<= 2;
      ql += 32;
    }
  }
}

const laneInts = new Int32Array(8);
const laneSums = new Float32Array(8);

/** Q5_K row · Q8_K activations (ggml_vec_dot_q5_K_q8_K, scalar form) */
export function vecDotQ5_K(row: Uint8Array, rowOffset: number, x: Uint8Array, xOffset: number, n: number): number {
  laneSums.fill(0);
  let sum = 0;
  for (let block = 0; block < n / QK_K; block++) {
    const w = rowOffset + block * Q5_K_BYTES;
    const a = xOffset + block * Q8_K_BYTES;
    laneInts.fill(0);
    let sumMins = 0;
    for (let j = 0; j < 8; j++) {
      getScaleMinK4(j, row, w + 4, scaleMin);
      const scale = scaleMin[0]!;
      sumMins += (readQ8KBlockSum(x, a, 2 * j) + readQ8KBlockSum(x, a, 2 * j + 1)) * scaleMin[1]!;
      const ql = w + 48 + 32 * (j >> 1);
      const shift = (j & 1) * 4;
      const highBit = 1 << j;
      const xq = a + Q8_K_QS + 32 * j;
      for (let l = 0; l < 32; l++) {
        const q = ((row[ql + l]! >>> shift) & 0x0f) + (row[w + 16 + l]! & highBit ? 16 : 0);
        laneInts[l & 7] += scale * (q * readI8(x, xq + l));
      }
    }
    const yd = readF32(x, a);
    const d = f(readF16(row, w) * yd);
    for (let l = 0; l < 8; l++) laneSums[l] = f(laneSums[l]! + f(d * laneInts[l]!));
    const dmin = f(readF16(row, w + 2) * yd);
    sum = f(sum - f(dmin * sumMins));
  }
  for (let l = 0; l < 8; l++) sum = f(sum + laneSums[l]!);
  return sum;
}
