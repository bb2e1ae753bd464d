/**
 * PcSnn: the four-level predictive-coding spiking network of PERCEPTION.md
 * (Rao & Ballard 1999 in spiking form; Boerlin, Machens & Denève 2013 error
 * quanta; Diehl & Cook 2015 competition; Morrison et al. 2008 STDP).
 *
 *   input spikes ─► E0±  ──W0──► R1 ─► E1± ──W1──► R2 ─► E2± ──W2──► R3
 *                    ▲ U0 (p0)  │       ▲ U1 (p1)  │       ▲ U2 (p2)  │
 *                    └──────────┘       └──────────┘       └──────────┘
 *
 * One tick (dt, default 1 ms), in this fixed order:
 *   1. input spikes of the tick (≤ 1 per channel, storm cap, drops counted)
 *   2. R1, R2, R3: decay; integrate the error spikes the level below made last
 *      tick (E⁺ through W, E⁻ through −γW); k-WTA; each spike adds w_inh to the
 *      layer inhibition, its U row to p below, potentiates its W column
 *   3. E0, E1, E2: compare drive with p; each E spike queues for the level
 *      above, depresses its W row (E⁺), moves its U column (delta rule)
 * Every `windowMs`: window outputs, homeostasis, re-seeding, W normalisation,
 * dense p resync.
 *
 * Determinism: integer ticks, f32 state (Math.fround), one xoshiro128** PRNG
 * with a fixed draw order, sorted spike queues, reductions in index order,
 * and nothing that depends on the order inside an active set. Idle spans
 * (nothing active, no input) are skipped in one jump, which changes no state,
 * so N one-tick steps equal one N-tick step.
 */

import { fail, type PerceptionWindow } from '../common/index.ts';
import { advanceQuietTime, countSilent, reseedSilentUnits, unitLearningRate, updateThresholds } from './homeostasis.ts';
import { resolveParams, type PcSnnOptions, type PcSnnParams } from './params.ts';
import { decayRepresentation, integrateErrorSpikes, selectWinners, stepErrorLayer, type ErrorConstants, type ErrorSpikeSink, type RepresentationConstants } from './populations.ts';
import { addPrediction, deltaRule, resyncPrediction } from './prediction.ts';
import { SnnPrng } from './prng.ts';
import { decodeSnapshot, encodeSnapshot, snapshotLength } from './snapshot.ts';
import { plainChannelMap, type SpikeBatch, type SpikeChannelMap } from './spikes.ts';
import { depress, normaliseColumns, potentiate } from './stdp.ts';
import { NetworkState, rebuildActiveSets, Scalar, stateFields } from './state.ts';
import { buildWindowOutputs } from './window.ts';

/** which population a spike came from, for observers (a raster, tests) */
export type SpikePopulation = 'input' | 'R1' | 'R2' | 'R3' | 'E0+' | 'E0-' | 'E1+' | 'E1-' | 'E2+' | 'E2-';
export type SpikeObserver = (tick: number, population: SpikePopulation, unit: number) => void;

export interface PcSnnConstruction extends PcSnnOptions {
  /** names and groups of the N0 input channels (default: `plainChannelMap(N0)`) */
  readonly channelMap?: SpikeChannelMap;
}

export interface PcSnnStats {
  /** next tick to simulate */
  readonly tick: number;
  readonly inputSpikes: number;
  /** input spikes dropped (storm cap, duplicates in a tick) */
  readonly droppedInputSpikes: number;
  readonly errorSpikes: number;
  /** spikes of R1, R2, R3 since creation */
  readonly representationSpikes: readonly [number, number, number];
  /** synapses read or updated since creation */
  readonly synapticOps: number;
  readonly windowsClosed: number;
  readonly reseededUnits: number;
  /** active time (windows with enough input) [ms] */
  readonly activeMs: number;
  readonly plasticityGain: number;
}

const R_NAMES: readonly SpikePopulation[] = ['R1', 'R2', 'R3'];
const E_NAMES: readonly (readonly [SpikePopulation, SpikePopulation])[] = [['E0+', 'E0-'], ['E1+', 'E1-'], ['E2+', 'E2-']];
const INHIBITION = [Scalar.inhibition1, Scalar.inhibition2, Scalar.inhibition3] as const;

