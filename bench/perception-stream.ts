// Event streams for the detection benchmark (bench/perception.bench.ts).
//
// Normal stream: minute-long segments drawn from the recorded fixtures
// (bench/fixtures/perception/*.jsonl: idle, editing, compile, npm-install;
// real sensor events of this machine), weighted as a working session
// (idle 35%, editing 35%, compile 20%, npm install 10%), each copied with
// variation: event times jittered by up to ±40 ms, 10% of fs events
// dropped, network byte and packet counts scaled by 0.7–1.3 per segment.
// The fixtures hold no keyboard or USB events (see their README), so the
// stream adds them synthetically: typing bursts in editing segments (key
// intervals log-normal around 160 ms, 8% backspace, 4% enter, pauses of
// 1–4 s), a typed command at the start of compile and npm segments, and a
// HID device (USB class 3, a keyboard) plugged in and out about every 15
// minutes. USB events carry the featurized class bucket the driver would.
//
// Injected anomalies (known onset and end):
//   ransomware  15 s of file rewrites at 60 files/s (a modest rate for
//               encryption malware): each file modified then renamed, spread
//               over all 8 path buckets, extension class 'other'; 120
//               events/s stays under the fs driver's rate limit (200/s)
//   egress      10 s of 50 MB/s sent (net counters) and 30 new
//               connections over many (process, port) buckets
//   usb         one mass-storage arrival (class 8) — "at an odd hour": the
//               normal stream only ever sees the HID device
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng, type KeyClass, type SensorEvent } from '../src/common/index.ts';
import { parseSensorEvents } from '../src/sensors/index.ts';

const FIXTURES = new URL('fixtures/perception/', import.meta.url).pathname;
const SEGMENT_MS = 60_000;
const WEIGHTS: Record<string, number> = { idle: 0.35, editing: 0.35, compile: 0.2, 'npm-install': 0.1 };
/** featurized buckets the usb driver would give these classes (any fixed distinct values do) */
const HID_BUCKET = 5;
const MASS_STORAGE_BUCKET = 2;

export type InjectionName = 'ransomware' | 'egress' | 'usb';
export const INJECTION_NAMES: readonly InjectionName[] = ['ransomware', 'egress', 'usb'];

export interface Injection {
  readonly name: InjectionName;
  /** [ms] */
  readonly startMs: number;
  /** [ms], exclusive */
  readonly endMs: number;
  readonly events: SensorEvent[];
}

export function loadFixtures(): Map<string, SensorEvent[]> {
  const fixtures = new Map<string, SensorEvent[]>();
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.jsonl')).sort()) {
    fixtures.set(file.replace(/\.jsonl$/, ''), parseSensorEvents(readFileSync(join(FIXTURES, file), 'utf8'), file));
  }
  return fixtures;
}

function pickWeighted(rng: Rng, names: readonly string[]): string {
  let roll = rng.next() * names.reduce((sum, n) => sum + (WEIGHTS[n] ?? 0), 0);
  for (const name of names) {
    roll -= WEIGHTS[name] ?? 0;
    if (roll < 0) return name;
  }
  return names[names.length - 1]!;
}

function typing(rng: Rng, fromMs: number, toMs: number, out: SensorEvent[]): void {
  let at = fromMs + rng.int(0, 3000);
  let previous: number | undefined;
  while (at < toMs) {
    const burstEnd = Math.min(toMs, at + rng.int(5000, 20_000));
    while (at < burstEnd) {
      const roll = rng.next();
      const keyClass: KeyClass = roll < 0.08 ? 'backspace' : roll < 0.12 ? 'enter' : roll < 0.15 ? 'modifier' : 'printable';
      out.push({ kind: 'kbd', atMs: at, type: 'key', keyClass, ...(previous === undefined ? {} : { value: Math.round(at - previous) }) });
      previous = at;
      // log-normal interval, median 160 ms
      const gaussian = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
      at += Math.max(30, 160 * Math.exp(0.5 * gaussian));
    }
    at += rng.int(1000, 4000);
  }
}

