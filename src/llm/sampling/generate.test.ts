// Stop strings across token boundaries (examples and a property), and the
// generation loop on a scripted context and on a real random-weight model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StopStringMatcher } from './stop-strings.ts';
import { generate, type GenerationContext, type TextDecoding } from './generate.ts';
import { Qwen2Model } from '../model/qwen2.ts';
import { randomQwen2Tensors, tinyConfig } from '../model/random-model.ts';
import { buildQwen2Weights } from '../model/weights.ts';

test('a stop string split over three pieces stops generation; text ends before it', () => {
  const m = new StopStringMatcher(['lo wo']);
  assert.deepEqual(m.push('Hel'), { released: 'He', stopped: false }); // "l" may begin "lo wo"
  assert.deepEqual(m.push('lo '), { released: 'l', stopped: false }); // "lo " may begin "lo wo"
  assert.deepEqual(m.push('wor'), { released: '', stopped: true });
});

test('held-back text is released as soon as it can no longer start a stop string', () => {
  const m = new StopStringMatcher(['</end>', 'STOP']);
  assert.deepEqual(m.push('abc<'), { released: 'abc', stopped: false });
  assert.deepEqual(m.push('/en'), { released: '', stopped: false });
  assert.deepEqual(m.push('x S'), { released: '</enx ', stopped: false });
  assert.equal(m.finish(), 'S');
});

// obvious twin: after each piece, look for stop strings in the whole text so far
function expectedStop(pieces: string[], stops: string[]): { text: string; stopped: boolean } {
  let text = '';
  for (const piece of pieces) {
    text += piece;
    const at = Math.min(...stops.map((s) => { const i = text.indexOf(s); return i < 0 ? Infinity : i; }));
    if (at !== Infinity) return { text: text.slice(0, at), stopped: true };
  }
  return { text, stopped: false };
}

test('property: streamed release equals searching the whole text after every piece, however it is split', () => {
  const alphabet = fc.constantFrom('a', 'b', 'c', '<', '/', '>');
  fc.assert(fc.property(
    fc.array(fc.array(alphabet, { maxLength: 4 }).map((a) => a.join('')), { maxLength: 12 }),
    fc.array(fc.array(alphabet, { minLength: 1, maxLength: 4 }).map((a) => a.join('')), { minLength: 1, maxLength: 3 }),
    (pieces, stops) => {
      const m = new StopStringMatcher(stops);
      let released = '';
      let stopped = false;
      for (const piece of pieces) {
        const r = m.push(piece);
        released += r.released;
        if (r.stopped) { stopped = true; break; }
      }
      if (!stopped) released += m.finish();
      assert.deepEqual({ text: released, stopped }, expectedStop(pieces, stops));
    },
  ), { numRuns: 500 });
});

// ── the loop, on a scripted context ────────────────────────────────────────

const PIECES = ['<eos>', 'Hel', 'lo', ' wor', 'ld', '!', ' ', 'x'];
const fakeTokenizer: TextDecoding = {
  decode: (ids) => Array.from(ids, (id) => PIECES[id]!).join(''),
  newStreamDecoder: () => ({ push: (id: number) => PIECES[id]!, flush: () => '' }),
};

/** a context whose logits always favour `script[generatedSoFar]`, counting evaluated tokens */
class ScriptedContext implements GenerationContext {
  readonly vocabSize = PIECES.length;
  readonly capacity: number;
  history: number[] = [];
  evaluated = 0;
  constructor(private readonly script: number[], private readonly promptLength: number, capacity = 64) {
    this.capacity = capacity;
  }
  get length(): number { return this.history.length; }
  tokens(): Int32Array { return Int32Array.from(this.history); }
  truncate(length: number): void { this.history.length = length; }
  evaluate(tokens: ArrayLike<number>): Float32Array {
    this.history.push(...Array.from(tokens));
    this.evaluated += tokens.length;
    const next = this.script[this.history.length - this.promptLength] ?? 7;
    const logits = new Float32Array(this.vocabSize);
    logits[next] = 10;
    return logits;
  }
}

test('generation stops at an end-of-sequence token, which is neither in tokens nor in text', async () => {
  const pieces: string[] = [];
  const result = await generate(new ScriptedContext([1, 2, 5, 0, 3], 2), [6, 6], {
    tokenizer: fakeTokenizer, maxTokens: 10, stopTokens: [0], temperature: 0, onToken: (_, p) => pieces.push(p),
  });
  assert.deepEqual(result.tokens, [1, 2, 5]);
  assert.equal(result.text, 'Hello!');
  assert.equal(result.stopReason, 'eos');
  assert.equal(pieces.join(''), 'Hello!');
});

