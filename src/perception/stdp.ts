/**
 * Feedforward plasticity of W_l (E⁺_l → R_{l+1}): trace-pair STDP with
 * multiplicative soft bounds (Morrison, Diesmann & Gerstner 2008; van Rossum,
 * Bi & Turrigiano 2000), and the per-window L1 normalisation of each R unit's
 * incoming weights (Diehl & Cook 2015).
 *
 *   post spike of R unit i:  w_ji += η_i·A₊·x_j·(w_max − w_ji)   for every E⁺ unit j with x_j > 0
 *   pre spike of E⁺ unit j:  w_ji −= η_i·A₋·y_i·(w_ji − w_min)   for every R unit i with y_i > 0
 *
 * x_j (τ₊) and y_i (τ₋) jump by 1 per spike and decay exactly; with
 * A₋τ₋ = 1.05·A₊τ₊ uncorrelated firing depresses on average (Song, Miller &
 * Abbott 2000). Every update is clipped to [w_min, w_max] (PyNN #676: soft
 * bounds alone can leak through in f32).
 *
 * W is (N_pre, N_post) f32 pre-major: row j holds the fan-out of E⁺ unit j.
 * Each function returns the synapses it touched (for the cost counter).
 */

import type { ActiveSet } from './state.ts';

/** potentiate column `post` of W for every active presynaptic trace; `scale` = η_post·A₊·gain */
export function potentiate(
  weights: Float32Array,
  postCount: number,
  post: number,
  preTrace: Float32Array,
  preActive: ActiveSet,
  scale: number,
  weightMin: number,
  weightMax: number,
): number {
  const members = preActive.members;
  let touched = 0;
  for (let m = 0; m < preActive.count; m++) {
    const j = members[m]!;
    const x = preTrace[j]!;
    if (x === 0) continue;
    const index = j * postCount + post;
    const w = weights[index]!;
    weights[index] = clip(Math.fround(w + scale * x * (weightMax - w)), weightMin, weightMax);
    touched++;
  }
  return touched;
}

/** depress row `pre` of W for every active postsynaptic trace; `scale` = A₋·gain (times each post unit's η) */
export function depress(
  weights: Float32Array,
  postCount: number,
  pre: number,
  postTrace: Float32Array,
  postLearningRate: Float32Array,
  postActive: ActiveSet,
  scale: number,
  weightMin: number,
  weightMax: number,
): number {
  const members = postActive.members;
  const row = pre * postCount;
  let touched = 0;
  for (let m = 0; m < postActive.count; m++) {
    const i = members[m]!;
    const y = postTrace[i]!;
    if (y === 0) continue;
    const index = row + i;
    const w = weights[index]!;
    weights[index] = clip(Math.fround(w - postLearningRate[i]! * scale * y * (w - weightMin)), weightMin, weightMax);
    touched++;
  }
  return touched;
}

/**
 * Rescale each column of W (the incoming weights of one R unit) to L1 =
 * `target`, then clip to [w_min, w_max]. Columns that sum to 0 are left as
 * they are. Sums run in f64 in row order, so the result is deterministic.
 * `columnSums` is (N_post) f64 scratch.
 */
export function normaliseColumns(
  weights: Float32Array,
  preCount: number,
  postCount: number,
  target: number,
  weightMin: number,
  weightMax: number,
  columnSums: Float64Array,
): void {
  columnSums.fill(0, 0, postCount);
  for (let j = 0; j < preCount; j++) {
    const row = j * postCount;
    for (let i = 0; i < postCount; i++) columnSums[i] += weights[row + i]!;
  }
  for (let i = 0; i < postCount; i++) {
    const sum = columnSums[i]!;
    columnSums[i] = sum > 0 ? target / sum : 0;
  }
  for (let j = 0; j < preCount; j++) {
    const row = j * postCount;
    for (let i = 0; i < postCount; i++) {
      const factor = columnSums[i]!;
      if (factor === 0) continue;
      weights[row + i] = clip(Math.fround(weights[row + i]! * factor), weightMin, weightMax);
    }
  }
}

function clip(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}
