/**
 * The slow, obvious twin of the whole Qwen2 forward pass: recompute every
 * position from scratch with plain f64 arithmetic, dequantized weights,
 * direct formulas (rotary angle = position · θ^(-2i/d), explicit per-head
 * loops, no cache, no batching). Tests compare the engine against it.
 */

import type { GgmlTypeId, Tensor } from '../tensor.ts';
import type { Qwen2Config } from './config.ts';
import { dequantizeRow, rowBytes } from './quant.ts';
import type { Qwen2Weights } from './weights.ts';

type Matrix = Float64Array[]; // rows [nOut][nIn]

function toMatrix(t: Tensor): Matrix {
  const [nIn, nOut] = [t.shape[0]!, t.shape[1]!];
  const stride = rowBytes(t.type as GgmlTypeId, nIn);
  const row = new Float32Array(nIn);
  const rows: Matrix = [];
  for (let r = 0; r < nOut; r++) {
    dequantizeRow(t.type as GgmlTypeId, t.data, r * stride, row, 0, nIn);
    rows.push(Float64Array.from(row));
  }
  return rows;
}

function apply(m: Matrix, x: ArrayLike<number>, bias: ArrayLike<number> | null): Float64Array {
  const out = new Float64Array(m.length);
  for (let r = 0; r < m.length; r++) {
    let sum = bias === null ? 0 : bias[r]!;
    for (let i = 0; i < x.length; i++) sum += m[r]![i]! * x[i]!;
    out[r] = sum;
  }
  return out;
}

function norm(x: Float64Array, weight: ArrayLike<number>, eps: number): Float64Array {
  let sumSquares = 0;
  for (const v of x) sumSquares += v * v;
  const scale = 1 / Math.sqrt(sumSquares / x.length + eps);
  return x.map((v, i) => v * scale * weight[i]!);
}

function rotate(x: Float64Array, heads: number, headDim: number, position: number, theta: number): void {
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      const angle = position * Math.pow(theta, (-2 * i) / headDim);
      const a = x[h * headDim + i]!;
      const b = x[h * headDim + i + half]!;
      x[h * headDim + i] = a * Math.cos(angle) - b * Math.sin(angle);
      x[h * headDim + i + half] = a * Math.sin(angle) + b * Math.cos(angle);
    }
  }
}

/** logits [tokens][vocab] for every position of `tokens`, plus the final normed hidden states [tokens][hidden] */
export function referenceForward(config: Qwen2Config, weights: Qwen2Weights, tokens: readonly number[]): { logits: Float64Array[]; hidden: Float64Array[] } {
  const { headCount, kvHeadCount, headDim, rmsNormEps: eps, ropeTheta } = config;
  const embedding = toMatrix(weights.tokenEmbedding);
  let xs = tokens.map((t) => Float64Array.from(embedding[t]!));
  for (const w of weights.layers) {
    const [wq, wk, wv, wo, gate, up, down] = [w.query, w.key, w.value, w.attentionOutput, w.gate, w.up, w.down].map(toMatrix) as [Matrix, Matrix, Matrix, Matrix, Matrix, Matrix, Matrix];
    const hs = xs.map((x) => norm(x, w.attentionNorm, eps));
    const qs = hs.map((h, p) => { const q = apply(wq, h, w.queryBias); rotate(q, headCount, headDim, p, ropeTheta); return q; });
    const ks = hs.map((h, p) => { const k = apply(wk, h, w.keyBias); rotate(k, kvHeadCount, headDim, p, ropeTheta); return k; });
    const vs = hs.map((h) => apply(wv, h, w.valueBias));
    xs = xs.map((x, p) => {
      const attention = new Float64Array(headCount * headDim);
      for (let h = 0; h < headCount; h++) {
        const g = Math.floor((h * kvHeadCount) / headCount);
        const scores: number[] = [];
        for (let t = 0; t <= p; t++) {
          let dot = 0;
          for (let i = 0; i < headDim; i++) dot += qs[p]![h * headDim + i]! * ks[t]![g * headDim + i]!;
          scores.push(dot / Math.sqrt(headDim));
        }
        const max = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - max));
        const total = exps.reduce((a, b) => a + b, 0);
        for (let t = 0; t <= p; t++) {
          for (let i = 0; i < headDim; i++) attention[h * headDim + i] += (exps[t]! / total) * vs[t]![g * headDim + i]!;
        }
      }
      const projected = apply(wo, attention, null);
      const afterAttention = x.map((v, i) => v + projected[i]!);
      const h2 = norm(afterAttention, w.ffnNorm, eps);
      const g = apply(gate, h2, null);
      const u = apply(up, h2, null);
      const inner = g.map((z, i) => (z / (1 + Math.exp(-z))) * u[i]!);
      const ffn = apply(down, inner, null);
      return afterAttention.map((v, i) => v + ffn[i]!);
    });
  }
  const output = toMatrix(weights.output);
  const hidden = xs.map((x) => norm(x, weights.outputNorm, eps));
  return { logits: hidden.map((h) => apply(output, h, null)), hidden };
}
