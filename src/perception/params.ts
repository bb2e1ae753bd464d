/**
 * Every knob of the predictive-coding spiking network (PcSnn), with its
 * meaning, default, range and the paper it comes from (PERCEPTION.md §1–§2).
 *
 * Units: times in ms, rates in Hz, voltages dimensionless (rest 0, base
 * threshold 1). Levels: R0 is the input (N0 channels, set by the encoders);
 * R1..R3 are representation layers; error pairs E0..E2 sit on R0..R2
 * (nothing predicts R3). Per-level triples are indexed [R1, R2, R3] or
 * [E0, E1, E2] as each field says.
 *
 * References:
 *   Rao & Ballard 1999 (predictive coding: errors go up, predictions come down);
 *   Boerlin, Machens & Denève 2013 (spike only if it reduces the error; balanced E/I);
 *   Diehl & Cook 2015 (k-WTA by lateral inhibition, L1 weight normalisation, adaptive θ);
 *   Nessler et al. 2013 (WTA circuits + STDP);
 *   Morrison, Diesmann & Gerstner 2008 (trace-pair STDP, soft bounds);
 *   Song, Miller & Abbott 2000 (A₋τ₋ > A₊τ₊ so uncorrelated firing depresses);
 *   van Rossum, Bi & Turrigiano 2000 (multiplicative soft bounds keep weights stable).
 */

import { fail } from '../common/index.ts';

/** how the feedforward weights W are obtained */
export type FeedforwardMode =
  /** W learned online by trace-pair STDP (the default) */
  | 'stdp'
  /** W = c·Uᵀ, rescaled to the normalisation target each window, no STDP: the baseline */
  | 'tied';

export type LevelTriple = readonly [number, number, number];

export interface PcSnnParams {
  /** PRNG seed (xoshiro128**): initial weights and re-seeding of silent units; same seed + same input → same network */
  readonly seed: number;
  /** N0, input channels from the encoders (64–256; default 128) */
  readonly inputChannels: number;
  /** sizes of R1, R2, R3 (default [2·N0, 128, 64]; 1–1024 each) */
  readonly representationSizes: LevelTriple;
  /** dt, simulated time per tick [ms] (0.5–5; default 1); decays are exact (α = e^{−dt/τ}) so any dt is stable */
  readonly tickMs: number;

  // ── representation units R1..R3 (LIF, hard reset to 0) ──────────────────
  /** τ_m of R1, R2, R3 [ms] (default [100, 300, 1000]): slower layers integrate longer contexts */
  readonly membraneTauMs: LevelTriple;
  /** t_ref of R1, R2, R3 [ms] (default [5, 5, 10]); no integration while refractory */
  readonly refractoryMs: LevelTriple;
  /** τ_p of the prediction traces of R1, R2, R3 [ms] (default [100, 300, 1000]): how long an R spike keeps predicting the level below */
  readonly predictionTauMs: LevelTriple;
  /**
   * k of k-WTA: most spikes per tick in R1, R2, R3 (default [1, 1, 1]; Diehl & Cook 2015,
   * Nessler 2013); largest v − θ wins, ties to the lower index. PERCEPTION.md proposed
   * [2, 1, 1]; with 2 winners every lone background error became two R1 spikes and two
   * E1 errors, and the learning check (§5.2) did worse (median ratio 0.53 → 0.46 over 10 seeds).
   */
  readonly winnersPerTick: LevelTriple;
  /** w_inh, what each R spike subtracts from the other units of its layer (0.1–1; default 0.3), through one shared decaying scalar */
  readonly lateralInhibition: number;

  // ── error units E⁺/E⁻ (LIF, subtractive reset) ─────────────────────────
  /** τ_E [ms] (50–300; default 100): the slack allowed in the timing of a prediction */
  readonly errorTauMs: number;
  /**
   * θ_E (default 0.9; reset by the full quantum `errorReset`). An input spike is
   * cancelled when the prediction integrated on the membrane before it exceeds
   * 1 − θ_E, and E⁻ fires when it reaches θ_E, so [1 − θ_E, θ_E) is the timing
   * slack. θ_E = 1 (PERCEPTION.md) lets any tiny diffuse prediction cancel every
   * spike, novel ones included (novelty check failed); θ_E = 0.5, Boerlin et al.'s
   * "spike only if it reduces the error", leaves no slack for a prediction that
   * comes from a decaying trace (every predicted spike still cost an E⁻ or E⁺).
   */
  readonly errorThreshold: number;
  /** the quantum an error spike subtracts (subtractive reset; default 1 = one input spike of gain g_b) */
  readonly errorReset: number;
  /** t_ref of error units [ms] (default 2) */
  readonly errorRefractoryMs: number;
  /** floor of the error membranes (default −1): limits the credit that over-prediction can bank */
  readonly errorFloor: number;
  /** g_b, gain of the one-to-one R_l → E_l pair wiring (default 1) */
  readonly feedbackGain: number;
  /** γ, E⁻_l inhibits R_{l+1} through −γ·W_l (0–1; default 0.5): Rao & Ballard's Uᵀe in spiking form */
  readonly inhibitoryTie: number;

