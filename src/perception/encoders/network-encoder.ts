/**
 * Network encoding (channels 88–119).
 *
 * Counter events (one per poll, deltas over `value` ms): each of rx bytes,
 * rx packets, tx bytes, tx packets becomes a log rate z = log2(1 + per second)
 * and is sent on delta with a step of 1 (a doubling or halving of the rate):
 * up on 88 + 2i, down on 89 + 2i; the reference moves one step per spike.
 * The total byte rate's level, bin = floor(log2(1 + bytes/s) / 3) clamped to
 * 0..7 (bin 1 ≈ 7–63 B/s … bin 7 ≥ 2 MB/s), spikes on 96 + bin when the bin
 * changes (and on the first counters event). At most 4 spikes per event:
 * the level first, then the counters furthest behind; the rest follow on
 * later polls.
 *
 * Connection events: open → 104 + bucket, close → 112 + bucket; the bucket
 * is the keyed hash of (process, port class).
 */

import type { SensorEvent } from '../../common/index.ts';
import { fail } from '../../common/index.ts';
import { NET_CLOSE_START, NET_COUNTERS, NET_LEVEL_BINS, NET_LEVEL_START, NET_OPEN_START, NET_START } from './channel-layout.ts';
import { compareCandidates, MAX_SPIKES_PER_EVENT, type DeltaCandidate, type KindEncoder } from './kind-encoder.ts';

const STEP = 1;
const LEVEL_WIDTH = 3;

export function throughputLevel(bytesPerSecond: number): number {
  return Math.max(0, Math.min(NET_LEVEL_BINS - 1, Math.floor(Math.log2(1 + Math.max(0, bytesPerSecond)) / LEVEL_WIDTH)));
}

export class NetworkEncoder implements KindEncoder {
  /** started, level bin, 4 references */
  readonly stateLength = 2 + NET_COUNTERS.length;
  private started = false;
  private lastLevel = -1;
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
    const level = throughputLevel(((event.rxBytes ?? 0) + (event.txBytes ?? 0)) / seconds);
    if (level !== this.lastLevel) out[count++] = NET_LEVEL_START + level;
    this.lastLevel = level;
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
    out[at + 1] = this.lastLevel;
    out.set(this.reference, at + 2);
  }

  readState(from: Float64Array, at: number): void {
    const values = from.subarray(at, at + this.stateLength);
    if (values.length !== this.stateLength || !values.every(Number.isFinite) || (values[0] !== 0 && values[0] !== 1) || !Number.isInteger(values[1]) || values[1]! < -1 || values[1]! >= NET_LEVEL_BINS) {
      fail('sensors.encoder_state_invalid', 'net encoder state: values are missing or out of range');
    }
    this.started = values[0] === 1;
    this.lastLevel = values[1]!;
    this.reference.set(values.subarray(2));
  }

  reset(): void {
    this.started = false;
    this.lastLevel = -1;
  }
}
