/**
 * Cross-entropy of next-token predictions over the vocabulary, with ignored
 * positions (target < 0, like PyTorch's ignore_index = −100):
 *
 *   loss_t   = logsumexp(z_t) − z_t[y_t]                     (counted t only)
 *   dz_t[v]  = gradScale · (softmax(z_t)[v] − [v = y_t])      (0 for ignored t)
 *
 * The caller picks gradScale = 1 / (tokens counted in the batch) for the
 * mean over counted tokens. Max-subtracted, f64 sums.
 */

import type { Floats } from './floats.ts';

/** Σ loss_t over counted positions; logits: [tokens, vocab]; targets: [tokens] (negative = ignored) */
export function crossEntropyLoss(logits: Floats, targets: Int32Array, tokens: number, vocab: number): number {
  let total = 0;
  for (let t = 0; t < tokens; t++) {
    const target = targets[t]!;
    if (target < 0) continue;
    const base = t * vocab;
    total += logSumExp(logits, base, vocab) - logits[base + target]!;
  }
  return total;
}

/**
 * Σ loss_t, and dLogits (overwritten, [tokens, vocab], may alias logits)
 * = gradScale · ∂(Σ loss_t)/∂logits.
 */
export function crossEntropyForwardBackward(dLogits: Floats, logits: Floats, targets: Int32Array, tokens: number, vocab: number, gradScale: number): number {
  let total = 0;
  for (let t = 0; t < tokens; t++) {
    const target = targets[t]!;
    const base = t * vocab;
    if (target < 0) {
      for (let v = 0; v < vocab; v++) dLogits[base + v] = 0;
      continue;
    }
    // one exp per logit: e_v = exp(z_v − max) goes into dLogits (which may alias logits, so
    // z_target is read first), then dLogits = e_v · gradScale / Σe
    const targetLogit = logits[base + target]!;
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) if (logits[base + v]! > max) max = logits[base + v]!;
    let sum = 0;
    for (let v = 0; v < vocab; v++) {
      const e = Math.exp(logits[base + v]! - max);
      dLogits[base + v] = e;
      sum += e;
    }
    total += max + Math.log(sum) - targetLogit;
    const factor = gradScale / sum;
    for (let v = 0; v < vocab; v++) dLogits[base + v] = dLogits[base + v]! * factor;
    dLogits[base + target] = dLogits[base + target]! - gradScale;
  }
  return total;
}

function logSumExp(x: Floats, base: number, n: number): number {
  let max = -Infinity;
  for (let v = 0; v < n; v++) if (x[base + v]! > max) max = x[base + v]!;
  let sum = 0;
  for (let v = 0; v < n; v++) sum += Math.exp(x[base + v]! - max);
  return max + Math.log(sum);
}
