/** VocabularyIndex against a Map<string, number> (its obvious twin): whole texts, ranges, joined ranges, duplicates. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tokenTextsOf, type TokenTexts } from './tokenizer-spec.ts';
import { VocabularyIndex } from './vocabulary-index.ts';

/** the Map the tokenizer used to build: later duplicates win, excluded ids are absent */
function mapOf(tokens: readonly (string | undefined)[], include: (id: number) => boolean): Map<string, number> {
  const map = new Map<string, number>();
  tokens.forEach((text, id) => {
    if (text !== undefined && include(id)) map.set(text, id);
  });
  return map;
}

/** the texts as ranges of one joined string, the way a GGUF vocabulary arrives (PackedStrings) */
function joinedTextsOf(tokens: readonly (string | undefined)[]): TokenTexts {
  const starts: number[] = [];
  let joined = '';
  for (const text of tokens) {
    starts.push(joined.length);
    joined += `${text ?? ''}|`;
  }
  return { length: tokens.length, text: (id) => (tokens[id] === undefined ? undefined : joined), start: (id) => starts[id]!, end: (id) => starts[id]! + (tokens[id]?.length ?? 0) };
}

const tokenText = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('a', 'b', 'ab', 'Ġ', 'Ġthe', '日本', '😀', ''));

test('property: find and findJoined agree with a Map for every text, range and split (texts as strings or as ranges of one string)', () => {
  fc.assert(
    fc.property(fc.array(fc.option(tokenText, { nil: undefined }), { maxLength: 60 }), fc.array(tokenText, { maxLength: 20 }), fc.nat(), fc.boolean(), (tokens, probes, excludeSeed, joined) => {
      const include = (id: number): boolean => (id * 7 + excludeSeed) % 5 !== 0;
      const index = new VocabularyIndex(joined ? joinedTextsOf(tokens) : tokenTextsOf(tokens), include);
      const map = mapOf(tokens, include);
      assert.equal(index.size, map.size);
      for (const text of [...tokens.filter((t): t is string => t !== undefined), ...probes]) {
        assert.equal(index.find(text), map.get(text) ?? -1, `find ${JSON.stringify(text)}`);
        const padded = `<${text}>`;
        assert.equal(index.find(padded, 1, padded.length - 1), map.get(text) ?? -1, 'a range inside a longer string');
        for (let split = 0; split <= text.length; split++) {
          const line = `${text.slice(0, split)} ${text.slice(split)}`;
          assert.equal(index.findJoined(line, 0, split, line, split + 1, line.length), map.get(text) ?? -1, `joined at ${split}`);
        }
      }
    }),
    { numRuns: 300 },
  );
});

test('a vocabulary of 150k texts: every id found, a later duplicate wins, absent texts miss', () => {
  const tokens = Array.from({ length: 150_000 }, (_, id) => `t${id.toString(36)}`);
  tokens[149_999] = tokens[5]!;
  const index = new VocabularyIndex(tokenTextsOf(tokens), () => true);
  assert.equal(index.size, 149_999);
  assert.equal(index.find(tokens[5]!), 149_999);
  for (let id = 6; id < 149_999; id += 997) assert.equal(index.find(tokens[id]!), id);
  assert.equal(index.find('t'), -1);
  assert.equal(index.find('nope'), -1);
  assert.equal(index.findJoined('t1', 0, 2, 'x0', 1, 2), tokens.indexOf('t10'));
});