export class PcSnn implements ErrorSpikeSink {
  readonly params: PcSnnParams;
  readonly channelMap: SpikeChannelMap;
  /** all mutable state (typed arrays); read it, do not write it */
  readonly state: NetworkState;
  private readonly prng: SnnPrng;
  private readonly windowTicks: number;
  private readonly rConstants: readonly RepresentationConstants[];
  private readonly eConstants: readonly ErrorConstants[];
  private observer: SpikeObserver | undefined;
  // scratch (not state)
  private readonly winners = new Int32Array(8);
  private readonly margins = new Float64Array(8);
  private readonly scratch: Float64Array;
  private tickNow = 0;
  private opsInTick = 0;

  /** a fresh network; `restoredState` is for fromBytes/restore only */
  constructor(options: PcSnnConstruction = {}, restoredState?: NetworkState) {
    const { channelMap, ...rest } = options;
    this.params = resolveParams(rest);
    const p = this.params;
    this.channelMap = channelMap ?? plainChannelMap(p.inputChannels);
    checkChannelMap(this.channelMap, p.inputChannels);
    this.windowTicks = Math.round(p.windowMs / p.tickMs);
    const decay = (tauMs: number): number => Math.fround(Math.exp(-p.tickMs / tauMs));
    this.rConstants = [0, 1, 2].map((l) => ({
      alphaMembrane: decay(p.membraneTauMs[l]!),
      alphaPost: decay(p.stdpTauMinusMs),
      alphaPrediction: decay(p.predictionTauMs[l]!),
      refractoryTicks: Math.ceil(p.refractoryMs[l]! / p.tickMs - 1e-9),
      winners: p.winnersPerTick[l]!,
      lateralInhibition: Math.fround(p.lateralInhibition),
      epsilon: p.flushEpsilon,
    }));
    this.eConstants = [0, 1, 2].map((l) => ({
      alphaMembrane: decay(p.errorTauMs),
      alphaPre: decay(p.stdpTauPlusMs),
      alphaPrediction: decay(p.predictionTauMs[l]!),
      refractoryTicks: Math.ceil(p.errorRefractoryMs / p.tickMs - 1e-9),
      threshold: Math.fround(p.errorThreshold),
      reset: Math.fround(p.errorReset),
      floor: Math.fround(p.errorFloor),
      gain: Math.fround(p.feedbackGain),
      dtSeconds: Math.fround(p.tickMs / 1000),
      epsilon: p.flushEpsilon,
    }));
    const sizes = [p.inputChannels, ...p.representationSizes];
    this.scratch = new Float64Array(Math.max(...sizes));
    if (restoredState !== undefined) {
      this.state = restoredState;
      this.prng = new SnnPrng(restoredState.prngState);
      rebuildActiveSets(this.state);
    } else {
      this.state = new NetworkState(p);
      this.prng = new SnnPrng(SnnPrng.seedState(p.seed, this.state.prngState));
      this.initialiseWeights();
    }
  }

  // ── public API ─────────────────────────────────────────────────────────

  /** next tick to simulate [ticks since creation] */
  get tick(): number {
    return this.state.scalars[Scalar.tick]!;
  }

  get plasticityGain(): number {
    return this.state.scalars[Scalar.plasticityGain]!;
  }

  /** global multiplier on every learning rate (W, U); 0.1 while the anomaly score is high so the network does not learn the anomaly */
  setPlasticityGain(gain: number): void {
    if (!Number.isFinite(gain) || gain < 0 || gain > 10) fail('perception.params_invalid', `plasticity gain ${gain} is out of range (0..10)`, { gain });
    this.state.scalars[Scalar.plasticityGain] = gain;
  }

  /** call `observer` for every spike of every population (undefined: stop) */
  observeSpikes(observer: SpikeObserver | undefined): void {
    this.observer = observer;
  }