  // ── feedforward W: E⁺_l → R_{l+1}, trace-pair STDP (Morrison et al. 2008) ─
  readonly feedforwardMode: FeedforwardMode;
  /**
   * A₊ (0.001–0.05; default 0.05): post spike: w += η·A₊·x_pre·(w_max − w). PERCEPTION.md
   * proposed 0.01; R1 then stayed unselective for the 20 presentations of the learning
   * check, so R2 could not predict it (median ratio 0.63 → 0.43).
   */
  readonly stdpPotentiation: number;
  /** A₋ (default 0.0525 = 1.05·A₊ with τ₋ = τ₊, Song et al. 2000): pre spike: w −= η·A₋·y_post·(w − w_min) */
  readonly stdpDepression: number;
  /** τ₊ of the presynaptic trace [ms] (20–200; default 50) */
  readonly stdpTauPlusMs: number;
  /** τ₋ of the postsynaptic trace [ms] (20–200; default 50) */
  readonly stdpTauMinusMs: number;
  /** w_max, upper soft bound; weights are clipped to [w_min, w_max] after every update (default 1) */
  readonly weightMax: number;
  /** w_min, lower soft bound (default 0) */
  readonly weightMin: number;
  /** initial W drawn uniform on [0, this] before normalisation (default 0.3): start hot, a silent network never learns */
  readonly initialWeightMax: number;
  /** λ: each window, the incoming L1 of each R unit is rescaled to λ·N_pre (0.05–0.3; default 0.15; Diehl & Cook 2015) */
  readonly normalisation: number;

  // ── prediction U: R_{l+1} → E_l, local delta rule (Rao & Ballard 1999) ─
  /** η_U [Hz] (0.5–10; default 2.5): on E⁺_i, U_ik += η_U·x_k; on E⁻_i, U_ik −= η_U·x_k */
  readonly predictionLearningRate: number;
  /** U clipped to [0, this] [Hz] (default 20) */
  readonly predictionMaxHz: number;

  // ── homeostatic thresholds (R only; never E, whose rate is the signal) ──
  /** θ₀ of R units (default 0.5): low on purpose so the network starts active */
  readonly thresholdInitial: number;
  /** η_θ (default 0.01): each active window θ += η_θ·(r̂ − r*)/r* */
  readonly thresholdLearningRate: number;
  /** θ bounds (default [0.3, 4]): homeostasis must saturate (snnTorch #37) */
  readonly thresholdMin: number;
  readonly thresholdMax: number;
  /** r*, target rate of R1, R2, R3 [Hz] (default [2, 1, 0.5]) */
  readonly targetRateHz: LevelTriple;
  /** τ of the rate EMA r̂ [ms of active time] (default 30 000) */
  readonly rateEmaTauMs: number;
  /** homeostasis runs only in windows with at least this many input spikes (default 5): idle nights must not lower θ */
  readonly homeostasisMinInputSpikes: number;

  // ── learning-rate decay and gain ────────────────────────────────────────
  /** n_half: a unit's η = max(floor, 1/(1 + n_spikes/n_half)) (1 000–50 000; default 5 000) */
  readonly learningRateHalfSpikes: number;
  /** floor of the per-unit η (default 0.05): never 0, so learning stays online */
  readonly learningRateFloor: number;

  // ── numerics, input, windows ────────────────────────────────────────────
  /** ε: voltages, traces and predictions with |value| < ε are flushed to 0 (default 1e-4): avoids denormals, bounds the active set */
  readonly flushEpsilon: number;
  /** storm cap: input spikes accepted per tick (default 16); the rest are dropped and counted */
  readonly maxInputSpikesPerTick: number;
  /** window length [ms] (500–10 000; default 1 000); must be a whole number of ticks */
  readonly windowMs: number;
  /** τ of the R3 rate filter in the summary vector [ms] (default 5 000) */
  readonly summaryTauMs: number;
  /** phase turns 'steady' after this much active time [ms] (default 600 000, 10 min) … */
  readonly steadyAfterActiveMs: number;
  /** … with fewer than this fraction of silent R units (default 0.2) */
  readonly silentFractionMax: number;
  /** an R unit is silent after this much active time without a spike [ms] (default 60 000) */
  readonly silentAfterActiveMs: number;
  /** an R unit silent for this much active time gets its incoming W re-seeded [ms] (default 600 000) */
  readonly reseedAfterActiveMs: number;
}

/** PcSnnParams with every field optional (the rest take their defaults) */
export type PcSnnOptions = Partial<PcSnnParams>;

