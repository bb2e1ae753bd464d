// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// Entry of build/wasm/train-kernels.wasm: the three f32 matrix products of
// a linear layer's training pass (src/train/ops/matmul.ts has their
// JavaScript twins and the meaning of each), over byte offsets into the
// imported shared memory. Weights W are nOut rows of nIn ([nOut, nIn]
// row-major), activations [tokens, features] row-major.
//
//   trainForwardF32        out[t, rowStart+r] (=|+=) Σ_i x[t,i]·rows[r,i] + bias[rowStart+r]
//   accumulateProductF32   C[a, j] += Σ_k A[a,k]·B[k,j] with free strides; it is both
//                          backward products:
//     backward input   dx[t,i] += Σ_r dy[t, rowStart+r]·rows[r,i]   (A = dy, B = rows)
//     backward weight  dW[o,i] += Σ_t dy[t,o]·x[t,i]                 (A = dyᵀ, B = x)
//
// Register tiles: the forward is a dot product along nIn for 4 rows × 2
// tokens (8 f32x4 accumulators, lanes i mod 4, reduced by a transpose at
// the end); the accumulating product keeps a 4 × 8 block of C in 8 f32x4
// registers while it walks the depth, loading one B row strip (2 vectors)
// and four A scalars per step. Both fit the 16 xmm registers of x86-64.
//
// Numerics: products and sums in f32 (no FMA), in an order unlike the
// twins' (which sum in f64 and round once), so results differ by rounding:
// |wasm − twin| ≲ depth · 2^-24 · Σ|a·b| (far less in practice).

/** f32x4 of the four lane sums of s0 … s3 (lane k = Σ lanes of s_k) */
// @ts-ignore: decorator
@inline
function transposeSum(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  const t01 = f32x4.add(i32x4.shuffle(s0, s1, 0, 4, 1, 5), i32x4.shuffle(s0, s1, 2, 6, 3, 7));
  const t23 = f32x4.add(i32x4.shuffle(s2, s3, 0, 4, 1, 5), i32x4.shuffle(s2, s3, 2, 6, 3, 7));
  return f32x4.add(i32x4.shuffle(t01, t23, 0, 1, 4, 5), i32x4.shuffle(t01, t23, 2, 3, 6, 7));
}

/** the f32 at p, p + stride, p + 2·stride, p + 3·stride as one f32x4 */
// @ts-ignore: decorator
@inline
function gather4(p: usize, stride: usize): v128 {
  return f32x4(load<f32>(p), load<f32>(p + stride), load<f32>(p + 2 * stride), load<f32>(p + 3 * stride));
}

/** 4 output lanes for rows w … w+3·rowStride: (=|+=) sums + bias, stored at outp */
// @ts-ignore: decorator
@inline
function storeFour(outp: usize, sums: v128, biasp: usize, hasBias: i32, accumulate: i32): void {
  let value = sums;
  if (hasBias != 0) value = f32x4.add(value, v128.load(biasp));
  if (accumulate != 0) value = f32x4.add(v128.load(outp), value);
  v128.store(outp, value);
}

/**
 * out[t, rowStart+r] (=|+=) Σ_i x[t,i]·rows[r,i] (+ bias[rowStart+r]) for r < rowCount, t < tokens.
 * out: [tokens, nOut] f32; x: [tokens, nIn] f32; rows: [rowCount, nIn] f32; bias: [nOut] f32 (read when hasBias ≠ 0).
 */
