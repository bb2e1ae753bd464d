/**
 * Q4_K: super-blocks of 256 weights in 8 sub-blocks of 32, 144 bytes each
 * (ggml-common.h `block_q4_K`):
 *   offset 0   f16 d          super-scale of the 6-bit sub-block scales
 *   offset 2   f16 dmin       super-scale of the 6-bit sub-block mins
 *   offset 4   u8 scales[12]  8 scales + 8 mins, 6 bits each (see getScaleMinK4)
 *   offset 16  u8 qs[128]     4-bit quants: for each 64-weight chunk c, byte
 *                             32c+l holds weight 64c+l (low) and 64c+32+l (high)
 * weight = d·scale_j · q − dmin·min_j.
 *
 * quantizeRowQ4_K is ggml's `quantize_row_q4_K_ref` (make_qkx2_quants with
 * weights av_x + |x|, 21 candidate scales from nmax−1 in steps of 0.1, then
 * 6-bit scales/mins and a final re-quantization with the rounded scales).
 */

import { readF16, readF32, readI8 } from './f16.ts';
import { getScaleMinK4, QK_K, quantizeScalesMinsK } from './k-common.ts';
import { Q8_K_BYTES, Q8_K_QS, readQ8KBlockSum } from './q8_k.ts';

export const Q4_K_BYTES = 144;

const f = Math.fround;

// scratch (the quantizer is not re-entrant; JS is single-threaded)
const levels = new Uint8Array(QK_K);
const scaleMin = new Uint8Array(2);

export function dequantizeRowQ4_K(src: Uint8Array, srcOffset: number, out: Float32Array, outOffset: number, n: number): void {
  for (let block = 0; block < n / QK_K; block++) {
    const base = srcOffset + block * Q4_K_BYTES;
    const d = readF16(src, base);
    const dmin = readF16(src, base + 2);
    let o = outOffset + block * QK_K;
    let q = base + 16;
    for (let chunk = 0; chunk < 4; chunk++) {
      getScaleMinK4(2 * chunk, src, base + 4, scaleMin);
      const d1 = f(d * scaleMin[0]!);
      const m1 = f(dmin * scaleMin[1]!);
      getScaleMinK4(2 * chunk + 1, src, base + 4, scaleMin);
      const d2 = f(d * scaleMin[0]!);
      const m2 = f(dmin * scaleMin[1]!);
      for (let l = 0; l < 32; l++) out[o + l] = f(f(d1 * (src[q + l]! & 0x0f)) - m1);
      for (let l = 0; l < 32; l++) out[o + 32 + l] = f(f(d2 * (src[q + l]! >>> 4)) - m2);
      o += 64;
      q += 32;
    }
  }
}

export function quantizeRowQ4_K(src: Float32Array, srcOffset: number, out: Uint8Array, outOffset: number, n: number): void {
  for (let block = 0; block < n / QK_K; block++) {
    const x = srcOffset + block * QK_K;
    const base = outOffset + block * Q4_K_BYTES;
    quantizeScalesMinsK(src, x, out, base, 15, -1, 20, levels);
    let q = base + 16;
    for (let j = 0; j < QK_K; j += 64) {
      for (let l = 0; l < 32; l++) out[q + l] = levels[j + l]! | (levels[j + l + 32]! << 4);
      q += 32;
    }
  }
}

// dot-product scratch: 8 integer lanes and 8 f32 lanes, as ggml's generic kernel
const laneInts = new Int32Array(8);
const laneSums = new Float32Array(8);

/**
 * Q4_K row · Q8_K activations (ggml_vec_dot_q4_K_q8_K, scalar form): per
 * super-block, integer sums per sub-block scale, the mins folded in through
 * Q8_K's 16-value block sums; f32 accumulation in 8 lanes as ggml does.
 */
export function vecDotQ4_K(row: Uint8Array, rowOffset: number, x: Uint8Array, xOffset: number, n: number): number {
  laneSums.fill(0);
  let sum = 0;
  for (let block = 0; block < n / QK_K; block++) {
    const w = rowOffset + block * Q4_K_BYTES;
    const a = xOffset + block * Q8_K_BYTES;
    laneInts.fill(0);
    let sumMins = 0;
    for (let j = 0; j < 8; j++) {
      getScaleMinK4(j, row, w + 4, scaleMin);
      const scale = scaleMin[0]!;
      sumMins += (readQ8KBlockSum(x, a, 2 * j) + readQ8KBlockSum(x, a, 2 * j + 1)) * scaleMin[1]!;
      // sub-block j: weights 32j..32j+31 live in chunk j>>1, low nibble for even j
      const q = w + 16 + 32 * (j >> 1);
      const shift = (j & 1) * 4;
      const xq = a + Q8_K_QS + 32 * j;
      for (let l = 0; l < 32; l++) {
        laneInts[l & 7] += scale * (((row[q + l]! >>> shift) & 0x0f) * readI8(x, xq + l));
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

/**
 * Q4_K row · Q8_K activations, the WebAssembly kernels' order
 * (llm/kernels/wasm/q4_k.ts, which gives these bits): per super-block the
 * exact integers isum = Σ_j scale_j·Σ q·x and minsum = Σ_j min_j·(bsum_2j +
 * bsum_2j+1), then sum = f32(sum + f32(isum)·f32(d_w·d_x)) and
 * sum = f32(sum − f32(minsum)·f32(dmin_w·d_x)). The same value as vecDotQ4_K
 * (ggml's eight f32 lanes) up to rounding.
 */
export function vecDotQ4_KBlocks(row: Uint8Array, rowOffset: number, x: Uint8Array, xOffset: number, n: number): number {
  let sum = 0;
  for (let block = 0; block < n / QK_K; block++) {
    const w = rowOffset + block * Q4_K_BYTES;
    const a = xOffset + block * Q8_K_BYTES;
    let isum = 0;
    let minsum = 0;
    for (let j = 0; j < 8; j++) {
      getScaleMinK4(j, row, w + 4, scaleMin);
      minsum += scaleMin[1]! * (readQ8KBlockSum(x, a, 2 * j) + readQ8KBlockSum(x, a, 2 * j + 1));
      const q = w + 16 + 32 * (j >> 1);
      const shift = (j & 1) * 4;
      for (let l = 0; l < 32; l++) isum += scaleMin[0]! * ((row[q + l]! >>> shift) & 0x0f) * readI8(x, a + Q8_K_QS + 32 * j + l);
    }
    const yd = readF32(x, a);
    sum = f(sum + f(f(isum) * f(readF16(row, w) * yd)));
    sum = f(sum - f(f(minsum) * f(readF16(row, w + 2) * yd)));
  }
  return sum;
}
