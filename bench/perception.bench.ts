// Detection benchmark (issue 6): how well four detectors find injected
// anomalies in a long stream of this machine's real sensor events, and what
// the whole perception pipeline costs.
//
// Stream (bench/perception-stream.ts): BENCH_MINUTES (default 40) of normal
// activity stitched from the recorded fixtures with variation, plus
// synthetic keyboard and HID-USB activity; the first 60% is training
// (no injections), the rest is the test part with a ransomware-like burst
// of file rewrites, a burst of egress and a mass-storage USB arrival.
// Windows are 1 s. A test window is positive when it overlaps an injection
// or the TAIL_MS after it.
//
// Pipeline per seed, exactly as the system wires it (cli/perception-init.ts):
// SensorSpikeEncoder → PcSnn (STDP on, seeded) → AnomalyDetector (defaults),
// with the plasticity gain at 0.1 while the detector is in alarm. Rows:
//   (a) raw counts + IF    rawCountFeatures per window; Isolation Forest fitted
//                          on the training windows (contamination 0.005);
//                          alarm: decision < 0
//   (b) PC-SNN + IF        the window's summary and forest features (92), same forest protocol
//   (c) error summary      the detector's error-neuron part alone: the largest
//                          z-score of the E0± counts per channel and per channel
//                          family (before the detector's error scale); alarm: z ≥ 10
//   (d) combination        AnomalyDetector's score as the system runs it (defaults:
//                          online forest over the error features trained on quiet
//                          windows + channel/family z scaled by what is ordinary
//                          here + first-seen channel novelty, with score carry);
//                          alarm: its events
//   (d') the same detector without the novelty term (noveltyWeight 0), fed
//                          alongside: what the first-seen term adds
//   (e) error z per family  the error-neuron counts summed per channel family
//                          (fs.modify, fs.rename, net.open, usb.add, kbd.interval, …)
//                          and z-scored like (c), on its own
// Reported per row: AUROC over all test windows and per injection (normal
// windows vs that injection's), detection latency (end of the first alarmed
// window at or after the onset, within 30 s, minus the onset) and false
// alarms per hour (alarm onsets in normal test windows), both with the
// row's own alarm rule and with one threshold rule for every row (the
// 99.9th percentile of its scores on the training windows), so rows are
// compared at like false-alarm rates.
// Cost: throughput of encoder + SNN + detector over the whole stream, and
// 60 s replayed at 200 events/s through the warm seed-0 pipeline: process
// CPU time / simulated time (target ≤ 5% of one core).
// Run: npm run bench:perception   (BENCH_SEEDS=3, BENCH_MINUTES=40)
import { mkdirSync, writeFileSync } from 'node:fs';
import { Rng, type PerceptionWindow, type SensorEvent } from '../src/common/index.ts';
import { AnomalyDetector, auroc, channelFamilyOf, ChannelStats, IsolationForest, matrix, PERCEPTION_FOREST_FEATURE_NAMES, rawCountFeatures, type Matrix } from '../src/anomaly/index.ts';
import { PcSnn, SENSOR_CHANNEL_MAP, SensorSpikeEncoder, type SpikeBatch } from '../src/perception/index.ts';
import { INJECTION_NAMES, injections, loadFixtures, normalStream, resampledStream, type Injection } from './perception-stream.ts';

const WINDOW_MS = 1000;
const TAIL_MS = 2000;
const LATENCY_LIMIT_WINDOWS = 30;
const SEEDS = Number(process.env.BENCH_SEEDS ?? 3);
const MINUTES = Number(process.env.BENCH_MINUTES ?? 40);
const COST_RATE = 200;
const COST_SECONDS = 60;
const ERROR_ALARM_Z = 10;
/** windows before the detector's channel statistics are ready (its default channelWarmupWindows) */
const CHANNEL_WARMUP_WINDOWS = 30;

type RowName = 'raw counts + IF' | 'PC-SNN features + IF' | 'error summary alone' | 'combination (detector)' | "(d') without novelty" | '(e) error z per family';
const ROWS: readonly RowName[] = ['raw counts + IF', 'PC-SNN features + IF', 'error summary alone', 'combination (detector)', "(d') without novelty", '(e) error z per family'];

interface AlarmResult {
  /** [ms] per injection, null when missed */
  latencyMs: Record<string, number | null>;
  falseAlarmsPerHour: number;
}

interface RowResult {
  auroc: number;
  aurocBy: Record<string, number>;
  /** with the row's own alarm rule */
  own: AlarmResult;
  /** alarm when the score exceeds the 99.9th percentile of the row's scores on the training windows */
  calibrated: AlarmResult;
}

