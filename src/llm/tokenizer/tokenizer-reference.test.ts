/**
 * Our tokenizer against @huggingface/tokenizers on the real Qwen
 * tokenizer.json: identical ids on the generated corpus (≥ 2,000 strings),
 * identical decoding, the NFC round trip, and the encode speed on a long text.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { Rng } from '../../common/index.ts';
import { Tokenizer } from './index.ts';
import { generateCorpus, longText } from './test-corpus.ts';
import { QWEN_TOKENIZER_DIR } from './test-fixtures.ts';

const json = JSON.parse(readFileSync(new URL('tokenizer.json', QWEN_TOKENIZER_DIR), 'utf8'));
const config = JSON.parse(readFileSync(new URL('tokenizer_config.json', QWEN_TOKENIZER_DIR), 'utf8'));
const ours = Tokenizer.fromTokenizerJson(json, config);
const reference = new HfTokenizer(json, config);
const corpus = generateCorpus();

/** what decode(encode(x)) must give: x with each stretch between added tokens NFC-normalized */
function expectedRoundTrip(text: string): string {
  const specials = [...ours.specialTokens.keys(), '<tool_call>', '</tool_call>', '<think>', '</think>', '<tool_response>', '</tool_response>', '<|fim_prefix|>'];
  const pattern = new RegExp(specials.map((s) => s.replace(/[|<>/]/g, (c) => `\\${c}`)).join('|'), 'g');
  let out = '';
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    out += text.slice(last, match.index).normalize('NFC') + match[0];
    last = match.index + match[0].length;
  }
  return out + text.slice(last).normalize('NFC');
}

test('the loaded tokenizer has the Qwen vocabulary, specials and ids', () => {
  assert.equal(ours.vocabSize, 151669);
  assert.equal(ours.idOf('<|im_start|>'), 151644);
  assert.equal(ours.specialTokens.get('<|endoftext|>'), 151643);
  assert.equal(ours.specialTokens.has('<tool_call>'), false, '<tool_call> is an added token but not special');
  assert.equal(ours.eosId, 151645, 'eos from tokenizer_config.json: <|im_end|>');
  assert.equal(ours.padId, 151643);
  assert.equal(ours.bosId, undefined, 'Qwen has no BOS');
  assert.deepEqual([...ours.tokenToBytes(ours.idOf('Ġthe')!)], [0x20, 0x74, 0x68, 0x65]);
});

test(`ids match @huggingface/tokenizers on the whole corpus (${corpus.length} strings)`, () => {
  assert.ok(corpus.length >= 2000);
  const mismatches: string[] = [];
  let tokens = 0;
  for (const { category, text } of corpus) {
    const expected = reference.encode(text).ids;
    const actual = ours.encode(text);
    tokens += actual.length;
    if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push(`${category}: ${JSON.stringify(text).slice(0, 120)}`);
  }
  const rate = (corpus.length - mismatches.length) / corpus.length;
  console.log(`# reference match: ${corpus.length - mismatches.length}/${corpus.length} strings (${(rate * 100).toFixed(2)} %), ${tokens} tokens`);
  assert.deepEqual(mismatches.slice(0, 10), []);
});

test('decode matches @huggingface/tokenizers, with and without special tokens', () => {
  for (const { text } of corpus.filter((_, i) => i % 3 === 0)) {
    const ids = ours.encode(text);
    if (ids.length === 0) continue;
    assert.equal(ours.decode(ids), reference.decode(ids, { clean_up_tokenization_spaces: false }));
    assert.equal(ours.decode(ids, { specialTokens: 'skip' }), reference.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false }));
  }
});

test('decode(encode(x)) is x with its plain stretches NFC-normalized, and exactly x for NFC input', () => {
  let nfcInputs = 0;
  for (const { text } of corpus) {
    const roundTrip = ours.decode(ours.encode(text));
    assert.equal(roundTrip, expectedRoundTrip(text), JSON.stringify(text));
    if (text === text.normalize('NFC') && !/>\u0338/.test(text)) {
      nfcInputs++;
      assert.equal(roundTrip, text);
    }
  }
  assert.ok(nfcInputs > 1500, `${nfcInputs} NFC inputs`);
});

test("specialTokens 'as-text' tokenizes special tokens as ordinary text but still splits non-special added tokens", () => {
  const text = 'hi<|im_start|>user\n<tool_call>{"x":1}</tool_call><|im_end|>';
  const parsed = ours.encode(text);
  const plain = ours.encode(text, { specialTokens: 'as-text' });
  assert.ok(parsed.includes(151644) && parsed.includes(151645));
  assert.ok(!plain.some((id) => ours.isSpecial(id)), 'no special ids when specials are text');
  assert.ok(plain.includes(ours.idOf('<tool_call>')!), 'non-special added tokens are still matched');
  assert.equal(ours.decode(plain), text);
  // reference: the HF tokenizer with the special added tokens removed sees them as plain text
  const withoutSpecials = new HfTokenizer({ ...json, added_tokens: json.added_tokens.filter((token: { special: boolean }) => !token.special) }, config);
  for (const { text: sample } of corpus.filter((entry) => entry.category === 'special-tokens')) {
    assert.deepEqual(ours.encode(sample, { specialTokens: 'as-text' }), withoutSpecials.encode(sample).ids, JSON.stringify(sample));
  }
});

test('lone surrogates encode like @huggingface/tokenizers (as U+FFFD)', () => {
  for (const text of ['a\ud800b', '\udc00', 'x \ud83d', '\ud83d\ude00\ude00']) {
    assert.deepEqual(ours.encode(text), reference.encode(text).ids, JSON.stringify(text));
  }
});

test('encode speed on a long text (reported, not asserted)', () => {
  const text = longText(new Rng(7), 400_000);
  const fresh = Tokenizer.fromTokenizerJson(json, config);
  let start = performance.now();
  const ids = fresh.encode(text);
  const coldMs = performance.now() - start;
  start = performance.now();
  fresh.encode(text);
  const warmMs = performance.now() - start;
  start = performance.now();
  const referenceIds = reference.encode(text).ids;
  const referenceMs = performance.now() - start;
  assert.deepEqual(ids, referenceIds);
  const rate = (ms: number): string => `${Math.round(ids.length / (ms / 1000)).toLocaleString('en')} tokens/s`;
  console.log(`# encode ${text.length} chars → ${ids.length} tokens: cold cache ${coldMs.toFixed(0)} ms (${rate(coldMs)}), warm ${warmMs.toFixed(0)} ms (${rate(warmMs)}); @huggingface/tokenizers ${referenceMs.toFixed(0)} ms (${rate(referenceMs)})`);
});