export function trainForwardF32(
  out: usize, x: usize, tokens: i32, nIn: i32, nOut: i32,
  rows: usize, rowStart: i32, rowCount: i32, bias: usize, hasBias: i32, accumulate: i32,
): void {
  const rowStride = <usize>nIn << 2;
  const outStride = <usize>nOut << 2;
  const n4 = nIn & ~3;
  let r = 0;
  for (; r + 4 <= rowCount; r += 4) {
    const w0 = rows + <usize>r * rowStride;
    const w1 = w0 + rowStride, w2 = w1 + rowStride, w3 = w2 + rowStride;
    const biasp = bias + (<usize>(rowStart + r) << 2);
    let t = 0;
    for (; t + 2 <= tokens; t += 2) {
      const xa = x + <usize>t * rowStride;
      const xb = xa + rowStride;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
      for (let i = 0; i < n4; i += 4) {
        const offset = <usize>i << 2;
        const u = v128.load(xa + offset);
        const v = v128.load(xb + offset);
        const r0 = v128.load(w0 + offset), r1 = v128.load(w1 + offset), r2 = v128.load(w2 + offset), r3 = v128.load(w3 + offset);
        a0 = f32x4.add(a0, f32x4.mul(u, r0)); a1 = f32x4.add(a1, f32x4.mul(u, r1));
        a2 = f32x4.add(a2, f32x4.mul(u, r2)); a3 = f32x4.add(a3, f32x4.mul(u, r3));
        c0 = f32x4.add(c0, f32x4.mul(v, r0)); c1 = f32x4.add(c1, f32x4.mul(v, r1));
        c2 = f32x4.add(c2, f32x4.mul(v, r2)); c3 = f32x4.add(c3, f32x4.mul(v, r3));
      }
      let sumA = transposeSum(a0, a1, a2, a3);
      let sumC = transposeSum(c0, c1, c2, c3);
      for (let i = n4; i < nIn; i++) {
        const offset = <usize>i << 2;
        const column = gather4(w0 + offset, rowStride);
        sumA = f32x4.add(sumA, f32x4.mul(f32x4.splat(load<f32>(xa + offset)), column));
        sumC = f32x4.add(sumC, f32x4.mul(f32x4.splat(load<f32>(xb + offset)), column));
      }
      const outp = out + <usize>t * outStride + (<usize>(rowStart + r) << 2);
      storeFour(outp, sumA, biasp, hasBias, accumulate);
      storeFour(outp + outStride, sumC, biasp, hasBias, accumulate);
    }
    for (; t < tokens; t++) {
      const xa = x + <usize>t * rowStride;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      for (let i = 0; i < n4; i += 4) {
        const offset = <usize>i << 2;
        const u = v128.load(xa + offset);
        a0 = f32x4.add(a0, f32x4.mul(u, v128.load(w0 + offset))); a1 = f32x4.add(a1, f32x4.mul(u, v128.load(w1 + offset)));
        a2 = f32x4.add(a2, f32x4.mul(u, v128.load(w2 + offset))); a3 = f32x4.add(a3, f32x4.mul(u, v128.load(w3 + offset)));
      }
      let sumA = transposeSum(a0, a1, a2, a3);
      for (let i = n4; i < nIn; i++) {
        const offset = <usize>i << 2;
        sumA = f32x4.add(sumA, f32x4.mul(f32x4.splat(load<f32>(xa + offset)), gather4(w0 + offset, rowStride)));
      }
      storeFour(out + <usize>t * outStride + (<usize>(rowStart + r) << 2), sumA, biasp, hasBias, accumulate);
    }
  }
  for (; r < rowCount; r++) {
    const w0 = rows + <usize>r * rowStride;
    const o = <usize>(rowStart + r) << 2;
    const b: f32 = hasBias != 0 ? load<f32>(bias + o) : 0;
    for (let t = 0; t < tokens; t++) {
      const xa = x + <usize>t * rowStride;
      let a0 = f32x4.splat(0);
      for (let i = 0; i < n4; i += 4) a0 = f32x4.add(a0, f32x4.mul(v128.load(xa + (<usize>i << 2)), v128.load(w0 + (<usize>i << 2))));
      let sum: f32 = (f32x4.extract_lane(a0, 0) + f32x4.extract_lane(a0, 1)) + (f32x4.extract_lane(a0, 2) + f32x4.extract_lane(a0, 3));
      for (let i = n4; i < nIn; i++) sum += load<f32>(xa + (<usize>i << 2)) * load<f32>(w0 + (<usize>i << 2));
      const outp = out + <usize>t * outStride + o;
      store<f32>(outp, (accumulate != 0 ? load<f32>(outp) : 0) + (sum + b));
    }
  }
}

/**
 * C[a, j] += Σ_k A[a, k] · B[k, j] for a < rowsA, j < n, k < depth; every stride in bytes.
 * C: rowsA rows of n f32 (cStride apart); A[a, k] at a + a·aRowStride + k·aDepthStride;
 * B: depth rows of n f32 (bStride apart).
 */
