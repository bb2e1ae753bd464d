// ConsentBroker.grantStanding: a grant the user makes directly (no prompt, no task), audited like an answer, timed, revocable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../common/index.ts';
import { ManualClock } from '../hal/memory/index.ts';
import { HOUR_MS } from './grants.ts';
import { newBroker } from './testing.ts';

const NOW = Date.UTC(2026, 0, 1);

test('an hour-long standing sense grant is live for an hour, audited as answer + grant, then expires', () => {
  const clock = new ManualClock(0, NOW);
  const { broker, audit } = newBroker({ clock });
  const grant = broker.grantStanding('sense', { kind: 'sensor', pattern: 'kbd' }, 'hour');
  assert.equal(grant.right, 'sense');
  assert.deepEqual(grant.resource, { kind: 'sensor', pattern: 'kbd' });
  assert.equal(grant.intentId, null);
  assert.equal(grant.expiresAtMs, NOW + HOUR_MS);
  assert.deepEqual(broker.grants().map((g) => g.id), [grant.id]);

  const records = audit.records();
  assert.deepEqual(records.map((r) => r.kind), ['answer', 'grant']);
  const [answer, made] = records;
  assert.ok(answer?.kind === 'answer' && answer.promptId === 'standing' && answer.choices[0]?.scope === 'hour');
  assert.ok(made?.kind === 'grant' && made.grantId === grant.id && made.answerSeq === answer.seq);
  assert.equal(audit.verify().ok, true);

  clock.advance(HOUR_MS - 1);
  assert.equal(broker.grants().length, 1);
  clock.advance(1);
  assert.equal(broker.grants().length, 0);
});

test('an always standing grant has no expiry and is withdrawn by revoke, which is audited', () => {
  const clock = new ManualClock(0, NOW);
  const { broker, audit } = newBroker({ clock });
  const kbd = broker.grantStanding('sense', { kind: 'sensor', pattern: 'kbd' }, 'always');
  const fs = broker.grantStanding('sense', { kind: 'sensor', pattern: 'fs' }, 'always');
  assert.equal(kbd.expiresAtMs, null);
  clock.advance(30 * 24 * HOUR_MS);
  assert.equal(broker.grants().length, 2);
  const revoked = broker.revoke({ right: 'sense', pattern: 'kbd' });
  assert.deepEqual(revoked.map((g) => g.id), [kbd.id]);
  assert.deepEqual(broker.grants().map((g) => g.id), [fs.id]);
  assert.equal(audit.records().at(-1)?.kind, 'revoke');
  assert.equal(audit.verify().ok, true);
});

test('a standing grant with a bad pattern or scope is refused and nothing is granted or audited', () => {
  const clock = new ManualClock(0, NOW);
  const { broker, audit } = newBroker({ clock });
  assert.throws(() => broker.grantStanding('sense', { kind: 'gadget' as 'sensor', pattern: 'kbd' }, 'hour'), (e) => isChimaeraError(e) && e.code === 'consent.pattern_invalid');
  assert.throws(() => broker.grantStanding('sense', { kind: 'sensor', pattern: 'kbd' }, 'once' as 'hour'), (e) => isChimaeraError(e) && e.code === 'consent.pattern_invalid');
  assert.equal(broker.grants().length, 0);
  assert.equal(audit.records().length, 0);
});
