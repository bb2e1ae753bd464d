/**
 * Network encoding (channels 88–119).
 *
 * Counter events (one per poll, deltas over `value` ms): each of rx bytes,
 * rx packets, tx bytes, tx packets becomes a log rate z = log2(1 + per second)
 * and is sent on delta with a step of 1 (a doubling or halving of the rate):
 * up on 88 + 2i, down on 89 + 2i; the reference moves one step per spike.
 * The byte rate of each direction has a level, bin = floor(log2(1 + bytes/s)
 * / 6) clamped to 0..3 (bin 0 < 63 B/s, 1 < 4 KB/s, 2 < 256 KB/s, 3 ≥ 256
 * KB/s): rx on 96 + bin, tx on 100 + bin. A level spikes when its bin
 * changes (and on the first counters event), and again on every poll while
 * it stays at bin ≥ 2 (level coding for busy links, so a sustained burst —
 * 50 MB/s of egress — keeps saying so each second instead of once; quiet
 * links cost nothing). Rx and tx are apart because "much sent" (egress) and
 * "much received" (a download) mean different things. At most 4 spikes per
 * event: the levels first (rx, tx), then the counters furthest behind; the
 * rest follow on later polls.
 *
 * Connection events: open → 104 + bucket, close → 112 + bucket; the bucket
 * is the keyed hash of (process, port class).
 */

import type { SensorEvent } from '../../common/index.ts';
import { fail } from '../../common/index.ts';
import { NET_CLOSE_START, NET_COUNTERS, NET_LEVEL_BINS, NET_LEVEL_DIRECTIONS, NET_LEVEL_START, NET_OPEN_START, NET_START } from './channel-layout.ts';
import { compareCandidates, MAX_SPIKES_PER_EVENT, type DeltaCandidate, type KindEncoder } from './kind-encoder.ts';

const STEP = 1;
/** width of a level bin [log2(B/s)]: 6 = a factor of 64 */
const LEVEL_WIDTH = 6;
/** from this bin up a level repeats on every poll */
const LEVEL_REPEAT_FROM = 2;

export function throughputLevel(bytesPerSecond: number): number {
  return Math.max(0, Math.min(NET_LEVEL_BINS - 1, Math.floor(Math.log2(1 + Math.max(0, bytesPerSecond)) / LEVEL_WIDTH)));
}

export class NetworkEncoder implements KindEncoder {
  /** started, rx and tx level bins, 4 references */
  readonly stateLength = 1 + NET_LEVEL_DIRECTIONS.length + NET_COUNTERS.length;
  private started = false;
  /** (2) last level bin of rx, tx; −1 before the first counters event */
  private readonly lastLevel = new Int32Array(NET_LEVEL_DIRECTIONS.length).fill(-1);
  /** (4) f64 references of z per counter */
  private readonly reference = new Float64Array(NET_COUNTERS.length);
  private readonly candidates: DeltaCandidate[] = Array.from({ length: NET_COUNTERS.length }, () => ({ index: 0, sign: 0, step: STEP, score: 0 }));

  encode(event: SensorEvent, out: Int32Array): number {
    if (event.type === 'open' || event.type === 'close') {
      out[0] = (event.type === 'open' ? NET_OPEN_START : NET_CLOSE_START) + ((event.bucket ?? 0) & 7);
      return 1;
    }
    if (event.type !== 'counters') return 0;
    const seconds = Math.max(1, event.value ?? 1000) / 1000;
    let count = 0;
    for (let d = 0; d < NET_LEVEL_DIRECTIONS.length; d++) {
      const level = throughputLevel((d === 0 ? (event.rxBytes ?? 0) : (event.txBytes ?? 0)) / seconds);
      if (level !== this.lastLevel[d] || level >= LEVEL_REPEAT_FROM) out[count++] = NET_LEVEL_START + d * NET_LEVEL_BINS + level;
      this.lastLevel[d] = level;
    }
    let due = 0;
    for (let i = 0; i < NET_COUNTERS.length; i++) {
      const z = Math.log2(1 + Math.max(0, event[NET_COUNTERS[i]!] ?? 0) / seconds);
      if (!this.started) {
        this.reference[i] = z;
        continue;
      }
      const difference = z - this.reference[i]!;
      if (Math.abs(difference) >= STEP) {
        const candidate = this.candidates[due++]!;
        candidate.index = i;
        candidate.sign = difference > 0 ? 1 : -1;
        candidate.score = Math.abs(difference) / STEP;
      }
    }
    this.started = true;
    const chosen = this.candidates.slice(0, due).sort(compareCandidates);
    for (const candidate of chosen) {
      if (count >= MAX_SPIKES_PER_EVENT) break;
      this.reference[candidate.index] = this.reference[candidate.index]! + candidate.sign * STEP;
      out[count++] = NET_START + 2 * candidate.index + (candidate.sign > 0 ? 0 : 1);
    }
    return count;
  }

  writeState(out: Float64Array, at: number): void {
    out[at] = this.started ? 1 : 0;
    for (let d = 0; d < this.lastLevel.length; d++) out[at + 1 + d] = this.lastLevel[d]!;
    out.set(this.reference, at + 1 + this.lastLevel.length);
  }

  readState(from: Float64Array, at: number): void {
    const values = from.subarray(at, at + this.stateLength);
    const levels = values.subarray(1, 1 + this.lastLevel.length);
    const levelValid = (v: number) => Number.isInteger(v) && v >= -1 && v < NET_LEVEL_BINS;
    if (values.length !== this.stateLength || !values.every(Number.isFinite) || (values[0] !== 0 && values[0] !== 1) || !levels.every(levelValid)) {
      fail('sensors.encoder_state_invalid', 'net encoder state: values are missing or out of range');
    }
    this.started = values[0] === 1;
    this.lastLevel.set(levels);
    this.reference.set(values.subarray(1 + this.lastLevel.length));
  }

  reset(): void {
    this.started = false;
    this.lastLevel.fill(-1);
  }
}
