// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// The O(T²·headDim) products of causal grouped-query attention's training
// forward and backward (src/train/ops/attention.ts is the JavaScript twin
// and has the formulas); the O(T²) softmax and its backward stay in the
// caller (src/train/wasm-attention.ts), between these calls. Query head h
// reads key/value head g = ⌊h / (heads / kvHeads)⌋. Matrices over heads are
// [heads, T, T] f32 (row i of head h at (h·T + i)·T), lower-triangular:
// only j ≤ i is read. headDim must be a multiple of 4. Offsets and strides
// are in bytes; sums are f32.

/** f32x4 of the four lane sums of s0 … s3 */
// @ts-ignore: decorator
@inline
function transposeSum(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  const t01 = f32x4.add(i32x4.shuffle(s0, s1, 0, 4, 1, 5), i32x4.shuffle(s0, s1, 2, 6, 3, 7));
  const t23 = f32x4.add(i32x4.shuffle(s2, s3, 0, 4, 1, 5), i32x4.shuffle(s2, s3, 2, 6, 3, 7));
  return f32x4.add(i32x4.shuffle(t01, t23, 0, 1, 4, 5), i32x4.shuffle(t01, t23, 2, 3, 6, 7));
}

/**
 * scores[h, i, j] = scale · a[i, h·hd …] · b[j, g·hd …] for j ≤ i, and 0 for i < j < T.
 * a: [T, heads·hd] rows aStride apart (q, or dOut); b: [T, kvHeads·hd] rows bStride apart (k, or v).
 */
export function attentionScoresF32(
  scores: usize, a: usize, aStride: usize, b: usize, bStride: usize,
  tokens: i32, headCount: i32, kvHeadCount: i32, headDim: i32, scale: f32,
): void {
  const group = headCount / kvHeadCount;
  const rowBytes = <usize>tokens << 2;
  const scaleVector = f32x4.splat(scale);
  for (let h = 0; h < headCount; h++) {
    const aHead = a + (<usize>(h * headDim) << 2);
    const bHead = b + (<usize>((h / group) * headDim) << 2);
    for (let i = 0; i < tokens; i++) {
      const ai = aHead + <usize>i * aStride;
      const row = scores + <usize>(h * tokens + i) * rowBytes;
      let j = 0;
      for (; j + 4 <= i + 1; j += 4) {
        const b0 = bHead + <usize>j * bStride, b1 = b0 + bStride, b2 = b1 + bStride, b3 = b2 + bStride;
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
        for (let e = 0; e < headDim; e += 4) {
          const offset = <usize>e << 2;
          const u = v128.load(ai + offset);
          s0 = f32x4.add(s0, f32x4.mul(u, v128.load(b0 + offset)));
          s1 = f32x4.add(s1, f32x4.mul(u, v128.load(b1 + offset)));
          s2 = f32x4.add(s2, f32x4.mul(u, v128.load(b2 + offset)));
          s3 = f32x4.add(s3, f32x4.mul(u, v128.load(b3 + offset)));
        }
        v128.store(row + (<usize>j << 2), f32x4.mul(transposeSum(s0, s1, s2, s3), scaleVector));
      }
      for (; j <= i; j++) {
        const bj = bHead + <usize>j * bStride;
        let s = f32x4.splat(0);
        for (let e = 0; e < headDim; e += 4) s = f32x4.add(s, f32x4.mul(v128.load(ai + (<usize>e << 2)), v128.load(bj + (<usize>e << 2))));
        store<f32>(row + (<usize>j << 2), ((f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3))) * scale);
      }
      if (i + 1 < tokens) memory.fill(row + (<usize>(i + 1) << 2), 0, <usize>(tokens - i - 1) << 2);
    }
  }
}

/**
 * c[i, h·hd + e] += Σ_{j ≤ i} p[h, i, j] · b[j, g·hd + e]   (the forward's P·V, the backward's dS·K)
 * c: [T, heads·hd] rows cStride apart; b: [T, kvHeads·hd] rows bStride apart.
 */
