/**
 * Q6_K: super-blocks of 256 weights in 16 sub-blocks of 16, 210 bytes each
 * (ggml-common.h `block_q6_K`):
 *   offset 0    u8 ql[128]      low 4 bits
 *   offset 128  u8 qh[64]       high 2 bits
 *   offset 192  int8 scales[16] one signed 8-bit scale per 16 weights
 *   offset 208  f16 d           super-scale
 * For weight e: chunk c = e>>7, part p = (e>>5)&3, l = e&31;
 *   low  = nibble (p>>1) of ql[64c + 32(p&1) + l]
 *   high = bits 2p..2p+1 of qh[32c + l]
 *   weight = d · scales[e>>4] · ((low | high<<4) − 32).
 *
 * quantizeRowQ6_K is ggml's `quantize_row_q6_K_ref` (make_qx_quants per
 * 16-weight group, then 8-bit scales relative to the largest, −128/max).
 */

import { nearestInt, readF16, readF32, readI8, writeF16 } from './f16.ts';
import { GROUP_MAX_EPS, makeQxQuants, QK_K } from './k-common.ts';
import { Q8_K_BYTES, Q8_K_QS, readQ8KBlockSum } from './q8_k.ts';

export const Q6_K_BYTES = 210;

const f = Math.fround;

const levels = new Uint8Array(QK_K);
const groupScales = new Float32Array(16);

/** the 6-bit quant (0..63) of weight e of the Q6_K block at `base` */
function q6Level(bytes: Uint8Array, base: number, e: number): number {
  const chunk = e >> 7;
  const part = (e >> 5) & 3;
  const l = e & 31;
  const low = (bytes[base + 64 * chunk + 32 * (part & 1) + l]! >>> (4 * (part >> 1))) & 0x0f;
  const high = (bytes[base + 128 + 32 * chunk + l]! >>> (2 * part)) & 3;
  return low | (high << 4);
}

export function dequantizeRowQ6_K(src: Uint8Array, srcOffset: number, out: Float32Array, outOffset: number, n: number): void {
  for (let block = 0; block < n / QK_K; block++) {
    const base = srcOffset + block * Q6_K_BYTES;
    const d = readF16(src, base + 208);
    const o = outOffset + block * QK_K;
    for (let e = 0; e < QK_K; e++) {
      const scale = readI8(src, base + 192 + (e >> 4));
      out[o + e] = f(f(d * scale) * (q6Level(src, base, e) - 32));
    }
  }
}

