/** Streaming decode: any way of feeding the ids gives decode(ids), and no partial character ever escapes. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Tokenizer } from './index.ts';
import { generateCorpus } from './test-corpus.ts';
import { QWEN_TOKENIZER_DIR } from './test-fixtures.ts';

const tokenizer = Tokenizer.fromTokenizerJson(JSON.parse(readFileSync(new URL('tokenizer.json', QWEN_TOKENIZER_DIR), 'utf8')));
const corpus = generateCorpus(99, 20).map((entry) => entry.text);

test('a multi-byte character split across tokens is held back until it completes', () => {
  // "🫠" is F0 9F AB A0: byte-level BPE spells it with more than one token
  const ids = tokenizer.encode('🫠');
  assert.ok(ids.length > 1, `expected a split character, got ${ids.length} token(s)`);
  const decoder = tokenizer.newStreamDecoder();
  const pieces = ids.map((id) => decoder.push(id));
  assert.deepEqual(pieces.slice(0, -1), pieces.slice(0, -1).map(() => ''));
  assert.equal(pieces.at(-1), '🫠');
  assert.equal(decoder.flush(), '');
});

test('flush() turns an incomplete tail into U+FFFD, like decode()', () => {
  const ids = tokenizer.encode('🫠');
  const decoder = tokenizer.newStreamDecoder();
  assert.equal(decoder.push(ids[0]!), '');
  assert.equal(decoder.flush(), tokenizer.decode([ids[0]!]));
  assert.match(tokenizer.decode([ids[0]!]), /\ufffd/);
  assert.equal(decoder.push(tokenizer.idOf('hi')!), 'hi', 'the decoder is reusable after flush');
});

test('streamed text equals decode(ids) for corpus texts, and never emits U+FFFD for valid text (property)', () => {
  fc.assert(
    fc.property(fc.constantFrom(...corpus), fc.constantFrom<'keep' | 'skip'>('keep', 'skip'), (text, specialTokens) => {
      const ids = tokenizer.encode(text);
      const decoder = tokenizer.newStreamDecoder({ specialTokens });
      let streamed = '';
      for (const id of ids) {
        const piece = decoder.push(id);
        assert.ok(!piece.includes('\ufffd') || text.includes('\ufffd'), 'a partial character escaped');
        streamed += piece;
      }
      streamed += decoder.flush();
      assert.equal(streamed, tokenizer.decode(ids, { specialTokens }));
    }),
    { numRuns: 300 },
  );
});

test('for any id sequence (even invalid UTF-8) the text so far is always a prefix of decode(ids), and the total equals it (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: tokenizer.vocabSize - 1 }), { maxLength: 40 }), (ids) => {
      const full = tokenizer.decode(ids);
      const decoder = tokenizer.newStreamDecoder();
      let streamed = '';
      for (const id of ids) {
        streamed += decoder.push(id);
        assert.ok(full.startsWith(streamed), 'streamed text is not a prefix of the full decode');
      }
      streamed += decoder.flush();
      assert.equal(streamed, full);
    }),
    { numRuns: 500 },
  );
});
