/**
 * The online anomaly detector (issue 6, item 5): per perception window it
 * combines an Isolation Forest over a rolling history of feature vectors with
 * z-scores of the error-neuron counts per input channel, and reports an
 * `AnomalyEvent` naming the channels that deviated when the combined score
 * crosses a threshold. Pure logic: the caller feeds windows and publishes
 * what comes back.
 *
 * Per window:
 *   forestScore = −score_samples(features)            (0..1, ~0.4–0.5 is ordinary)
 *   forestZ     = max(0, (forestScore − μ_fit) / max(σ_fit, 0.01))
 *                 μ, σ: the forest's scores over its own training windows at the last fit
 *   errorZ      = max(0, max_c z_c, max_f z_f)        (ChannelStats: z of the E0± count per
 *                 channel c, and of the counts summed per channel family f — "fs.modify",
 *                 "net.open": a burst spread over 16 buckets is z ≈ 7 per channel but far
 *                 more for its family)
 *   errorScale  = max(1, q_0.999(errorZ) / errorReferenceZ)   (RunningQuantile over all
 *                 windows: on a machine whose ordinary compiles reach z 30, a z of 30 is
 *                 not news; Poisson noise alone gives q_0.999 ≈ 5 and scale 1)
 *   novelty     = max over active channels of 0.5 / (k_c + 0.5)   (ChannelNovelty: 1 for a
 *                 channel never active before, 1/3 for one seen once; after
 *                 noveltyWarmupWindows, before that 0)
 *   evidence    = forestWeight·forestZ + errorWeight·errorZ/errorScale + noveltyWeight·novelty
 *   score       = max(evidence, scoreCarry·previous score)   (evidence fades, halving per
 *                 window by default, instead of vanishing the window after a lone event;
 *                 it cannot start an alarm by itself, since it only ever falls)
 * Hysteresis: 'quiet' → 'alarm' when score ≥ enterThreshold (one event),
 * 'alarm' → 'quiet' when score < exitThreshold; so one burst gives one event.
 *
 * Learning, and not learning the anomaly:
 * - windows seen while quiet join the forest's history (a ring of
 *   `historyWindows` vectors); with forestTraining 'steady-windows' only those
 *   the PC-SNN calls 'steady' (on sparse streams it may never say so, and the
 *   forest would never fit: hence the default 'quiet-windows'); the first fit
 *   comes at `minTrainWindows`, then a refit after every `refitEvery` new
 *   history windows;
 * - channel and family statistics learn from every window, at a tenth of the
 *   rate while in alarm, so a lasting change becomes normal slowly instead of
 *   never; the errorZ quantile the same way, but at full weight for its first
 *   1800 windows (learning it only while quiet from the start locks in: the
 *   early alarms, before the scale knows the machine, keep out the very
 *   bursts that would raise it); novelty counts learn from every window.
 *
 * Knobs (defaults for 1 s windows): historyWindows 1800 (30 min), refitEvery
 * 300 (5 min), minTrainWindows 120, trees 100, maxSamples 'auto' (256),
 * forestTraining 'quiet-windows', channelHalfLifeWindows 600,
 * channelWarmupWindows 30, forestWeight 1, errorWeight 1, errorReferenceZ 5,
 * errorScaleHalfLifeWindows 21600 (6 h), noveltyWeight 12 (a never-seen
 * channel alone raises an alarm; a channel seen once adds 4),
 * noveltyHalfLifeWindows 86400 (1 day), noveltyWarmupWindows 1200 (20 min), scoreCarry 0.5,
 * enterThreshold 10, exitThreshold 5, topChannels 3.
 *
 * Calibration (src/anomaly/detector.test.ts streams, 64 Poisson channels,
 * 10 k windows): ordinary windows reach forestZ ≤ 5.1, errorZ ≤ 5.2 and
 * a sum ≤ 7.7, hence the enter threshold of 10. A channel burst of tens of
 * spikes gives errorZ 15 and more. On this machine's recorded streams
 * (bench/perception.bench.ts) ordinary compiles and npm installs reach errorZ
 * 20–40, so errorScale settles at 4–8 and error bursts alone rarely alarm;
 * the first-seen term is what raises alarms on the injected anomalies there.
 * The forest alone rarely passes 10: a point outside the training range
 * follows the cut towards the training maximum and scores like an edge point
 * (out-of-range saturation, inherent to Isolation Forest), so a window far
 * off in several features reaches forestZ ≈ 4–6. Its part is to add
 * evidence and to rank windows (AUROC); raise forestWeight to let it raise
 * alarms alone.
 */

