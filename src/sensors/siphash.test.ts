/** SipHash-2-4 against the reference vectors (key 00..0f, message 00..len−1) of the SipHash paper and its vectors.h. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../common/index.ts';
import { hashBucket, sipHash24 } from './siphash.ts';

const key = Uint8Array.from({ length: 16 }, (_, i) => i);
const message = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => i);
/** vectors.h lists the 8 output bytes little-endian; these are those bytes */
const vectors: [number, string][] = [
  [0, '310e0edd47db6f72'],
  [1, 'fd67dc93c539f874'],
  [2, '5a4fa9d909806c0d'],
  [7, '37d1018bf50002ab'],
  [8, '6224939a79f5f593'],
  [15, 'e545be4961ca29a1'],
  [16, 'db9bc2577fcc2a3f'],
  [63, '724506eb4c328a95'],
];

function littleEndianHex(value: bigint): string {
  let out = '';
  for (let i = 0; i < 8; i++) out += ((value >> BigInt(8 * i)) & 0xffn).toString(16).padStart(2, '0');
  return out;
}

test('siphash: reference vectors', () => {
  for (const [length, expected] of vectors) assert.equal(littleEndianHex(sipHash24(key, message(length))), expected, `length ${length}`);
});

test('siphash: the paper appendix example (15-byte message) is 0xa129ca6149be45e5', () => {
  assert.equal(sipHash24(key, message(15)), 0xa129ca6149be45e5n);
});

test('siphash: the bucket depends on the salt and stays in range', () => {
  const otherKey = key.map((b) => b ^ 0x5a);
  const texts = Array.from({ length: 64 }, (_, i) => `projects/p${i}|code`);
  const a = texts.map((t) => hashBucket(key, t));
  const b = texts.map((t) => hashBucket(otherKey, t));
  assert.ok(a.every((x) => x >= 0 && x < 8));
  assert.notDeepEqual(a, b);
  assert.equal(new Set(a).size, 8, 'all 8 buckets are used by 64 strings');
  assert.deepEqual(texts.map((t) => hashBucket(key, t)), a, 'deterministic');
  assert.ok(texts.every((t) => hashBucket(key, t, 4) < 16));
});

test('siphash: a salt that is not 16 bytes is a typed error', () => {
  assert.throws(() => hashBucket(new Uint8Array(8), 'x'), (e) => isChimaeraError(e, 'sensors.salt_invalid'));
});