export function defaultParams(inputChannels = 128): PcSnnParams {
  return {
    seed: 1,
    inputChannels,
    representationSizes: [2 * inputChannels, 128, 64],
    tickMs: 1,
    membraneTauMs: [100, 300, 1000],
    refractoryMs: [5, 5, 10],
    predictionTauMs: [100, 300, 1000],
    winnersPerTick: [1, 1, 1],
    lateralInhibition: 0.3,
    errorTauMs: 100,
    errorThreshold: 0.9,
    errorReset: 1,
    errorRefractoryMs: 2,
    errorFloor: -1,
    feedbackGain: 1,
    inhibitoryTie: 0.5,
    feedforwardMode: 'stdp',
    stdpPotentiation: 0.05,
    stdpDepression: 0.0525,
    stdpTauPlusMs: 50,
    stdpTauMinusMs: 50,
    weightMax: 1,
    weightMin: 0,
    initialWeightMax: 0.3,
    normalisation: 0.15,
    predictionLearningRate: 2.5,
    predictionMaxHz: 20,
    thresholdInitial: 0.5,
    thresholdLearningRate: 0.01,
    thresholdMin: 0.3,
    thresholdMax: 4,
    targetRateHz: [2, 1, 0.5],
    rateEmaTauMs: 30_000,
    homeostasisMinInputSpikes: 5,
    learningRateHalfSpikes: 5000,
    learningRateFloor: 0.05,
    flushEpsilon: 1e-4,
    maxInputSpikesPerTick: 16,
    windowMs: 1000,
    summaryTauMs: 5000,
    steadyAfterActiveMs: 600_000,
    silentFractionMax: 0.2,
    silentAfterActiveMs: 60_000,
    reseedAfterActiveMs: 600_000,
  };
}

/** defaults for `options.inputChannels` (128 if absent), overridden by `options`, then checked */
export function resolveParams(options: PcSnnOptions = {}): PcSnnParams {
  const base = defaultParams(options.inputChannels ?? 128);
  const params: PcSnnParams = { ...base, ...options };
  validateParams(params);
  return params;
}

function check(condition: boolean, name: string, value: unknown, range: string): void {
  if (!condition) fail('perception.params_invalid', `PC-SNN parameter ${name} = ${JSON.stringify(value)} is out of range (${range})`, { name, value });
}

function inRange(value: number, min: number, max: number): boolean {
  return Number.isFinite(value) && value >= min && value <= max;
}