export function accumulateProductF32(
  c: usize, cStride: usize,
  a: usize, aRowStride: usize, aDepthStride: usize,
  b: usize, bStride: usize,
  rowsA: i32, depth: i32, n: i32,
): void {
  const n8 = n & ~7;
  const n4 = n & ~3;
  let row = 0;
  for (; row + 4 <= rowsA; row += 4) {
    const c0 = c + <usize>row * cStride, c1 = c0 + cStride, c2 = c1 + cStride, c3 = c2 + cStride;
    const a0 = a + <usize>row * aRowStride;
    let j = 0;
    for (; j < n8; j += 8) {
      const offset = <usize>j << 2;
      let s00 = v128.load(c0 + offset), s01 = v128.load(c0 + offset, 16);
      let s10 = v128.load(c1 + offset), s11 = v128.load(c1 + offset, 16);
      let s20 = v128.load(c2 + offset), s21 = v128.load(c2 + offset, 16);
      let s30 = v128.load(c3 + offset), s31 = v128.load(c3 + offset, 16);
      let bp = b + offset;
      let ap = a0;
      for (let k = 0; k < depth; k++) {
        const b0 = v128.load(bp), b1 = v128.load(bp, 16);
        let s = f32x4.splat(load<f32>(ap));
        s00 = f32x4.add(s00, f32x4.mul(s, b0)); s01 = f32x4.add(s01, f32x4.mul(s, b1));
        s = f32x4.splat(load<f32>(ap + aRowStride));
        s10 = f32x4.add(s10, f32x4.mul(s, b0)); s11 = f32x4.add(s11, f32x4.mul(s, b1));
        s = f32x4.splat(load<f32>(ap + 2 * aRowStride));
        s20 = f32x4.add(s20, f32x4.mul(s, b0)); s21 = f32x4.add(s21, f32x4.mul(s, b1));
        s = f32x4.splat(load<f32>(ap + 3 * aRowStride));
        s30 = f32x4.add(s30, f32x4.mul(s, b0)); s31 = f32x4.add(s31, f32x4.mul(s, b1));
        bp += bStride;
        ap += aDepthStride;
      }
      v128.store(c0 + offset, s00); v128.store(c0 + offset, s01, 16);
      v128.store(c1 + offset, s10); v128.store(c1 + offset, s11, 16);
      v128.store(c2 + offset, s20); v128.store(c2 + offset, s21, 16);
      v128.store(c3 + offset, s30); v128.store(c3 + offset, s31, 16);
    }
    for (; j < n4; j += 4) {
      const offset = <usize>j << 2;
      let s0 = v128.load(c0 + offset), s1 = v128.load(c1 + offset), s2 = v128.load(c2 + offset), s3 = v128.load(c3 + offset);
      let bp = b + offset;
      let ap = a0;
      for (let k = 0; k < depth; k++) {
        const b0 = v128.load(bp);
        s0 = f32x4.add(s0, f32x4.mul(f32x4.splat(load<f32>(ap)), b0));
        s1 = f32x4.add(s1, f32x4.mul(f32x4.splat(load<f32>(ap + aRowStride)), b0));
        s2 = f32x4.add(s2, f32x4.mul(f32x4.splat(load<f32>(ap + 2 * aRowStride)), b0));
        s3 = f32x4.add(s3, f32x4.mul(f32x4.splat(load<f32>(ap + 3 * aRowStride)), b0));
        bp += bStride;
        ap += aDepthStride;
      }
      v128.store(c0 + offset, s0); v128.store(c1 + offset, s1); v128.store(c2 + offset, s2); v128.store(c3 + offset, s3);
    }
    for (; j < n; j++) {
      // one column of the tile: the four A values of each k against one B element
      let sums = gather4(c0 + (<usize>j << 2), cStride);
      let bp = b + (<usize>j << 2);
      let ap = a0;
      for (let k = 0; k < depth; k++) {
        sums = f32x4.add(sums, f32x4.mul(gather4(ap, aRowStride), f32x4.splat(load<f32>(bp))));
        bp += bStride;
        ap += aDepthStride;
      }
      store<f32>(c0 + (<usize>j << 2), f32x4.extract_lane(sums, 0));
      store<f32>(c1 + (<usize>j << 2), f32x4.extract_lane(sums, 1));
      store<f32>(c2 + (<usize>j << 2), f32x4.extract_lane(sums, 2));
      store<f32>(c3 + (<usize>j << 2), f32x4.extract_lane(sums, 3));
    }
  }
  for (; row < rowsA; row++) {
    const c0 = c + <usize>row * cStride;
    const a0 = a + <usize>row * aRowStride;
    let j = 0;
    for (; j < n4; j += 4) {
      const offset = <usize>j << 2;
      let s0 = v128.load(c0 + offset);
      let bp = b + offset;
      let ap = a0;
      for (let k = 0; k < depth; k++) {
        s0 = f32x4.add(s0, f32x4.mul(f32x4.splat(load<f32>(ap)), v128.load(bp)));
        bp += bStride;
        ap += aDepthStride;
      }
      v128.store(c0 + offset, s0);
    }
    for (; j < n; j++) {
      let sum = load<f32>(c0 + (<usize>j << 2));
      let bp = b + (<usize>j << 2);
      let ap = a0;
      for (let k = 0; k < depth; k++) {
        sum += load<f32>(ap) * load<f32>(bp);
        bp += bStride;
        ap += aDepthStride;
      }
      store<f32>(c0 + (<usize>j << 2), sum);
    }
  }
}

export { attentionScoresF32, attentionLowerF32, attentionUpperF32 } from './train-attention';
