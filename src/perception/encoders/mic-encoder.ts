/**
 * Microphone encoding (channels 16–47), per 20 ms frame event:
 *
 *   energy level  8 bins of 10 dB from −80 dB full scale (bin 0 also takes
 *                 quieter, bin 7 louder than −10 dB); a spike on channel
 *                 40 + bin whenever the bin changes (and on the first frame)
 *   bands         send-on-delta per band b (12): a reference r_b follows the
 *                 log band energy x_b in steps of s_b = max(0.5·σ_b, 0.25),
 *                 σ_b a running standard deviation (EMA, α = 1/50, about 1 s
 *                 of frames); x_b − r_b ≥ s_b → spike "up" (16 + 2b), r_b += s_b;
 *                 r_b − x_b ≥ s_b → spike "down" (17 + 2b), r_b −= s_b
 *
 * At most 4 spikes per frame: the energy change first, then the bands
 * furthest behind (|x − r|/s). A band left out keeps its reference, so it
 * fires on a later frame: excess change spills into time.
 */

import type { SensorEvent } from '../../common/index.ts';
import { fail } from '../../common/index.ts';
import { MIC_BANDS, MIC_ENERGY_BINS, MIC_ENERGY_START, MIC_START } from './channel-layout.ts';
import { compareCandidates, MAX_SPIKES_PER_EVENT, type DeltaCandidate, type KindEncoder } from './kind-encoder.ts';

const ALPHA = 1 / 50;
const STEP_FRACTION = 0.5;
const MIN_STEP = 0.25;
/** initial variance, so the first steps are MIN_STEP-ish until σ is learned */
const INITIAL_VARIANCE = 0.25;
/** dB per natural-log unit of power */
const DB_PER_NEPER = 10 / Math.LN10;

export function energyBin(logEnergy: number): number {
  const bin = Math.floor((logEnergy * DB_PER_NEPER + 80) / 10);
  return Math.max(0, Math.min(MIC_ENERGY_BINS - 1, bin));
}

export class MicEncoder implements KindEncoder {
  /** started, energy bin, then per band: reference, mean, variance */
  readonly stateLength = 2 + 3 * MIC_BANDS;
  private started = false;
  private lastBin = -1;
  /** (MIC_BANDS) f64 send-on-delta references */
  private readonly reference = new Float64Array(MIC_BANDS);
  /** (MIC_BANDS) f64 running means and variances */
  private readonly mean = new Float64Array(MIC_BANDS);
  private readonly variance = new Float64Array(MIC_BANDS);
  private readonly candidates: DeltaCandidate[] = Array.from({ length: MIC_BANDS }, () => ({ index: 0, sign: 0, step: 0, score: 0 }));

  encode(event: SensorEvent, out: Int32Array): number {
    let count = 0;
    if (event.value !== undefined) {
      const bin = energyBin(event.value);
      if (bin !== this.lastBin) out[count++] = MIC_ENERGY_START + bin;
      this.lastBin = bin;
    }
    const bands = event.bands;
    if (bands === undefined || bands.length !== MIC_BANDS) return count;
    if (!this.started) {
      this.started = true;
      for (let b = 0; b < MIC_BANDS; b++) {
        this.reference[b] = bands[b]!;
        this.mean[b] = bands[b]!;
        this.variance[b] = INITIAL_VARIANCE;
      }
      return count;
    }
    let due = 0;
    for (let b = 0; b < MIC_BANDS; b++) {
      const x = bands[b]!;
      const step = Math.max(STEP_FRACTION * Math.sqrt(this.variance[b]!), MIN_STEP);
      const difference = x - this.reference[b]!;
      if (Math.abs(difference) >= step) {
        const candidate = this.candidates[due++]!;
        candidate.index = b;
        candidate.sign = difference > 0 ? 1 : -1;
        candidate.step = step;
        candidate.score = Math.abs(difference) / step;
      }
      const deviation = x - this.mean[b]!;
      this.mean[b] = this.mean[b]! + ALPHA * deviation;
      this.variance[b] = (1 - ALPHA) * (this.variance[b]! + ALPHA * deviation * deviation);
    }
    const chosen = this.candidates.slice(0, due).sort(compareCandidates);
    for (const candidate of chosen) {
      if (count >= MAX_SPIKES_PER_EVENT) break;
      const b = candidate.index;
      this.reference[b] = this.reference[b]! + candidate.sign * candidate.step;
      out[count++] = MIC_START + 2 * b + (candidate.sign > 0 ? 0 : 1);
    }
    return count;
  }

  writeState(out: Float64Array, at: number): void {
    out[at] = this.started ? 1 : 0;
    out[at + 1] = this.lastBin;
    out.set(this.reference, at + 2);
    out.set(this.mean, at + 2 + MIC_BANDS);
    out.set(this.variance, at + 2 + 2 * MIC_BANDS);
  }

  readState(from: Float64Array, at: number): void {
    const values = from.subarray(at, at + this.stateLength);
    if (values.length !== this.stateLength || !values.every(Number.isFinite) || (values[0] !== 0 && values[0] !== 1) || !Number.isInteger(values[1]) || values[1]! < -1 || values[1]! >= MIC_ENERGY_BINS) {
      fail('sensors.encoder_state_invalid', 'mic encoder state: values are missing or out of range');
    }
    this.started = values[0] === 1;
    this.lastBin = values[1]!;
    this.reference.set(values.subarray(2, 2 + MIC_BANDS));
    this.mean.set(values.subarray(2 + MIC_BANDS, 2 + 2 * MIC_BANDS));
    this.variance.set(values.subarray(2 + 2 * MIC_BANDS));
  }

  reset(): void {
    this.started = false;
    this.lastBin = -1;
  }
}