/** `minutes` of normal activity built from the fixtures (sorted by time) */
export function normalStream(fixtures: Map<string, SensorEvent[]>, minutes: number, seed: number): { events: SensorEvent[]; segments: string[] } {
  const rng = new Rng(seed);
  const names = [...fixtures.keys()].filter((n) => (WEIGHTS[n] ?? 0) > 0);
  const events: SensorEvent[] = [];
  const segments: string[] = [];
  let previousKey: number | undefined;
  for (let segment = 0; segment < minutes; segment++) {
    const name = pickWeighted(rng, names);
    segments.push(name);
    const start = segment * SEGMENT_MS;
    const scale = 0.7 + 0.6 * rng.next();
    for (const event of fixtures.get(name)!) {
      if (event.kind === 'fs' && rng.chance(0.1)) continue;
      const atMs = Math.min(start + SEGMENT_MS - 1, Math.max(start, start + event.atMs + (rng.next() - 0.5) * 80));
      if (event.kind === 'net' && event.type === 'counters') {
        const scaled = (v: number | undefined) => Math.round((v ?? 0) * scale);
        events.push({ ...event, atMs, rxBytes: scaled(event.rxBytes), txBytes: scaled(event.txBytes), rxPackets: scaled(event.rxPackets), txPackets: scaled(event.txPackets) });
      } else events.push({ ...event, atMs });
    }
    if (name === 'editing') typing(rng, start, start + SEGMENT_MS, events);
    if (name === 'compile' || name === 'npm-install') typing(rng, start, start + 2500, events);
    if (segment % 15 === 7) {
      const plug = start + rng.int(1000, 50_000);
      events.push({ kind: 'usb', atMs: plug, type: 'add', deviceClass: 3, bucket: HID_BUCKET });
      events.push({ kind: 'usb', atMs: plug + rng.int(2000, 8000), type: 'remove', deviceClass: 3, bucket: HID_BUCKET });
    }
  }
  // keyboard intervals are recomputed in time order, as the driver would
  events.sort((a, b) => a.atMs - b.atMs);
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    if (event.kind !== 'kbd') continue;
    const { value: _old, ...rest } = event;
    events[i] = previousKey === undefined ? rest : { ...rest, value: Math.round(event.atMs - previousKey) };
    previousKey = event.atMs;
  }
  return { events, segments };
}

/** the three anomalies, placed at 20%, 50% and 80% of [fromMs, toMs) with up to 10 s of jitter */
export function injections(fromMs: number, toMs: number, rng: Rng): Injection[] {
  const at = (fraction: number) => Math.round(fromMs + (toMs - fromMs) * fraction + rng.int(0, 10_000));
  const ransomwareStart = at(0.2);
  const ransomware: SensorEvent[] = [];
  for (let file = 0; file < 15 * 60; file++) {
    const atMs = ransomwareStart + (file * 1000) / 60;
    const bucket = rng.int(0, 7);
    ransomware.push({ kind: 'fs', type: 'modify', atMs, origin: 'host', extensionClass: 'other', bucket });
    ransomware.push({ kind: 'fs', type: 'rename', atMs: atMs + 3, origin: 'host', extensionClass: 'other', bucket });
  }
  const egressStart = at(0.5);
  const egress: SensorEvent[] = [];
  for (let s = 0; s < 10; s++) {
    egress.push({ kind: 'net', type: 'counters', atMs: egressStart + s * 1000 + 500, value: 1000, rxBytes: 60_000, rxPackets: 900, txBytes: 50_000_000, txPackets: 34_000 });
    for (let c = 0; c < 3; c++) egress.push({ kind: 'net', type: 'open', atMs: egressStart + s * 1000 + c * 300, portClass: c === 0 ? '443' : 'registered', bucket: rng.int(0, 7) });
  }
  const usbStart = at(0.8);
  return [
    { name: 'ransomware', startMs: ransomwareStart, endMs: ransomwareStart + 15_000, events: ransomware },
    { name: 'egress', startMs: egressStart, endMs: egressStart + 10_000, events: egress },
    { name: 'usb', startMs: usbStart, endMs: usbStart + 1, events: [{ kind: 'usb', type: 'add', atMs: usbStart, deviceClass: 8, bucket: MASS_STORAGE_BUCKET }] },
  ];
}

/** `seconds` of events at `rate` per second (Poisson times), drawn from the stream's own mix (the cost row) */
export function resampledStream(pool: readonly SensorEvent[], seconds: number, rate: number, startMs: number, seed: number): SensorEvent[] {
  const rng = new Rng(seed);
  const out: SensorEvent[] = [];
  let at = startMs;
  let previousKey: number | undefined;
  for (;;) {
    at += -Math.log(1 - rng.next()) * (1000 / rate);
    if (at >= startMs + seconds * 1000) break;
    const event = pool[rng.int(0, pool.length - 1)]!;
    if (event.kind === 'kbd') {
      out.push({ kind: 'kbd', atMs: at, type: 'key', keyClass: event.keyClass ?? 'printable', ...(previousKey === undefined ? {} : { value: Math.round(at - previousKey) }) });
      previousKey = at;
    } else out.push({ ...event, atMs: at });
  }
  return out;
}
