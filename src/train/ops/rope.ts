/**
 * Rotary position embedding (Su et al. 2021), NeoX layout as Qwen2 and our
 * inference forward use it (llm/model/rope.ts): in each head, element i
 * pairs with element i + headDim/2 and turns by angle position · θ^(−2i/d).
 * The rotation is orthogonal, so the backward is the rotation by −angle:
 *
 *   forward   y0 = x0 c − x1 s        y1 = x0 s + x1 c
 *   backward  g0 = d0 c + d1 s        g1 = −d0 s + d1 c
 *
 * Both work in place. The cos/sin tables come from llm's ropeAngles (the
 * same f32 angles the inference engine uses), [tokens, headDim/2].
 */

import type { Floats } from './floats.ts';

/** rotate x ([tokens, heads·headDim]) in place; cos, sin: [tokens, headDim/2] */
export function ropeForward(x: Floats, tokens: number, heads: number, headDim: number, cos: Floats, sin: Floats): void {
  rotate(x, tokens, heads, headDim, cos, sin, 1);
}

/** turn dL/dy ([tokens, heads·headDim]) into dL/dx in place */
export function ropeBackward(dy: Floats, tokens: number, heads: number, headDim: number, cos: Floats, sin: Floats): void {
  rotate(dy, tokens, heads, headDim, cos, sin, -1);
}

function rotate(x: Floats, tokens: number, heads: number, headDim: number, cos: Floats, sin: Floats, direction: 1 | -1): void {
  const half = headDim / 2;
  for (let t = 0; t < tokens; t++) {
    const angleBase = t * half;
    for (let h = 0; h < heads; h++) {
      const base = (t * heads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const c = cos[angleBase + i]!;
        const s = direction * sin[angleBase + i]!;
        const x0 = x[base + i]!;
        const x1 = x[base + i + half]!;
        x[base + i] = x0 * c - x1 * s;
        x[base + i + half] = x0 * s + x1 * c;
      }
    }
  }
}
