// Each sampler stage on hand-made logits, the chain order, determinism under a seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../../common/index.ts';
import { Sampler } from './sampler.ts';

const logits = (...values: number[]): Float32Array => Float32Array.from(values);
/** logits whose softmax is exactly `probabilities` */
const fromProbabilities = (...p: number[]): Float32Array => Float32Array.from(p, Math.log);

function histogram(sampler: Sampler, l: Float32Array, draws: number): number[] {
  const counts = new Array<number>(l.length).fill(0);
  for (let i = 0; i < draws; i++) counts[sampler.sample(l)]!++;
  return counts;
}

test('greedy (temperature 0) takes the argmax, lowest id on ties, whatever the other options', () => {
  const greedy = new Sampler(5, { temperature: 0, topK: 1, topP: 0.1, minP: 0.5 });
  assert.equal(greedy.sample(logits(0.1, 3, -1, 2.9, 0)), 1);
  assert.equal(greedy.sample(logits(1, 5, 5, 2, 5)), 1);
  assert.equal(greedy.sample(logits(-7, -7, -7, -7, -7)), 0);
});

test('top-k keeps only the k largest logits', () => {
  const sampler = new Sampler(6, { temperature: 5, topK: 3, topP: 1, minP: 0, seed: 1 });
  const counts = histogram(sampler, logits(1, 4, 2, 3.5, 0, 3), 3000);
  assert.deepEqual(counts.map((c) => c > 0), [false, true, false, true, false, true]);
  const k1 = new Sampler(6, { temperature: 100, topK: 1, topP: 1, minP: 0, seed: 2 });
  assert.deepEqual(histogram(k1, logits(1, 4, 2, 3.5, 0, 3), 200), [0, 200, 0, 0, 0, 0]);
});

test('top-p keeps the smallest prefix whose probability mass reaches p', () => {
  const l = fromProbabilities(0.05, 0.5, 0.15, 0.3);
  const sampler = new Sampler(4, { temperature: 1, topK: 0, topP: 0.75, minP: 0, seed: 3 });
  const counts = histogram(sampler, l, 4000);
  assert.equal(counts[0], 0);
  assert.equal(counts[2], 0);
  // the survivors keep their relative odds 0.5 : 0.3
  assert.ok(Math.abs(counts[1]! / 4000 - 0.625) < 0.04, `${counts}`);
  const wider = histogram(new Sampler(4, { temperature: 1, topK: 0, topP: 0.9, minP: 0, seed: 3 }), l, 4000);
  assert.equal(wider[0], 0);
  assert.ok(wider[2]! > 0);
});

test('min-p keeps tokens with p ≥ minP · p_max', () => {
  const l = fromProbabilities(0.5, 0.3, 0.15, 0.05);
  const counts = histogram(new Sampler(4, { temperature: 1, topK: 0, topP: 1, minP: 0.2, seed: 4 }), l, 4000);
  assert.ok(counts[0]! > 0 && counts[1]! > 0 && counts[2]! > 0);
  assert.equal(counts[3], 0); // 0.05 < 0.2 · 0.5
});

test('temperature sharpens (T < 1) and flattens (T > 1) the distribution; with no truncation T = 1 follows softmax', () => {
  const l = fromProbabilities(0.6, 0.3, 0.1);
  const share = (t: number): number => histogram(new Sampler(3, { temperature: t, topK: 0, topP: 1, minP: 0, seed: 5 }), l, 6000)[0]! / 6000;
  const [cold, plain, hot] = [share(0.3), share(1), share(3)];
  assert.ok(Math.abs(plain - 0.6) < 0.03, `T=1 share ${plain}`);
  assert.ok(cold > 0.9 && hot < 0.5, `cold ${cold}, hot ${hot}`);
});