  /**
   * Simulate `ticks` ticks. `input` lists the input spikes, batches in
   * non-decreasing tick order, every tick below `this.tick + ticks`; a batch
   * with a tick already past lands on the current tick. Each window that ends
   * inside the span goes to `onWindow`. Everything is checked before any
   * state changes (`perception.input_invalid`).
   */
  step(ticks: number, input: readonly SpikeBatch[] = [], onWindow?: (window: PerceptionWindow) => void): void {
    if (!Number.isSafeInteger(ticks) || ticks < 0) fail('perception.input_invalid', `step: tick count ${ticks} must be a whole number ≥ 0`, { ticks });
    const scalars = this.state.scalars;
    const end = scalars[Scalar.tick]! + ticks;
    checkInput(input, end, this.params.inputChannels);
    const e0 = this.state.errors[0];
    const cap = this.params.maxInputSpikesPerTick;
    let next = 0;
    while (scalars[Scalar.tick]! < end) {
      const tick = scalars[Scalar.tick]!;
      let accepted = 0;
      let dropped = 0;
      for (; next < input.length && input[next]!.tick <= tick; next++) {
        const channels = input[next]!.channels;
        for (let c = 0; c < channels.length; c++) {
          const channel = channels[c]!;
          if (accepted >= cap || e0.drive[channel] === 1) {
            dropped++;
            continue;
          }
          e0.drive[channel] = 1;
          e0.active.add(channel);
          this.state.windowInput[channel]!++;
          if (this.observer !== undefined) this.observer(tick, 'input', channel);
          accepted++;
        }
      }
      scalars[Scalar.droppedInputTotal] += dropped;
      if (accepted === 0 && this.isIdle()) {
        // nothing can change before the next input, the next window end or the end of the span
        const nextInput = next < input.length ? Math.max(input[next]!.tick, tick + 1) : end;
        const nextWindow = (Math.floor(tick / this.windowTicks) + 1) * this.windowTicks;
        scalars[Scalar.tick] = Math.min(end, nextInput, nextWindow);
      } else {
        scalars[Scalar.windowInputSpikes] += accepted;
        scalars[Scalar.inputTotal] += accepted;
        this.simulateTick(tick);
        scalars[Scalar.tick] = tick + 1;
      }
      if (scalars[Scalar.tick]! % this.windowTicks === 0) this.closeWindow(onWindow);
    }
  }

  stats(): PcSnnStats {
    const s = this.state.scalars;
    const spikes = this.state.representation.map((r) => r.spikeTotal.reduce((a, b) => a + b, 0)) as unknown as [number, number, number];
    return {
      tick: s[Scalar.tick]!,
      inputSpikes: s[Scalar.inputTotal]!,
      droppedInputSpikes: s[Scalar.droppedInputTotal]!,
      errorSpikes: s[Scalar.errorSpikesTotal]!,
      representationSpikes: spikes,
      synapticOps: s[Scalar.synapticOps]!,
      windowsClosed: s[Scalar.windowsClosed]!,
      reseededUnits: s[Scalar.reseedsTotal]!,
      activeMs: s[Scalar.activeMs]!,
      plasticityGain: s[Scalar.plasticityGain]!,
    };
  }

  /** the whole network (params, channel map, state, PRNG) as a versioned, CRC-checked snapshot */
  toBytes(): Uint8Array {
    const out = new Uint8Array(snapshotLength(this.params, this.channelMap, this.state));
    encodeSnapshot(this.params, this.channelMap, this.state, out, 0);
    return out;
  }

  /** a network that continues exactly where the snapshot's network was */
  static fromBytes(bytes: Uint8Array): PcSnn {
    const { params, channelMap, state } = decodeSnapshot(bytes, 0).value;
    return new PcSnn({ ...params, channelMap }, state);
  }

