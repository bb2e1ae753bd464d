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
 *   errorScore  = max(0, max_c z_c)                   (ChannelStats: z of E0± count per channel)
 *   score       = forestWeight·forestZ + errorWeight·errorScore
 * Hysteresis: 'quiet' → 'alarm' when score ≥ enterThreshold (one event),
 * 'alarm' → 'quiet' when score < exitThreshold; so one burst gives one event.
 *
 * Learning, and not learning the anomaly:
 * - only 'steady' windows seen while quiet join the forest's history (a ring
 *   of `historyWindows` vectors); the first fit comes at `minTrainWindows`,
 *   then a refit after every `refitEvery` new history windows;
 * - channel statistics learn from every window, at a tenth of the rate while
 *   in alarm, so a lasting change becomes normal slowly instead of never.
 *
 * Knobs (defaults for 1 s windows): historyWindows 1800 (30 min), refitEvery
 * 300 (5 min), minTrainWindows 120, trees 100, maxSamples 'auto' (256),
 * channelHalfLifeWindows 600, channelWarmupWindows 30, forestWeight 1,
 * errorWeight 1, enterThreshold 10, exitThreshold 5, topChannels 3.
 *
 * Calibration (src/anomaly/detector.test.ts streams, 64 Poisson channels,
 * 10 k windows): ordinary windows reach forestZ ≤ 5.1, errorScore ≤ 5.2 and
 * a sum ≤ 7.7, hence the enter threshold of 10. A channel burst of tens of
 * spikes gives errorScore 15 and more. The forest alone rarely passes 10: a
 * point outside the training range follows the cut towards the training
 * maximum and scores like an edge point (out-of-range saturation, inherent to
 * Isolation Forest), so a window far off in several features reaches
 * forestZ ≈ 4–6. Its part is to add evidence to the channel z-scores and to
 * rank windows (AUROC); raise forestWeight to let it raise alarms alone.
 */

import { fail, type PerceptionWindow } from '../common/index.ts';
import { ChannelStats } from './channel-stats.ts';
import { IsolationForest } from './isolation-forest.ts';

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
  /** largest positive channel z-score */
  readonly errorScore: number;
  /** the channels that deviated most (z ≥ exitThreshold), by name, largest first; forest features when no channel did */
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
  readonly forestWeight?: number;
  readonly errorWeight?: number;
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
}

const ALARM_LEARNING_GAIN = 0.1;

export class AnomalyDetector {
  private readonly options: Required<Omit<AnomalyDetectorOptions, 'featureNames' | 'maxSamples'>> & { maxSamples: 'auto' | number };
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
  private state: 'quiet' | 'alarm' = 'quiet';
  private windows = 0;
  private fits = 0;
  private events = 0;
  private last = { score: 0, forest: 0, error: 0 };

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
      forestWeight: options.forestWeight ?? 1,
      errorWeight: options.errorWeight ?? 1,
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
    if (o.minTrainWindows > o.historyWindows) fail('anomaly.params_invalid', `detector minTrainWindows (${o.minTrainWindows}) exceeds historyWindows (${o.historyWindows})`);
    if (!(o.exitThreshold > 0 && o.exitThreshold <= o.enterThreshold)) {
      fail('anomaly.params_invalid', `detector thresholds need 0 < exitThreshold ≤ enterThreshold, got ${o.exitThreshold} and ${o.enterThreshold}`);
    }
    if (!(o.channelHalfLifeWindows >= 1) || !(o.forestWeight >= 0) || !(o.errorWeight >= 0)) {
      fail('anomaly.params_invalid', 'detector channelHalfLifeWindows must be ≥ 1 and the weights ≥ 0');
    }
    this.options = o;
    this.featureNames = options.featureNames ?? Array.from({ length: o.featureCount }, (_, i) => `feature.${i}`);
    if (this.featureNames.length !== o.featureCount) fail('anomaly.params_invalid', `detector has ${o.featureCount} features but ${this.featureNames.length} names`);
    this.history = new Float64Array(o.historyWindows * o.featureCount);
    this.current = new Float64Array(o.featureCount);
    this.featureMean = new Float64Array(o.featureCount);
    this.featureSpread = new Float64Array(o.featureCount);
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

