/**
 * The PC-SNN's state as plain typed arrays (structure of arrays), so the
 * tick loop allocates nothing and the snapshot can write every field in one
 * fixed order (`stateFields`).
 *
 * Layout (N0 input channels; N1, N2, N3 representation units):
 *   representation[0..2]  R1, R2, R3
 *   errors[0..2]          E0 (pairs on the N0 inputs), E1 (on R1), E2 (on R2)
 *   feedforward[l]        W_l: E⁺_l → R_{l+1}, (N_l, N_{l+1}) f32, pre-major
 *   prediction[l]         U_l: R_{l+1} → E_l,  (N_{l+1}, N_l) f32 [Hz], pre-major
 *
 * The active sets are not state: which units are active follows from the
 * values (non-zero or refractory), and `rebuildActiveSets` recomputes them
 * after a restore. Nothing depends on the order inside an active set.
 */

import type { PcSnnParams } from './params.ts';

/** members of a population that need visiting this tick */
export class ActiveSet {
  /** (capacity) i32 member unit ids, first `count` valid, any order */
  readonly members: Int32Array;
  /** (capacity) u8 1 when the unit is a member */
  readonly isMember: Uint8Array;
  count = 0;

  constructor(capacity: number) {
    this.members = new Int32Array(capacity);
    this.isMember = new Uint8Array(capacity);
  }

  add(unit: number): void {
    if (this.isMember[unit] === 0) {
      this.isMember[unit] = 1;
      this.members[this.count++] = unit;
    }
  }

  clear(): void {
    for (let i = 0; i < this.count; i++) this.isMember[this.members[i]!] = 0;
    this.count = 0;
  }
}

/** one layer of representation units (R1, R2 or R3) */
export class RepresentationLayer {
  readonly size: number;
  /** (N) f32 membrane in offset form: the voltage is membrane − layer inhibition */
  readonly membrane: Float32Array;
  /** (N) f32 adaptive threshold θ */
  readonly threshold: Float32Array;
  /** (N) f64 last tick of the refractory period [tick]; −1 before the first spike */
  readonly refractoryUntil: Float64Array;
  /** (N) f32 STDP postsynaptic trace y (+1 per spike, τ₋) */
  readonly postTrace: Float32Array;
  /** (N) f32 prediction trace x (+1 per spike, τ_p); p of the level below = Uᵀx */
  readonly predictionTrace: Float32Array;
  /** (N) f64 spikes since creation */
  readonly spikeTotal: Float64Array;
  /** (N) f32 per-unit learning rate η = max(floor, 1/(1 + spikeTotal/n_half)) */
  readonly learningRate: Float32Array;
  /** (N) i32 spikes in the current window */
  readonly windowSpikes: Int32Array;
  /** (N) f32 rate EMA r̂ [Hz], advanced in active windows only */
  readonly rateEma: Float32Array;
  /** (N) f64 active time since the last spike [ms] */
  readonly quietActiveMs: Float64Array;
  readonly active: ActiveSet;

  constructor(size: number, thresholdInitial: number) {
    this.size = size;
    this.membrane = new Float32Array(size);
    this.threshold = new Float32Array(size).fill(thresholdInitial);
    this.refractoryUntil = new Float64Array(size).fill(-1);
    this.postTrace = new Float32Array(size);
    this.predictionTrace = new Float32Array(size);
    this.spikeTotal = new Float64Array(size);
    this.learningRate = new Float32Array(size).fill(1);
    this.windowSpikes = new Int32Array(size);
    this.rateEma = new Float32Array(size);
    this.quietActiveMs = new Float64Array(size);
    this.active = new ActiveSet(size);
  }
}

/** the error pairs (E⁺_i, E⁻_i) on one level (E0 on the inputs, E1 on R1, E2 on R2) */
export class ErrorLayer {
  readonly size: number;
  /** (N) f32 E⁺ membranes */
  readonly plus: Float32Array;
  /** (N) f32 E⁻ membranes */
  readonly minus: Float32Array;
  /** (N) f64 last refractory tick of E⁺ / E⁻ [tick] */
  readonly plusRefractoryUntil: Float64Array;
  readonly minusRefractoryUntil: Float64Array;
  /** (N) f32 STDP presynaptic trace of E⁺ (+1 per spike, τ₊) */
  readonly preTrace: Float32Array;
  /** (N) f32 prediction p_i from the level above [Hz] */
  readonly prediction: Float32Array;
  /** (N) i32 E⁺ / E⁻ spikes in the current window */
  readonly windowPlus: Int32Array;
  readonly windowMinus: Int32Array;
  /**
   * (2N) i32 error spikes of the last tick, for the level above to integrate
   * next tick: +(i+1) for E⁺_i, −(i+1) for E⁻_i; the first queueLength[0] are valid
   */
  readonly queue: Int32Array;
  /** (1) i32 entries in `queue` */
  readonly queueLength: Int32Array;
  /** (N) u8 1 when unit i of the level below spiked this tick (scratch, zero between ticks) */
  readonly drive: Uint8Array;
  readonly active: ActiveSet;

