// Token constraints in the sampler and the generation loop: a mask is applied
// before top-k/top-p/min-p/temperature in all three forms (and the forms agree
// draw for draw); forced tokens are fed in one batch with the token before
// them, count towards maxTokens, pass through stop strings; a complete
// constraint ends generation with 'eos'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Sampler, type SamplerOptions } from './sampler.ts';
import { generate, type GenerationContext, type TextDecoding } from './generate.ts';
import { maskAllows, type TokenConstraint, type TokenMask } from './constraint.ts';

function forms(allowed: number[], n: number): TokenMask[] {
  const ids = Int32Array.from(new Set(allowed)).sort();
  const denied = Int32Array.from({ length: n }, (_, i) => i).filter((i) => !ids.includes(i));
  const words = new Uint32Array(Math.ceil(n / 32));
  for (const id of ids) words[id >>> 5]! |= 1 << (id & 31);
  return [{ kind: 'allow', ids }, { kind: 'deny', ids: denied }, { kind: 'bits', words, allowed: ids.length }];
}

test('property: a masked sample is always allowed, and allow-list, deny-list and bitset draw the same token with the same seed', () => {
  const n = 70;
  const options: fc.Arbitrary<SamplerOptions> = fc.record({
    temperature: fc.constantFrom(0, 0.5, 1, 2),
    topK: fc.constantFrom(0, 1, 5, 40),
    topP: fc.constantFrom(1, 0.9, 0.5),
    minP: fc.constantFrom(0, 0.05, 0.3),
    repetitionPenalty: fc.constantFrom(1, 1.3),
    seed: fc.nat(),
  });
  fc.assert(fc.property(
    fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: n, maxLength: n }),
    fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: 12 }),
    fc.array(fc.integer({ min: 0, max: n - 1 }), { maxLength: 6 }),
    options,
    (values, allowed, window, o) => {
      const logits = Float32Array.from(values);
      const picks = forms(allowed, n).map((mask) => {
        const sampler = new Sampler(n, o);
        for (const id of window) sampler.accept(id);
        const draws = Array.from({ length: 5 }, () => sampler.sample(logits, mask));
        for (const id of draws) assert.ok(maskAllows(mask, id), `${id} is not allowed by ${mask.kind}`);
        return draws;
      });
      assert.deepEqual(picks[1], picks[0]);
      assert.deepEqual(picks[2], picks[0]);
      if (o.temperature === 0 && window.length === 0) {
        const best = [...new Set(allowed)].sort((a, b) => logits[b]! - logits[a]! || a - b)[0];
        assert.equal(picks[0]![0], best);
      }
    },
  ), { numRuns: 400 });
});

test('the mask is applied before top-k: the best allowed token wins even when top-k alone would drop it', () => {
  const logits = Float32Array.from([9, 8, 7, 1]);
  const sampler = new Sampler(4, { temperature: 1, topK: 2, topP: 1, minP: 0, seed: 1 });
  for (const mask of forms([3], 4)) assert.equal(sampler.sample(logits, mask), 3);
});

// ── the loop with a constraint ──────────────────────────────────────────────

const PIECES = ['<eos>', 'Hel', 'lo', ' wor', 'ld', '!', ' ', 'x'];
const tokenizer: TextDecoding = {
  decode: (ids) => Array.from(ids, (id) => PIECES[id]!).join(''),
  newStreamDecoder: () => ({ push: (id: number) => PIECES[id]!, flush: () => '' }),
};

/** spells one target text; forces a token wherever it is the only one that fits */
class SpellConstraint implements TokenConstraint {
  position = 0;
  constructor(private readonly target: string) {}
  private fitting(): number[] {
    const rest = this.target.slice(this.position);
    return PIECES.map((piece, id) => (id > 0 && rest.startsWith(piece) ? id : -1)).filter((id) => id >= 0);
  }
  nextMask(): TokenMask {
    return { kind: 'allow', ids: Int32Array.from(this.isComplete() ? [0] : this.fitting()) };
  }
  accept(id: number): void {
    if (id === 0) return;
    assert.ok(this.fitting().includes(id), `token ${id} does not fit at ${this.position}`);
    this.position += PIECES[id]!.length;
  }
  forcedTokens(limit: number): number[] {
    const out: number[] = [];
    let position = this.position;
    while (out.length < limit) {
      const rest = this.target.slice(position);
      const fits = PIECES.map((piece, id) => (id > 0 && rest.startsWith(piece) ? id : -1)).filter((id) => id >= 0);
      if (fits.length !== 1) break;
      out.push(fits[0]!);
      position += PIECES[fits[0]!]!.length;
    }
    return out;
  }
  isComplete(): boolean {
    return this.position === this.target.length;
  }
}

/** logits always favour `favourite`; records every evaluate() batch */
class BatchContext implements GenerationContext {
  readonly vocabSize = PIECES.length;
  readonly capacity = 64;
  history: number[] = [];
  batches: number[][] = [];
  constructor(private readonly favourite: number) {}
  get length(): number { return this.history.length; }
  tokens(): Int32Array { return Int32Array.from(this.history); }
  truncate(length: number): void { this.history.length = length; }
  evaluate(tokens: ArrayLike<number>): Float32Array {
    this.batches.push(Array.from(tokens));
    this.history.push(...Array.from(tokens));
    const logits = new Float32Array(this.vocabSize);
    logits[this.favourite] = 10;
    logits[7] = 20; // "x" is never allowed: the mask must win
    return logits;
  }
}

test('forced tokens ride with the prompt and with the sampled token before them; a complete constraint ends with eos', async () => {
  const context = new BatchContext(3);
  const pieces: string[] = [];
  const result = await generate(context, [6, 6], {
    tokenizer, maxTokens: 20, stopTokens: [0], temperature: 0, constraint: new SpellConstraint('Hello world!'), onToken: (_, p) => pieces.push(p),
  });
  assert.deepEqual(result.tokens, [1, 2, 3, 4, 5]);
  assert.equal(result.text, 'Hello world!');
  assert.equal(pieces.join(''), 'Hello world!');
  assert.equal(result.stopReason, 'eos');
  assert.deepEqual(context.batches, [[6, 6, 1, 2], [3, 4, 5]]); // two forward passes for five tokens
});

test('forced tokens count towards maxTokens, and a stop string inside forced text stops generation', async () => {
  const limited = await generate(new BatchContext(3), [6], { tokenizer, maxTokens: 3, temperature: 0, constraint: new SpellConstraint('Hello world!') });
  assert.deepEqual(limited.tokens, [1, 2, 3]);
  assert.equal(limited.stopReason, 'max-tokens');
  const forcedOnly = await generate(new BatchContext(3), [6], { tokenizer, maxTokens: 1, temperature: 0, constraint: new SpellConstraint('Hello world!') });
  assert.deepEqual(forcedOnly.tokens, [1]);
  const context = new BatchContext(3);
  const stopped = await generate(context, [6], { tokenizer, maxTokens: 10, temperature: 0, stopStrings: ['llo'], constraint: new SpellConstraint('Hello world!') });
  assert.equal(stopped.stopReason, 'stop-string');
  assert.equal(stopped.text, 'He');
  assert.deepEqual(context.batches, []);
});