import { fail, type PerceptionWindow } from '../common/index.ts';
import { ChannelNovelty } from './channel-novelty.ts';
import { ChannelStats } from './channel-stats.ts';
import { describeAnomaly } from './detector-reason.ts';
import { IsolationForest } from './isolation-forest.ts';
import { RunningQuantile } from './running-quantile.ts';

/** one window as the detector sees it */
export interface DetectorWindow {
  /** window start [ms since boot] */
  readonly atMs: number;
  /** (featureCount) feature vector for the forest, e.g. ErrorSummary.forest */
  readonly features: ArrayLike<number>;
  /** (channels) E0± count per input channel this window; empty or omitted when there is none */
  readonly channelCounts?: ArrayLike<number>;
  /** (channels) names of the channels, e.g. "fs.modify.bucket5" */
  readonly channelNames?: readonly string[];
  readonly phase: 'warmup' | 'steady';
}

/** what the perception layer publishes as 'perception.window' (only the fields used here) */
export interface PerceptionWindowLike {
  readonly windowStartMs: number;
  readonly windowMs: number;
  readonly error: {
    readonly byChannel: ArrayLike<number>;
    readonly channelNames: readonly string[];
    readonly forest: ArrayLike<number>;
    readonly phase: 'warmup' | 'steady';
  };
}

// a published window must fit what the detector reads
const _perceptionWindowFits = (window: PerceptionWindow): PerceptionWindowLike => window;
void _perceptionWindowFits;

/** names of ErrorSummary.forest's 20 values, in the order src/common/events.ts documents */
export const PERCEPTION_FOREST_FEATURE_NAMES: readonly string[] = [
  ...['E0+', 'E0-', 'E1+', 'E1-', 'E2+', 'E2-'].map((unit) => `rate.${unit}`),
  ...['kbd', 'mic', 'usb', 'fs', 'net', 'reserved'].flatMap((group) => [`${group}.E0+`, `${group}.E0-`]),
  'channel.max',
  'unexplained',
];

export interface AnomalyEvent {
  /** start of the window that crossed the threshold [ms since boot] */
  readonly atMs: number;
  /** combined score [z units] */
  readonly score: number;
  /** −score_samples of the window's features (0..1, higher = more anomalous); 0 before the first fit */
  readonly forestScore: number;
  /** largest positive channel or channel-family z-score (before errorScale) */
  readonly errorScore: number;
  /** the first-seen channel (novelty ≥ 1/3) first, then the channels and families that deviated most (z ≥ exitThreshold), largest first; forest features when none did */
  readonly channels: string[];
  /** one line for people: what deviated and by how much */
  readonly reason: string;
}

export interface AnomalyDetectorOptions {
  /** length of each feature vector */
  readonly featureCount: number;
  /** names of the features, for reasons (default "feature.<i>") */
  readonly featureNames?: readonly string[];
  readonly historyWindows?: number;
  readonly refitEvery?: number;
  readonly minTrainWindows?: number;
  readonly trees?: number;
  readonly maxSamples?: 'auto' | number;
  readonly seed?: number;
  readonly channelHalfLifeWindows?: number;
  readonly channelWarmupWindows?: number;
  /** which quiet windows train the forest */
  readonly forestTraining?: 'quiet-windows' | 'steady-windows';
  readonly forestWeight?: number;
  readonly errorWeight?: number;
  /** errorZ quantile that counts as ordinary noise; errorScale = max(1, q_0.999 / this) */
  readonly errorReferenceZ?: number;
  readonly errorScaleHalfLifeWindows?: number;
  readonly noveltyWeight?: number;
  readonly noveltyHalfLifeWindows?: number;
  readonly noveltyWarmupWindows?: number;
  /** fraction of the last score a window keeps at least (0 ≤ carry < 1): evidence fades over a few windows instead of at once */
  readonly scoreCarry?: number;
  readonly enterThreshold?: number;
  readonly exitThreshold?: number;
  readonly topChannels?: number;
}

