/**
 * Causal grouped-query attention of one query token over the KV cache
 * (Vaswani et al. 2017; GQA: Ainslie et al. 2023). Query head h reads
 * key/value head floor(h / (headCount / kvHeadCount)) — consecutive query
 * heads share a KV head, as in llama.cpp and HF repeat_kv.
 *
 *   scores[t] = q_h · k_t / sqrt(headDim)   for t < visible
 *   p = softmax(scores)   (f32 values, f64 sums)
 *   out_h = Σ_t p[t] · v_t
 *
 * Cache layout per layer: (position, kvHead, headDim) f32, i.e. the vector
 * of position t, KV head g starts at layerOffset + (t·kvHeadCount + g)·headDim.
 */

export interface AttentionShape {
  readonly headCount: number;
  readonly kvHeadCount: number;
  readonly headDim: number;
}

/**
 * out: [headCount·headDim] at outOffset; q: [headCount·headDim] at qOffset;
 * keys/values: the cache arrays, this layer starting at layerOffset;
 * visible: positions 0..visible-1 are attended; scores: scratch [≥ visible] f32.
 */
export function attendOne(
  out: Float32Array, outOffset: number,
  q: Float32Array, qOffset: number,
  keys: Float32Array, values: Float32Array, layerOffset: number,
  visible: number, shape: AttentionShape, scores: Float32Array,
): void {
  const { headCount, kvHeadCount, headDim } = shape;
  const group = headCount / kvHeadCount;
  const kvStride = kvHeadCount * headDim;
  const scale = 1 / Math.sqrt(headDim);
  for (let h = 0; h < headCount; h++) {
    const qBase = qOffset + h * headDim;
    const kvHeadBase = layerOffset + Math.floor(h / group) * headDim;
    let max = -Infinity;
    for (let t = 0; t < visible; t++) {
      const kBase = kvHeadBase + t * kvStride;
      let dot = 0;
      for (let i = 0; i < headDim; i++) dot += q[qBase + i]! * keys[kBase + i]!;
      const s = Math.fround(dot * scale);
      scores[t] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let t = 0; t < visible; t++) {
      const e = Math.fround(Math.exp(scores[t]! - max));
      scores[t] = e;
      sum += e;
    }
    const inverse = 1 / sum;
    const oBase = outOffset + h * headDim;
    for (let i = 0; i < headDim; i++) out[oBase + i] = 0;
    for (let t = 0; t < visible; t++) {
      const p = scores[t]! * inverse;
      const vBase = kvHeadBase + t * kvStride;
      for (let i = 0; i < headDim; i++) out[oBase + i] = out[oBase + i]! + p * values[vBase + i]!;
    }
  }
}
