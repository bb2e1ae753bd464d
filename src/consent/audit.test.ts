// Audit log: the SHA-256 chain verifies; edits, drops, insertions and truncation are detected; it survives reopening over a RecordLog.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isChimaeraError, sha256Hex } from '../common/index.ts';
import { ManualClock, RamBlockDevice } from '../hal/memory/index.ts';
import { RecordLog } from '../fs/index.ts';
import { AuditLog, GENESIS_HASH, MemoryAuditStorage, digestOf, type AuditEntry } from './audit.ts';

const revoke = (n: number): AuditEntry => ({ kind: 'revoke', taskId: 't1', intentId: 'i1', actionId: null, grantId: `g${n}`, reason: `test ${n}` });

function filled(count: number) {
  const clock = new ManualClock();
  const storage = new MemoryAuditStorage();
  const audit = new AuditLog(storage, { clock });
  for (let i = 1; i <= count; i++) {
    audit.append(revoke(i));
    clock.advance(5);
  }
  audit.commit();
  return { audit, storage };
}

test('records chain: seq 1..n, prevHash = SHA-256 of the previous stored JSON, genesis for the first', () => {
  const { audit, storage } = filled(4);
  const records = audit.records();
  assert.deepEqual(records.map((r) => r.seq), [1, 2, 3, 4]);
  assert.equal(records[0]!.prevHash, GENESIS_HASH);
  for (let i = 1; i < records.length; i++) assert.equal(records[i]!.prevHash, sha256Hex(storage.texts[i - 1]!));
  assert.equal(records[1]!.atMs - records[0]!.atMs, 5);
  assert.deepEqual(audit.verify(), { ok: true, records: 4, headHash: sha256Hex(storage.texts[3]!) });
  assert.deepEqual(audit.head, { seq: 4, hash: sha256Hex(storage.texts[3]!) });
});

test('property: any single edit, drop, swap or truncation of the stored records is detected', () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 12 }), fc.nat(), fc.constantFrom('edit', 'drop', 'swap', 'truncate', 'append-forged'), (count, pick, attack) => {
      const { audit, storage } = filled(count);
      const at = pick % count;
      const texts = storage.texts;
      if (attack === 'edit') texts[at] = texts[at]!.replace(/"reason":"test \d+"/, '"reason":"nothing happened"');
      else if (attack === 'drop') texts.splice(at, 1);
      else if (attack === 'swap') [texts[at], texts[(at + 1) % count]] = [texts[(at + 1) % count]!, texts[at]!];
      else if (attack === 'truncate') texts.length = at;
      else {
        // a forger who knows the chain appends a perfectly chained record behind the broker's back
        const forged = { seq: count + 1, prevHash: sha256Hex(texts[count - 1]!), atMs: 0, ...revoke(99) };
        texts.push(JSON.stringify(forged));
      }
      const result = audit.verify();
      assert.equal(result.ok, false, attack);
      assert.throws(() => audit.verifyOrThrow(), (e: unknown) => isChimaeraError(e, 'consent.audit_corrupt'));
    }),
    { numRuns: 200 },
  );
});

test('a truncated log is caught against a head remembered elsewhere, even by a fresh reader', () => {
  const { audit, storage } = filled(5);
  const anchor = audit.head;
  storage.texts.length = 3;
  const reader = new AuditLog(storage);
  assert.equal(reader.verify().ok, true, 'on its own a prefix looks whole');
  const result = reader.verify(anchor);
  assert.equal(result.ok, false);
  assert.match(!result.ok ? result.problem : '', /truncated/);
});

test('over a RecordLog: reopen continues the chain; flipped bytes on the device are detected', () => {
  const device = new RamBlockDevice(128);
  const clock = new ManualClock();
  const first = AuditLog.overRecordLog(RecordLog.create(device, { logId: 9, clock }), clock);
  first.append(revoke(1));
  first.append(revoke(2));
  first.commit();
  const anchor = first.head;

  const { log } = RecordLog.open(device, { clock });
  const second = AuditLog.overRecordLog(log, clock);
  assert.deepEqual(second.head, anchor);
  second.append(revoke(3));
  second.commit();
  assert.deepEqual(second.records().map((r) => r.seq), [1, 2, 3]);
  assert.equal(second.records()[2]!.prevHash, anchor.hash);
  assert.equal(second.verify().ok, true);

  // flip one byte of record 1's JSON on the device: the record log's CRC or the hash chain must catch it
  const text = new TextDecoder('latin1').decode(device.bytes);
  const at = text.indexOf('test 1');
  assert.ok(at > 0);
  device.bytes[at + 5] = '7'.charCodeAt(0);
  const result = second.verify();
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.atSeq, 1);
});

test('digests are stable under key order and distinguish values', () => {
  assert.equal(digestOf({ a: 1, b: 'x' }), digestOf({ b: 'x', a: 1 }));
  assert.notEqual(digestOf({ a: 1 }), digestOf({ a: 2 }));
  assert.match(digestOf('text'), /^sha256:[0-9a-f]{64}$/);
});
