/**
 * Synthetic spike input for tests, the learning acceptance check and the
 * cost bench: spatiotemporal patterns (k spikes on k distinct channels within
 * a span) and Poisson background, turned into sorted SpikeBatch lists.
 * Deterministic under the given Rng.
 */

import type { Rng } from '../common/index.ts';
import type { SpikeBatch } from './spikes.ts';

/** a fixed spatiotemporal pattern: spike s on `channels[s]` at `offsets[s]` ticks after onset */
export interface SpikePattern {
  readonly channels: Int32Array;
  /** [ticks after onset], ascending */
  readonly offsets: Int32Array;
}

/** `spikes` distinct channels out of `inputChannels` (avoiding `exclude`), at random offsets in [0, spanTicks) */
export function randomPattern(rng: Rng, inputChannels: number, spikes: number, spanTicks: number, exclude: ReadonlySet<number> = new Set()): SpikePattern {
  const pool: number[] = [];
  for (let c = 0; c < inputChannels; c++) if (!exclude.has(c)) pool.push(c);
  if (pool.length < spikes) throw new RangeError(`randomPattern: ${spikes} channels wanted, ${pool.length} available`);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const chosen = pool.slice(0, spikes);
  const offsets = chosen.map(() => rng.int(0, spanTicks - 1)).sort((a, b) => a - b);
  return { channels: Int32Array.from(chosen), offsets: Int32Array.from(offsets) };
}

/** one spike event */
export interface TimedSpike {
  readonly tick: number;
  readonly channel: number;
}

/** the pattern's spikes for an onset at `onsetTick` */
export function patternSpikes(pattern: SpikePattern, onsetTick: number): TimedSpike[] {
  return Array.from(pattern.channels, (channel, s) => ({ tick: onsetTick + pattern.offsets[s]!, channel }));
}

/** Poisson spikes at `rateHz` on each of `channels` channels over ticks [from, to) (Bernoulli per tick) */
export function poissonSpikes(rng: Rng, channels: number, rateHz: number, from: number, to: number, tickMs = 1): TimedSpike[] {
  const out: TimedSpike[] = [];
  const perTick = (rateHz * tickMs) / 1000;
  // exponential gaps per channel: cheaper than a draw per tick and channel
  for (let channel = 0; channel < channels; channel++) {
    let tick = from + Math.floor(-Math.log(1 - rng.next()) / perTick);
    while (tick < to) {
      out.push({ tick, channel });
      tick += 1 + Math.floor(-Math.log(1 - rng.next()) / perTick);
    }
  }
  return out;
}

/** sort spikes by tick (then channel) and group them into one batch per tick */
export function toBatches(spikes: readonly TimedSpike[]): SpikeBatch[] {
  const sorted = [...spikes].sort((a, b) => a.tick - b.tick || a.channel - b.channel);
  const batches: SpikeBatch[] = [];
  let at = 0;
  while (at < sorted.length) {
    const tick = sorted[at]!.tick;
    let end = at;
    while (end < sorted.length && sorted[end]!.tick === tick) end++;
    batches.push({ tick, channels: Int32Array.from(sorted.slice(at, end), (s) => s.channel) });
    at = end;
  }
  return batches;
}

/** the batches with from ≤ tick < to */
export function batchesIn(batches: readonly SpikeBatch[], from: number, to: number): SpikeBatch[] {
  return batches.filter((b) => b.tick >= from && b.tick < to);
}