test('a stop string spanning tokens ends generation; streamed pieces never show part of it', async () => {
  const pieces: Array<[number, string]> = [];
  const result = await generate(new ScriptedContext([1, 2, 3, 4, 5], 1), [6], {
    tokenizer: fakeTokenizer, maxTokens: 10, stopStrings: ['o wo'], temperature: 0, onToken: (id, p) => pieces.push([id, p]),
  });
  assert.equal(result.stopReason, 'stop-string');
  assert.equal(result.text, 'Hell');
  assert.deepEqual(result.tokens, [1, 2, 3]);
  assert.deepEqual(pieces, [[1, 'Hel'], [2, 'l'], [3, '']]);
});

test('maxTokens limits the output, and held-back text is delivered at the end with id -1', async () => {
  const pieces: Array<[number, string]> = [];
  const result = await generate(new ScriptedContext([1, 2, 3, 4], 1), [6], {
    tokenizer: fakeTokenizer, maxTokens: 2, stopStrings: ['lo!'], temperature: 0, onToken: (id, p) => pieces.push([id, p]),
  });
  assert.equal(result.stopReason, 'max-tokens');
  assert.deepEqual(result.tokens, [1, 2]);
  assert.equal(result.text, 'Hello');
  assert.deepEqual(pieces, [[1, 'He'], [2, 'l'], [-1, 'lo']]); // "l", then "lo", might begin "lo!"
});

test('an AbortSignal cancels between tokens', async () => {
  const controller = new AbortController();
  const result = await generate(new ScriptedContext([1, 2, 3, 4, 5, 1, 2], 1), [6], {
    tokenizer: fakeTokenizer, maxTokens: 100, temperature: 0, signal: controller.signal,
    onToken: (id) => { if (id === 2) controller.abort(); },
  });
  assert.equal(result.stopReason, 'cancelled');
  assert.deepEqual(result.tokens, [1, 2]);
});

test('a full context stops generation with "context-full"', async () => {
  const result = await generate(new ScriptedContext([1, 2, 3, 4, 5], 2, 4), [6, 6], { tokenizer: fakeTokenizer, maxTokens: 10, temperature: 0 });
  assert.equal(result.stopReason, 'context-full');
  assert.deepEqual(result.tokens, [1, 2, 3]);
});

// ── the loop, on a real (random-weight) model ──────────────────────────────

const config = tinyConfig({ vocabSize: 8 });
const model = new Qwen2Model(config, buildQwen2Weights(config, randomQwen2Tensors(config, { seed: 21 }), 'g.gguf'));

test('greedy generation on a model equals the argmax loop over evaluate()', async () => {
  const prompt = [1, 4, 2];
  const result = await generate(model.createContext(32), prompt, { tokenizer: fakeTokenizer, maxTokens: 6, temperature: 0 });
  const context = model.createContext(32);
  let logits = context.evaluate(prompt);
  const expected: number[] = [];
  for (let i = 0; i < 6; i++) {
    let best = 0;
    for (let t = 1; t < config.vocabSize; t++) if (logits[t]! > logits[best]!) best = t;
    expected.push(best);
    logits = context.evaluate([best]);
  }
  assert.deepEqual(result.tokens, expected);
});

test('seeded sampling on a model is reproducible, and a follow-up prompt reuses the cached prefix', async () => {
  const options = { tokenizer: fakeTokenizer, maxTokens: 8, temperature: 1.2, topK: 0, topP: 1, minP: 0, seed: 99 };
  const a = await generate(model.createContext(64), [1, 2, 3], options);
  const context = model.createContext(64);
  const b = await generate(context, [1, 2, 3], options);
  assert.deepEqual(a.tokens, b.tokens);
  assert.equal(b.reusedPromptTokens, 0);
  const followUp = [1, 2, 3, ...b.tokens, 5];
  const c = await generate(context, followUp, { ...options, maxTokens: 2 });
  assert.equal(c.reusedPromptTokens, 3 + b.tokens.length - 1); // the last generated token was never evaluated
  const fresh = await generate(model.createContext(64), followUp, { ...options, maxTokens: 2 });
  assert.deepEqual(c.tokens, fresh.tokens);
});