// ── the pipeline ─────────────────────────────────────────────────────────────

interface PipelineRun {
  /** (windows, 92) summary + forest features per window */
  snnFeatures: Float64Array;
  errorScores: Float64Array;
  combinedScores: Float64Array;
  /** 1 while the detector is in alarm after the window */
  detectorAlarm: Uint8Array;
  /** the same for (d'): the detector without its novelty term */
  noNoveltyScores: Float64Array;
  noNoveltyAlarm: Uint8Array;
  noNoveltyDetector: AnomalyDetector;
  /** (e): largest z of the error counts summed per channel family */
  familyScores: Float64Array;
  network: PcSnn;
  encoder: SensorSpikeEncoder;
  detector: AnomalyDetector;
  cpuSeconds: number;
  steadyFromWindow: number;
}

/** feed `events` second by second; `onWindow` sees every window */
function replay(events: readonly SensorEvent[], endMs: number, parts: { network: PcSnn; encoder: SensorSpikeEncoder; detector: AnomalyDetector }, onWindow: (window: PerceptionWindow) => void): void {
  const { network, encoder, detector } = parts;
  const batches: SpikeBatch[] = [];
  const handle = (window: PerceptionWindow): void => {
    detector.observePerception(window);
    network.setPlasticityGain(detector.alarm === 'alarm' ? 0.1 : 1);
    onWindow(window);
  };
  let next = 0;
  for (let second = network.tick; second < endMs; second += WINDOW_MS) {
    const end = second + WINDOW_MS;
    while (next < events.length && events[next]!.atMs < end) encoder.encode(events[next++]!);
    batches.length = 0;
    encoder.drainBatches(end - 1, (batch) => batches.push(batch));
    network.step(end - network.tick, batches, handle);
  }
}

function runPipeline(events: readonly SensorEvent[], endMs: number, seed: number): PipelineRun {
  const network = new PcSnn({ channelMap: SENSOR_CHANNEL_MAP, seed: seed + 1 });
  const encoder = new SensorSpikeEncoder();
  const detectorOptions = { featureCount: PERCEPTION_FOREST_FEATURE_NAMES.length, featureNames: PERCEPTION_FOREST_FEATURE_NAMES, seed };
  const detector = new AnomalyDetector(detectorOptions);
  const noNoveltyDetector = new AnomalyDetector({ ...detectorOptions, noveltyWeight: 0 });
  const windows = Math.ceil(endMs / WINDOW_MS);
  const width = network.params.representationSizes[2] + 8 + 20;
  const run: PipelineRun = {
    snnFeatures: new Float64Array(windows * width), errorScores: new Float64Array(windows), combinedScores: new Float64Array(windows),
    detectorAlarm: new Uint8Array(windows), noNoveltyScores: new Float64Array(windows), noNoveltyAlarm: new Uint8Array(windows), noNoveltyDetector, familyScores: new Float64Array(windows),
    network, encoder, detector, cpuSeconds: 0, steadyFromWindow: -1,
  };
  const familyNames = [...new Set(network.channelMap.names.map(channelFamilyOf))];
  const familyOfChannel = Int32Array.from(network.channelMap.names, (name) => familyNames.indexOf(channelFamilyOf(name)));
  const familyStats = new ChannelStats(familyNames.length, 600, CHANNEL_WARMUP_WINDOWS);
  const familyCounts = new Float64Array(familyNames.length);
  const familyZ = new Float64Array(familyNames.length);
  const cpu = process.cpuUsage();
  replay(events, windows * WINDOW_MS, { network, encoder, detector }, (window) => {
    const w = Math.round(window.windowStartMs / WINDOW_MS);
    run.snnFeatures.set(window.summary, w * width);
    run.snnFeatures.set(window.error.forest, w * width + window.summary.length);
    const status = detector.status();
    run.errorScores[w] = status.lastErrorScore;
    run.combinedScores[w] = status.lastScore;
    run.detectorAlarm[w] = status.state === 'alarm' ? 1 : 0;
    if (run.steadyFromWindow < 0 && window.error.phase === 'steady') run.steadyFromWindow = w;
    const error = window.error;
    noNoveltyDetector.observePerception(window);
    const second = noNoveltyDetector.status();
    run.noNoveltyScores[w] = second.lastScore;
    run.noNoveltyAlarm[w] = second.state === 'alarm' ? 1 : 0;
    familyCounts.fill(0);
    for (let c = 0; c < error.byChannel.length; c++) familyCounts[familyOfChannel[c]!] += error.byChannel[c]!;
    const top = familyStats.ready ? familyStats.score(familyCounts, familyZ) : -1;
    run.familyScores[w] = top < 0 ? 0 : Math.max(0, familyZ[top]!);
    familyStats.update(familyCounts, run.familyScores[w]! >= ERROR_ALARM_Z ? 0.1 : 1);
  });
  const used = process.cpuUsage(cpu);
  run.cpuSeconds = (used.user + used.system) / 1e6;
  return run;
}

