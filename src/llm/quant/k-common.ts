/**
 * Shared pieces of the k-quants (super-blocks of 256 weights, ggml-quants.c):
 * the 6-bit scale/min packing of Q4_K and Q5_K, and the two scale searches
 * ggml's reference quantizers use.
 *
 * Every float operation is rounded to f32 (Math.fround) in the order ggml's C
 * performs it, so the quantized bytes equal what llama.cpp's quantize tool
 * writes (without an importance matrix) for the same f32 input.
 */

import { nearestInt, readF16, writeF16 } from './f16.ts';

export const QK_K = 256;
/** bytes of packed 6-bit scales and mins in Q4_K / Q5_K */
export const K_SCALE_SIZE = 12;

const f = Math.fround;

/** ggml GROUP_MAX_EPS: groups whose largest magnitude is below this quantize to zero */
export const GROUP_MAX_EPS = Math.fround(1e-15);
/** 0.1f */
export const TENTH = Math.fround(0.1);

/**
 * Unpack scale and min of sub-block j (0..7) from the 12-byte field
 * (ggml `get_scale_min_k4`): j < 4 → low 6 bits of bytes j and j+4;
 * j ≥ 4 → a nibble of byte j+4 plus the top 2 bits of bytes j−4 / j.
 * Writes [scale, min] into `out`.
 */
export function getScaleMinK4(j: number, scales: Uint8Array, offset: number, out: Uint8Array): void {
  if (j < 4) {
    out[0] = scales[offset + j]! & 63;
    out[1] = scales[offset + j + 4]! & 63;
  } else {
    out[0] = (scales[offset + j + 4]! & 0x0f) | ((scales[offset + j - 4]! >>> 6) << 4);
    out[1] = (scales[offset + j + 4]! >>> 4) | ((scales[offset + j]! >>> 6) << 4);
  }
}

/** pack eight 6-bit scales and mins into 12 bytes (inverse of getScaleMinK4) */
export function packScaleMinK4(ls: Uint8Array, lm: Uint8Array, out: Uint8Array, offset: number): void {
  out.fill(0, offset, offset + K_SCALE_SIZE);
  for (let j = 0; j < 8; j++) {
    const s = ls[j]!;
    const m = lm[j]!;
    if (j < 4) {
      out[offset + j] = s;
      out[offset + j + 4] = m;
    } else {
      out[offset + j + 4] = (s & 0x0f) | ((m & 0x0f) << 4);
      out[offset + j - 4] = out[offset + j - 4]! | ((s >>> 4) << 6);
      out[offset + j] = out[offset + j]! | ((m >>> 4) << 6);
    }
  }
}

/** result slot for makeQkx2Quants: the (positive) min it chose */
export const theMin = new Float32Array(1);

/**
 * ggml `make_qkx2_quants`: quantize x[0..n) to levels 0..nmax with a scale and
 * a min (x ≈ scale·L − min), searching nstep+1 candidate scales
 * iscale = (rmin + rdelta·is + nmax)/(max − min) for the one with the least
 * weighted error (squared, or absolute when errorKind is 'absolute').
 * Writes levels into L[lOffset..], the min into theMin[0]; returns the scale.
 */