export interface DetectorStatus {
  readonly state: 'quiet' | 'alarm';
  readonly windows: number;
  readonly historyWindows: number;
  readonly fits: number;
  readonly events: number;
  readonly lastScore: number;
  readonly lastForestScore: number;
  readonly lastErrorScore: number;
  /** novelty of the last window (0..1) */
  readonly lastNovelty: number;
  /** divisor of errorZ now (≥ 1) */
  readonly errorScale: number;
}

const ALARM_LEARNING_GAIN = 0.1;
const ERROR_QUANTILE = 0.999;
/** windows the errorZ quantile learns from at full weight, alarm or not, before alarms count a tenth */
const ERROR_SCALE_SETTLE_WINDOWS = 1800;
/** the errorZ histogram's open-ended top */
const ERROR_Z_MAX = 1000;
/** novelty at which the event names the channel as first seen (seen at most about once) */
const NAMED_NOVELTY = 1 / 3;

/** "fs.modify.bucket5" → "fs.modify", "kbd.interval.3" → "kbd.interval"; other names are their own family */
export function channelFamilyOf(channelName: string): string {
  return channelName.replace(/\.(bucket)?\d+$/, '');
}

export class AnomalyDetector {
  private readonly options: Required<Omit<AnomalyDetectorOptions, 'featureNames' | 'maxSamples' | 'forestTraining'>> & { maxSamples: 'auto' | number; forestTraining: 'quiet-windows' | 'steady-windows' };
  private readonly featureNames: readonly string[];
  /** (historyWindows, featureCount) ring of steady feature vectors */
  private readonly history: Float64Array;
  private historyCount = 0;
  private historyNext = 0;
  private sinceFit = 0;
  /** (featureCount) the current window's features as f64 */
  private readonly current: Float64Array;
  private forest: IsolationForest | null = null;
  private fitMean = 0;
  private fitSpread = 1;
  /** (featureCount) per-feature mean and spread of the training rows at the last fit */
  private readonly featureMean: Float64Array;
  private readonly featureSpread: Float64Array;
  private channelStats: ChannelStats | null = null;
  private channelNames: readonly string[] = [];
  /** (channels) this window's z-scores */
  private channelZ = new Float64Array(0);
  /** (channels) family index of each channel */
  private familyOfChannel = new Int32Array(0);
  private familyNames: string[] = [];
  private familyStats: ChannelStats | null = null;
  /** (families) this window's summed counts and their z-scores */
  private familyCounts = new Float64Array(0);
  private familyZ = new Float64Array(0);
  private novelty: ChannelNovelty | null = null;
  private readonly noveltyTop = { channel: -1 };
  private readonly errorQuantile: RunningQuantile;
  private state: 'quiet' | 'alarm' = 'quiet';
  private windows = 0;
  private fits = 0;
  private events = 0;
  private last = { score: 0, forest: 0, error: 0, novelty: 0, errorScale: 1 };

