/** The GPT-2 byte alphabet and the UTF-8 encoder the tokenizer's hot path uses. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BYTE_TO_CHAR, byteLevelToBytes, byteOfChar, bytesToByteLevel, encodeUtf8Into } from './byte-level.ts';

test('the byte alphabet is a bijection with the GPT-2 landmarks', () => {
  assert.equal(new Set(BYTE_TO_CHAR).size, 256);
  assert.equal(BYTE_TO_CHAR[0x20], 'Ġ');
  assert.equal(BYTE_TO_CHAR[0x0a], 'Ċ');
  assert.equal(BYTE_TO_CHAR[0x00], '\u0100');
  assert.equal(BYTE_TO_CHAR[0xad], '\u0143', 'soft hyphen is the last remapped byte');
  assert.equal(BYTE_TO_CHAR[0x41], 'A');
  assert.equal(BYTE_TO_CHAR[0xe9], 'é');
  for (let byte = 0; byte < 256; byte++) assert.equal(byteOfChar(BYTE_TO_CHAR[byte]!.charCodeAt(0)), byte);
  assert.equal(byteOfChar(0x20), -1, 'a plain space is not a byte character');
  assert.equal(byteLevelToBytes('a b'), undefined);
});

test('bytes → byte-level string → bytes is the identity (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      assert.deepEqual(byteLevelToBytes(bytesToByteLevel(bytes)), bytes);
    }),
  );
});

test('encodeUtf8Into agrees with TextEncoder, lone surrogates included (property)', () => {
  const encoder = new TextEncoder();
  const out = new Uint8Array(3 * 200);
  fc.assert(
    fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('\ud800', '\udfff', '\ud83d'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 200 }), (text) => {
      const length = encodeUtf8Into(text, 0, text.length, out);
      assert.deepEqual(out.subarray(0, length), encoder.encode(text));
    }),
    { numRuns: 500 },
  );
});
