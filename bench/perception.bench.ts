// Detection benchmark (issue 6), sketch: the "raw count features + Isolation
// Forest" row. Reads the recorded sensor-event streams
// bench/fixtures/perception/*.jsonl (`chimaera sensors record`; one file per
// workload: idle, npm install, compile, editing), falls back to a synthetic
// stream when there are none, injects anomalies into the second part of each
// stream, and reports AUROC over 1 s windows and the detection latency per
// injected anomaly. The PC-SNN rows (SNN features + forest, error summary
// alone, the combination) plug in where `rowsFor` builds feature matrices.
//
// Protocol per stream: windows of 1 s; the first 60% train the forest (no
// injections there), the rest is the test part with three injections:
//   ransomware  40 fs modify + rename per s over 6 path buckets for 15 s
//   egress      net counters with 50 MB/s sent for 10 s
//   usb         one USB mass-storage arrival (class 8)
// A window is positive when it overlaps an injection. Latency: from the
// injection's start to the end of the first window flagged by the forest
// (decision < 0 at contamination 0.005); "missed" if none within 30 s.
// Run: node --import tsx bench/perception.bench.ts   (BENCH_SEEDS=5 by default)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng, type SensorEvent } from '../src/common/index.ts';
import { auroc, IsolationForest, rawCountFeatures, type Matrix } from '../src/anomaly/index.ts';
import { parseSensorEvents } from '../src/sensors/index.ts';

const WINDOW_MS = 1000;
const SEEDS = Number(process.env.BENCH_SEEDS ?? 5);
const FIXTURES = new URL('fixtures/perception/', import.meta.url).pathname;

interface Injection {
  readonly name: 'ransomware' | 'egress' | 'usb';
  readonly startMs: number;
  readonly endMs: number;
  readonly events: SensorEvent[];
}

// ── streams ────────────────────────────────────────────────────────────────

function loadStreams(): Array<{ name: string; events: SensorEvent[] }> {
  if (!existsSync(FIXTURES)) return [];
  return readdirSync(FIXTURES)
    .filter((file) => file.endsWith('.jsonl'))
    .sort()
    .map((file) => ({ name: file.replace(/\.jsonl$/, ''), events: parseSensorEvents(readFileSync(join(FIXTURES, file), 'utf8'), file) }));
}

/** 40 minutes of typing bursts, file saves and network chatter */
function syntheticStream(seed: number): SensorEvent[] {
  const rng = new Rng(seed);
  const events: SensorEvent[] = [];
  for (let second = 0; second < 2400; second++) {
    const t = second * 1000;
    const typing = Math.sin(second / 90) > 0;
    if (typing) for (let k = rng.int(0, 6); k > 0; k--) events.push({ kind: 'kbd', type: 'key', atMs: t + rng.int(0, 999), value: rng.int(40, 400) });
    if (rng.chance(typing ? 0.15 : 0.02)) events.push({ kind: 'fs', type: 'modify', atMs: t + rng.int(0, 999), bucket: rng.int(0, 2) });
    events.push({ kind: 'net', type: 'counters', atMs: t, value: 1000, rxBytes: rng.int(0, 20_000), txBytes: rng.int(0, 5_000), rxPackets: rng.int(0, 40), txPackets: rng.int(0, 20) });
    if (rng.chance(0.01)) events.push({ kind: 'net', type: 'open', atMs: t + rng.int(0, 999), bucket: rng.int(0, 7), portClass: '443' });
  }
  return events;
}