function isTriple(value: unknown): value is LevelTriple {
  return Array.isArray(value) && value.length === 3 && value.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/** throws `perception.params_invalid` naming the first field out of range */
export function validateParams(p: PcSnnParams): void {
  check(Number.isInteger(p.seed) && p.seed >= 0 && p.seed <= 0xffffffff, 'seed', p.seed, 'integer 0..2^32-1');
  check(Number.isInteger(p.inputChannels) && p.inputChannels >= 1 && p.inputChannels <= 1024, 'inputChannels', p.inputChannels, 'integer 1..1024');
  check(isTriple(p.representationSizes) && p.representationSizes.every((n) => Number.isInteger(n) && n >= 1 && n <= 1024), 'representationSizes', p.representationSizes, 'three integers 1..1024');
  check(inRange(p.tickMs, 0.1, 10), 'tickMs', p.tickMs, '0.1..10 ms');
  check(isTriple(p.membraneTauMs) && p.membraneTauMs.every((t) => t > 0), 'membraneTauMs', p.membraneTauMs, 'three times > 0 ms');
  check(isTriple(p.refractoryMs) && p.refractoryMs.every((t) => t >= 0), 'refractoryMs', p.refractoryMs, 'three times ≥ 0 ms');
  check(isTriple(p.predictionTauMs) && p.predictionTauMs.every((t) => t > 0), 'predictionTauMs', p.predictionTauMs, 'three times > 0 ms');
  check(isTriple(p.winnersPerTick) && p.winnersPerTick.every((k) => Number.isInteger(k) && k >= 1 && k <= 8), 'winnersPerTick', p.winnersPerTick, 'three integers 1..8');
  check(inRange(p.lateralInhibition, 0, 10), 'lateralInhibition', p.lateralInhibition, '0..10');
  check(inRange(p.errorTauMs, 1, 10_000), 'errorTauMs', p.errorTauMs, '1..10000 ms');
  check(inRange(p.errorThreshold, 0.01, 100), 'errorThreshold', p.errorThreshold, '0.01..100');
  check(inRange(p.errorReset, p.errorThreshold, 100), 'errorReset', p.errorReset, 'errorThreshold..100');
  check(inRange(p.errorRefractoryMs, 0, 1000), 'errorRefractoryMs', p.errorRefractoryMs, '0..1000 ms');
  check(inRange(p.errorFloor, -100, 0), 'errorFloor', p.errorFloor, '-100..0');
  check(inRange(p.feedbackGain, 0, 100), 'feedbackGain', p.feedbackGain, '0..100');
  check(inRange(p.inhibitoryTie, 0, 10), 'inhibitoryTie', p.inhibitoryTie, '0..10');
  check(p.feedforwardMode === 'stdp' || p.feedforwardMode === 'tied', 'feedforwardMode', p.feedforwardMode, "'stdp' or 'tied'");
  check(inRange(p.stdpPotentiation, 0, 1), 'stdpPotentiation', p.stdpPotentiation, '0..1');
  check(inRange(p.stdpDepression, 0, 1), 'stdpDepression', p.stdpDepression, '0..1');
  check(inRange(p.stdpTauPlusMs, 0.1, 10_000), 'stdpTauPlusMs', p.stdpTauPlusMs, '0.1..10000 ms');
  check(inRange(p.stdpTauMinusMs, 0.1, 10_000), 'stdpTauMinusMs', p.stdpTauMinusMs, '0.1..10000 ms');
  check(inRange(p.weightMin, 0, 100) && inRange(p.weightMax, p.weightMin, 100) && p.weightMax > p.weightMin, 'weightMax', [p.weightMin, p.weightMax], '0 ≤ weightMin < weightMax ≤ 100');
  check(inRange(p.initialWeightMax, 0, p.weightMax), 'initialWeightMax', p.initialWeightMax, '0..weightMax');
  check(inRange(p.normalisation, 0, p.weightMax), 'normalisation', p.normalisation, '0..weightMax');
  check(inRange(p.predictionLearningRate, 0, 1000), 'predictionLearningRate', p.predictionLearningRate, '0..1000 Hz');
  check(inRange(p.predictionMaxHz, 0, 10_000), 'predictionMaxHz', p.predictionMaxHz, '0..10000 Hz');
  check(inRange(p.thresholdMin, 0.001, 1000) && inRange(p.thresholdMax, p.thresholdMin, 1000), 'thresholdMax', [p.thresholdMin, p.thresholdMax], '0.001 ≤ thresholdMin ≤ thresholdMax ≤ 1000');
  check(inRange(p.thresholdInitial, p.thresholdMin, p.thresholdMax), 'thresholdInitial', p.thresholdInitial, 'thresholdMin..thresholdMax');
  check(inRange(p.thresholdLearningRate, 0, 10), 'thresholdLearningRate', p.thresholdLearningRate, '0..10');
  check(isTriple(p.targetRateHz) && p.targetRateHz.every((r) => r > 0), 'targetRateHz', p.targetRateHz, 'three rates > 0 Hz');
  check(inRange(p.rateEmaTauMs, 1, 1e9), 'rateEmaTauMs', p.rateEmaTauMs, '1..1e9 ms');
  check(Number.isInteger(p.homeostasisMinInputSpikes) && p.homeostasisMinInputSpikes >= 0, 'homeostasisMinInputSpikes', p.homeostasisMinInputSpikes, 'integer ≥ 0');
  check(inRange(p.learningRateHalfSpikes, 1, 1e12), 'learningRateHalfSpikes', p.learningRateHalfSpikes, '1..1e12');
  check(inRange(p.learningRateFloor, 0, 1), 'learningRateFloor', p.learningRateFloor, '0..1');
  check(inRange(p.flushEpsilon, 0, 0.1), 'flushEpsilon', p.flushEpsilon, '0..0.1');
  check(Number.isInteger(p.maxInputSpikesPerTick) && p.maxInputSpikesPerTick >= 1 && p.maxInputSpikesPerTick <= 4096, 'maxInputSpikesPerTick', p.maxInputSpikesPerTick, 'integer 1..4096');
  const windowTicks = p.windowMs / p.tickMs;
  check(inRange(p.windowMs, 1, 600_000) && Math.abs(windowTicks - Math.round(windowTicks)) < 1e-9 && Math.round(windowTicks) >= 1, 'windowMs', p.windowMs, 'a whole number of ticks, 1..600000 ms');
  check(inRange(p.summaryTauMs, 1, 1e9), 'summaryTauMs', p.summaryTauMs, '1..1e9 ms');
  check(inRange(p.steadyAfterActiveMs, 0, 1e12), 'steadyAfterActiveMs', p.steadyAfterActiveMs, '0..1e12 ms');
  check(inRange(p.silentFractionMax, 0, 1), 'silentFractionMax', p.silentFractionMax, '0..1');
  check(inRange(p.silentAfterActiveMs, 1, 1e12), 'silentAfterActiveMs', p.silentAfterActiveMs, '1..1e12 ms');
  check(inRange(p.reseedAfterActiveMs, 1, 1e12), 'reseedAfterActiveMs', p.reseedAfterActiveMs, '1..1e12 ms');
}