  constructor(options: AnomalyDetectorOptions) {
    const o = {
      featureCount: options.featureCount,
      historyWindows: options.historyWindows ?? 1800,
      refitEvery: options.refitEvery ?? 300,
      minTrainWindows: options.minTrainWindows ?? 120,
      trees: options.trees ?? 100,
      maxSamples: options.maxSamples ?? 'auto',
      seed: options.seed ?? 0,
      channelHalfLifeWindows: options.channelHalfLifeWindows ?? 600,
      channelWarmupWindows: options.channelWarmupWindows ?? 30,
      forestTraining: options.forestTraining ?? 'quiet-windows',
      forestWeight: options.forestWeight ?? 1,
      errorWeight: options.errorWeight ?? 1,
      errorReferenceZ: options.errorReferenceZ ?? 5,
      errorScaleHalfLifeWindows: options.errorScaleHalfLifeWindows ?? 21_600,
      noveltyWeight: options.noveltyWeight ?? 12,
      noveltyHalfLifeWindows: options.noveltyHalfLifeWindows ?? 86_400,
      noveltyWarmupWindows: options.noveltyWarmupWindows ?? 1200,
      scoreCarry: options.scoreCarry ?? 0.5,
      enterThreshold: options.enterThreshold ?? 10,
      exitThreshold: options.exitThreshold ?? 5,
      topChannels: options.topChannels ?? 3,
    };
    const whole = (name: keyof typeof o, min: number) => {
      const value = o[name] as number;
      if (!Number.isInteger(value) || value < min) fail('anomaly.params_invalid', `detector ${name} must be a whole number ≥ ${min}, got ${value}`);
    };
    whole('featureCount', 1);
    whole('historyWindows', 2);
    whole('refitEvery', 1);
    whole('minTrainWindows', 2);
    whole('topChannels', 1);
    whole('noveltyWarmupWindows', 0);
    if (o.minTrainWindows > o.historyWindows) fail('anomaly.params_invalid', `detector minTrainWindows (${o.minTrainWindows}) exceeds historyWindows (${o.historyWindows})`);
    if (!(o.exitThreshold > 0 && o.exitThreshold <= o.enterThreshold)) {
      fail('anomaly.params_invalid', `detector thresholds need 0 < exitThreshold ≤ enterThreshold, got ${o.exitThreshold} and ${o.enterThreshold}`);
    }
    if (!(o.channelHalfLifeWindows >= 1) || !(o.errorScaleHalfLifeWindows >= 1) || !(o.noveltyHalfLifeWindows >= 1)) {
      fail('anomaly.params_invalid', 'detector half-lives (channel, errorScale, novelty) must be ≥ 1 window');
    }
    if (!(o.forestWeight >= 0) || !(o.errorWeight >= 0) || !(o.noveltyWeight >= 0) || !(o.errorReferenceZ > 0) || !(o.scoreCarry >= 0 && o.scoreCarry < 1)) {
      fail('anomaly.params_invalid', 'detector weights must be ≥ 0, errorReferenceZ > 0 and 0 ≤ scoreCarry < 1');
    }
    if (o.forestTraining !== 'quiet-windows' && o.forestTraining !== 'steady-windows') fail('anomaly.params_invalid', `detector forestTraining must be 'quiet-windows' or 'steady-windows', got ${String(o.forestTraining)}`);
    this.options = o;
    this.featureNames = options.featureNames ?? Array.from({ length: o.featureCount }, (_, i) => `feature.${i}`);
    if (this.featureNames.length !== o.featureCount) fail('anomaly.params_invalid', `detector has ${o.featureCount} features but ${this.featureNames.length} names`);
    this.history = new Float64Array(o.historyWindows * o.featureCount);
    this.current = new Float64Array(o.featureCount);
    this.featureMean = new Float64Array(o.featureCount);
    this.featureSpread = new Float64Array(o.featureCount);
    this.errorQuantile = new RunningQuantile(ERROR_Z_MAX, o.errorScaleHalfLifeWindows);
  }

  /** feed a 'perception.window' payload */
  observePerception(window: PerceptionWindowLike): AnomalyEvent | null {
    const error = window.error;
    return this.observe({ atMs: window.windowStartMs, features: error.forest, channelCounts: error.byChannel, channelNames: error.channelNames, phase: error.phase });
  }

