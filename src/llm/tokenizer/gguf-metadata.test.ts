/** GGUF tokenizer metadata: export → import gives the same tokenizer; malformed metadata fails with typed errors. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isChimaeraError, type ErrorCode } from '../../common/index.ts';
import { packedStringsOf, readGguf, writeGguf, type GgufValue } from '../gguf/index.ts';
import { GgufTokenType, Tokenizer } from './index.ts';
import { generateCorpus } from './test-corpus.ts';
import { QWEN_TOKENIZER_DIR, toyTokenizerJson } from './test-fixtures.ts';

const json = JSON.parse(readFileSync(new URL('tokenizer.json', QWEN_TOKENIZER_DIR), 'utf8'));
const config = JSON.parse(readFileSync(new URL('tokenizer_config.json', QWEN_TOKENIZER_DIR), 'utf8'));
const fromJson = Tokenizer.fromTokenizerJson(json, config);
const metadata = fromJson.toGgufMetadata();
const fromGguf = Tokenizer.fromGgufMetadata(metadata);

/** the bare value of a typed GGUF metadata entry */
function valueOf<T>(meta: ReadonlyMap<string, GgufValue>, key: string): T {
  return meta.get(key)?.value as T;
}

test('the exported keys are the llama.cpp tokenizer keys with the Qwen2 values', () => {
  assert.equal(valueOf(metadata, 'tokenizer.ggml.model'), 'gpt2');
  assert.equal(valueOf(metadata, 'tokenizer.ggml.pre'), 'qwen2');
  const tokens = valueOf<string[]>(metadata, 'tokenizer.ggml.tokens');
  const types = valueOf<number[]>(metadata, 'tokenizer.ggml.token_type');
  assert.equal(tokens.length, 151669);
  assert.equal(types.length, tokens.length);
  assert.equal(tokens[151644], '<|im_start|>');
  assert.equal(types[151644], GgufTokenType.control);
  assert.equal(types[151657], GgufTokenType.userDefined, '<tool_call> is user-defined');
  assert.equal(tokens[151659], '<|fim_prefix|>');
  assert.equal(types[151659], GgufTokenType.control, 'non-special in HF but looks special: control, as convert_hf_to_gguf.py writes it');
  assert.equal(fromGguf.isSpecial(151659), true);
  assert.equal(fromJson.isSpecial(151659), false);
  assert.equal(types[0], GgufTokenType.normal);
  assert.equal(valueOf<string[]>(metadata, 'tokenizer.ggml.merges')[0], 'Ġ Ġ');
  assert.equal(valueOf(metadata, 'tokenizer.ggml.eos_token_id'), 151645);
  assert.equal(valueOf(metadata, 'tokenizer.ggml.padding_token_id'), 151643);
  assert.equal(metadata.has('tokenizer.ggml.bos_token_id'), false);
  assert.equal(valueOf(metadata, 'tokenizer.ggml.add_bos_token'), false);
  assert.equal(metadata.get('tokenizer.ggml.token_type')?.type, 'array');
  assert.equal(metadata.get('tokenizer.ggml.eos_token_id')?.type, 'u32');
});

test('the GGUF path gives the same ids as the tokenizer.json path on the corpus, in both special-token modes', () => {
  let compared = 0;
  for (const { text } of generateCorpus()) {
    assert.deepEqual(fromGguf.encode(text), fromJson.encode(text), JSON.stringify(text));
    compared++;
  }
  // as-text differs only for "<|…|>" tokens HF leaves non-special (<|fim_prefix|> …), which GGUF types as control
  for (const { text } of generateCorpus(5, 20).filter((entry) => !/<\|(fim_|repo_name|file_sep)/.test(entry.text))) {
    assert.deepEqual(fromGguf.encode(text, { specialTokens: 'as-text' }), fromJson.encode(text, { specialTokens: 'as-text' }));
  }
  assert.ok(compared >= 2000);
  assert.equal(fromGguf.eosId, 151645);
  const looksSpecialOnly = ['<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>'];
  assert.deepEqual([...fromGguf.specialTokens.keys()].sort(), [...fromJson.specialTokens.keys(), ...looksSpecialOnly].sort());
});

