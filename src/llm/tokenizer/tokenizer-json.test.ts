/** tokenizer.json loading on a toy tokenizer: added-token flags, BOS, ignore_merges, and the typed errors. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { isChimaeraError, type ErrorCode } from '../../common/index.ts';
import { Tokenizer } from './index.ts';
import { toyTokenizerJson } from './test-fixtures.ts';

const toy = Tokenizer.fromTokenizerJson(toyTokenizerJson());
const END = toy.idOf('<|end|>')!;
const TAG = toy.idOf('<tag>')!;
const LEFT = toy.idOf('[L]')!;
const RIGHT = toy.idOf('[R]')!;
const AB_WORD = toy.idOf('ab')!;

test('merges apply by rank and the result decodes back', () => {
  const ids = toy.encode('hello world');
  assert.deepEqual(ids.map((id) => toy.tokenText(id)), ['hello', 'Ġworld']);
  assert.equal(toy.decode(ids), 'hello world');
  assert.deepEqual(toy.encode('aaaaa').map((id) => toy.tokenText(id)), ['aaaa', 'a']);
});

test('added tokens: longest match, lstrip/rstrip swallow white space, specials can be skipped when decoding', () => {
  assert.deepEqual(toy.encode('x<|end|>y'), [...toy.encode('x'), END, ...toy.encode('y')]);
  assert.deepEqual(toy.encode('a  [L]b'), [...toy.encode('a'), LEFT, ...toy.encode('b')], 'lstrip eats the spaces before');
  assert.deepEqual(toy.encode('a[R]  b'), [...toy.encode('a'), RIGHT, ...toy.encode('b')], 'rstrip eats the spaces after');
  assert.deepEqual(toy.encode('a [R] b'), [...toy.encode('a '), RIGHT, ...toy.encode('b')]);
  assert.equal(toy.decode(toy.encode('x<|end|><tag>y'), { specialTokens: 'skip' }), 'x<tag>y', 'only special tokens are skipped');
  const asText = toy.encode('<tag><|end|>', { specialTokens: 'as-text' });
  assert.equal(asText[0], TAG);
  assert.ok(!asText.includes(END));
  assert.equal(toy.decode(asText), '<tag><|end|>');
});

test('lstrip/rstrip and longest-match agree with @huggingface/tokenizers on the toy tokenizer', () => {
  const json = toyTokenizerJson((j) => (j['added_tokens'] = j['added_tokens'].filter((t: { single_word: boolean }) => !t.single_word)));
  const ours = Tokenizer.fromTokenizerJson(json);
  const reference = new HfTokenizer(json, {});
  for (const text of ['a  [L]b', 'a[R]   b', ' [L] [R] ', 'hello<|end|>world', '[L][R]<tag>', 'x [L]\n\n[R]\ty']) {
    assert.deepEqual(ours.encode(text), reference.encode(text).ids, JSON.stringify(text));
  }
});

test('single_word added tokens match only outside words', () => {
  assert.deepEqual(toy.encode('ab'), [AB_WORD]);
  assert.deepEqual(toy.encode('x ab y').filter((id) => id === AB_WORD).length, 1);
  assert.ok(!toy.encode('cab').includes(AB_WORD), 'inside a word the merge-built "ab" is used, not the added token');
  assert.deepEqual(toy.encode('cab').map((id) => toy.tokenText(id)), ['c', 'ab'], 'spelled by the vocabulary entry');
});

test('BOS comes from the config or a TemplateProcessing post-processor', () => {
  const withTemplate = Tokenizer.fromTokenizerJson(
    toyTokenizerJson((j) => {
      j['post_processor'] = { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<|end|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }], pair: [], special_tokens: { '<|end|>': { id: '<|end|>', ids: [END], tokens: ['<|end|>'] } } };
    }),
  );
  assert.equal(withTemplate.bosId, END);
  assert.deepEqual(withTemplate.encode('hello'), [END, ...toy.encode('hello')]);
  assert.deepEqual(withTemplate.encode('hello', { bos: 'none' }), toy.encode('hello'));
  const fromConfig = Tokenizer.fromTokenizerJson(toyTokenizerJson(), { bos_token: { content: '<tag>' }, eos_token: '<|end|>', add_bos_token: false });
  assert.equal(fromConfig.bosId, TAG);
  assert.equal(fromConfig.eosId, END);
  assert.deepEqual(fromConfig.encode('hello', { bos: 'add' }), [TAG, ...toy.encode('hello')]);
  assert.throws(() => toy.encode('x', { bos: 'add' }), (error) => isChimaeraError(error, 'tokenizer.malformed'));
});

test('ignore_merges: a word that is a vocabulary entry becomes that token directly', () => {
  const json = toyTokenizerJson((j) => {
    j['model']['vocab']['xyz'] = Object.keys(j['model']['vocab']).length + 10;
    j['model']['ignore_merges'] = true;
  });
  const tokenizer = Tokenizer.fromTokenizerJson(json);
  assert.deepEqual(tokenizer.encode('xyz'), [tokenizer.idOf('xyz')]);
  assert.deepEqual(Tokenizer.fromTokenizerJson(toyTokenizerJson((j) => (j['model']['vocab']['xyz'] = 100000))).encode('xyz').length, 3);
});

test('unknown ids fail decode with a typed error', () => {
  assert.throws(() => toy.decode([toy.vocabSize]), (error) => isChimaeraError(error, 'tokenizer.unknown_id') && /token id \d+ is not in the vocabulary/.test(error.message));
  assert.throws(() => toy.tokenToBytes(-1), (error) => isChimaeraError(error, 'tokenizer.unknown_id'));
});

function assertFails(edit: (json: Record<string, any>) => void, code: ErrorCode, pattern: RegExp): void {
  assert.throws(
    () => Tokenizer.fromTokenizerJson(toyTokenizerJson(edit), undefined, 'toy/tokenizer.json'),
    (error) => isChimaeraError(error, code) && error.message.startsWith('toy/tokenizer.json') && pattern.test(error.message),
    pattern.source,
  );
}

test('bad tokenizer.json files fail with typed errors that name the field', () => {
  assertFails((j) => delete j['model']['merges'], 'tokenizer.malformed', /model\.merges is missing/);
  assertFails((j) => (j['model']['type'] = 'WordPiece'), 'tokenizer.unsupported', /model\.type is "WordPiece"/);
  assertFails((j) => (j['model']['vocab']['dup'] = 5), 'tokenizer.bad_vocab', /gives id 5 to both/);
  assertFails((j) => (j['model']['vocab']['neg'] = -1), 'tokenizer.bad_vocab', /"neg"\] has id -1/);
  assertFails((j) => delete j['model']['vocab']['Ġ'], 'tokenizer.bad_vocab', /lacks the byte token "Ġ"/);
  assertFails((j) => j['model']['merges'].push('q zz'), 'tokenizer.bad_merge', /refers to "zz"/);
  assertFails((j) => j['model']['merges'].push('q r'), 'tokenizer.bad_merge', /refers to "qr"/);
  assertFails((j) => j['model']['merges'].push('a b c'), 'tokenizer.malformed', /two tokens separated by one space/);
  assertFails((j) => (j['normalizer'] = { type: 'NFKC' }), 'tokenizer.unsupported', /normalizer "NFKC"/);
  assertFails((j) => (j['pre_tokenizer'] = { type: 'Whitespace' }), 'tokenizer.unsupported', /step "Whitespace"/);
  assertFails((j) => (j['pre_tokenizer'] = j['pre_tokenizer']['pretokenizers'][0]), 'tokenizer.unsupported', /no ByteLevel step/);
  assertFails((j) => (j['decoder'] = { type: 'WordPiece' }), 'tokenizer.unsupported', /decoder "WordPiece"/);
  assertFails((j) => (j['model']['byte_fallback'] = true), 'tokenizer.unsupported', /byte_fallback/);
  assertFails((j) => (j['added_tokens'][0]['id'] = 'x'), 'tokenizer.bad_vocab', /added_tokens\[0\]\.id/);
  assertFails((j) => (j['added_tokens'][1]['special'] = 'yes'), 'tokenizer.malformed', /added_tokens\[1\]\.special must be true or false/);
  assert.throws(() => Tokenizer.fromTokenizerJson([]), (error) => isChimaeraError(error, 'tokenizer.malformed'));
  assert.throws(() => Tokenizer.fromTokenizerJson(toyTokenizerJson(), { eos_token: '<nope>' }), (error) => isChimaeraError(error, 'tokenizer.malformed') && /eos_token "<nope>"/.test(error.message));
});

test('merges given as [a, b] pairs load the same as "a b" strings', () => {
  const pairs = Tokenizer.fromTokenizerJson(toyTokenizerJson((j) => (j['model']['merges'] = j['model']['merges'].map((m: string) => m.split(' ')))));
  assert.deepEqual(pairs.encode('hello world aaaa'), toy.encode('hello world aaaa'));
});