test('repetition penalty divides positive logits and multiplies negative ones of tokens in the window', () => {
  const positive = new Sampler(3, { temperature: 0, repetitionPenalty: 2 });
  positive.accept(0);
  assert.equal(positive.sample(logits(2, -2, 1.5)), 2); // 2/2 = 1 < 1.5
  const negative = new Sampler(3, { temperature: 0, repetitionPenalty: 2 });
  negative.accept(0);
  assert.equal(negative.sample(logits(-1, -2, -1.5)), 2); // -1·2 = -2 < -1.5
  const repeated = new Sampler(3, { temperature: 0, repetitionPenalty: 2 });
  for (let i = 0; i < 5; i++) repeated.accept(0); // applied once however often the token occurs
  assert.equal(repeated.sample(logits(3.2, 0, 1.5)), 0); // 3.2/2 = 1.6 > 1.5
});

test('presence penalty subtracts a constant once; frequency penalty scales with the count', () => {
  const presence = new Sampler(2, { temperature: 0, presencePenalty: 0.5 });
  for (let i = 0; i < 3; i++) presence.accept(0);
  assert.equal(presence.sample(logits(1.3, 0.9)), 1); // 1.3 - 0.5 = 0.8
  const once = new Sampler(2, { temperature: 0, presencePenalty: 0.3 });
  once.accept(0);
  assert.equal(once.sample(logits(1.3, 0.9)), 0); // 1.0 > 0.9
  const frequency = new Sampler(2, { temperature: 0, frequencyPenalty: 0.2 });
  frequency.accept(0);
  assert.equal(frequency.sample(logits(1.3, 0.9)), 0); // 1.1
  frequency.accept(0);
  frequency.accept(0);
  assert.equal(frequency.sample(logits(1.3, 0.9)), 1); // 1.3 - 0.6 = 0.7
});

test('the penalty window only covers the last penaltyLastN tokens; reset empties it', () => {
  const sampler = new Sampler(3, { temperature: 0, presencePenalty: 10, penaltyLastN: 2 });
  sampler.accept(0);
  assert.equal(sampler.sample(logits(5, 1, 0)), 1);
  sampler.accept(2);
  sampler.accept(2); // token 0 falls out of the window
  assert.equal(sampler.sample(logits(5, 1, 0)), 0);
  assert.equal(sampler.sample(logits(0, 1, 5)), 1); // 2 is penalised
  sampler.reset();
  assert.equal(sampler.sample(logits(0, 1, 5)), 2);
});

test('a seed makes sampling reproducible; another seed gives another sequence', () => {
  const l = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i) * 2);
  const run = (seed: number): number[] => {
    const s = new Sampler(50, { temperature: 1.5, topK: 0, topP: 1, minP: 0, seed });
    return Array.from({ length: 40 }, () => s.sample(l));
  };
  assert.deepEqual(run(42), run(42));
  assert.notDeepEqual(run(42), run(43));
});

test('top-k over a large vocabulary picks the true top k (quickselect + sort vs a full sort)', () => {
  const n = 5000;
  const l = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 7);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => l[b]! - l[a]! || a - b);
  const top = new Set(order.slice(0, 20));
  const sampler = new Sampler(n, { temperature: 50, topK: 20, topP: 1, minP: 0, seed: 6 });
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) seen.add(sampler.sample(l));
  assert.deepEqual([...seen].sort((a, b) => a - b), [...top].sort((a, b) => a - b));
});

test('out-of-range options fail llm.sampling_invalid', () => {
  for (const bad of [{ temperature: -1 }, { topK: 1.5 }, { topP: 0 }, { topP: 1.2 }, { minP: 1 }, { repetitionPenalty: 0 }, { penaltyLastN: -1 }]) {
    assert.throws(() => new Sampler(10, bad), (e) => isChimaeraError(e, 'llm.sampling_invalid'), JSON.stringify(bad));
  }
  assert.throws(() => new Sampler(10, {}).sample(new Float32Array(3)), (e) => isChimaeraError(e, 'llm.sampling_invalid'));
});
