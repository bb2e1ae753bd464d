/**
 * Causal grouped-query self-attention over one sequence (Vaswani et al.
 * 2017; GQA: Ainslie et al. 2023), forward and backward. Query head h reads
 * key/value head ⌊h / (heads / kvHeads)⌋, as llm/model/attention.ts does.
 * With s = 1/√headDim, for query position i and key positions j ≤ i:
 *
 *   S_ij = s · q_i · k_j          P_i = softmax_j≤i(S_i)         o_i = Σ_j P_ij v_j
 *
 * backward, from dO:
 *   dP_ij = dO_i · v_j            dv_j += P_ij dO_i
 *   dS_ij = P_ij (dP_ij − Σ_k P_ik dP_ik)
 *   dq_i += s Σ_j dS_ij k_j       dk_j += s dS_ij q_i
 *
 * The probabilities are saved ([heads, tokens, tokens], row i filled for
 * j ≤ i only); sums are f64. q and k are the rotated (post-RoPE) vectors.
 */

import type { Floats } from './floats.ts';

export interface AttentionShape {
  readonly headCount: number;
  readonly kvHeadCount: number;
  readonly headDim: number;
}

/**
 * out: [tokens, heads·headDim]; probabilities: [heads, tokens, tokens] (written);
 * q: [tokens, heads·headDim]; k, v: [tokens, kvHeads·headDim].
 */
export function attentionForward(out: Floats, probabilities: Floats, q: Floats, k: Floats, v: Floats, tokens: number, shape: AttentionShape): void {
  const { headCount, kvHeadCount, headDim } = shape;
  const group = headCount / kvHeadCount;
  const qStride = headCount * headDim;
  const kvStride = kvHeadCount * headDim;
  const scale = 1 / Math.sqrt(headDim);
  for (let h = 0; h < headCount; h++) {
    const kvOffset = Math.floor(h / group) * headDim;
    for (let i = 0; i < tokens; i++) {
      const qBase = i * qStride + h * headDim;
      const pBase = (h * tokens + i) * tokens;
      let max = -Infinity;
      for (let j = 0; j <= i; j++) {
        const kBase = j * kvStride + kvOffset;
        let dot = 0;
        for (let e = 0; e < headDim; e++) dot += q[qBase + e]! * k[kBase + e]!;
        const score = dot * scale;
        probabilities[pBase + j] = score;
        if (score > max) max = score;
      }
      let sum = 0;
      for (let j = 0; j <= i; j++) sum += Math.exp(probabilities[pBase + j]! - max);
      const inverse = 1 / sum;
      for (let j = 0; j <= i; j++) probabilities[pBase + j] = Math.exp(probabilities[pBase + j]! - max) * inverse;
      const oBase = i * qStride + h * headDim;
      for (let e = 0; e < headDim; e++) out[oBase + e] = 0;
      for (let j = 0; j <= i; j++) {
        const p = probabilities[pBase + j]!;
        const vBase = j * kvStride + kvOffset;
        for (let e = 0; e < headDim; e++) out[oBase + e] = out[oBase + e]! + p * v[vBase + e]!;
      }
    }
  }
}

/**
 * dq, dk, dv += the gradients of q, k, v from dOut ([tokens, heads·headDim]);
 * probabilities, q, k, v as saved by the forward; scratch: [≥ tokens].
 */
export function attentionBackward(
  dq: Floats, dk: Floats, dv: Floats, dOut: Floats,
  probabilities: Floats, q: Floats, k: Floats, v: Floats,
  tokens: number, shape: AttentionShape, scratch: Floats,
): void {
  const { headCount, kvHeadCount, headDim } = shape;
  const group = headCount / kvHeadCount;
  const qStride = headCount * headDim;
  const kvStride = kvHeadCount * headDim;
  const scale = 1 / Math.sqrt(headDim);
  for (let h = 0; h < headCount; h++) {
    const kvOffset = Math.floor(h / group) * headDim;
    for (let i = 0; i < tokens; i++) {
      const qBase = i * qStride + h * headDim;
      const pBase = (h * tokens + i) * tokens;
      let weighted = 0;
      for (let j = 0; j <= i; j++) {
        const vBase = j * kvStride + kvOffset;
        const p = probabilities[pBase + j]!;
        let dot = 0;
        for (let e = 0; e < headDim; e++) {
          const g = dOut[qBase + e]!;
          dot += g * v[vBase + e]!;
          dv[vBase + e] = dv[vBase + e]! + p * g;
        }
        scratch[j] = dot;
        weighted += p * dot;
      }
      for (let j = 0; j <= i; j++) {
        const dScore = probabilities[pBase + j]! * (scratch[j]! - weighted) * scale;
        if (dScore === 0) continue;
        const kBase = j * kvStride + kvOffset;
        for (let e = 0; e < headDim; e++) {
          dq[qBase + e] = dq[qBase + e]! + dScore * k[kBase + e]!;
          dk[kBase + e] = dk[kBase + e]! + dScore * q[qBase + e]!;
        }
      }
    }
  }
}
