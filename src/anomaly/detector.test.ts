/**
 * The online detector on synthetic window streams: Poisson-like error counts
 * on 64 named channels plus a 20-value feature vector derived from them.
 * Steady noise for hours gives no event; a burst in one channel gives exactly
 * one event naming that channel; a shift the forest sees names features.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError, Rng } from '../common/index.ts';
import { AnomalyDetector, PERCEPTION_FOREST_FEATURE_NAMES, type AnomalyEvent, type DetectorWindow } from './detector.ts';
import { ChannelStats } from './channel-stats.ts';

const CHANNELS = 64;
const FEATURES = 20;
const NAMES = Array.from({ length: CHANNELS }, (_, c) => `${['kbd', 'mic', 'usb', 'fs', 'net'][c % 5]}.ch${c}`);

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** a reproducible stream of ordinary windows; `mutate` may change counts or features per window */
class Stream {
  private readonly rng: Rng;
  /** (channels) mean error count per window: 0.02 … 6 */
  private readonly rates = new Float64Array(CHANNELS);
  private index = 0;

  constructor(seed: number) {
    this.rng = new Rng(seed);
    for (let c = 0; c < CHANNELS; c++) this.rates[c] = 0.02 * Math.pow(300, this.rng.next());
  }

  next(mutate?: (counts: Float32Array, features: Float32Array) => void, phase: 'warmup' | 'steady' = 'steady'): DetectorWindow {
    const counts = new Float32Array(CHANNELS);
    for (let c = 0; c < CHANNELS; c++) counts[c] = this.poisson(this.rates[c]!);
    const features = new Float32Array(FEATURES);
    if (mutate !== undefined) mutate(counts, features);
    // features as in PERCEPTION.md §4, roughly: group sums, largest count, a few noisy rates
    let total = 0;
    let largest = 0;
    for (let c = 0; c < CHANNELS; c++) {
      features[c % 5]! += counts[c]!;
      total += counts[c]!;
      largest = Math.max(largest, counts[c]!);
    }
    for (let g = 0; g < 5; g++) features[g] = Math.log1p(features[g]!);
    features[5] = Math.log1p(largest);
    features[6] = Math.log1p(total);
    for (let f = 7; f < FEATURES; f++) features[f]! += Math.log1p(this.poisson(2));
    if (mutate !== undefined) mutate(counts, features);
    return { atMs: 1000 * this.index++, features, channelCounts: counts, channelNames: NAMES, phase };
  }

  private poisson(mean: number): number {
    let k = 0;
    for (let p = this.rng.next(), limit = Math.exp(-mean); p > limit; p *= this.rng.next()) k++;
    return k;
  }
}

function run(detector: AnomalyDetector, stream: Stream, windows: number, mutate?: (i: number, counts: Float32Array, features: Float32Array) => void): AnomalyEvent[] {
  const events: AnomalyEvent[] = [];
  for (let i = 0; i < windows; i++) {
    const event = detector.observe(stream.next(mutate === undefined ? undefined : (counts, features) => mutate(i, counts, features)));
    if (event !== null) events.push(event);
  }
  return events;
}

test('channel stats: plain average while warming up, then an EMA; z floored by Poisson spread', () => {
  const stats = new ChannelStats(2, 100, 4);
  stats.update([2, 0], 1);
  stats.update([4, 0], 1);
  assert.deepEqual([...stats.mean], [3, 0]);
  assert.deepEqual([...stats.variance], [1, 0], 'population variance of 2 and 4');
  assert.equal(stats.ready, false);
  stats.update([3, 0], 1);
  stats.update([3, 0], 1);
  assert.equal(stats.ready, true);
  const z = new Float64Array(2);
  assert.equal(stats.score([3, 5], z), 1, 'the silent channel that fired 5 stands out');
  assert.equal(z[1], 5, 'a silent channel: z = count / sqrt(0 + 1)');
  assert.ok(Math.abs(z[0]!) < 1e-12);
});

test('steady noise for ~3 hours of 1 s windows gives no event, while the forest refits on schedule', () => {
  const detector = new AnomalyDetector({ featureCount: FEATURES, seed: 1 });
  const events = run(detector, new Stream(11), 10_000);
  assert.deepEqual(events.map((e) => e.reason), []);
  const status = detector.status();
  assert.equal(status.fits, 1 + Math.floor((10_000 - 120) / 300));
  assert.equal(status.historyWindows, 1800);
  assert.equal(status.state, 'quiet');
});

test('a burst in one channel gives exactly one event, naming that channel first', () => {
  const detector = new AnomalyDetector({ featureCount: FEATURES, seed: 2 });
  const stream = new Stream(12);
  const target = 33; // "fs.ch33"
  const events = run(detector, stream, 3000, (i, counts) => {
    if (i >= 2000 && i < 2008 && counts.length === CHANNELS) counts[target] = counts[target]! + 40;
  });
  assert.equal(events.length, 1, events.map((e) => e.reason).join('\n'));
  const [event] = events;
  assert.equal(event!.atMs, 2000 * 1000, 'raised in the first burst window');
  assert.equal(event!.channels[0], NAMES[target]);
  assert.ok(event!.errorScore >= 8, `errorScore ${event!.errorScore}`);
  assert.match(event!.reason, new RegExp(`${NAMES[target]!.replace('.', '\\.')} error count \\d+ vs usual`));
  assert.equal(detector.alarm, 'quiet', 'the alarm closed after the burst');
});