export function quantizeRowQ6_K(src: Float32Array, srcOffset: number, out: Uint8Array, outOffset: number, n: number): void {
  for (let block = 0; block < n / QK_K; block++) {
    const x = srcOffset + block * QK_K;
    const base = outOffset + block * Q6_K_BYTES;
    let maxScale = 0;
    let maxAbsScale = 0;
    for (let group = 0; group < 16; group++) {
      const scale = makeQxQuants(16, 32, src, x + 16 * group, levels, 16 * group);
      groupScales[group] = scale;
      if (Math.abs(scale) > maxAbsScale) {
        maxAbsScale = Math.abs(scale);
        maxScale = scale;
      }
    }
    if (maxAbsScale < GROUP_MAX_EPS) {
      out.fill(0, base, base + Q6_K_BYTES);
      continue;
    }
    const iscale = f(-128 / maxScale);
    writeF16(out, base + 208, f(1 / iscale));
    for (let group = 0; group < 16; group++) {
      out[base + 192 + group] = Math.min(127, nearestInt(f(iscale * groupScales[group]!))) & 0xff;
    }
    const d = readF16(out, base + 208);
    for (let group = 0; group < 16; group++) {
      const dg = f(d * readI8(out, base + 192 + group));
      if (dg === 0) continue;
      for (let i = 0; i < 16; i++) {
        const l = Math.max(-32, Math.min(31, nearestInt(f(src[x + 16 * group + i]! / dg))));
        levels[16 * group + i] = l + 32;
      }
    }
    for (let chunk = 0; chunk < 2; chunk++) {
      const ql = base + 64 * chunk;
      const qh = base + 128 + 32 * chunk;
      const L = 128 * chunk;
      for (let l = 0; l < 32; l++) {
        const q1 = levels[L + l]!;
        const q2 = levels[L + l + 32]!;
        const q3 = levels[L + l + 64]!;
        const q4 = levels[L + l + 96]!;
        out[ql + l] = (q1 & 0x0f) | ((q3 & 0x0f) << 4);
        out[ql + l + 32] = (q2 & 0x0f) | ((q4 & 0x0f) << 4);
        out[qh + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
      }
    }
  }
}

const laneInts = new Int32Array(8);
const laneSums = new Float32Array(8);

/** Q6_K row · Q8_K activations (ggml_vec_dot_q6_K_q8_K, scalar form) */
export function vecDotQ6_K(row: Uint8Array, rowOffset: number, x: Uint8Array, xOffset: number, n: number): number {
  laneSums.fill(0);
  for (let block = 0; block < n / QK_K; block++) {
    const w = rowOffset + block * Q6_K_BYTES;
    const a = xOffset + block * Q8_K_BYTES;
    laneInts.fill(0);
    for (let chunk = 0; chunk < 2; chunk++) {
      const ql = w + 64 * chunk;
      const qh = w + 128 + 32 * chunk;
      const xq = a + Q8_K_QS + 128 * chunk;
      const sc = w + 192 + 8 * chunk;
      for (let l = 0; l < 32; l++) {
        const h = row[qh + l]!;
        const lowA = row[ql + l]!;
        const lowB = row[ql + l + 32]!;
        const half = l >> 4;
        const lane = l & 7;
        laneInts[lane] += readI8(row, sc + half) * ((((lowA & 0x0f) | ((h & 3) << 4)) - 32) * readI8(x, xq + l));
        laneInts[lane] += readI8(row, sc + half + 2) * ((((lowB & 0x0f) | (((h >> 2) & 3) << 4)) - 32) * readI8(x, xq + l + 32));
        laneInts[lane] += readI8(row, sc + half + 4) * ((((lowA >>> 4) | (((h >> 4) & 3) << 4)) - 32) * readI8(x, xq + l + 64));
        laneInts[lane] += readI8(row, sc + half + 6) * ((((lowB >>> 4) | (((h >> 6) & 3) << 4)) - 32) * readI8(x, xq + l + 96));
      }
    }
    const d = f(readF16(row, w + 208) * readF32(x, a));
    for (let l = 0; l < 8; l++) laneSums[l] = f(laneSums[l]! + f(d * laneInts[l]!));
  }
  let sum = 0;
  for (let l = 0; l < 8; l++) sum = f(sum + laneSums[l]!);
  return sum;
}

/**
 * Q6_K row · Q8_K activations, the WebAssembly kernels' order
 * (llm/kernels/wasm/q6_k.ts, which gives these bits): per super-block the
 * exact integer Σ_g scale_g·Σ q·x − 32·Σ_g scale_g·bsum_g, then one f32
 * step sum = f32(sum + f32(isum)·f32(d_w·d_x)). The same value as vecDotQ6_K
 * (ggml's eight f32 lanes) up to rounding.
 */
export function vecDotQ6_KBlocks(row: Uint8Array, rowOffset: number, x: Uint8Array, xOffset: number, n: number): number {
  let sum = 0;
  for (let block = 0; block < n / QK_K; block++) {
    const w = rowOffset + block * Q6_K_BYTES;
    const a = xOffset + block * Q8_K_BYTES;
    let isum = 0;
    for (let e = 0; e < QK_K; e++) isum += readI8(row, w + 192 + (e >> 4)) * q6Level(row, w, e) * readI8(x, a + Q8_K_QS + e);
    for (let g = 0; g < 16; g++) isum -= 32 * readI8(row, w + 192 + g) * readQ8KBlockSum(x, a, g);
    sum = f(sum + f(f(isum) * f(readF16(row, w + 208) * readF32(x, a))));
  }
  return sum;
}
