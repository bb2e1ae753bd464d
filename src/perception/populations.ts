/**
 * The two kinds of leaky integrate-and-fire population of the PC-SNN and
 * their per-tick passes (PERCEPTION.md §1). Exact decay α = e^{−dt/τ}.
 *
 * Representation units R (hard reset to 0, k-WTA, shared lateral inhibition):
 *   v_i = membrane_i − I, where I is one decaying scalar per layer: a spike adds
 *   w_inh to I (inhibiting every other unit at O(1) cost) and sets the spiker's
 *   membrane to I (v = 0). No integration while refractory (v held at 0).
 *   At most k spikes per tick; the largest v − θ wins, ties go to the lower index.
 *
 * Error pairs on level l (fire at θ_E, subtract the quantum, floor; Boerlin et al. 2013):
 *   E⁺_i: v ← α_E·v + g_b·s_i − dt·p_i    fires when activity exceeds the prediction
 *   E⁻_i: v ← α_E·v − g_b·s_i + dt·p_i    fires when predicted activity is missing
 *   s_i: spike of input channel i (l = 0) or of R_l unit i; p_i in Hz, dt in s.
 *
 * Only active units are visited; values below ε are flushed to 0, and a unit
 * whose values are all 0 and that is not refractory leaves its active set.
 */

import type { ErrorLayer, RepresentationLayer } from './state.ts';

export interface RepresentationConstants {
  /** e^{−dt/τ_m} (f32) */
  readonly alphaMembrane: number;
  /** e^{−dt/τ₋}, STDP post trace (f32) */
  readonly alphaPost: number;
  /** e^{−dt/τ_p}, prediction trace (f32) */
  readonly alphaPrediction: number;
  /** ceil(t_ref/dt) [ticks] */
  readonly refractoryTicks: number;
  /** k of k-WTA */
  readonly winners: number;
  /** w_inh (f32) */
  readonly lateralInhibition: number;
  readonly epsilon: number;
}

export interface ErrorConstants {
  /** e^{−dt/τ_E} (f32) */
  readonly alphaMembrane: number;
  /** e^{−dt/τ₊}, STDP pre trace of E⁺ (f32) */
  readonly alphaPre: number;
  /** e^{−dt/τ_p} of the level above: p decays with the traces it is made of (f32) */
  readonly alphaPrediction: number;
  readonly refractoryTicks: number;
  readonly threshold: number;
  /** what a spike subtracts (f32) */
  readonly reset: number;
  readonly floor: number;
  /** g_b */
  readonly gain: number;
  /** dt [s] */
  readonly dtSeconds: number;
  readonly epsilon: number;
}

/**
 * Decay pass of an R layer at `tick`, with the layer inhibition already
 * decayed to this tick: membranes and traces decay (refractory units are
 * held at v = 0), idle units leave the active set.
 */
export function decayRepresentation(layer: RepresentationLayer, c: RepresentationConstants, inhibition: number, tick: number): void {
  const { membrane, postTrace, predictionTrace, refractoryUntil, active } = layer;
  const members = active.members;
  const epsilon = c.epsilon;
  let m = 0;
  while (m < active.count) {
    const i = members[m]!;
    let u: number;
    if (refractoryUntil[i]! >= tick) u = inhibition;
    else {
      u = Math.fround(c.alphaMembrane * membrane[i]!);
      if (u < epsilon && u > -epsilon) u = 0;
    }
    let y = Math.fround(c.alphaPost * postTrace[i]!);
    if (y < epsilon) y = 0;
    let x = Math.fround(c.alphaPrediction * predictionTrace[i]!);
    if (x < epsilon) x = 0;
    membrane[i] = u;
    postTrace[i] = y;
    predictionTrace[i] = x;
    if (u === 0 && y === 0 && x === 0 && refractoryUntil[i]! < tick) {
      active.isMember[i] = 0;
      members[m] = members[--active.count]!;
    } else m++;
  }
}

/**
 * Integrate the error spikes that level l emitted last tick into R_{l+1}:
 * E⁺_j adds row j of W, E⁻_j subtracts γ·(row j of W). The queue is sorted
 * first, so the f32 sums do not depend on the order the spikes were made in.
 * Returns the synapses read.
 */
export function integrateErrorSpikes(layer: RepresentationLayer, below: ErrorLayer, weights: Float32Array, inhibitoryTie: number, tick: number): number {
  const queue = below.queue;
  const length = below.queueLength[0]!;
  if (length === 0) return 0;
  sortInt32(queue, length);
  const { membrane, refractoryUntil, active } = layer;
  const n = layer.size;
  for (let q = 0; q < length; q++) {
    const entry = queue[q]!;
    const j = (entry > 0 ? entry : -entry) - 1;
    const row = j * n;
    if (entry > 0) {
      for (let i = 0; i < n; i++) {
        const w = weights[row + i]!;
        if (w === 0 || refractoryUntil[i]! >= tick) continue;
        membrane[i] = Math.fround(membrane[i]! + w);
        active.add(i);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const w = weights[row + i]!;
        if (w === 0 || refractoryUntil[i]! >= tick) continue;
        membrane[i] = Math.fround(membrane[i]! - Math.fround(inhibitoryTie * w));
        active.add(i);
      }
    }
  }
  below.queueLength[0] = 0;
  return length * n;
}

