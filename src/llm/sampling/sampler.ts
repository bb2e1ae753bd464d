/**
 * Token sampling as llama.cpp's samplers define it, in llama.cpp's default
 * chain order (common/sampling: penalties → top-k → top-p → min-p →
 * temperature → draw):
 *
 *   penalties   over the last `penaltyLastN` accepted tokens (prompt included):
 *               repetition: logit > 0 ? logit / r : logit · r   (Keskar et al. 2019, CTRL)
 *               frequency/presence: logit −= count · frequency + (count > 0) · presence
 *   top-k       keep the k largest logits (Fan et al. 2018); 0 = off
 *   top-p       keep the smallest prefix (by probability, descending) whose mass ≥ p
 *               (Holtzman et al. 2019, nucleus sampling); 1 = off
 *   min-p       keep tokens with p ≥ minP · p_max (Nguyen et al. 2024); 0 = off
 *   temperature divide logits by T; T ≤ 0 means greedy
 *   draw        from the softmax of what is left, with the seeded Rng
 *
 * top-p and min-p see temperature-1 probabilities, as in llama.cpp. Greedy
 * (temperature 0) takes the argmax of the penalised logits, lowest id on ties.
 * All buffers are allocated once per sampler; sample() allocates nothing.
 */

import { fail, Rng } from '../../common/index.ts';
import { applyMaskToLogits, maskAllowedCount, type TokenMask } from './constraint.ts';

export interface SamplerOptions {
  /** T ≥ 0; default 0.8 (llama.cpp); 0 = greedy */
  readonly temperature?: number;
  /** k ≥ 0; default 40; 0 = off */
  readonly topK?: number;
  /** p in (0, 1]; default 0.95; 1 = off */
  readonly topP?: number;
  /** in [0, 1); default 0.05; 0 = off */
  readonly minP?: number;
  /** r > 0; default 1 (off); 1.1 is a common choice */
  readonly repetitionPenalty?: number;
  /** subtracted once from any token in the window; default 0 */
  readonly presencePenalty?: number;
  /** subtracted per occurrence in the window; default 0 */
  readonly frequencyPenalty?: number;
  /** tokens the penalties look back over; default 64; 0 = off */
  readonly penaltyLastN?: number;
  /** RNG seed; default 0 */
  readonly seed?: number;
}

export const DEFAULT_SAMPLER_OPTIONS: Required<SamplerOptions> = {
  temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05, repetitionPenalty: 1, presencePenalty: 0, frequencyPenalty: 0, penaltyLastN: 64, seed: 0,
};

function check(ok: boolean, message: string): void {
  if (!ok) fail('llm.sampling_invalid', message);
}

export class Sampler {
  readonly vocabSize: number;
  readonly options: Readonly<Required<SamplerOptions>>;
  private readonly rng: Rng;
  /** penalised (then scaled) logits [vocab] */
  private readonly working: Float32Array;
  /** candidate token ids, best first after sorting [vocab] */
  private readonly candidates: Int32Array;
  /** candidate probabilities (unnormalised) [vocab] */
  private readonly weights: Float64Array;
  /** occurrences in the penalty window [vocab] */
  private readonly counts: Int32Array;
  /** last accepted tokens, a ring [penaltyLastN] */
  private readonly window: Int32Array;
  private windowStart = 0;
  private windowLength = 0;

  constructor(vocabSize: number, options: SamplerOptions = {}) {
    const o = { ...DEFAULT_SAMPLER_OPTIONS, ...stripUndefined(options) };
    check(Number.isFinite(o.temperature) && o.temperature >= 0, `temperature must be ≥ 0, got ${o.temperature}`);
    check(Number.isInteger(o.topK) && o.topK >= 0, `topK must be a whole number ≥ 0, got ${o.topK}`);
    check(o.topP > 0 && o.topP <= 1, `topP must be in (0, 1], got ${o.topP}`);
    check(o.minP >= 0 && o.minP < 1, `minP must be in [0, 1), got ${o.minP}`);
    check(Number.isFinite(o.repetitionPenalty) && o.repetitionPenalty > 0, `repetitionPenalty must be > 0, got ${o.repetitionPenalty}`);
    check(Number.isFinite(o.presencePenalty) && Number.isFinite(o.frequencyPenalty), 'presence and frequency penalties must be finite numbers');
    check(Number.isInteger(o.penaltyLastN) && o.penaltyLastN >= 0, `penaltyLastN must be a whole number ≥ 0, got ${o.penaltyLastN}`);
    check(Number.isInteger(vocabSize) && vocabSize > 0, `vocabulary size must be positive, got ${vocabSize}`);
    this.vocabSize = vocabSize;
    this.options = Object.freeze(o);
    this.rng = new Rng(o.seed);
    this.working = new Float32Array(vocabSize);
    this.candidates = new Int32Array(vocabSize);
    this.weights = new Float64Array(vocabSize);
    this.counts = new Int32Array(vocabSize);
    this.window = new Int32Array(o.penaltyLastN);
  }