test('hysteresis re-arms: two separate bursts give two events; a burst of many windows gives one', () => {
  const detector = new AnomalyDetector({ featureCount: FEATURES, seed: 3 });
  const stream = new Stream(13);
  const events = run(detector, stream, 2500, (i, counts) => {
    if (counts.length !== CHANNELS) return;
    if (i >= 1000 && i < 1030) counts[7] = counts[7]! + 60; // 30 windows long
    if (i >= 2000 && i < 2003) counts[40] = counts[40]! + 60;
  });
  assert.deepEqual(events.map((e) => [e.atMs / 1000, e.channels[0]]), [[1000, NAMES[7]], [2000, NAMES[40]]]);
});

test('a window the forest finds far off (no channel counts) raises one event naming the features that moved', () => {
  // four correlated features (a latent activity level plus noise); the odd window breaks the correlation
  const names = ['rate.E+', 'rate.E-', 'fs.E0+', 'net.E0+'];
  // without channel counts the score is forestZ alone, so a lower threshold lets the forest raise alarms
  const detector = new AnomalyDetector({ featureCount: 4, featureNames: names, seed: 4, enterThreshold: 5.2, exitThreshold: 3 });
  const rng = new Rng(14);
  const events: AnomalyEvent[] = [];
  let maxOrdinaryScore = 0;
  for (let i = 0; i < 2000; i++) {
    const level = 2 + 0.3 * gaussian(rng);
    const features = [level + 0.1 * gaussian(rng), level + 0.1 * gaussian(rng), 0.5 * level + 0.1 * gaussian(rng), 0.1 * gaussian(rng)];
    // everything off at once: layer rates split, file and net errors up
    if (i === 1500) features.splice(0, 4, 0.5, 4, 3, 2);
    const event = detector.observe({ atMs: 1000 * i, features, phase: 'steady' });
    if (event !== null) events.push(event);
    else if (i !== 1500 && i > 300) maxOrdinaryScore = Math.max(maxOrdinaryScore, detector.status().lastScore);
  }
  assert.equal(events.length, 1, events.map((e) => e.reason).join('\n'));
  const [event] = events;
  assert.equal(event!.atMs, 1_500_000);
  assert.equal(event!.errorScore, 0);
  assert.ok(event!.forestScore > 0.6, `forest score ${event!.forestScore}`);
  assert.deepEqual(event!.channels, ['net.E0+', 'fs.E0+', 'rate.E-'], 'largest deviation from the training mean first');
  // the forest's range is narrow: 2000 ordinary Gaussian windows reach forestZ 4.9, this one 5.4
  assert.ok(maxOrdinaryScore < 5.2, `ordinary windows reached forestZ ${maxOrdinaryScore}`);
});

test("with forestTraining 'steady-windows', warmup windows and alarm windows never join the forest history", () => {
  const detector = new AnomalyDetector({ featureCount: FEATURES, seed: 5, minTrainWindows: 50, forestTraining: 'steady-windows' });
  const stream = new Stream(15);
  // past the error scale's first 1800 windows, where even alarm windows count fully
  for (let i = 0; i < 2000; i++) detector.observe(stream.next(undefined, 'warmup'));
  assert.deepEqual([detector.status().fits, detector.status().historyWindows], [0, 0]);
  run(detector, stream, 100);
  const before = detector.status().historyWindows;
  assert.equal(before, 100);
  // a long burst: the windows while the alarm is open are not remembered
  run(detector, stream, 20, (_i, counts) => {
    if (counts.length === CHANNELS) counts[3] = counts[3]! + 80;
  });
  assert.equal(detector.alarm, 'alarm');
  assert.equal(detector.status().historyWindows, before);
});

test("by default ('quiet-windows') the forest trains on warmup windows too, so a network that never reaches 'steady' still gets a forest", () => {
  // issue 6: on sparse real streams the PC-SNN rarely says 'steady', and the forest never fitted
  const detector = new AnomalyDetector({ featureCount: FEATURES, seed: 6, minTrainWindows: 50 });
  const stream = new Stream(16);
  for (let i = 0; i < 200; i++) detector.observe(stream.next(undefined, 'warmup'));
  assert.deepEqual([detector.status().fits, detector.status().historyWindows], [1, 200]);
});

