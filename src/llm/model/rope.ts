/**
 * Rotary position embedding (Su et al. 2021, "RoFormer"), NeoX layout as
 * Qwen2 uses it (llama.cpp LLAMA_ROPE_TYPE_NEOX; Hugging Face rotate_half):
 * in each head, element i pairs with element i + headDim/2 (not 2i, 2i+1),
 * and pair i turns by angle position · θ^(-2i/headDim).
 *
 *   out[i]         = x[i] cos − x[i + d/2] sin
 *   out[i + d/2]   = x[i] sin + x[i + d/2] cos
 *
 * `ropeAngles` computes the per-position cos/sin table like llama.cpp's
 * rope cache (angle multiplied by θ^(-2/d) step by step in f32), so
 * positions match llama.cpp bit for bit in the common case.
 */

/** cos/sin of the headDim/2 angles for `position`, written at cos[offset..], sin[offset..] */
export function ropeAngles(cos: Float32Array, sin: Float32Array, offset: number, position: number, headDim: number, theta: number): void {
  const half = headDim / 2;
  const step = Math.fround(Math.pow(Math.fround(theta), Math.fround(-2 / headDim)));
  let angle = Math.fround(position);
  for (let i = 0; i < half; i++) {
    cos[offset + i] = Math.cos(angle);
    sin[offset + i] = Math.sin(angle);
    angle = Math.fround(angle * step);
  }
}

/** rotate `headCount` consecutive heads of x (each [headDim]) starting at xOffset, in place */
export function ropeNeox(x: Float32Array, xOffset: number, headCount: number, headDim: number, cos: Float32Array, sin: Float32Array, angleOffset: number): void {
  const half = headDim / 2;
  for (let h = 0; h < headCount; h++) {
    const base = xOffset + h * headDim;
    for (let i = 0; i < half; i++) {
      const c = cos[angleOffset + i]!;
      const s = sin[angleOffset + i]!;
      const x0 = x[base + i]!;
      const x1 = x[base + i + half]!;
      x[base + i] = x0 * c - x1 * s;
      x[base + i + half] = x0 * s + x1 * c;
    }
  }
}
