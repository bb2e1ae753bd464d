/**
 * Q5_0 and Q5_1: blocks of 32 weights with 5-bit quants (ggml-common.h):
 *   Q5_0 (22 bytes): f16 d · u32 qh · u8 qs[16]              weight = d·(q − 16)
 *   Q5_1 (24 bytes): f16 d · f16 m · u32 qh · u8 qs[16]      weight = d·q + m
 * qs[j] holds the low 4 bits of quant j (low nibble) and j+16 (high nibble);
 * bit j of the little-endian u32 qh is bit 4 of quant j, bit j+16 of quant j+16.
 *
 * llama.cpp writes these into q4_k_m / q5_k_m files in place of Q4_K / Q5_K for
 * tensors whose rows are not a multiple of 256. Quantizers are ggml's
 * quantize_row_q5_0_ref / q5_1_ref; dots pair Q5_0 with Q8_0 and Q5_1 with Q8_1.
 */

import { readF16, readI8, writeF16 } from './f16.ts';
import { Q8_0_BYTES } from './q8_0.ts';
import { Q8_1_BYTES } from './q8_1.ts';

export const Q5_0_BYTES = 22;
export const Q5_1_BYTES = 24;

const f = Math.fround;

function readU32(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
}

function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
  bytes[offset + 2] = (value >>> 16) & 0xff;
  bytes[offset + 3] = value >>> 24;
}

/** quant j (0..31, unsigned 0..31) of a block whose qs start at `qs` and high bits are `qh` */
function level(bytes: Uint8Array, qs: number, qh: number, j: number): number {
  const low = j < 16 ? bytes[qs + j]! & 0x0f : bytes[qs + j - 16]! >>> 4;
  return low | (((qh >>> j) & 1) << 4);
}

export function dequantizeRowQ5_0(src: Uint8Array, srcOffset: number, out: Float32Array, outOffset: number, n: number): void {
  for (let block = 0; block < n / 32; block++) {
    const base = srcOffset + block * Q5_0_BYTES;
    const d = readF16(src, base);
    const qh = readU32(src, base + 2);
    for (let j = 0; j < 32; j++) out[outOffset + block * 32 + j] = f((level(src, base + 6, qh, j) - 16) * d);
  }
}

export function dequantizeRowQ5_1(src: Uint8Array, srcOffset: number, out: Float32Array, outOffset: number, n: number): void {
  for (let block = 0; block < n / 32; block++) {
    const base = srcOffset + block * Q5_1_BYTES;
    const d = readF16(src, base);
    const m = readF16(src, base + 2);
    const qh = readU32(src, base + 4);
    for (let j = 0; j < 32; j++) out[outOffset + block * 32 + j] = f(f(level(src, base + 8, qh, j) * d) + m);
  }
}

function packBlock(q: (j: number) => number, out: Uint8Array, qhOffset: number, qsOffset: number): void {
  let qh = 0;
  for (let j = 0; j < 16; j++) {
    const q0 = q(j);
    const q1 = q(j + 16);
    out[qsOffset + j] = (q0 & 0x0f) | ((q1 & 0x0f) << 4);
    qh |= ((q0 & 0x10) >>> 4) << j;
    qh |= ((q1 & 0x10) >>> 4) << (j + 16);
  }
  writeU32(out, qhOffset, qh >>> 0);
}

export function quantizeRowQ5_0(src: Float32Array, srcOffset: number, out: Uint8Array, outOffset: number, n: number): void {
  for (let block = 0; block < n / 32; block++) {
    const x = srcOffset + block * 32;
    const base = outOffset + block * Q5_0_BYTES;
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = src[x + j]!;
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = f(max / -16);
    const id = d !== 0 ? f(1 / d) : 0;
    writeF16(out, base, d);
    packBlock((j) => Math.min(31, Math.trunc(f(f(src[x + j]! * id) + 16.5))), out, base + 2, base + 6);
  }
}

export function quantizeRowQ5_1(src: Float32Array, srcOffset: number, out: Uint8Array, outOffset: number, n: number): void {
  for (let block = 0; block < n / 32; block++) {
    const x = srcOffset + block * 32;
    const base = outOffset + block * Q5_1_BYTES;
    let min = Infinity;
    let max = -Infinity;
    for (let j = 0; j < 32; j++) {
      const v = src[x + j]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const d = f(f(max - min) / 31);
    const id = d !== 0 ? f(1 / d) : 0;
    writeF16(out, base, d);
    writeF16(out, base + 2, min);
    packBlock((j) => Math.trunc(f(f(f(src[x + j]! - min) * id) + 0.5)) & 0xff, out, base + 4, base + 8);
  }
}

/** Q5_0 row · Q8_0 activations (ggml_vec_dot_q5_0_q8_0) */
export function vecDotQ5_0(row: Uint8Array, rowOffset: number, x: Uint8Array, xOffset: number, n: number): number {
  let sum = 0;
  for (let block = 0; block < n / 32; block++) {
    const w = rowOffset + block * Q5_0_BYTES;
    const a = xOffset + block * Q8_0_BYTES;
    const qh = readU32(row, w + 2);
    let sumi = 0;
    for (let j = 0; j < 32; j++) sumi += (level(row, w + 6, qh, j) - 16) * readI8(x, a + 2 + j);
    sum = f(sum + f(f(readF16(row, w) * readF16(x, a)) * sumi));
  }
  return sum;
}

/** Q5_1 row · Q8_1 activations (ggml_vec_dot_q5_1_q8_1): d_w·d_x·Σq·q + m_w·s_x */
export function vecDotQ5_1(row: Uint8Array, rowOffset: number, x: Uint8Array, xOffset: number, n: number): number {
  let sum = 0;
  for (let block = 0; block < n / 32; block++) {
    const w = rowOffset + block * Q5_1_BYTES;
    const a = xOffset + block * Q8_1_BYTES;
    const qh = readU32(row, w + 4);
    let sumi = 0;
    for (let j = 0; j < 32; j++) sumi += level(row, w + 8, qh, j) * readI8(x, a + 4 + j);
    sum = f(sum + f(f(f(readF16(row, w) * readF16(x, a)) * sumi) + f(readF16(row, w + 2) * readF16(x, a + 2))));
  }
  return sum;
}