  /** record a token as part of the text (for the penalties) */
  accept(token: number): void {
    const size = this.window.length;
    if (size === 0) return;
    if (this.windowLength < size) this.window[(this.windowStart + this.windowLength++) % size] = token;
    else {
      this.window[this.windowStart] = token;
      this.windowStart = (this.windowStart + 1) % size;
    }
  }

  /** forget the penalty window (the RNG keeps its state) */
  reset(): void {
    this.windowStart = 0;
    this.windowLength = 0;
  }

  /**
   * choose the next token from `logits` ([vocab]); does not accept it.
   * With a mask, the penalised logits of denied ids are −∞ before top-k, top-p,
   * min-p and temperature; an allow-list is sampled among its ids alone (O(k)).
   */
  sample(logits: Float32Array, mask?: TokenMask): number {
    const n = this.vocabSize;
    if (logits.length < n) fail('llm.sampling_invalid', `logits hold ${logits.length} values, the vocabulary has ${n}`);
    if (mask !== undefined && mask.kind === 'allow') return this.sampleAmong(logits, mask.ids);
    const work = this.working;
    for (let i = 0; i < n; i++) work[i] = logits[i]!;
    let allowed = n;
    if (mask !== undefined) {
      applyMaskToLogits(mask, work, n);
      allowed = maskAllowedCount(mask, n);
      if (allowed <= 0) fail('llm.sampling_invalid', 'the token constraint allows no token');
    }
    this.applyPenalties();
    if (this.options.temperature <= 0) return argmax(work, n);
    const ids = this.candidates;
    for (let i = 0; i < n; i++) ids[i] = i;
    return this.draw(n, allowed);
  }

  /** sample among `allowed` (sorted ascending ids) only: the allow-list fast path */
  private sampleAmong(logits: Float32Array, allowed: Int32Array): number {
    const count = allowed.length;
    if (count === 0) fail('llm.sampling_invalid', 'the token constraint allows no token');
    const work = this.working;
    for (let i = 0; i < count; i++) {
      const id = allowed[i]!;
      if (id >= this.vocabSize) fail('llm.sampling_invalid', `the token constraint allows id ${id}, the vocabulary has ${this.vocabSize}`);
      work[id] = logits[id]!;
    }
    this.applyPenalties(); // also touches ids outside the list; they are never read
    if (this.options.temperature <= 0) {
      let best = allowed[0]!;
      for (let i = 1; i < count; i++) if (work[allowed[i]!]! > work[best]!) best = allowed[i]!; // ascending ids: lowest id on ties
      return best;
    }
    this.candidates.set(allowed);
    return this.draw(count, count);
  }

