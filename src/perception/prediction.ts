/**
 * Top-down prediction U_l (R_{l+1} → E_l) and its local delta rule
 * (Rao & Ballard 1999, in the spiking form of PERCEPTION.md §1–§2).
 *
 *   p_i = Σ_k U_ik·x_k   [Hz]   x_k: prediction trace of R_{l+1} unit k (+1 per spike, τ_p)
 *
 * p is kept incrementally: an R spike k adds row k of U to p, p decays with
 * the same τ_p as x, a change ΔU_ik adds ΔU_ik·x_k to p_i, and once per
 * window `resyncPrediction` recomputes p densely (removing f32 drift and the
 * part of traces flushed below ε).
 *
 *   on an E⁺_i spike:  U_ik += η_k·η_U·x_k   (the level below did more than predicted)
 *   on an E⁻_i spike:  U_ik −= η_k·η_U·x_k   (predicted activity did not come)
 *   U clipped to [0, U_max]; only active traces are visited; U never moves without an error spike.
 *
 * U is (N_{l+1}, N_l) f32 pre-major: row k is what R unit k predicts.
 * Each function returns the synapses it touched (for the cost counter).
 */

import type { ActiveSet } from './state.ts';

/** R unit `unit` spiked: add its row of U to the predictions p (and mark the pairs it reaches active) */
export function addPrediction(weights: Float32Array, belowCount: number, unit: number, prediction: Float32Array, belowActive: ActiveSet): number {
  const row = unit * belowCount;
  for (let i = 0; i < belowCount; i++) {
    const u = weights[row + i]!;
    if (u === 0) continue;
    prediction[i] = Math.fround(prediction[i]! + u);
    belowActive.add(i);
  }
  return belowCount;
}

/**
 * Error unit `target` of the level below spiked with sign +1 (E⁺) or −1 (E⁻):
 * move column `target` of U by sign·η_k·rate·x_k for each active trace x_k,
 * and keep p_target consistent. `rate` = η_U·gain [Hz].
 */
export function deltaRule(
  weights: Float32Array,
  belowCount: number,
  target: number,
  sign: 1 | -1,
  predictionTrace: Float32Array,
  aboveLearningRate: Float32Array,
  aboveActive: ActiveSet,
  rate: number,
  maxHz: number,
  prediction: Float32Array,
): number {
  const members = aboveActive.members;
  let p = prediction[target]!;
  let touched = 0;
  for (let m = 0; m < aboveActive.count; m++) {
    const k = members[m]!;
    const x = predictionTrace[k]!;
    if (x === 0) continue;
    const index = k * belowCount + target;
    const before = weights[index]!;
    let after = Math.fround(before + sign * aboveLearningRate[k]! * rate * x);
    if (after < 0) after = 0;
    else if (after > maxHz) after = Math.fround(maxHz);
    weights[index] = after;
    p = Math.fround(p + (after - before) * x);
    touched++;
  }
  prediction[target] = p < 0 ? 0 : p;
  return touched;
}

/**
 * Recompute p = Uᵀx densely (f64 sums in row order, then f32), flush values
 * below ε, mark non-zero pairs active. Returns the largest relative change
 * |p_new − p_old| / max(|p_new|, ε) (the drift of the incremental updates).
 */
export function resyncPrediction(
  weights: Float32Array,
  aboveCount: number,
  belowCount: number,
  predictionTrace: Float32Array,
  prediction: Float32Array,
  belowActive: ActiveSet,
  epsilon: number,
  sums: Float64Array,
): number {
  sums.fill(0, 0, belowCount);
  for (let k = 0; k < aboveCount; k++) {
    const x = predictionTrace[k]!;
    if (x === 0) continue;
    const row = k * belowCount;
    for (let i = 0; i < belowCount; i++) sums[i] += weights[row + i]! * x;
  }
  let drift = 0;
  for (let i = 0; i < belowCount; i++) {
    let p = Math.fround(sums[i]!);
    if (p < epsilon) p = 0;
    const old = prediction[i]!;
    const change = Math.abs(p - old) / Math.max(Math.abs(p), epsilon);
    if (change > drift) drift = change;
    prediction[i] = p;
    if (p !== 0) belowActive.add(i);
  }
  return drift;
}