export function makeQkx2Quants(
  n: number, nmax: number,
  x: Float32Array, xOffset: number,
  weights: Float32Array,
  L: Uint8Array, lOffset: number,
  Laux: Uint8Array,
  rmin: number, rdelta: number, nstep: number,
  errorKind: 'squared' | 'absolute',
): number {
  let min = x[xOffset]!;
  let max = x[xOffset]!;
  let sumW = weights[0]!;
  let sumX = f(sumW * x[xOffset]!);
  for (let i = 1; i < n; i++) {
    const xi = x[xOffset + i]!;
    if (xi < min) min = xi;
    if (xi > max) max = xi;
    const w = weights[i]!;
    sumW = f(sumW + w);
    sumX = f(sumX + f(w * xi));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, lOffset, lOffset + n);
    theMin[0] = -min;
    return 0;
  }
  let iscale = f(nmax / f(max - min));
  let scale = f(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[xOffset + i]!;
    const l = Math.max(0, Math.min(nmax, nearestInt(f(iscale * f(xi - min)))));
    L[lOffset + i] = l;
    let diff = f(f(f(scale * l) + min) - xi);
    diff = errorKind === 'absolute' ? Math.abs(diff) : f(diff * diff);
    bestError = f(bestError + f(weights[i]! * diff));
  }
  if (nstep < 1) {
    theMin[0] = -min;
    return scale;
  }
  for (let is = 0; is <= nstep; is++) {
    iscale = f(f(f(rmin + f(rdelta * is)) + nmax) / f(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[xOffset + i]!;
      const l = Math.max(0, Math.min(nmax, nearestInt(f(iscale * f(xi - min)))));
      Laux[i] = l;
      const w = weights[i]!;
      const wl = f(w * l);
      sumL = f(sumL + wl);
      sumL2 = f(sumL2 + f(wl * l));
      sumXL = f(sumXL + f(wl * xi));
    }
    const D = f(f(sumW * sumL2) - f(sumL * sumL));
    if (D > 0) {
      let thisScale = f(f(f(sumW * sumXL) - f(sumX * sumL)) / D);
      let thisMin = f(f(f(sumL2 * sumX) - f(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = f(sumXL / sumL2);
      }
      let curError = 0;
      for (let i = 0; i < n; i++) {
        let diff = f(f(f(thisScale * Laux[i]!) + thisMin) - x[xOffset + i]!);
        diff = errorKind === 'absolute' ? Math.abs(diff) : f(diff * diff);
        curError = f(curError + f(weights[i]! * diff));
      }
      if (curError < bestError) {
        for (let i = 0; i < n; i++) L[lOffset + i] = Laux[i]!;
        bestError = curError;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  theMin[0] = -min;
  return scale;
}

/**
 * ggml `make_qx_quants` with rmse_type 1 and no importance weights (the form
 * quantize_row_q6_K_ref uses): symmetric levels −nmax..nmax−1 stored as
 * L = l + nmax, weight x², then a search over 18 nearby scales
 * −(nmax + 0.1·is)/max for the best weighted least-squares fit.
 * Returns the scale (x ≈ scale·(L − nmax)).
 */
export function makeQxQuants(n: number, nmax: number, x: Float32Array, xOffset: number, L: Uint8Array, lOffset: number): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[xOffset + i]!);
    if (ax > amax) {
      amax = ax;
      max = x[xOffset + i]!;
    }
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0, lOffset, lOffset + n);
    return 0;
  }
  let iscale = f(-nmax / max);
  let sumLX = 0;
  let sumL2 = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[xOffset + i]!;
    const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(f(iscale * xi))));
    L[lOffset + i] = l + nmax;
    const w = f(xi * xi);
    sumLX = f(sumLX + f(f(w * xi) * l));
    sumL2 = f(sumL2 + f(f(w * l) * l));
  }
  let scale = sumL2 !== 0 ? f(sumLX / sumL2) : 0;
  let best = f(scale * sumLX);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = f(-f(nmax + f(TENTH * is)) / max);
    sumLX = 0;
    sumL2 = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[xOffset + i]!;
      const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(f(iscale * xi))));
      const w = f(xi * xi);
      sumLX = f(sumLX + f(f(w * xi) * l));
      sumL2 = f(sumL2 + f(f(w * l) * l));
    }
    if (sumL2 > 0 && f(sumLX * sumLX) > f(best * sumL2)) {
      for (let i = 0; i < n; i++) {
        const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(f(iscale * x[xOffset + i]!))));
        L[lOffset + i] = l + nmax;
      }
      scale = f(sumLX / sumL2);
      best = f(scale * sumLX);
    }
  }
  return scale;
}

// ── the scale/min search Q4_K and Q5_K share ─────────────────────────────────

const searchWeights = new Float32Array(32);
const searchAux = new Uint8Array(32);
const subScales = new Float32Array(8);
const subMins = new Float32Array(8);
const scaleLevels = new Uint8Array(8);
const minLevels = new Uint8Array(8);
const scaleMin = new Uint8Array(2);

/**
 * One super-block of 256 weights at src[x…]: ggml's shared part of
 * quantize_row_q4_K_ref / q5_K_ref. Finds each sub-block's scale and min
 * with make_qkx2_quants (nmax, rmin, nstep), writes f16 d and dmin at
 * out[base], the 12 packed 6-bit scales/mins at out[base + 4], and the final
 * levels (0..nmax) of all 256 weights into `levels`.
 */
export function quantizeScalesMinsK(src: Float32Array, x: number, out: Uint8Array, base: number, nmax: number, rmin: number, nstep: number, levels: Uint8Array): void {
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < 8; j++) {
    let sumX2 = 0;
    for (let l = 0; l < 32; l++) sumX2 = f(sumX2 + f(src[x + 32 * j + l]! * src[x + 32 * j + l]!));
    const avX = f(Math.sqrt(f(sumX2 / 32)));
    for (let l = 0; l < 32; l++) searchWeights[l] = f(avX + Math.abs(src[x + 32 * j + l]!));
    subScales[j] = makeQkx2Quants(32, nmax, src, x + 32 * j, searchWeights, levels, 32 * j, searchAux, rmin, TENTH, nstep, 'squared');
    subMins[j] = theMin[0]!;
    if (subScales[j]! > maxScale) maxScale = subScales[j]!;
    if (subMins[j]! > maxMin) maxMin = subMins[j]!;
  }
  const invScale = maxScale > 0 ? f(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? f(63 / maxMin) : 0;
  for (let j = 0; j < 8; j++) {
    scaleLevels[j] = Math.min(63, nearestInt(f(invScale * subScales[j]!)) & 0xff);
    minLevels[j] = Math.min(63, nearestInt(f(invMin * subMins[j]!)) & 0xff);
  }
  packScaleMinK4(scaleLevels, minLevels, out, base + 4);
  writeF16(out, base, f(maxScale / 63));
  writeF16(out, base + 2, f(maxMin / 63));
  const d = readF16(out, base);
  const dmin = readF16(out, base + 2);
  for (let j = 0; j < 8; j++) {
    getScaleMinK4(j, out, base + 4, scaleMin);
    const dj = f(d * scaleMin[0]!);
    if (dj === 0) continue;
    const mj = f(dmin * scaleMin[1]!);
    for (let i = 0; i < 32; i++) levels[32 * j + i] = Math.max(0, Math.min(nmax, nearestInt(f(f(src[x + 32 * j + i]! + mj) / dj))));
  }
}
