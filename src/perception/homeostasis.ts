/**
 * Slow, per-window regulation of the representation layers (PERCEPTION.md
 * §2 and §6): adaptive thresholds, learning-rate decay, silent-unit re-seeding.
 *
 * - θ (R only, never E): in windows with enough input, the rate EMA r̂
 *   (τ 30 s of active time) moves toward the window rate, then
 *   θ += η_θ·(r̂ − r*)/r*, clipped to [θ_min, θ_max] (Diehl & Cook 2015's
 *   adaptive threshold, but bounded and two-sided: snnTorch #37, BindsNET's
 *   only-rising θ). Idle windows change nothing, so a quiet night does not
 *   lower θ and make the morning look anomalous.
 * - learning rate per unit: η = max(floor, 1/(1 + n_spikes/n_half)).
 * - a unit silent for `reseedAfterActiveMs` of active time gets fresh random
 *   incoming W (spikingjelly #333, BindsNET #613: silent units never learn).
 */

import type { PcSnnParams } from './params.ts';
import type { SnnPrng } from './prng.ts';
import type { RepresentationLayer } from './state.ts';

/** the per-unit learning rate after `spikes` spikes (f32) */
export function unitLearningRate(spikes: number, params: PcSnnParams): number {
  return Math.fround(Math.max(params.learningRateFloor, 1 / (1 + spikes / params.learningRateHalfSpikes)));
}

/** advance r̂ and θ of one layer by one active window of `windowMs` */
export function updateThresholds(layer: RepresentationLayer, targetRateHz: number, params: PcSnnParams): void {
  const windowSeconds = params.windowMs / 1000;
  const emaStep = 1 - Math.exp(-params.windowMs / params.rateEmaTauMs);
  const { threshold, rateEma, windowSpikes } = layer;
  for (let i = 0; i < layer.size; i++) {
    const rate = windowSpikes[i]! / windowSeconds;
    const ema = Math.fround(rateEma[i]! + emaStep * (rate - rateEma[i]!));
    rateEma[i] = ema;
    let theta = Math.fround(threshold[i]! + (params.thresholdLearningRate * (ema - targetRateHz)) / targetRateHz);
    if (theta < params.thresholdMin) theta = Math.fround(params.thresholdMin);
    else if (theta > params.thresholdMax) theta = Math.fround(params.thresholdMax);
    threshold[i] = theta;
  }
}

/** add one active window to each unit's quiet time (0 for units that spiked in it) */
export function advanceQuietTime(layer: RepresentationLayer, windowMs: number): void {
  for (let i = 0; i < layer.size; i++) layer.quietActiveMs[i] = layer.windowSpikes[i]! > 0 ? 0 : layer.quietActiveMs[i]! + windowMs;
}

/** units with at least `afterMs` of quiet active time */
export function countSilent(layer: RepresentationLayer, afterMs: number): number {
  let silent = 0;
  for (let i = 0; i < layer.size; i++) if (layer.quietActiveMs[i]! >= afterMs) silent++;
  return silent;
}

/**
 * Re-seed the incoming weights (one column of W, (preCount, N) pre-major) of
 * each unit quiet for `reseedAfterActiveMs`: uniform on [0, initialWeightMax],
 * drawn in unit order, then row order. Returns how many units were re-seeded;
 * the caller normalises W afterwards.
 */
export function reseedSilentUnits(layer: RepresentationLayer, weights: Float32Array, preCount: number, prng: SnnPrng, params: PcSnnParams): number {
  let reseeded = 0;
  const n = layer.size;
  for (let i = 0; i < n; i++) {
    if (layer.quietActiveMs[i]! < params.reseedAfterActiveMs) continue;
    for (let j = 0; j < preCount; j++) weights[j * n + i] = Math.fround(prng.nextFloat() * params.initialWeightMax);
    layer.quietActiveMs[i] = 0;
    reseeded++;
  }
  return reseeded;
}