/**
 * k-WTA: the (at most k) non-refractory units with v = membrane − I ≥ θ and
 * the largest v − θ (ties to the lower index), written to `winners` in
 * ascending index order. Returns how many.
 */
export function selectWinners(layer: RepresentationLayer, inhibition: number, tick: number, k: number, winners: Int32Array, margins: Float64Array): number {
  const { membrane, threshold, refractoryUntil, active } = layer;
  const members = active.members;
  let count = 0;
  for (let m = 0; m < active.count; m++) {
    const i = members[m]!;
    if (refractoryUntil[i]! >= tick) continue;
    const v = Math.fround(membrane[i]! - inhibition);
    const margin = v - threshold[i]!;
    if (margin < 0) continue;
    // insert (margin desc, index asc) into the top-k list
    let at = count;
    while (at > 0 && (margins[at - 1]! < margin || (margins[at - 1] === margin && winners[at - 1]! > i))) at--;
    if (at >= k) continue;
    const last = count < k ? count : k - 1;
    for (let s = last; s > at; s--) {
      winners[s] = winners[s - 1]!;
      margins[s] = margins[s - 1]!;
    }
    winners[at] = i;
    margins[at] = margin;
    if (count < k) count++;
  }
  sortInt32(winners, count);
  return count;
}

/** what the E pass calls for each error spike (learning and bookkeeping live in the network) */
export interface ErrorSpikeSink {
  errorSpike(level: number, unit: number, sign: 1 | -1): void;
}

/**
 * E pass of level l at `tick`: integrate drive and prediction, fire, reset
 * subtractively, then decay the E⁺ pre traces and p to the next tick.
 * `drive` flags are cleared as they are read.
 */
export function stepErrorLayer(level: number, layer: ErrorLayer, c: ErrorConstants, tick: number, sink: ErrorSpikeSink): void {
  const { plus, minus, plusRefractoryUntil, minusRefractoryUntil, preTrace, prediction, drive, active } = layer;
  const members = active.members;
  const { alphaMembrane, threshold, reset, floor, gain, dtSeconds, epsilon } = c;
  let m = 0;
  while (m < active.count) {
    const i = members[m]!;
    const s = drive[i]! === 1 ? gain : 0;
    drive[i] = 0;
    const push = Math.fround(dtSeconds * prediction[i]!);
    if (plusRefractoryUntil[i]! < tick) {
      let v = Math.fround(Math.fround(alphaMembrane * plus[i]!) + s);
      v = Math.fround(v - push);
      if (v < floor) v = floor;
      if (v >= threshold) {
        v = Math.fround(v - reset);
        plusRefractoryUntil[i] = tick + c.refractoryTicks;
        plus[i] = v;
        sink.errorSpike(level, i, 1);
      }
      if (v < epsilon && v > -epsilon) v = 0;
      plus[i] = v;
    }
    if (minusRefractoryUntil[i]! < tick) {
      let v = Math.fround(Math.fround(alphaMembrane * minus[i]!) - s);
      v = Math.fround(v + push);
      if (v < floor) v = floor;
      if (v >= threshold) {
        v = Math.fround(v - reset);
        minusRefractoryUntil[i] = tick + c.refractoryTicks;
        minus[i] = v;
        sink.errorSpike(level, i, -1);
      }
      if (v < epsilon && v > -epsilon) v = 0;
      minus[i] = v;
    }
    // decay to the next tick (after this tick's spikes have added to them)
    let x = Math.fround(c.alphaPre * preTrace[i]!);
    if (x < epsilon) x = 0;
    preTrace[i] = x;
    let p = Math.fround(c.alphaPrediction * prediction[i]!);
    if (p < epsilon) p = 0;
    prediction[i] = p;
    if (plus[i] === 0 && minus[i] === 0 && x === 0 && p === 0 && plusRefractoryUntil[i]! <= tick && minusRefractoryUntil[i]! <= tick) {
      active.isMember[i] = 0;
      members[m] = members[--active.count]!;
    } else m++;
  }
}

/** in-place ascending insertion sort of values[0, length) (lists here are short) */
export function sortInt32(values: Int32Array, length: number): void {
  for (let a = 1; a < length; a++) {
    const value = values[a]!;
    let b = a - 1;
    while (b >= 0 && values[b]! > value) {
      values[b + 1] = values[b]!;
      b--;
    }
    values[b + 1] = value;
  }
}