// ── scoring ──────────────────────────────────────────────────────────────────


function rows(data: Float64Array, cols: number, from: number, to: number): Matrix {
  return matrix(data.slice(from * cols, to * cols), to - from, cols);
}

/** forest fitted on the training windows, scores and alarms (decision < 0) on the test windows */
function forestRow(features: Matrix, splitWindow: number, seed: number): { scores: Float64Array; alarms: Uint8Array; trainScores: Float64Array } {
  const train = rows(features.data, features.cols, 0, splitWindow);
  const test = rows(features.data, features.cols, splitWindow, features.rows);
  const forest = IsolationForest.fit(train, { seed, contamination: 0.005 });
  const scores = Float64Array.from(forest.anomalyScores(test));
  const decision = forest.decisionFunction(test);
  return { scores, alarms: Uint8Array.from(decision, (d) => (d < 0 ? 1 : 0)), trainScores: Float64Array.from(forest.anomalyScores(train)) };
}

function quantile(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** injection index per test window (−1 normal) */
function labelWindows(injected: readonly Injection[], splitWindow: number, testWindows: number): Int8Array {
  const labels = new Int8Array(testWindows).fill(-1);
  injected.forEach((injection, k) => {
    for (let w = 0; w < testWindows; w++) {
      const start = (splitWindow + w) * WINDOW_MS;
      if (start < injection.endMs + TAIL_MS && start + WINDOW_MS > injection.startMs) labels[w] = k;
    }
  });
  return labels;
}

function alarmResult(alarms: Uint8Array, labels: Int8Array, injected: readonly Injection[], splitWindow: number): AlarmResult {
  const latencyMs: Record<string, number | null> = {};
  for (const injection of injected) {
    const first = Math.floor(injection.startMs / WINDOW_MS) - splitWindow;
    latencyMs[injection.name] = null;
    for (let w = first; w < Math.min(alarms.length, first + LATENCY_LIMIT_WINDOWS); w++) {
      if (alarms[w] === 1) {
        latencyMs[injection.name] = (splitWindow + w + 1) * WINDOW_MS - injection.startMs;
        break;
      }
    }
  }
  // false alarms: onsets in normal windows that are not within the latency limit after an injection
  let onsets = 0;
  let normal = 0;
  for (let w = 0; w < alarms.length; w++) {
    const start = (splitWindow + w) * WINDOW_MS;
    const nearInjection = injected.some((i) => start + WINDOW_MS > i.startMs && start < i.endMs + LATENCY_LIMIT_WINDOWS * WINDOW_MS);
    if (labels[w] !== -1 || nearInjection) continue;
    normal++;
    if (alarms[w] === 1 && (w === 0 || alarms[w - 1] === 0)) onsets++;
  }
  return { latencyMs, falseAlarmsPerHour: normal === 0 ? 0 : (onsets * 3_600_000) / (normal * WINDOW_MS) };
}

function scoreRow(scores: Float64Array, alarms: Uint8Array, trainScores: Float64Array, labels: Int8Array, injected: readonly Injection[], splitWindow: number): RowResult {
  const aurocBy: Record<string, number> = {};
  injected.forEach((injection, k) => {
    const keep = Array.from(labels.keys()).filter((w) => labels[w] === -1 || labels[w] === k);
    aurocBy[injection.name] = auroc(keep.map((w) => scores[w]!), keep.map((w) => (labels[w] === k ? 1 : 0)));
  });
  const threshold = quantile(trainScores, 0.999);
  return {
    auroc: auroc(scores, Array.from(labels, (l) => (l >= 0 ? 1 : 0))),
    aurocBy,
    own: alarmResult(alarms, labels, injected, splitWindow),
    calibrated: alarmResult(Uint8Array.from(scores, (v) => (v > threshold ? 1 : 0)), labels, injected, splitWindow),
  };
}

// ── main ─────────────────────────────────────────────────────────────────────

const started = performance.now();
const fixtures = loadFixtures();
const results: Record<RowName, RowResult[]> = { 'raw counts + IF': [], 'PC-SNN features + IF': [], 'error summary alone': [], 'combination (detector)': [], "(d') without novelty": [], '(e) error z per family': [] };
const seedNotes: string[] = [];
let pipelineCpu = 0;
let pipelineEvents = 0;
let simulatedSeconds = 0;
let warm: { run: PipelineRun; events: SensorEvent[]; endMs: number } | undefined;

for (let seed = 0; seed < SEEDS; seed++) {
  const { events: normal, segments } = normalStream(fixtures, MINUTES, 1000 + seed);
  const endMs = MINUTES * 60_000;
  const splitWindow = Math.floor((0.6 * endMs) / WINDOW_MS);
  const injected = injections(splitWindow * WINDOW_MS, endMs - 60_000, new Rng(2000 + seed));
  const events = normal.concat(...injected.map((i) => i.events)).sort((a, b) => a.atMs - b.atMs);
  const run = runPipeline(events, endMs, seed);
  pipelineCpu += run.cpuSeconds;
  pipelineEvents += events.length;
  simulatedSeconds += endMs / 1000;
  warm ??= { run, events, endMs };

  const windows = Math.ceil(endMs / WINDOW_MS);
  const testWindows = windows - splitWindow;
  const labels = labelWindows(injected, splitWindow, testWindows);
  const raw = forestRow(rawCountFeatures(events, WINDOW_MS, 0, windows * WINDOW_MS), splitWindow, seed);
  const snn = forestRow(matrix(run.snnFeatures, windows, run.snnFeatures.length / windows), splitWindow, seed);
  const errorScores = run.errorScores.slice(splitWindow);
  const combined = run.combinedScores.slice(splitWindow);
  // training scores of the online rows: after the channel statistics' warm-up
  const trainPart = (values: Float64Array) => values.slice(CHANNEL_WARMUP_WINDOWS, splitWindow);
  results['raw counts + IF'].push(scoreRow(raw.scores, raw.alarms, raw.trainScores, labels, injected, splitWindow));
  results['PC-SNN features + IF'].push(scoreRow(snn.scores, snn.alarms, snn.trainScores, labels, injected, splitWindow));
  results['error summary alone'].push(scoreRow(errorScores, Uint8Array.from(errorScores, (z) => (z >= ERROR_ALARM_Z ? 1 : 0)), trainPart(run.errorScores), labels, injected, splitWindow));
  results['combination (detector)'].push(scoreRow(combined, run.detectorAlarm.slice(splitWindow), trainPart(run.combinedScores), labels, injected, splitWindow));
  results['(e) error z per family'].push(scoreRow(run.familyScores.slice(splitWindow), Uint8Array.from(run.familyScores.slice(splitWindow), (z) => (z >= ERROR_ALARM_Z ? 1 : 0)), trainPart(run.familyScores), labels, injected, splitWindow));
  results["(d') without novelty"].push(scoreRow(run.noNoveltyScores.slice(splitWindow), run.noNoveltyAlarm.slice(splitWindow), trainPart(run.noNoveltyScores), labels, injected, splitWindow));
  const counts = Object.fromEntries(['idle', 'editing', 'compile', 'npm-install'].map((n) => [n, segments.filter((s) => s === n).length]));
  const status = run.detector.status();
  seedNotes.push(`seed ${seed}: ${events.length} events (${JSON.stringify(counts)} minutes), SNN steady from window ${run.steadyFromWindow}, detector fits ${status.fits}, error scale ${status.errorScale.toFixed(1)}, anomaly events ${status.events} (d' ${run.noNoveltyDetector.status().events}), pipeline ${run.cpuSeconds.toFixed(1)} CPU s`);
}

// cost: 60 s at 200 events/s through the warm seed-0 pipeline
const { run: warmRun, events: warmEvents, endMs: warmEnd } = warm!;
const costEvents = resampledStream(warmEvents, COST_SECONDS, COST_RATE, warmEnd, 77);
const cpuBefore = process.cpuUsage();
replay(costEvents, warmEnd + COST_SECONDS * 1000, { network: warmRun.network, encoder: warmRun.encoder, detector: warmRun.detector }, () => {});
const costUsage = process.cpuUsage(cpuBefore);
const costCpu = (costUsage.user + costUsage.system) / 1e6;

// ── report ───────────────────────────────────────────────────────────────────

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const alarmSummary = (list: AlarmResult[]) => ({
  latency: Object.fromEntries(INJECTION_NAMES.map((name) => {
    const found = list.map((r) => r.latencyMs[name]).filter((v): v is number => v !== null);
    return [name, { meanMs: found.length === 0 ? null : mean(found), detected: found.length, of: list.length }];
  })),
  falseAlarmsPerHour: mean(list.map((r) => r.falseAlarmsPerHour)),
});
const summary = ROWS.map((row) => {
  const list = results[row];
  return {
    row,
    auroc: mean(list.map((r) => r.auroc)),
    aurocMin: Math.min(...list.map((r) => r.auroc)),
    aurocBy: Object.fromEntries(INJECTION_NAMES.map((name) => [name, mean(list.map((r) => r.aurocBy[name]!))])),
    own: alarmSummary(list.map((r) => r.own)),
    calibrated: alarmSummary(list.map((r) => r.calibrated)),
  };
});

const latencyText = (l: { meanMs: number | null; detected: number; of: number }) => (l.meanMs === null ? 'missed' : `${(l.meanMs / 1000).toFixed(1)} s (${l.detected}/${l.of})`);
console.log(`perception detection benchmark: ${SEEDS} seeds × ${MINUTES} min (train 60%, test 40%), windows ${WINDOW_MS} ms, positives = injection + ${TAIL_MS / 1000} s`);
for (const note of seedNotes) console.log(`  ${note}`);
console.log('');
console.log(`${'AUROC'.padEnd(24)} ${'all'.padStart(6)} ${'(min)'.padStart(6)} ${INJECTION_NAMES.map((n) => n.padStart(11)).join('')}`);
for (const s of summary) console.log(`${s.row.padEnd(24)} ${s.auroc.toFixed(3).padStart(6)} ${s.aurocMin.toFixed(3).padStart(6)} ${INJECTION_NAMES.map((n) => s.aurocBy[n]!.toFixed(3).padStart(11)).join('')}`);
console.log('');
console.log('latency (detected/seeds) and false alarms per hour: own alarm rule | threshold at the 99.9th percentile of training scores');
console.log(`${'detector'.padEnd(24)} ${INJECTION_NAMES.map((n) => n.padStart(14)).join('')} ${'FA/h'.padStart(6)}  | ${INJECTION_NAMES.map((n) => n.padStart(14)).join('')} ${'FA/h'.padStart(6)}`);
for (const s of summary) {
  const part = (a: typeof s.own) => `${INJECTION_NAMES.map((n) => latencyText(a.latency[n]!).padStart(14)).join('')} ${a.falseAlarmsPerHour.toFixed(1).padStart(6)}`;
  console.log(`${s.row.padEnd(24)} ${part(s.own)}  | ${part(s.calibrated)}`);
}
const throughput = pipelineEvents / pipelineCpu;
const costShare = (100 * costCpu) / COST_SECONDS;
console.log('');
console.log(`cost: whole stream ${pipelineEvents} events in ${pipelineCpu.toFixed(1)} CPU s for ${simulatedSeconds.toFixed(0)} simulated s: ${throughput.toFixed(0)} events per CPU second, ${((100 * pipelineCpu) / simulatedSeconds).toFixed(2)}% of one core`);
console.log(`cost: ${costEvents.length} events in ${COST_SECONDS} s at ${COST_RATE}/s (warm pipeline: encoder + PC-SNN + detector): ${costCpu.toFixed(2)} CPU s = ${costShare.toFixed(2)}% of one core (target ≤ 5%), ${(costEvents.length / costCpu).toFixed(0)} events per CPU second`);
console.log(`(bench took ${((performance.now() - started) / 1000).toFixed(0)} s)`);

const date = new Date().toISOString().slice(0, 10);
const resultsDir = new URL('results/', import.meta.url).pathname;
mkdirSync(resultsDir, { recursive: true });
const out = `${resultsDir}perception-${date}.json`;
writeFileSync(out, `${JSON.stringify({
  date, seeds: SEEDS, minutes: MINUTES, windowMs: WINDOW_MS, tailMs: TAIL_MS, rows: summary, perSeed: results, notes: seedNotes,
  cost: { pipelineEvents, pipelineCpuSeconds: pipelineCpu, simulatedSeconds, eventsPerCpuSecond: throughput, rate: COST_RATE, seconds: COST_SECONDS, events: costEvents.length, cpuSeconds: costCpu, cpuSharePercent: costShare, targetPercent: 5 },
}, null, 2)}\n`);
console.log(`results written to ${out}`);
