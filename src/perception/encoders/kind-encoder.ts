/**
 * What each per-sense encoder provides to the dispatcher (sensor-encoder.ts):
 * the channels one event spikes, most important first, and its state as a
 * fixed run of f64 values for snapshots.
 */

import type { SensorEvent } from '../../common/index.ts';

/** spikes one event may ask for */
export const MAX_SPIKES_PER_EVENT = 4;

export interface KindEncoder {
  /** write the channels this event spikes into `out` (capacity MAX_SPIKES_PER_EVENT), most important first; returns how many */
  encode(event: SensorEvent, out: Int32Array): number;
  /** f64 values of state */
  readonly stateLength: number;
  writeState(out: Float64Array, at: number): void;
  /** throws sensors.encoder_state_invalid on values it cannot hold */
  readState(from: Float64Array, at: number): void;
  reset(): void;
}

/** one send-on-delta channel pair: a reference that moves one step toward the signal per spike */
export interface DeltaCandidate {
  /** index of the signal within its encoder */
  index: number;
  /** +1 up, −1 down */
  sign: number;
  /** the step the reference moves by when the spike is sent */
  step: number;
  /** |signal − reference| / step, how overdue the spike is */
  score: number;
}

/** order candidates by score (highest first), ties by lower index then up before down */
export function compareCandidates(a: DeltaCandidate, b: DeltaCandidate): number {
  return b.score - a.score || a.index - b.index || b.sign - a.sign;
}