  /**
   * Replace this network's state with a snapshot of a network of the same
   * shape. The snapshot is fully checked first: on any error nothing changes.
   */
  restore(bytes: Uint8Array): void {
    const restored = PcSnn.fromBytes(bytes);
    const mine = this.params;
    const theirs = restored.params;
    if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
      fail('perception.snapshot_format', 'PC-SNN snapshot was made by a network with other parameters; use PcSnn.fromBytes to load it as it is', { ours: mine, theirs });
    }
    copyState(restored.state, this.state);
    rebuildActiveSets(this.state);
  }

  // ── one tick ───────────────────────────────────────────────────────────

  private simulateTick(tick: number): void {
    const { representation, errors, feedforward, prediction, scalars } = this.state;
    const p = this.params;
    const gain = scalars[Scalar.plasticityGain]!;
    const learnW = p.feedforwardMode === 'stdp' && gain > 0;
    this.tickNow = tick;
    this.opsInTick = 0;
    for (let l = 0; l < 3; l++) {
      const layer = representation[l]!;
      const below = errors[l]!;
      const c = this.rConstants[l]!;
      let inhibition = Math.fround(c.alphaMembrane * scalars[INHIBITION[l]]!);
      if (inhibition < c.epsilon) inhibition = 0;
      decayRepresentation(layer, c, inhibition, tick);
      this.opsInTick += integrateErrorSpikes(layer, below, feedforward[l]!, p.inhibitoryTie, tick);
      const count = selectWinners(layer, inhibition, tick, c.winners, this.winners, this.margins);
      if (count > 0) {
        inhibition = Math.fround(inhibition + count * c.lateralInhibition);
        const aboveErrors = l < 2 ? errors[l + 1]! : undefined;
        for (let w = 0; w < count; w++) {
          const i = this.winners[w]!;
          layer.membrane[i] = inhibition;
          layer.refractoryUntil[i] = tick + c.refractoryTicks;
          layer.spikeTotal[i]!++;
          layer.windowSpikes[i]!++;
          layer.learningRate[i] = unitLearningRate(layer.spikeTotal[i]!, p);
          layer.postTrace[i] = Math.fround(layer.postTrace[i]! + 1);
          layer.predictionTrace[i] = Math.fround(layer.predictionTrace[i]! + 1);
          this.opsInTick += addPrediction(prediction[l]!, below.size, i, below.prediction, below.active);
          if (learnW) {
            const scale = layer.learningRate[i]! * p.stdpPotentiation * gain;
            this.opsInTick += potentiate(feedforward[l]!, layer.size, i, below.preTrace, below.active, scale, p.weightMin, p.weightMax);
            scalars[Scalar.feedforwardTouched] = 1;
          }
          if (aboveErrors !== undefined) {
            aboveErrors.drive[i] = 1;
            aboveErrors.active.add(i);
          }
          if (this.observer !== undefined) this.observer(tick, R_NAMES[l]!, i);
        }
      }
      scalars[INHIBITION[l]] = inhibition;
    }
    for (let l = 0; l < 3; l++) stepErrorLayer(l, errors[l]!, this.eConstants[l]!, tick, this);
    scalars[Scalar.synapticOps] += this.opsInTick;
  }

  /** @internal called by the E pass for every error spike */
  errorSpike(level: number, unit: number, sign: 1 | -1): void {
    const { representation, errors, feedforward, prediction, scalars } = this.state;
    const p = this.params;
    const layer = errors[level]!;
    const above = representation[level]!;
    const gain = scalars[Scalar.plasticityGain]!;
    layer.queue[layer.queueLength[0]!++] = sign * (unit + 1);
    scalars[Scalar.errorSpikesTotal]!++;
    if (sign > 0) {
      layer.windowPlus[unit]!++;
      layer.preTrace[unit] = Math.fround(layer.preTrace[unit]! + 1);
      if (p.feedforwardMode === 'stdp' && gain > 0) {
        this.opsInTick += depress(feedforward[level]!, above.size, unit, above.postTrace, above.learningRate, above.active, p.stdpDepression * gain, p.weightMin, p.weightMax);
        scalars[Scalar.feedforwardTouched] = 1;
      }
    } else layer.windowMinus[unit]!++;
    if (gain > 0) {
      this.opsInTick += deltaRule(prediction[level]!, layer.size, unit, sign, above.predictionTrace, above.learningRate, above.active, p.predictionLearningRate * gain, p.predictionMaxHz, layer.prediction);
    }
    if (this.observer !== undefined) this.observer(this.tickNow, E_NAMES[level]![sign > 0 ? 0 : 1], unit);
  }

  private isIdle(): boolean {
    const { representation, errors, scalars } = this.state;
    for (let l = 0; l < 3; l++) {
      if (representation[l]!.active.count > 0 || errors[l]!.active.count > 0 || errors[l]!.queueLength[0] !== 0) return false;
      if (scalars[INHIBITION[l]] !== 0) return false;
    }
    return true;
  }

  // ── windows ────────────────────────────────────────────────────────────

  private closeWindow(onWindow: ((window: PerceptionWindow) => void) | undefined): void {
    const { representation, errors, feedforward, prediction, scalars } = this.state;
    const p = this.params;
    const activeWindow = scalars[Scalar.windowInputSpikes]! >= p.homeostasisMinInputSpikes && scalars[Scalar.windowInputSpikes]! > 0;
    let reseeded = 0;
    if (activeWindow) {
      scalars[Scalar.activeMs] += p.windowMs;
      for (let l = 0; l < 3; l++) {
        updateThresholds(representation[l]!, p.targetRateHz[l]!, p);
        advanceQuietTime(representation[l]!, p.windowMs);
        const preCount = errors[l]!.size;
        reseeded += reseedSilentUnits(representation[l]!, feedforward[l]!, preCount, this.prng, p);
      }
      scalars[Scalar.reseedsTotal] += reseeded;
    }
    if (p.feedforwardMode === 'tied') this.tieFeedforward();
    else if (scalars[Scalar.feedforwardTouched] === 1 || reseeded > 0) this.normaliseFeedforward();
    for (let l = 0; l < 3; l++) {
      resyncPrediction(prediction[l]!, representation[l]!.size, errors[l]!.size, representation[l]!.predictionTrace, errors[l]!.prediction, errors[l]!.active, p.flushEpsilon, this.scratch);
    }
    const tick = scalars[Scalar.tick]!;
    const window = buildWindowOutputs(this.state, p, this.channelMap, (tick - this.windowTicks) * p.tickMs, this.phase());
    for (const r of representation) r.windowSpikes.fill(0);
    for (const e of errors) {
      e.windowPlus.fill(0);
      e.windowMinus.fill(0);
    }
    this.state.windowInput.fill(0);
    scalars[Scalar.windowInputSpikes] = 0;
    scalars[Scalar.feedforwardTouched] = 0;
    scalars[Scalar.windowsClosed]!++;
    onWindow?.(window);
  }

  private phase(): 'warmup' | 'steady' {
    const p = this.params;
    if (this.state.scalars[Scalar.activeMs]! < p.steadyAfterActiveMs) return 'warmup';
    let silent = 0;
    let total = 0;
    for (const r of this.state.representation) {
      silent += countSilent(r, p.silentAfterActiveMs);
      total += r.size;
    }
    return silent < p.silentFractionMax * total ? 'steady' : 'warmup';
  }

  private initialiseWeights(): void {
    const p = this.params;
    for (const weights of this.state.feedforward) {
      for (let k = 0; k < weights.length; k++) weights[k] = Math.fround(this.prng.nextFloat() * p.initialWeightMax);
    }
    this.normaliseFeedforward();
    for (let l = 0; l < 3; l++) this.state.representation[l]!.learningRate.fill(unitLearningRate(0, p));
  }

  private normaliseFeedforward(): void {
    const p = this.params;
    for (let l = 0; l < 3; l++) {
      const preCount = this.state.errors[l]!.size;
      const postCount = this.state.representation[l]!.size;
      normaliseColumns(this.state.feedforward[l]!, preCount, postCount, p.normalisation * preCount, p.weightMin, p.weightMax, this.scratch);
    }
  }

  /** 'tied' baseline: W_l = c·U_lᵀ for units whose U row is not all 0, then normalised */
  private tieFeedforward(): void {
    for (let l = 0; l < 3; l++) {
      const weights = this.state.feedforward[l]!;
      const predictionWeights = this.state.prediction[l]!;
      const preCount = this.state.errors[l]!.size;
      const postCount = this.state.representation[l]!.size;
      for (let k = 0; k < postCount; k++) {
        let any = false;
        for (let j = 0; j < preCount && !any; j++) any = predictionWeights[k * preCount + j] !== 0;
        if (!any) continue;
        for (let j = 0; j < preCount; j++) weights[j * postCount + k] = predictionWeights[k * preCount + j]!;
      }
    }
    this.normaliseFeedforward();
  }
}