test('a burst spread thinly over a channel family is caught by the family z where no single channel stands out', () => {
  // 16 silent channels of one family ("fs.modify.bucket0..15") plus noisy others; each family channel gets 4 spikes
  const names = [...Array.from({ length: 16 }, (_, b) => `fs.modify.bucket${b}`), ...NAMES.slice(16)];
  const detector = new AnomalyDetector({ featureCount: FEATURES, seed: 7, noveltyWeight: 0 });
  const stream = new Stream(17);
  const events: AnomalyEvent[] = [];
  for (let i = 0; i < 1500; i++) {
    const window = stream.next((counts) => {
      if (counts.length !== CHANNELS) return;
      for (let c = 0; c < 16; c++) counts[c] = i >= 1400 && i < 1403 ? 4 : 0;
    });
    const event = detector.observe({ ...window, channelNames: names });
    if (event !== null) events.push(event);
    if (i === 1400) assert.ok(detector.status().lastErrorScore >= 60, `family z ${detector.status().lastErrorScore}`);
  }
  assert.equal(events.length, 1, events.map((e) => e.reason).join('\n'));
  assert.equal(events[0]!.atMs, 1_400_000);
  assert.equal(events[0]!.channels[0], 'fs.modify.*', events[0]!.reason);
});

test('a channel never active before raises an alarm from a single spike once novelty has warmed up; a seen-once channel does not', () => {
  const names = NAMES.map((n, c) => (c === 60 ? 'usb.add.bucket2' : c === 61 ? 'usb.add.bucket1' : n));
  const detector = new AnomalyDetector({ featureCount: FEATURES, seed: 8, noveltyWarmupWindows: 300 });
  const stream = new Stream(18);
  const events: AnomalyEvent[] = [];
  for (let i = 0; i < 1200; i++) {
    const window = stream.next((counts) => {
      if (counts.length !== CHANNELS) return;
      counts[60] = i === 1000 ? 1 : 0; // first ever
      counts[61] = i === 100 || i === 700 ? 1 : 0; // seen once during warm-up, again later
    });
    const event = detector.observe({ ...window, channelNames: names });
    if (event !== null) events.push(event);
  }
  assert.deepEqual(events.map((e) => [e.atMs / 1000, e.channels[0]]), [[1000, 'usb.add.bucket2']], events.map((e) => e.reason).join('\n'));
  assert.match(events[0]!.reason, /usb\.add\.bucket2 active, seen 0\.0 times before \(novelty 1\.00\)/);
});

test('error z-scores are scaled by what is ordinary: where bursts of z 40 happen every few minutes, one more is no alarm', () => {
  const detector = new AnomalyDetector({ featureCount: FEATURES, seed: 9, noveltyWeight: 0, forestWeight: 0 });
  const stream = new Stream(19);
  const events = run(detector, stream, 6000, (i, counts) => {
    if (counts.length === CHANNELS && i % 200 === 0) counts[5] = counts[5]! + 40; // a compile now and then
  });
  assert.ok(events.length >= 1, 'the first bursts alarm while they are new');
  assert.ok(events.every((e) => e.atMs < 3_000_000), events.map((e) => `${e.atMs}: ${e.reason}`).join('\n'));
  assert.ok(detector.status().errorScale > 3, `errorScale ${detector.status().errorScale}`);
});

test('perception windows are accepted as published; bad shapes and options are typed errors', () => {
  assert.equal(PERCEPTION_FOREST_FEATURE_NAMES.length, 20);
  assert.deepEqual(new AnomalyDetector({ featureCount: 20, featureNames: PERCEPTION_FOREST_FEATURE_NAMES }).status().windows, 0);
  const detector = new AnomalyDetector({ featureCount: 3, minTrainWindows: 2, channelWarmupWindows: 1 });
  const window = (forest: number[]) => ({
    windowStartMs: 5000,
    windowMs: 1000,
    summary: new Float32Array(72),
    error: { byLayer: new Float32Array(6), byChannel: new Float32Array([1, 0]), channelNames: ['kbd.interval.3', 'fs.modify.bucket5'], forest: new Float32Array(forest), phase: 'steady' as const },
  });
  for (let i = 0; i < 3; i++) assert.equal(detector.observePerception(window([1, 2, 3 + i])), null);
  assert.equal(detector.status().fits, 1);
  assert.throws(() => detector.observePerception(window([1, 2])), (e) => isChimaeraError(e, 'anomaly.width_mismatch'));
  assert.throws(() => detector.observePerception(window([1, Number.NaN, 2])), (e) => isChimaeraError(e, 'anomaly.data_invalid'));
  assert.throws(() => new AnomalyDetector({ featureCount: 3, enterThreshold: 2, exitThreshold: 5 }), (e) => isChimaeraError(e, 'anomaly.params_invalid'));
  assert.throws(() => new AnomalyDetector({ featureCount: 0 }), (e) => isChimaeraError(e, 'anomaly.params_invalid'));
  assert.throws(() => new AnomalyDetector({ featureCount: 2, scoreCarry: 1 }), (e) => isChimaeraError(e, 'anomaly.params_invalid'));
  assert.throws(() => new AnomalyDetector({ featureCount: 2, noveltyHalfLifeWindows: 0 }), (e) => isChimaeraError(e, 'anomaly.params_invalid'));
  assert.throws(() => new AnomalyDetector({ featureCount: 2, featureNames: ['a'] }), (e) => isChimaeraError(e, 'anomaly.params_invalid'));
});