  /**
   * top-k, top-p, min-p, temperature and the draw over candidates[0..count);
   * at most `allowed` of them are eligible (a mask's denied ids sort last at −∞)
   */
  private draw(count: number, allowed: number): number {
    const work = this.working;
    const o = this.options;

    // top-k: the k best, sorted best first
    let kept = o.topK > 0 && o.topK < count ? o.topK : count;
    const ids = this.candidates;
    if (kept < count) selectTop(ids, work, 0, count - 1, kept);
    sortRange(ids, work, 0, kept - 1);
    if (kept > allowed) kept = allowed;

    // top-p and min-p on temperature-1 probabilities
    const max = work[ids[0]!]!;
    const weights = this.weights;
    let total = 0;
    for (let i = 0; i < kept; i++) {
      weights[i] = Math.exp(work[ids[i]!]! - max);
      total += weights[i]!;
    }
    if (o.topP < 1) {
      let cumulative = 0;
      for (let i = 0; i < kept; i++) {
        cumulative += weights[i]! / total;
        if (cumulative >= o.topP) {
          kept = i + 1;
          break;
        }
      }
    }
    if (o.minP > 0) {
      // weights[0] = 1 is p_max / Z
      let i = 1;
      while (i < kept && weights[i]! >= o.minP) i++;
      kept = i;
    }

    // temperature, then draw
    total = 0;
    for (let i = 0; i < kept; i++) {
      weights[i] = Math.exp((work[ids[i]!]! - max) / o.temperature);
      total += weights[i]!;
    }
    let target = this.rng.next() * total;
    for (let i = 0; i < kept; i++) {
      target -= weights[i]!;
      if (target < 0) return ids[i]!;
    }
    return ids[kept - 1]!;
  }

  private applyPenalties(): void {
    const o = this.options;
    if (this.windowLength === 0 || (o.repetitionPenalty === 1 && o.presencePenalty === 0 && o.frequencyPenalty === 0)) return;
    const size = this.window.length;
    const counts = this.counts;
    const work = this.working;
    for (let j = 0; j < this.windowLength; j++) {
      const t = this.window[(this.windowStart + j) % size]!;
      if (t >= 0 && t < this.vocabSize) counts[t] = counts[t]! + 1;
    }
    for (let j = 0; j < this.windowLength; j++) {
      const t = this.window[(this.windowStart + j) % size]!;
      if (t < 0 || t >= this.vocabSize) continue;
      const count = counts[t]!;
      if (count === 0) continue; // already penalised
      counts[t] = 0;
      let logit = work[t]!;
      logit = logit <= 0 ? logit * o.repetitionPenalty : logit / o.repetitionPenalty;
      work[t] = logit - count * o.frequencyPenalty - o.presencePenalty;
    }
  }
}

function stripUndefined(options: SamplerOptions): SamplerOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SamplerOptions;
}

/** index of the largest of values[0..n), lowest index on ties */
export function argmax(values: Float32Array, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** a ranks before b: larger logit, then lower id */
function before(a: number, b: number, keys: Float32Array): boolean {
  const ka = keys[a]!;
  const kb = keys[b]!;
  return ka > kb || (ka === kb && a < b);
}

function swap(ids: Int32Array, i: number, j: number): void {
  const t = ids[i]!;
  ids[i] = ids[j]!;
  ids[j] = t;
}

/** Lomuto partition of ids[lo..hi] around a middle pivot; returns its final index */
function partition(ids: Int32Array, keys: Float32Array, lo: number, hi: number): number {
  swap(ids, (lo + hi) >> 1, hi);
  const pivot = ids[hi]!;
  let store = lo;
  for (let i = lo; i < hi; i++) {
    if (before(ids[i]!, pivot, keys)) swap(ids, i, store++);
  }
  swap(ids, store, hi);
  return store;
}

/** rearrange ids[lo..hi] so its first k (relative to lo) are the best k, in any order (quickselect) */
function selectTop(ids: Int32Array, keys: Float32Array, lo: number, hi: number, k: number): void {
  const target = lo + k - 1;
  while (lo < hi) {
    const p = partition(ids, keys, lo, hi);
    if (p === target) return;
    if (p < target) lo = p + 1;
    else hi = p - 1;
  }
}

/** sort ids[lo..hi] best first (quicksort, insertion sort below 16) */
function sortRange(ids: Int32Array, keys: Float32Array, lo: number, hi: number): void {
  while (hi - lo > 16) {
    const p = partition(ids, keys, lo, hi);
    if (p - lo < hi - p) {
      sortRange(ids, keys, lo, p - 1);
      lo = p + 1;
    } else {
      sortRange(ids, keys, p + 1, hi);
      hi = p - 1;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const id = ids[i]!;
    let j = i - 1;
    while (j >= lo && before(id, ids[j]!, keys)) {
      ids[j + 1] = ids[j]!;
      j--;
    }
    ids[j + 1] = id;
  }
}
