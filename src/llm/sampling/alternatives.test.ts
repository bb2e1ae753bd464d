// Scored alternatives (alternatives.ts): the mean log-probability of each
// candidate's ends with each closer, against a brute-force twin over a
// context whose next-token distribution depends on the whole history; the
// first-token beam; the context left as it was; and `generate` feeding the
// winner through a constraint that offers alternatives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../common/index.ts';
import { scoreAlternatives } from './alternatives.ts';
import { generate, type GenerationContext } from './generate.ts';
import type { Alternatives, TokenConstraint, TokenMask } from './constraint.ts';

const VOCAB = 6;

/** logits as a fixed pseudo-random function of the history (a stand-in for a model) */
function logitsAfter(history: readonly number[]): Float32Array {
  let h = 17;
  for (const id of history) h = (h * 31 + id + 7) % 1_000_003;
  const rng = new Rng(h);
  return Float32Array.from({ length: VOCAB }, () => rng.next() * 6 - 3);
}

class HistoryContext implements GenerationContext {
  readonly vocabSize = VOCAB;
  readonly capacity = 64;
  history: number[] = [];
  get length(): number { return this.history.length; }
  tokens(): Int32Array { return Int32Array.from(this.history); }
  truncate(length: number): void { this.history.length = length; }
  evaluate(tokens: ArrayLike<number>, options: { logits?: 'last' | 'all' } = {}): Float32Array {
    const rows: Float32Array[] = [];
    for (const id of Array.from(tokens)) {
      this.history.push(id);
      rows.push(logitsAfter(this.history));
    }
    if (options.logits === 'all') {
      const all = new Float32Array(rows.length * VOCAB);
      rows.forEach((row, i) => all.set(row, i * VOCAB));
      return all;
    }
    return rows.at(-1)!;
  }
}

const logProb = (logits: Float32Array, ids: readonly number[]): number => {
  const max = Math.max(...logits);
  const norm = max + Math.log(logits.reduce((s, v) => s + Math.exp(v - max), 0));
  return Math.log(ids.reduce((s, id) => s + Math.exp(logits[id]! - norm), 0));
};

/** the twin: every (candidate, end, closer) scored from scratch, token by token */
function bruteForce(prefix: readonly number[], offered: Alternatives): { candidate: number; count: number; closer: number; score: number } {
  let best = { candidate: -1, count: 0, closer: 0, score: -Infinity };
  offered.candidates.forEach(({ tokens, ends }, candidate) => {
    for (const count of ends) {
      let score = 0;
      for (let i = 0; i < count; i++) score += logProb(logitsAfter([...prefix, ...tokens.subarray(0, i)]), [tokens[i]!]);
      offered.closers.forEach((ids, closer) => {
        const total = (score + logProb(logitsAfter([...prefix, ...tokens.subarray(0, count)]), [...ids])) / (count + 1);
        if (total > best.score) best = { candidate, count, closer, score: total };
      });
    }
  });
  return best;
}

test('the best whole candidate by mean log-probability, as a token-by-token twin finds it; the context is left as it was', () => {
  const rng = new Rng(4);
  for (let trial = 0; trial < 40; trial++) {
    const context = new HistoryContext();
    const prefix = [1, 2, rng.int(0, 5)];
    const logits = Float32Array.from(context.evaluate(prefix));
    const candidates = Array.from({ length: rng.int(1, 4) }, () => {
      const tokens = Int32Array.from({ length: rng.int(1, 5) }, () => rng.int(0, 5));
      const ends = Int32Array.from(new Set(Array.from({ length: rng.int(1, tokens.length) }, () => rng.int(1, tokens.length)))).sort();
      return { tokens, ends };
    });
    const offered: Alternatives = { candidates, closers: [Int32Array.from([0, 3]), Int32Array.from([5])] };
    const best = scoreAlternatives(context, logits, offered);
    const twin = bruteForce(prefix, offered);
    assert.ok(best !== null);
    assert.deepEqual([best.candidate, best.count, best.closer], [twin.candidate, twin.count, twin.closer]);
    assert.ok(Math.abs(best.score - twin.score) < 1e-4, `${best.score} vs ${twin.score}`);
    assert.deepEqual(context.history, prefix, 'scoring leaves the context as it found it');
  }
});

test('only the maxScored candidates with the likeliest first tokens are evaluated', () => {
  const context = new HistoryContext();
  const logits = Float32Array.from(context.evaluate([1]));
  const order = Array.from({ length: VOCAB }, (_, id) => id).sort((a, b) => logits[b]! - logits[a]!);
  let evaluated = 0;
  const counting: GenerationContext = {
    vocabSize: VOCAB, capacity: 64, get length() { return context.length; }, tokens: () => context.tokens(), truncate: (n) => context.truncate(n),
    evaluate: (tokens, options) => { evaluated++; return context.evaluate(tokens, options); },
  };
  const offered: Alternatives = { candidates: order.map((id) => ({ tokens: Int32Array.from([id, 2]), ends: Int32Array.from([1, 2]) })), closers: [Int32Array.from([4])] };
  const best = scoreAlternatives(counting, logits, offered, 2)!;
  assert.equal(evaluated, 2);
  assert.ok(best.candidate === 0 || best.candidate === 1, 'the winner is one of the two scored');
});

/** a constraint offering two whole texts at its first step: [3, 3] or [4], each closed by 5, then the end (0) */
class TwoTexts implements TokenConstraint {
  private plan: number[] | null = null;
  private written: number[] = [];
  private done = false;
  asked = 0;
  nextMask(): TokenMask {
    if (this.plan !== null) return { kind: 'allow', ids: Int32Array.from([this.plan[this.written.length]!]) };
    return this.written.length === 0 ? { kind: 'allow', ids: Int32Array.from([3, 4]) } : { kind: 'allow', ids: Int32Array.from([0, 3, 5]) };
  }
  accept(id: number): void {
    if (id === 0) this.done = true;
    else this.written.push(id);
    if (this.plan !== null && this.written.length === this.plan.length) this.plan = null;
  }
  forcedTokens(): readonly number[] { return []; }
  isComplete(): boolean { return this.done || this.written.at(-1) === 5; }
  alternatives(): Alternatives | null {
    if (this.written.length > 0 || this.plan !== null) return null;
    this.asked++;
    return { candidates: [{ tokens: Int32Array.from([3, 3]), ends: Int32Array.from([2]) }, { tokens: Int32Array.from([4]), ends: Int32Array.from([1]) }], closers: [Int32Array.from([5])] };
  }
  choose(candidate: number, count: number): void {
    this.plan = [...(candidate === 0 ? [3, 3] : [4]).slice(0, count), 5];
  }
}

test('generate at temperature 0 scores what the constraint offers and writes the winner', async () => {
  const prefix = [1, 2];
  const constraint = new TwoTexts();
  const offered = constraint.alternatives()!;
  const fresh = new TwoTexts();
  const twin = bruteForce(prefix, offered);
  const result = await generate(new HistoryContext(), prefix, {
    tokenizer: { decode: (ids) => Array.from(ids).join(','), newStreamDecoder: () => ({ push: (id) => `${id},`, flush: () => '' }) },
    maxTokens: 8, temperature: 0, constraint: fresh,
  });
  assert.equal(fresh.asked, 1);
  assert.deepEqual(result.tokens, twin.candidate === 0 ? [3, 3, 5] : [4, 5]);
});
