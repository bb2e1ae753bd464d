// SHA-256: FIPS 180-4 example vectors, incremental updates at every split, and agreement with node:crypto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { Sha256, sha256, sha256Hex } from './index.ts';

const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const nodeSha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

test('known vectors: empty, "abc", the 448-bit message, the 896-bit message', () => {
  assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(
    sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  );
  assert.equal(
    sha256Hex('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu'),
    'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
  );
  assert.equal(hexOf(sha256(new TextEncoder().encode('abc'))), sha256Hex('abc'));
});

test('one million "a" (FIPS 180-4 long message); 100k variant checked against node:crypto unless CHIMAERA_LONG', () => {
  if (process.env.CHIMAERA_LONG) {
    assert.equal(sha256Hex(new Uint8Array(1_000_000).fill(0x61)), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  } else {
    const data = new Uint8Array(100_000).fill(0x61);
    assert.equal(sha256Hex(data), nodeSha256(data));
  }
});

test('lengths around the padding boundaries (55, 56, 63, 64, 119, 120 bytes) match node:crypto', () => {
  for (const length of [1, 55, 56, 57, 63, 64, 65, 119, 120, 128]) {
    const data = new Uint8Array(length).map((_, i) => (i * 31 + 7) & 0xff);
    assert.equal(sha256Hex(data), nodeSha256(data), `length ${length}`);
  }
});

test('property: incremental updates at any split equal the one-shot digest and node:crypto', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(300), { maxLength: 4 }), (data, cuts) => {
      const points = [...new Set(cuts.map((c) => Math.min(c, data.length)))].sort((a, b) => a - b);
      const hasher = new Sha256();
      let from = 0;
      for (const at of [...points, data.length]) {
        hasher.update(data.subarray(from, at));
        from = at;
      }
      const incremental = hexOf(hasher.digest());
      assert.equal(incremental, hexOf(sha256(data)));
      assert.equal(incremental, nodeSha256(data));
    }),
    { numRuns: 200 },
  );
});

test('a finished hasher refuses more input (a bug, so a plain Error)', () => {
  const hasher = new Sha256().update(new Uint8Array([1]));
  hasher.digest();
  assert.throws(() => hasher.update(new Uint8Array([2])), /after digest/);
  assert.throws(() => hasher.digest(), /twice/);
});
