// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// F32 rows · f32 activations with f32x4, over byte offsets in the imported
// shared memory.
//
// Numerics: products and sums in f32 in 16 lanes (four f32x4 accumulators
// over elements i ≡ k mod 16), folded as ((a0+a1)+(a2+a3)), then lanes
// ((l0+l1)+(l2+l3)), then the n mod 16 tail in order. This is not the
// reference's order (vecDotF32 adds in f64 and rounds once), so results
// differ by rounding only: |wasm − reference| ≤ (n/16 + 6) · 2^-24 · Σ|w_i·x_i|
// (the standard bound for a summation tree of that depth). llama.cpp's AVX
// ggml_vec_dot_f32 accumulates in f32 lanes the same way.

/** dot of n f32 at `row` with n f32 at `x` */
export function dotF32(row: usize, x: usize, n: i32): f32 {
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let acc2 = f32x4.splat(0);
  let acc3 = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const w = row + (<usize>i << 2);
    const a = x + (<usize>i << 2);
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(w), v128.load(a)));
    acc1 = f32x4.add(acc1, f32x4.mul(v128.load(w, 16), v128.load(a, 16)));
    acc2 = f32x4.add(acc2, f32x4.mul(v128.load(w, 32), v128.load(a, 32)));
    acc3 = f32x4.add(acc3, f32x4.mul(v128.load(w, 48), v128.load(a, 48)));
  }
  const acc = f32x4.add(f32x4.add(acc0, acc1), f32x4.add(acc2, acc3));
  let sum: f32 = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; i < n; i++) sum += load<f32>(row + (<usize>i << 2)) * load<f32>(x + (<usize>i << 2));
  return sum;
}

/** matmulQ8_0's contract for F32 rows (rowStride ≥ 4n bytes) and f32 activations */
export function matmulF32(
  out: usize, outTokenStride: usize,
  weights: usize, rowStride: usize,
  x: usize, xTokenStride: usize, tokens: i32,
  n: i32, rowBegin: i32, rowEnd: i32,
): void {
  for (let r = rowBegin; r < rowEnd; r++) {
    const row = weights + <usize>r * rowStride;
    const outRow = out + (<usize>r << 2);
    for (let t = 0; t < tokens; t++) {
      store<f32>(outRow + <usize>t * outTokenStride, dotF32(row, x + <usize>t * xTokenStride, n));
    }
  }
}
