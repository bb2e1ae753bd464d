/**
 * The BPE trainer: merges up to the vocabulary size, deterministic, a
 * tokenizer.json that our Tokenizer and @huggingface/tokenizers load and
 * encode identically (ids and decoding) on a mixed sample, special tokens
 * as single ids, lossless round trips.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { isChimaeraError } from '../../common/index.ts';
import { Tokenizer } from './index.ts';
import { generateCorpus } from './test-corpus.ts';
import { trainByteLevelBpe } from './train-bpe.ts';

const CHAT = [
  '<|im_start|>system\nYou are ChimaeraOS. Act with tool calls; answer with reply.<|im_end|>\n<|im_start|>user\nlist my notes folder<|im_end|>\n<|im_start|>assistant\n<tool_call>\n{"name": "fs.list", "arguments": {"path": "/home/notes"}}\n</tool_call><|im_end|>\n',
  '<|im_start|>user\nread /home/notes/todo.txt please<|im_end|>\n<|im_start|>assistant\n<tool_call>\n{"name": "fs.read", "arguments": {"path": "/home/notes/todo.txt"}}\n</tool_call><|im_end|>\n',
  '<|im_start|>user\nsend \'buy milk\' to bob<|im_end|>\n<|im_start|>assistant\n<tool_call>\n{"name": "share.send", "arguments": {"to": "bob", "text": "buy milk"}}\n</tool_call><|im_end|>\n',
];
const corpus = generateCorpus(7, 12).map((e) => e.text);
const training = [...CHAT, ...CHAT, ...corpus.slice(0, 80)];
const trained = trainByteLevelBpe(training, { vocabSize: 600 });
const ours = Tokenizer.fromTokenizerJson(trained.tokenizerJson, trained.tokenizerConfig);
const reference = new HfTokenizer(trained.tokenizerJson, trained.tokenizerConfig);

test('the vocabulary fills to the requested size: 256 bytes + merges + 3 specials, ids in order', () => {
  assert.equal(trained.merges.length, 600 - 256 - 3);
  assert.equal(trained.vocabSize, 600);
  assert.equal(ours.vocabSize, 600);
  assert.deepEqual([...ours.specialTokens], [['<|endoftext|>', 597], ['<|im_start|>', 598], ['<|im_end|>', 599]]);
  assert.equal(ours.eosId, 599, 'eos from tokenizer_config.json is <|im_end|>');
  // the most frequent pairs of the chat text became tokens
  const text = '<tool_call>\n{"name": "fs.list", "arguments": {"path": "/home/notes"}}\n</tool_call>';
  assert.ok(ours.encode(text, { specialTokens: 'as-text' }).length * 2 < new TextEncoder().encode(text).length);
});

test('training is deterministic and a smaller vocabulary is a prefix of the merges', () => {
  const again = trainByteLevelBpe(training, { vocabSize: 600 });
  assert.deepEqual(again.merges, trained.merges);
  const smaller = trainByteLevelBpe(training, { vocabSize: 400 });
  assert.deepEqual(smaller.merges, trained.merges.slice(0, smaller.merges.length));
});

test('ours and @huggingface/tokenizers give the same ids and decoding on held-out text', () => {
  const plain = [...CHAT, 'a brand new sentence with unseen words: zygote, quixotic!', '<|im_start|>user\n<|im_end|> inside', '数字 123 and ünïcödé'];
  const sample = [...plain, ...corpus.slice(80)].filter((t) => t.length > 0);
  assert.ok(sample.length > 60);
  for (const text of sample) {
    const ids = ours.encode(text, { specialTokens: 'parse' });
    assert.deepEqual(ids, reference.encode(text).ids, JSON.stringify(text.slice(0, 60)));
    assert.equal(ours.decode(ids), reference.decode(ids, { skip_special_tokens: false }), JSON.stringify(text.slice(0, 60)));
  }
  for (const text of plain) assert.equal(ours.decode(ours.encode(text, { specialTokens: 'parse' })), text.normalize('NFC'), 'lossless');
});

test('a corpus with few pairs stops early; a bad size fails arg.invalid', () => {
  const tiny = trainByteLevelBpe(['ab ab ab'], { vocabSize: 1000 });
  assert.ok(tiny.merges.length < 5);
  assert.equal(Tokenizer.fromTokenizerJson(tiny.tokenizerJson, tiny.tokenizerConfig).vocabSize, tiny.vocabSize);
  assert.throws(() => trainByteLevelBpe(['x'], { vocabSize: 100 }), (e) => isChimaeraError(e, 'arg.invalid'));
});

test("pairs 'same-class': a word is spelled by the same tokens after a space, a quote or a slash; HF agrees", () => {
  const sameClass = trainByteLevelBpe(training, { vocabSize: 600, pairs: 'same-class' });
  const tokenizer = Tokenizer.fromTokenizerJson(sameClass.tokenizerJson, sameClass.tokenizerConfig);
  const hf = new HfTokenizer(sameClass.tokenizerJson, sameClass.tokenizerConfig);
  const word = (byte: number): boolean => /[A-Za-z0-9]/.test(String.fromCharCode(byte)) || byte >= 0x80;
  const vocab = (sameClass.tokenizerJson['model'] as { vocab: Record<string, number> }).vocab;
  for (const merge of sameClass.merges) {
    const [left, right] = merge.split(' ').map((side) => tokenizer.tokenToBytes(vocab[side]!));
    assert.equal(word(left![0]!), word(right![0]!), `merge ${merge} joins a word byte with another byte`);
  }
  const spell = (text: string): number[] => tokenizer.encode(text, { specialTokens: 'as-text' });
  const bare = spell('notes');
  assert.ok(bare.length < 5, 'the word itself was merged');
  for (const prefix of [' ', '"', '/', "'"]) assert.deepEqual(spell(prefix + 'notes').slice(1), bare, `after ${JSON.stringify(prefix)}`);
  const sample = 'send "buy milk" to bob at /home/notes/todo.txt, then list /home/notes';
  assert.deepEqual(spell(sample), hf.encode(sample).ids);
  // the default still merges across classes (" notes" is one token there)
  assert.ok(trained.merges.some((merge) => /^Ġ[a-z]/.test(merge)));
});
