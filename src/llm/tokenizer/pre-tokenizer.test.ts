/** The split regex: Oniguruma → JS translation and the word boundaries of the Qwen2 pattern. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../../common/index.ts';
import { PRE_TOKENIZER_PATTERNS, preTokenizerByName, preTokenizerFromPattern, splitWords, translateOnigurumaPattern } from './pre-tokenizer.ts';

const qwen2 = preTokenizerByName('qwen2', 'test');

test('the Qwen2 pattern is recognized as the "qwen2" preset and translated as HF does', () => {
  assert.equal(preTokenizerFromPattern(PRE_TOKENIZER_PATTERNS.qwen2, 'test').name, 'qwen2');
  assert.equal(preTokenizerFromPattern('\\p{L}+', 'test').name, undefined);
  assert.equal(
    translateOnigurumaPattern(PRE_TOKENIZER_PATTERNS.qwen2, 'test'),
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\p{White_Space}\\p{L}\\p{N}]+[\\r\\n]*|\\p{White_Space}*[\\r\\n]+|\\p{White_Space}+(?!\\P{White_Space})|\\p{White_Space}+",
  );
});

test('contractions split off in any case; other apostrophes stay with the letters', () => {
  assert.deepEqual(splitWords(qwen2, "DON'T it's We'Ve I'M"), ['DON', "'T", ' it', "'s", ' We', "'Ve", ' I', "'M"]);
  assert.deepEqual(splitWords(qwen2, "'tis"), ["'t", 'is']);
  assert.deepEqual(splitWords(qwen2, 'it’s'), ['it', '’s'], 'a typographic apostrophe is not a contraction');
});

test('digits split one by one; letters take one leading non-letter', () => {
  assert.deepEqual(splitWords(qwen2, 'abc 12345 x.y'), ['abc', ' ', '1', '2', '3', '4', '5', ' x', '.y']);
  assert.deepEqual(splitWords(qwen2, '$hello (world)'), ['$hello', ' (', 'world', ')']);
});

test('white space: \\s+(?!\\S) leaves one space for the next word, newlines gather trailing white space', () => {
  assert.deepEqual(splitWords(qwen2, 'a   b'), ['a', '  ', ' b']);
  assert.deepEqual(splitWords(qwen2, 'a  \n\n  b'), ['a', '  \n\n', ' ', ' b']);
  assert.deepEqual(splitWords(qwen2, 'x\r\n\r\ny   '), ['x', '\r\n\r\n', 'y', '   ']);
  assert.deepEqual(splitWords(qwen2, '!!!\n\nok'), ['!!!\n\n', 'ok']);
});

test('\\s means Unicode White_Space: U+0085 and U+3000 are white space, U+FEFF is not', () => {
  assert.deepEqual(splitWords(qwen2, 'a\u0085\u0085b'), ['a', '\u0085', '\u0085b']);
  assert.deepEqual(splitWords(qwen2, 'a\u3000b'), ['a', '\u3000b']);
  assert.deepEqual(splitWords(qwen2, 'a\ufeff\ufeffb'), ['a', '\ufeff\ufeff', 'b']);
});

test('the words always concatenate back to the input', () => {
  const text = "日本語 テスト\t\tmixed 123 😀👍🏽 'LL\r\n  end  ";
  assert.equal(splitWords(qwen2, text).join(''), text);
});

test('patterns with constructs we cannot translate faithfully are refused', () => {
  for (const pattern of ['\\w+', '\\bx', 'a++', '(?>ab)', '(?i)ab', '(?i:[a-z])', '(ab']) {
    assert.throws(() => preTokenizerFromPattern(pattern, 'tokenizer.json: pre_tokenizer'), (error) => isChimaeraError(error, 'tokenizer.unsupported') && error.message.startsWith('tokenizer.json: pre_tokenizer'), pattern);
  }
  assert.throws(() => preTokenizerByName('falcon', 'model.gguf: tokenizer.ggml.pre'), (error) => isChimaeraError(error, 'tokenizer.unsupported') && /falcon/.test(error.message));
});