function injections(startMs: number, endMs: number, rng: Rng): Injection[] {
  const span = endMs - startMs;
  const at = (fraction: number) => Math.round(startMs + span * fraction + rng.int(0, 5000));
  const ransomwareStart = at(0.2);
  const ransomware: SensorEvent[] = [];
  for (let ms = 0; ms < 15_000; ms += 25) {
    ransomware.push({ kind: 'fs', type: ms % 50 === 0 ? 'modify' : 'rename', atMs: ransomwareStart + ms, bucket: (ms / 25) % 6 });
  }
  const egressStart = at(0.5);
  const egress: SensorEvent[] = [];
  for (let s = 0; s < 10; s++) egress.push({ kind: 'net', type: 'counters', atMs: egressStart + s * 1000, value: 1000, rxBytes: 40_000, txBytes: 50_000_000, rxPackets: 600, txPackets: 34_000 });
  const usbStart = at(0.8);
  return [
    { name: 'ransomware', startMs: ransomwareStart, endMs: ransomwareStart + 15_000, events: ransomware },
    { name: 'egress', startMs: egressStart, endMs: egressStart + 10_000, events: egress },
    { name: 'usb', startMs: usbStart, endMs: usbStart + 1, events: [{ kind: 'usb', type: 'add', atMs: usbStart, deviceClass: 8, bucket: 2 }] },
  ];
}

// ── one row: raw counts + forest ───────────────────────────────────────────

function rowsFor(events: SensorEvent[], startMs: number, endMs: number): Matrix {
  return rawCountFeatures(events, WINDOW_MS, startMs, endMs);
}

function evaluate(name: string, base: SensorEvent[]): void {
  const endMs = base.reduce((max, e) => Math.max(max, e.atMs), 0) + 1;
  const splitMs = Math.floor((0.6 * endMs) / WINDOW_MS) * WINDOW_MS;
  const aurocs: number[] = [];
  const latencies = new Map<string, number[]>();
  let missed = 0;
  let scoredWindows = 0;
  let featureMs = 0;
  const started = performance.now();
  for (let seed = 0; seed < SEEDS; seed++) {
    const injected = injections(splitMs, endMs, new Rng(100 + seed));
    const events = base.concat(...injected.map((i) => i.events));
    const featureStart = performance.now();
    const train = rowsFor(events, 0, splitMs);
    const test = rowsFor(events, splitMs, endMs);
    featureMs += performance.now() - featureStart;
    const forest = IsolationForest.fit(train, { seed, contamination: 0.005 });
    const scores = forest.anomalyScores(test);
    const decision = forest.decisionFunction(test);
    scoredWindows += test.rows;
    const labels = new Uint8Array(test.rows);
    for (const injection of injected) {
      for (let row = 0; row < test.rows; row++) {
        const windowStart = splitMs + row * WINDOW_MS;
        if (windowStart < injection.endMs && windowStart + WINDOW_MS > injection.startMs) labels[row] = 1;
      }
      const first = Math.floor((injection.startMs - splitMs) / WINDOW_MS);
      let latency = -1;
      for (let row = first; row < Math.min(test.rows, first + 30); row++) {
        if (decision[row]! < 0) {
          latency = splitMs + (row + 1) * WINDOW_MS - injection.startMs;
          break;
        }
      }
      if (latency < 0) missed++;
      else latencies.set(injection.name, [...(latencies.get(injection.name) ?? []), latency]);
    }
    aurocs.push(auroc(scores, labels));
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const latencyText = ['ransomware', 'egress', 'usb']
    .map((kind) => {
      const values = latencies.get(kind) ?? [];
      return `${kind} ${values.length === 0 ? 'missed' : `${(mean(values) / 1000).toFixed(1)} s (${values.length}/${SEEDS})`}`;
    })
    .join(', ');
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${name.padEnd(22)} raw counts + IF   AUROC ${mean(aurocs).toFixed(3)} (min ${Math.min(...aurocs).toFixed(3)})   latency: ${latencyText}   missed ${missed}/${3 * SEEDS}` +
      `   [${base.length} events, ${(scoredWindows / SEEDS).toFixed(0)} test windows, featurize ${((base.length * SEEDS) / (featureMs / 1000) / 1e6).toFixed(2)} M events/s, ${seconds.toFixed(1)} s]`,
  );
}

const streams = loadStreams();
if (streams.length === 0) {
  console.log(`no recordings in ${FIXTURES} yet: using a synthetic 40-minute stream`);
  streams.push({ name: 'synthetic', events: syntheticStream(1) });
}
for (const stream of streams) evaluate(stream.name, stream.events);