  constructor(size: number) {
    this.size = size;
    this.plus = new Float32Array(size);
    this.minus = new Float32Array(size);
    this.plusRefractoryUntil = new Float64Array(size).fill(-1);
    this.minusRefractoryUntil = new Float64Array(size).fill(-1);
    this.preTrace = new Float32Array(size);
    this.prediction = new Float32Array(size);
    this.windowPlus = new Int32Array(size);
    this.windowMinus = new Int32Array(size);
    this.queue = new Int32Array(2 * size);
    this.queueLength = new Int32Array(1);
    this.drive = new Uint8Array(size);
    this.active = new ActiveSet(size);
  }
}

/** indices into `NetworkState.scalars` (f64) */
export const Scalar = {
  /** next tick to simulate [tick] */
  tick: 0,
  /** shared lateral inhibition of R1, R2, R3 (f32 values) */
  inhibition1: 1,
  inhibition2: 2,
  inhibition3: 3,
  /** global plasticity gain g */
  plasticityGain: 4,
  /** active time: windows with ≥ homeostasisMinInputSpikes input spikes [ms] */
  activeMs: 5,
  /** input spikes accepted in the current window */
  windowInputSpikes: 6,
  /** input spikes dropped by the storm cap or as duplicates, since creation */
  droppedInputTotal: 7,
  /** input spikes accepted since creation */
  inputTotal: 8,
  /** windows closed since creation */
  windowsClosed: 9,
  /** 1 when STDP changed W in the current window (normalise at its end) */
  feedforwardTouched: 10,
  /** silent units re-seeded since creation */
  reseedsTotal: 11,
  /** synaptic operations since creation (weight reads and updates) */
  synapticOps: 12,
  /** error spikes since creation, all levels and signs */
  errorSpikesTotal: 13,
} as const;
export const SCALAR_COUNT = 14;

export class NetworkState {
  readonly representation: readonly [RepresentationLayer, RepresentationLayer, RepresentationLayer];
  readonly errors: readonly [ErrorLayer, ErrorLayer, ErrorLayer];
  /** W_0..W_2, (N_l, N_{l+1}) f32 pre-major */
  readonly feedforward: readonly [Float32Array, Float32Array, Float32Array];
  /** U_0..U_2, (N_{l+1}, N_l) f32 [Hz] pre-major */
  readonly prediction: readonly [Float32Array, Float32Array, Float32Array];
  /** (SCALAR_COUNT) f64, see `Scalar` */
  readonly scalars: Float64Array;
  /** (N0) i32 input spikes per channel in the current window */
  readonly windowInput: Int32Array;
  /** (N3) f32 R3 rates filtered with τ_summary [Hz] */
  readonly summaryRates: Float32Array;
  /** (4) u32 PRNG state */
  readonly prngState: Uint32Array;

  constructor(params: PcSnnParams) {
    const n0 = params.inputChannels;
    const [n1, n2, n3] = params.representationSizes;
    const theta = params.thresholdInitial;
    this.representation = [new RepresentationLayer(n1, theta), new RepresentationLayer(n2, theta), new RepresentationLayer(n3, theta)];
    this.errors = [new ErrorLayer(n0), new ErrorLayer(n1), new ErrorLayer(n2)];
    this.feedforward = [new Float32Array(n0 * n1), new Float32Array(n1 * n2), new Float32Array(n2 * n3)];
    this.prediction = [new Float32Array(n1 * n0), new Float32Array(n2 * n1), new Float32Array(n3 * n2)];
    this.scalars = new Float64Array(SCALAR_COUNT);
    this.scalars[Scalar.plasticityGain] = 1;
    this.windowInput = new Int32Array(n0);
    this.summaryRates = new Float32Array(n3);
    this.prngState = new Uint32Array(4);
  }
}

export type StateArray = Float32Array | Float64Array | Int32Array | Uint32Array;

/** every saved array of the state, in snapshot order (the order is part of the format) */
export function stateFields(state: NetworkState): readonly StateArray[] {
  const fields: StateArray[] = [state.scalars, state.prngState, state.windowInput, state.summaryRates];
  for (const r of state.representation) {
    fields.push(r.membrane, r.threshold, r.refractoryUntil, r.postTrace, r.predictionTrace, r.spikeTotal, r.learningRate, r.windowSpikes, r.rateEma, r.quietActiveMs);
  }
  for (const e of state.errors) {
    fields.push(e.plus, e.minus, e.plusRefractoryUntil, e.minusRefractoryUntil, e.preTrace, e.prediction, e.windowPlus, e.windowMinus, e.queue, e.queueLength);
  }
  fields.push(...state.feedforward, ...state.prediction);
  return fields;
}

/** recompute the active sets from the values: a unit is active when any of its values is non-zero or it is refractory */
export function rebuildActiveSets(state: NetworkState): void {
  const tick = state.scalars[Scalar.tick]!;
  for (const r of state.representation) {
    r.active.clear();
    for (let i = 0; i < r.size; i++) {
      if (r.membrane[i] !== 0 || r.postTrace[i] !== 0 || r.predictionTrace[i] !== 0 || r.refractoryUntil[i]! >= tick) r.active.add(i);
    }
  }
  for (const e of state.errors) {
    e.active.clear();
    for (let i = 0; i < e.size; i++) {
      if (e.plus[i] !== 0 || e.minus[i] !== 0 || e.preTrace[i] !== 0 || e.prediction[i] !== 0 || e.plusRefractoryUntil[i]! >= tick || e.minusRefractoryUntil[i]! >= tick) e.active.add(i);
    }
  }
}