  /** score one window; returns an event when it opens an alarm, else null */
  observe(window: DetectorWindow): AnomalyEvent | null {
    const { featureCount } = this.options;
    if (window.features.length !== featureCount) {
      fail('anomaly.width_mismatch', `detector expects ${featureCount} features per window, got ${window.features.length}`, { expected: featureCount, actual: window.features.length });
    }
    for (let f = 0; f < featureCount; f++) {
      const value = window.features[f]!;
      if (!Number.isFinite(value)) fail('anomaly.data_invalid', `window at ${window.atMs} ms: feature ${this.featureNames[f]} is ${value}`);
      this.current[f] = value;
    }
    this.windows++;

    // forest half
    let forestScore = 0;
    let forestZ = 0;
    if (this.forest !== null) {
      forestScore = -this.forest.scoreRow(this.current, 0);
      forestZ = Math.max(0, (forestScore - this.fitMean) / this.fitSpread);
    }

    // error-neuron half: channel and family z, scaled by what is ordinary here
    const counts = window.channelCounts ?? [];
    // a window without channel counts scores and teaches nothing on the channel side
    const stats = counts.length === 0 ? null : this.channelStatsFor(counts.length, window.channelNames);
    let errorScore = 0;
    if (stats !== null) {
      this.familyCounts.fill(0);
      for (let c = 0; c < counts.length; c++) this.familyCounts[this.familyOfChannel[c]!] += counts[c]!;
    }
    if (stats !== null && stats.ready) {
      const topChannel = stats.score(counts, this.channelZ);
      if (topChannel >= 0) errorScore = Math.max(0, this.channelZ[topChannel]!);
      const topFamily = this.familyStats!.score(this.familyCounts, this.familyZ);
      if (topFamily >= 0) errorScore = Math.max(errorScore, this.familyZ[topFamily]!);
    }
    const errorScale = Math.max(1, this.errorQuantile.quantile(ERROR_QUANTILE) / this.options.errorReferenceZ);

    // novelty: a channel active that (almost) never was
    let novelty = 0;
    if (this.novelty !== null && this.options.noveltyWeight > 0 && this.novelty.windows >= this.options.noveltyWarmupWindows) novelty = this.novelty.score(counts, this.noveltyTop);
    else this.noveltyTop.channel = -1;

    const evidence = this.options.forestWeight * forestZ + (this.options.errorWeight * errorScore) / errorScale + this.options.noveltyWeight * novelty;
    const score = Math.max(evidence, this.options.scoreCarry * this.last.score);
    this.last = { score, forest: forestScore, error: errorScore, novelty, errorScale };
    let event: AnomalyEvent | null = null;
    if (this.state === 'quiet' && score >= this.options.enterThreshold) {
      this.state = 'alarm';
      this.events++;
      event = this.describe(window.atMs, score, forestScore, forestZ, errorScore, errorScale, novelty, stats, counts);
    } else if (this.state === 'alarm' && score < this.options.exitThreshold) {
      this.state = 'quiet';
    }

    // learning, after scoring
    const gain = this.state === 'alarm' ? ALARM_LEARNING_GAIN : 1;
    if (stats !== null) {
      if (stats.ready) this.errorQuantile.add(errorScore, this.errorQuantile.weight < ERROR_SCALE_SETTLE_WINDOWS ? 1 : gain);
      stats.update(counts, gain);
      this.familyStats!.update(this.familyCounts, gain);
      this.novelty!.update(counts);
    }
    if (this.state === 'quiet' && (window.phase === 'steady' || this.options.forestTraining === 'quiet-windows')) this.remember();
    return event;
  }

  /** 'alarm' while an anomaly is open (the wiring lowers the SNN's plasticity gain then) */
  get alarm(): 'quiet' | 'alarm' {
    return this.state;
  }

  status(): DetectorStatus {
    return {
      state: this.state,
      windows: this.windows,
      historyWindows: this.historyCount,
      fits: this.fits,
      events: this.events,
      lastScore: this.last.score,
      lastForestScore: this.last.forest,
      lastErrorScore: this.last.error,
      lastNovelty: this.last.novelty,
      errorScale: this.last.errorScale,
    };
  }

  // ── internals ────────────────────────────────────────────────────────────