export function attentionLowerF32(
  c: usize, cStride: usize, p: usize, b: usize, bStride: usize,
  tokens: i32, headCount: i32, kvHeadCount: i32, headDim: i32,
): void {
  const group = headCount / kvHeadCount;
  const rowBytes = <usize>tokens << 2;
  for (let h = 0; h < headCount; h++) {
    const cHead = c + (<usize>(h * headDim) << 2);
    const bHead = b + (<usize>((h / group) * headDim) << 2);
    for (let i = 0; i < tokens; i++) {
      const ci = cHead + <usize>i * cStride;
      const row = p + <usize>(h * tokens + i) * rowBytes;
      let e = 0;
      for (; e + 16 <= headDim; e += 16) {
        const offset = <usize>e << 2;
        let s0 = v128.load(ci + offset), s1 = v128.load(ci + offset, 16), s2 = v128.load(ci + offset, 32), s3 = v128.load(ci + offset, 48);
        let bp = bHead + offset;
        for (let j = 0; j <= i; j++) {
          const weight = f32x4.splat(load<f32>(row + (<usize>j << 2)));
          s0 = f32x4.add(s0, f32x4.mul(weight, v128.load(bp)));
          s1 = f32x4.add(s1, f32x4.mul(weight, v128.load(bp, 16)));
          s2 = f32x4.add(s2, f32x4.mul(weight, v128.load(bp, 32)));
          s3 = f32x4.add(s3, f32x4.mul(weight, v128.load(bp, 48)));
          bp += bStride;
        }
        v128.store(ci + offset, s0); v128.store(ci + offset, s1, 16); v128.store(ci + offset, s2, 32); v128.store(ci + offset, s3, 48);
      }
      for (; e < headDim; e += 4) {
        const offset = <usize>e << 2;
        let s0 = v128.load(ci + offset);
        let bp = bHead + offset;
        for (let j = 0; j <= i; j++) {
          s0 = f32x4.add(s0, f32x4.mul(f32x4.splat(load<f32>(row + (<usize>j << 2))), v128.load(bp)));
          bp += bStride;
        }
        v128.store(ci + offset, s0);
      }
    }
  }
}

/**
 * c[j, g·hd + e] += Σ_{h in group g} Σ_{i ≥ j} p[h, i, j] · b[i, h·hd + e]   (the backward's Pᵀ·dO and dSᵀ·Q)
 * c: [T, kvHeads·hd] rows cStride apart; b: [T, heads·hd] rows bStride apart.
 */
export function attentionUpperF32(
  c: usize, cStride: usize, p: usize, b: usize, bStride: usize,
  tokens: i32, headCount: i32, kvHeadCount: i32, headDim: i32,
): void {
  const group = headCount / kvHeadCount;
  const rowBytes = <usize>tokens << 2;
  for (let g = 0; g < kvHeadCount; g++) {
    const cHead = c + (<usize>(g * headDim) << 2);
    for (let j = 0; j < tokens; j++) {
      const cj = cHead + <usize>j * cStride;
      let e = 0;
      for (; e + 16 <= headDim; e += 16) {
        const offset = <usize>e << 2;
        let s0 = v128.load(cj + offset), s1 = v128.load(cj + offset, 16), s2 = v128.load(cj + offset, 32), s3 = v128.load(cj + offset, 48);
        for (let h = g * group; h < (g + 1) * group; h++) {
          let bp = b + (<usize>(h * headDim) << 2) + <usize>j * bStride + offset;
          let pp = p + <usize>(h * tokens + j) * rowBytes + (<usize>j << 2);
          for (let i = j; i < tokens; i++) {
            const weight = f32x4.splat(load<f32>(pp));
            s0 = f32x4.add(s0, f32x4.mul(weight, v128.load(bp)));
            s1 = f32x4.add(s1, f32x4.mul(weight, v128.load(bp, 16)));
            s2 = f32x4.add(s2, f32x4.mul(weight, v128.load(bp, 32)));
            s3 = f32x4.add(s3, f32x4.mul(weight, v128.load(bp, 48)));
            bp += bStride;
            pp += rowBytes;
          }
        }
        v128.store(cj + offset, s0); v128.store(cj + offset, s1, 16); v128.store(cj + offset, s2, 32); v128.store(cj + offset, s3, 48);
      }
      for (; e < headDim; e += 4) {
        const offset = <usize>e << 2;
        let s0 = v128.load(cj + offset);
        for (let h = g * group; h < (g + 1) * group; h++) {
          let bp = b + (<usize>(h * headDim) << 2) + <usize>j * bStride + offset;
          let pp = p + <usize>(h * tokens + j) * rowBytes + (<usize>j << 2);
          for (let i = j; i < tokens; i++) {
            s0 = f32x4.add(s0, f32x4.mul(f32x4.splat(load<f32>(pp)), v128.load(bp)));
            bp += bStride;
            pp += rowBytes;
          }
        }
        v128.store(cj + offset, s0);
      }
    }
  }
}