test('padding to the model vocabulary adds unused [PAD] ids that decode but are never produced', () => {
  const padded = fromJson.toGgufMetadata({ vocabSize: 151936 });
  const tokens = valueOf<string[]>(padded, 'tokenizer.ggml.tokens');
  const types = valueOf<number[]>(padded, 'tokenizer.ggml.token_type');
  assert.equal(tokens.length, 151936);
  assert.equal(tokens[151935], '[PAD151935]');
  assert.equal(types[151935], GgufTokenType.unused);
  const tokenizer = Tokenizer.fromGgufMetadata(padded);
  assert.equal(tokenizer.vocabSize, 151936);
  assert.equal(tokenizer.decode([151700]), '[PAD151700]');
  assert.deepEqual(tokenizer.encode('[PAD151700]'), fromJson.encode('[PAD151700]'));
  assert.throws(() => fromJson.toGgufMetadata({ vocabSize: 10 }), (error) => isChimaeraError(error, 'arg.invalid'));
});

test('a plain record with typed arrays and bigint ids (as a GGUF reader may give them) loads too', () => {
  const toy = Tokenizer.fromTokenizerJson(toyTokenizerJson());
  const exported = toy.toGgufMetadata();
  const record: Record<string, unknown> = Object.fromEntries([...exported].map(([key, value]) => [key, value.value]));
  record['tokenizer.ggml.token_type'] = Int32Array.from(valueOf<number[]>(exported, 'tokenizer.ggml.token_type'));
  record['tokenizer.ggml.eos_token_id'] = 256n;
  record['tokenizer.ggml.scores'] = new Float32Array(valueOf<string[]>(exported, 'tokenizer.ggml.tokens').length);
  const loaded = Tokenizer.fromGgufMetadata(record, 'toy.gguf');
  assert.equal(loaded.eosId, 256);
  assert.deepEqual(loaded.encode('hello world<|end|>'), toy.encode('hello world<|end|>'));
});

test('through a real GGUF file: writeGguf → readGguf → fromGgufMetadata gives the same ids', () => {
  const bytes = writeGguf({ metadata: new Map([['general.architecture', { type: 'string', value: 'qwen2' }], ...fromJson.toGgufMetadata({ vocabSize: 151936 })]), tensors: [] });
  const file = readGguf(bytes, 'vocab.gguf');
  const tokenizer = Tokenizer.fromGgufMetadata(file.metadata, 'vocab.gguf');
  for (const { text } of generateCorpus(11, 10)) assert.deepEqual(tokenizer.encode(text), fromJson.encode(text));
  assert.equal(tokenizer.vocabSize, 151936);
  // the vocabulary stays in the reader's packed form: no string per token is kept
  assert.equal(tokenizer.spec.tokens, packedStringsOf(file.metadata.get('tokenizer.ggml.tokens')));
  for (const id of [0, 9, 1000, 151_642, 151_668]) assert.equal(tokenizer.tokenText(id), fromJson.tokenText(id), `token ${id}`);
  assert.equal(tokenizer.tokenText(151_935), '[PAD151935]');
});

function assertFails(edit: (meta: Map<string, unknown>) => void, code: ErrorCode, pattern: RegExp): void {
  const meta = new Map(Tokenizer.fromTokenizerJson(toyTokenizerJson()).toGgufMetadata());
  edit(meta);
  assert.throws(() => Tokenizer.fromGgufMetadata(meta, 'toy.gguf'), (error) => isChimaeraError(error, code) && error.message.startsWith('toy.gguf: ') && pattern.test(error.message));
}

test('malformed GGUF tokenizer metadata fails with typed errors naming the key', () => {
  assertFails((m) => m.set('tokenizer.ggml.token_type', { type: 'array', itemType: 'i32', value: [1, 1, 1] }), 'tokenizer.length_mismatch', /token_type has 3 entries/);
  assertFails((m) => m.set('tokenizer.ggml.scores', [0, 1]), 'tokenizer.length_mismatch', /scores has 2 entries/);
  assertFails((m) => m.delete('tokenizer.ggml.merges'), 'tokenizer.malformed', /merges is missing/);
  assertFails((m) => m.delete('tokenizer.ggml.tokens'), 'tokenizer.malformed', /tokens is missing/);
  assertFails((m) => m.set('tokenizer.ggml.model', 'llama'), 'tokenizer.unsupported', /"llama"/);
  assertFails((m) => m.set('tokenizer.ggml.pre', 'falcon'), 'tokenizer.unsupported', /falcon/);
  assertFails((m) => m.set('tokenizer.ggml.eos_token_id', 99999), 'tokenizer.bad_vocab', /eos_token_id is 99999/);
  assertFails((m) => m.set('tokenizer.ggml.merges', ['h e', 'x y']), 'tokenizer.bad_merge', /merge 1 \("x y"\)/);
  assertFails((m) => m.set('tokenizer.ggml.merges', ['he']), 'tokenizer.malformed', /merges\[0\] "he" has no space/);
  assertFails((m) => m.set('tokenizer.ggml.tokens', 'abc'), 'tokenizer.malformed', /tokens must be an array/);
});
