/**
 * Per-window outputs of the PC-SNN (PERCEPTION.md §4): the summary vector for
 * cognition and the User Sketch, and the error-neuron summary for anomaly/.
 *
 *   summary (N3 + 8) f32:  R3 rates filtered with τ_summary [Hz] (N3) ·
 *                          log1p input spikes per group kbd, mic, usb, fs, net, reserved (6) ·
 *                          mean R2 rate, mean R3 rate in the window [Hz] (2)
 *   error.byLayer (6):     E0⁺, E0⁻, E1⁺, E1⁻, E2⁺, E2⁻ population rates [Hz]
 *   error.byChannel (N0):  E0⁺ + E0⁻ spikes per input channel
 *   error.forest (20):     log1p(byLayer) (6) · log1p E0⁺, E0⁻ per group (12) ·
 *                          largest byChannel count (1) · E0⁺ / input spikes (1)
 *
 * Error grows with activity; the ratios (unexplained fraction) keep "busy"
 * from reading as "unusual". The forest should train on 'steady' windows only.
 */

import type { ErrorSummary, PerceptionWindow } from '../common/index.ts';
import type { PcSnnParams } from './params.ts';
import { SPIKE_GROUPS, type SpikeChannelMap } from './spikes.ts';
import type { NetworkState } from './state.ts';

export const FOREST_FEATURES = 20;
/** summary entries after the N3 filtered rates */
export const SUMMARY_EXTRA = 8;

/**
 * Build the outputs of the window that ends now from the window counters,
 * and advance the filtered R3 rates (the one piece of state this changes).
 */
export function buildWindowOutputs(state: NetworkState, params: PcSnnParams, channelMap: SpikeChannelMap, windowStartMs: number, phase: ErrorSummary['phase']): PerceptionWindow {
  const windowSeconds = params.windowMs / 1000;
  const [, r2, r3] = state.representation;
  const n3 = r3.size;

  // summary
  const summary = new Float32Array(n3 + SUMMARY_EXTRA);
  const filterStep = 1 - Math.exp(-params.windowMs / params.summaryTauMs);
  for (let i = 0; i < n3; i++) {
    const rate = r3.windowSpikes[i]! / windowSeconds;
    const filtered = Math.fround(state.summaryRates[i]! + filterStep * (rate - state.summaryRates[i]!));
    state.summaryRates[i] = filtered;
    summary[i] = filtered;
  }
  SPIKE_GROUPS.forEach((group, g) => {
    const [start, end] = channelMap.groups[group];
    let count = 0;
    for (let ch = start; ch < end; ch++) count += state.windowInput[ch]!;
    summary[n3 + g] = Math.log1p(count);
  });
  summary[n3 + 6] = meanRate(r2.windowSpikes, windowSeconds);
  summary[n3 + 7] = meanRate(r3.windowSpikes, windowSeconds);

  // error summary
  const byLayer = new Float32Array(6);
  state.errors.forEach((e, level) => {
    let plus = 0;
    let minus = 0;
    for (let i = 0; i < e.size; i++) {
      plus += e.windowPlus[i]!;
      minus += e.windowMinus[i]!;
    }
    byLayer[2 * level] = plus / windowSeconds;
    byLayer[2 * level + 1] = minus / windowSeconds;
  });
  const e0 = state.errors[0];
  const byChannel = new Float32Array(e0.size);
  let largest = 0;
  let plusTotal = 0;
  for (let ch = 0; ch < e0.size; ch++) {
    const count = e0.windowPlus[ch]! + e0.windowMinus[ch]!;
    byChannel[ch] = count;
    if (count > largest) largest = count;
    plusTotal += e0.windowPlus[ch]!;
  }
  const forest = new Float32Array(FOREST_FEATURES);
  for (let k = 0; k < 6; k++) forest[k] = Math.log1p(byLayer[k]!);
  SPIKE_GROUPS.forEach((group, g) => {
    const [start, end] = channelMap.groups[group];
    let plus = 0;
    let minus = 0;
    for (let ch = start; ch < end; ch++) {
      plus += e0.windowPlus[ch]!;
      minus += e0.windowMinus[ch]!;
    }
    forest[6 + 2 * g] = Math.log1p(plus);
    forest[7 + 2 * g] = Math.log1p(minus);
  });
  forest[18] = largest;
  const inputSpikes = state.windowInput.reduce((a, b) => a + b, 0);
  forest[19] = inputSpikes > 0 ? plusTotal / inputSpikes : 0;

  return {
    windowStartMs,
    windowMs: params.windowMs,
    summary,
    error: { byLayer, byChannel, channelNames: channelMap.names, forest, phase },
  };
}

function meanRate(windowSpikes: Int32Array, windowSeconds: number): number {
  let total = 0;
  for (let i = 0; i < windowSpikes.length; i++) total += windowSpikes[i]!;
  return total / windowSpikes.length / windowSeconds;
}