  private channelStatsFor(channels: number, names: readonly string[] | undefined): ChannelStats | null {
    if (channels === 0) return this.channelStats;
    if (this.channelStats === null) {
      this.channelStats = new ChannelStats(channels, this.options.channelHalfLifeWindows, this.options.channelWarmupWindows);
      this.channelZ = new Float64Array(channels);
      this.channelNames = names !== undefined && names.length === channels ? names.slice() : Array.from({ length: channels }, (_, c) => `channel.${c}`);
      const familyIndex = new Map<string, number>();
      this.familyOfChannel = Int32Array.from(this.channelNames, (name) => {
        const family = channelFamilyOf(name);
        if (!familyIndex.has(family)) familyIndex.set(family, familyIndex.size);
        return familyIndex.get(family)!;
      });
      this.familyNames = [...familyIndex.keys()];
      this.familyStats = new ChannelStats(this.familyNames.length, this.options.channelHalfLifeWindows, this.options.channelWarmupWindows);
      this.familyCounts = new Float64Array(this.familyNames.length);
      this.familyZ = new Float64Array(this.familyNames.length);
      this.novelty = new ChannelNovelty(channels, this.options.noveltyHalfLifeWindows);
    } else if (this.channelStats.channels !== channels) {
      fail('anomaly.width_mismatch', `detector saw ${this.channelStats.channels} error channels before, now ${channels}`, { expected: this.channelStats.channels, actual: channels });
    }
    return this.channelStats;
  }

  /** add the current vector to the history ring; fit or refit on schedule */
  private remember(): void {
    const { featureCount, historyWindows, minTrainWindows, refitEvery } = this.options;
    this.history.set(this.current, this.historyNext * featureCount);
    this.historyNext = (this.historyNext + 1) % historyWindows;
    if (this.historyCount < historyWindows) this.historyCount++;
    this.sinceFit++;
    const due = this.forest === null ? this.historyCount >= minTrainWindows : this.sinceFit >= refitEvery;
    if (due) this.refit();
  }

  private refit(): void {
    const { featureCount, trees, maxSamples, seed } = this.options;
    const rows = this.historyCount;
    const train = { data: this.history.subarray(0, rows * featureCount), rows, cols: featureCount };
    const forest = IsolationForest.fit(train, { trees, maxSamples, seed: seed + this.fits });
    const scores = forest.anomalyScores(train);
    let sum = 0;
    let squares = 0;
    for (const s of scores) sum += s;
    const mean = sum / rows;
    for (const s of scores) squares += (s - mean) ** 2;
    this.fitMean = mean;
    this.fitSpread = Math.max(Math.sqrt(squares / rows), 0.01);
    for (let f = 0; f < featureCount; f++) {
      let featureSum = 0;
      let featureSquares = 0;
      for (let row = 0; row < rows; row++) featureSum += train.data[row * featureCount + f]!;
      const featureMean = featureSum / rows;
      for (let row = 0; row < rows; row++) featureSquares += (train.data[row * featureCount + f]! - featureMean) ** 2;
      this.featureMean[f] = featureMean;
      this.featureSpread[f] = Math.sqrt(featureSquares / rows);
    }
    this.forest = forest;
    this.fits++;
    this.sinceFit = 0;
  }

  private describe(atMs: number, score: number, forestScore: number, forestZ: number, errorScore: number, errorScale: number, novelty: number, stats: ChannelStats | null, counts: ArrayLike<number>): AnomalyEvent {
    const ready = stats !== null && stats.ready;
    const familySizes = new Int32Array(this.familyNames.length);
    for (const f of this.familyOfChannel) familySizes[f]!++;
    const novelChannel = this.noveltyTop.channel;
    const { channels, reason } = describeAnomaly({
      score,
      enterThreshold: this.options.enterThreshold,
      exitThreshold: this.options.exitThreshold,
      topChannels: this.options.topChannels,
      counts,
      channelNames: this.channelNames,
      channelZ: ready ? this.channelZ : null,
      channelMean: ready ? stats.mean : null,
      familyNames: this.familyNames,
      familyZ: ready ? this.familyZ : null,
      familyCounts: ready ? this.familyCounts : null,
      familyMean: ready ? this.familyStats!.mean : null,
      familySizes,
      errorScale,
      novelChannel,
      novelty,
      novelSeen: novelChannel >= 0 ? this.novelty!.seen[novelChannel]! : 0,
      forest: this.forest === null ? null : { score: forestScore, fitMean: this.fitMean, z: forestZ, names: this.featureNames, current: this.current, mean: this.featureMean, spread: this.featureSpread },
      namedNovelty: NAMED_NOVELTY,
    });
    return { atMs, score, forestScore, errorScore, channels, reason };
  }
}