function checkChannelMap(map: SpikeChannelMap, channels: number): void {
  if (map.channels !== channels || map.names.length !== channels) {
    fail('perception.params_invalid', `channel map has ${map.channels} channels and ${map.names.length} names, the network ${channels} input channels`, { channels });
  }
  for (const [group, [start, end]] of Object.entries(map.groups)) {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > channels) {
      fail('perception.params_invalid', `channel map group ${group} range [${start}, ${end}) is not inside [0, ${channels})`, { group });
    }
  }
}

function checkInput(input: readonly SpikeBatch[], end: number, channels: number): void {
  let previous = -Infinity;
  for (let b = 0; b < input.length; b++) {
    const batch = input[b]!;
    if (!Number.isSafeInteger(batch.tick) || batch.tick < previous || batch.tick >= end) {
      fail('perception.input_invalid', `spike batch ${b} has tick ${batch.tick}; ticks must be whole, non-decreasing and below the end of the step (${end})`, { batch: b, tick: batch.tick });
    }
    previous = batch.tick;
    for (let c = 0; c < batch.channels.length; c++) {
      const channel = batch.channels[c]!;
      if (channel < 0 || channel >= channels) fail('perception.input_invalid', `spike batch ${b} names channel ${channel}; the network has channels 0..${channels - 1}`, { batch: b, channel });
    }
  }
}

function copyState(from: NetworkState, to: NetworkState): void {
  const target = stateFields(to);
  stateFields(from).forEach((field, k) => target[k]!.set(field));
}