    // error-neuron half
    const counts = window.channelCounts ?? [];
    const stats = this.channelStatsFor(counts.length, window.channelNames);
    let errorScore = 0;
    let topChannel = -1;
    if (stats !== null && stats.ready) {
      topChannel = stats.score(counts, this.channelZ);
      if (topChannel >= 0) errorScore = Math.max(0, this.channelZ[topChannel]!);
    }

    const score = this.options.forestWeight * forestZ + this.options.errorWeight * errorScore;
    this.last = { score, forest: forestScore, error: errorScore };
    let event: AnomalyEvent | null = null;
    if (this.state === 'quiet' && score >= this.options.enterThreshold) {
      this.state = 'alarm';
      this.events++;
      event = this.describe(window.atMs, score, forestScore, forestZ, errorScore, stats, counts);
    } else if (this.state === 'alarm' && score < this.options.exitThreshold) {
      this.state = 'quiet';
    }

    // learning, after scoring
    if (stats !== null) stats.update(counts, this.state === 'alarm' ? ALARM_LEARNING_GAIN : 1);
    if (window.phase === 'steady' && this.state === 'quiet') this.remember();
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
    };
  }

  // ── internals ────────────────────────────────────────────────────────────

  private channelStatsFor(channels: number, names: readonly string[] | undefined): ChannelStats | null {
    if (channels === 0) return this.channelStats;
    if (this.channelStats === null) {
      this.channelStats = new ChannelStats(channels, this.options.channelHalfLifeWindows, this.options.channelWarmupWindows);
      this.channelZ = new Float64Array(channels);
      this.channelNames = names !== undefined && names.length === channels ? names.slice() : Array.from({ length: channels }, (_, c) => `channel.${c}`);
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

  private describe(atMs: number, score: number, forestScore: number, forestZ: number, errorScore: number, stats: ChannelStats | null, counts: ArrayLike<number>): AnomalyEvent {
    const { topChannels, exitThreshold } = this.options;
    const parts: string[] = [];
    const channels: string[] = [];
    if (stats !== null && stats.ready) {
      for (const c of largestIndices(this.channelZ, topChannels)) {
        const z = this.channelZ[c]!;
        if (z < exitThreshold) break;
        channels.push(this.channelNames[c]!);
        parts.push(`${this.channelNames[c]} error count ${counts[c]} vs usual ${stats.mean[c]!.toFixed(1)} (z ${z.toFixed(1)})`);
      }
    }
    if (this.forest !== null) {
      parts.push(`forest score ${forestScore.toFixed(3)} vs usual ${this.fitMean.toFixed(3)} (z ${forestZ.toFixed(1)})`);
      if (channels.length === 0) {
        // no channel stands out: name the features furthest from their training mean
        const deviation = new Float64Array(this.options.featureCount);
        for (let f = 0; f < deviation.length; f++) deviation[f] = Math.abs(this.current[f]! - this.featureMean[f]!) / Math.max(this.featureSpread[f]!, 1e-3);
        for (const f of largestIndices(deviation, topChannels)) {
          channels.push(this.featureNames[f]!);
          parts.push(`${this.featureNames[f]} ${this.current[f]!.toFixed(2)} vs usual ${this.featureMean[f]!.toFixed(2)}`);
        }
      }
    }
    const reason = `score ${score.toFixed(1)} ≥ ${this.options.enterThreshold}: ${parts.join('; ')}`;
    return { atMs, score, forestScore, errorScore, channels, reason };
  }
}

/** indices of the `count` largest values, largest first (ties: lower index first) */
function largestIndices(values: Float64Array, count: number): number[] {
  const order = Array.from(values.keys());
  order.sort((a, b) => values[b]! - values[a]! || a - b);
  return order.slice(0, count);
}
