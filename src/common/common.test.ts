import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChimaeraError, ERROR_CODES, attempt, crc32, formatBytes, Rng } from './index.ts';

test('crc32 matches the standard check value and composes incrementally', () => {
  const data = new TextEncoder().encode('123456789');
  assert.equal(crc32(data), 0xcbf43926);
  assert.equal(crc32(data.subarray(4), crc32(data.subarray(0, 4))), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('error registry ids are unique and every code has a hint', () => {
  const ids = new Set<number>();
  for (const [code, info] of Object.entries(ERROR_CODES)) {
    assert.ok(!ids.has(info.id), `duplicate id ${info.id} (${code})`);
    ids.add(info.id);
    assert.ok(info.hint.length > 10, `${code} needs a hint`);
  }
});

test('attempt turns typed errors into results and rethrows bugs', () => {
  const r = attempt(() => {
    throw new ChimaeraError('fs.not_found', '/x does not exist');
  });
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.error.code, 'fs.not_found');
    assert.match(r.error.describe(), /hint: Check the path/);
  }
  assert.throws(() => attempt(() => { throw new TypeError('bug'); }), TypeError);
});

test('Rng is deterministic per seed and roughly uniform', () => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const sa = Array.from({ length: 8 }, () => a.nextU32());
  assert.deepEqual(sa, Array.from({ length: 8 }, () => b.nextU32()));
  assert.notDeepEqual(sa, Array.from({ length: 8 }, () => c.nextU32()));
  const buckets = new Array(10).fill(0);
  const r = new Rng(7);
  for (let i = 0; i < 100_000; i++) buckets[Math.floor(r.next() * 10)]++;
  for (const n of buckets) assert.ok(n > 9_500 && n < 10_500, `bucket ${n}`);
  for (let i = 0; i < 1000; i++) {
    const v = r.int(3, 5);
    assert.ok(v >= 3 && v <= 5 && Number.isInteger(v));
  }
});

test('formatBytes', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(256 * 1024 * 1024), '256 MiB');
});
