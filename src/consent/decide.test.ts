// The pure decision procedure, step by step: built-in deny, deny rules, ask rules, taint gate, grants, allow rules, default, headless, fail closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, decideInDetail } from './decide.ts';
import { makeGrant, type ClockView } from './grants.ts';
import { DEFAULT_POLICY, type Rule } from './policy.ts';
import { actionRequest, fsDelete, fsRead, fsWrite, privateData, shareSend, taskScope, timeNow, TRUSTED, untrusted } from './testing.ts';
import type { ActionRequest, Grant, GrantScope, Right, TaskScope } from './types.ts';

const NOW = Date.UTC(2026, 0, 1);
const steady: ClockView = { nowMs: NOW, clock: 'steady' };
const task = taskScope('t1', 'i1');
const rules = DEFAULT_POLICY.rules;

let grantCount = 0;
function grant(right: Right, pattern: string, scope: GrantScope, options: { task?: TaskScope; actionIds?: string[]; fresh?: boolean; kind?: 'path' | 'recipient' } = {}): Grant {
  return makeGrant({
    id: `g${++grantCount}`, right, resource: { kind: options.kind ?? 'path', pattern }, scope, task: options.task ?? task,
    actionIds: options.actionIds ?? [], fresh: options.fresh ?? false, nowMs: NOW, createdBy: 1,
  });
}

const kindOf = (request: ActionRequest, grants: Grant[] = [], view = steady, scope = task, ruleSet: readonly Rule[] = rules) => decide(scope, request, ruleSet, grants, view);

test('policy pre-grants reading /home; time.now, reply, ask_user need nothing', () => {
  const read = kindOf(fsRead(task, 0, '/home/notes/a.txt'));
  assert.equal(read.kind, 'allow');
  assert.equal(read.step, 'policy');
  assert.equal(read.kind === 'allow' && read.ruleId, 'policy.read-home');
  assert.deepEqual(kindOf(timeNow(task, 1)), { kind: 'allow', step: 'allow-rule', ruleId: 'builtin.needless', reason: 'time.now needs no right' });
  assert.equal(kindOf(actionRequest(task, 2, 'reply', [], { args: { text: 'hi' } })).kind, 'allow');
});

test('built-in deny: /lived/grants and /lived/audit for any right, anything but read under /lived, and needs that reach them', () => {
  for (const request of [
    fsRead(task, 0, '/lived/grants'),
    fsRead(task, 1, '/LIVED/Audit'),
    fsWrite(task, 2, '/lived/episodes'),
    actionRequest(task, 3, 'fs.search', [{ right: 'read', kind: 'path', name: '/**' }]),
    actionRequest(task, 4, 'fs.search', [{ right: 'read', kind: 'path', name: '/lived/*' }]),
  ]) {
    const decision = kindOf(request, [grant(request.needs[0]!.right, '/**', 'always')]);
    assert.deepEqual([decision.kind, decision.step], ['deny', 'builtin-deny'], request.rendered);
  }
  assert.equal(kindOf(fsRead(task, 5, '/lived/episodes'), [grant('read', '/lived/episodes', 'task')]).kind, 'allow', 'reading other /lived files can be granted');
});

test('deny rules win over grants and allow rules, and catch needs that overlap them', () => {
  const ruleSet: Rule[] = [...rules, { id: 'user.no-tax', effect: 'deny', right: 'read', resource: { kind: 'path', pattern: '/home/tax/**' }, origin: 'user' }];
  assert.equal(kindOf(fsRead(task, 0, '/home/Tax/2025.txt'), [grant('read', '/home/**', 'task')], steady, task, ruleSet).step, 'user-deny');
  assert.equal(kindOf(actionRequest(task, 1, 'fs.search', [{ right: 'read', kind: 'path', name: '/home/**' }]), [], steady, task, ruleSet).step, 'user-deny');
  assert.equal(kindOf(fsRead(task, 2, '/home/notes/a.txt'), [], steady, task, ruleSet).kind, 'allow');
});

test('egress, destroy and sense ask (fresh only) even with a task grant; a fresh grant for this very call lets it through', () => {
  const send = shareSend(task, 0, 'bob@x.org');
  const byTaskGrant = kindOf(send, [grant('egress', 'bob@x.org', 'task', { kind: 'recipient' })]);
  assert.equal(byTaskGrant.kind, 'ask');
  assert.equal(byTaskGrant.step, 'ask-rule');
  assert.equal(byTaskGrant.kind === 'ask' && byTaskGrant.freshOnly, true);
  const fresh = grant('egress', 'bob@x.org', 'once', { kind: 'recipient', actionIds: [send.actionId], fresh: true });
  assert.deepEqual([kindOf(send, [fresh]).kind, kindOf(send, [fresh]).step], ['allow', 'grant']);
  const otherCall = shareSend(task, 1, 'bob@x.org');
  assert.equal(kindOf(otherCall, [fresh]).kind, 'ask', 'a fresh grant serves only the calls it was made for');
  const del = fsDelete(task, 2, '/home/old.txt');
  assert.equal(kindOf(del).step, 'ask-rule');
  const sense = actionRequest(task, 3, 'sensor.read', [{ right: 'sense', kind: 'sensor', name: 'mic', argument: 'sensor' }]);
  assert.equal(kindOf(sense).step, 'ask-rule');
});

test('a standing user rule or an always grant lets egress skip the ask, but never past the taint gate', () => {
  const standing: Rule[] = [...rules, { id: 'user.bob', effect: 'allow', right: 'egress', resource: { kind: 'recipient', pattern: '*@x.org' }, origin: 'user' }];
  assert.equal(kindOf(shareSend(task, 0, 'bob@x.org'), [], steady, task, standing).step, 'allow-rule');
  const always = grant('egress', 'bob@x.org', 'always', { kind: 'recipient' });
  assert.equal(kindOf(shareSend(task, 1, 'bob@x.org'), [always]).kind, 'allow');
  const exfiltrate = shareSend(task, 2, 'bob@x.org', privateData([{ kind: 'fs.read', ref: '/home/tax.txt' }]));
  for (const [grants, ruleSet] of [[[always], rules], [[], standing]] as const) {
    const decision = kindOf(exfiltrate, [...grants], steady, task, ruleSet);
    assert.equal(decision.kind, 'ask');
    assert.equal(decision.step, 'taint');
    assert.deepEqual(decision.kind === 'ask' && decision.provenance, [{ kind: 'fs.read', ref: '/home/tax.txt' }]);
  }
  const injectedTarget = shareSend(task, 3, 'eve@evil.org', TRUSTED, untrusted('fs.read', '/home/inbox/m3.txt'));
  const alwaysEve = grant('egress', 'eve@evil.org', 'always', { kind: 'recipient' });
  assert.equal(kindOf(injectedTarget, [alwaysEve]).step, 'taint');
});

test('taint gate: a write whose target came from tool output cannot ride on a task grant; reads stay inside their pattern', () => {
  const target = untrusted('fs.list', '/home/notes');
  const taskGrant = grant('write', '/home/summary.txt', 'task');
  assert.equal(kindOf(fsWrite(task, 0, '/home/summary.txt'), [taskGrant]).kind, 'allow');
  const tainted = kindOf(fsWrite(task, 1, '/home/summary.txt', target), [taskGrant]);
  assert.deepEqual([tainted.kind, tainted.step], ['ask', 'taint']);
  assert.equal(kindOf(fsRead(task, 2, '/home/notes/b.txt', target)).kind, 'allow', 'a tainted read path is still judged by pattern');
  assert.equal(kindOf(fsRead(task, 3, '/etc/passwd', target)).kind, 'ask');
  assert.equal(kindOf(fsWrite(task, 4, '/home/summary.txt', TRUSTED, 0, privateData([{ kind: 'fs.read', ref: '/home/notes/a.txt' }])), [taskGrant]).kind, 'allow', 'bodies may carry private, tainted data');
});

test('grants: intent, task, expiry and uses all bind', () => {
  const other = taskScope('t2', 'i2');
  const g = grant('write', '/home/summary.txt', 'task');
  assert.equal(kindOf(fsWrite(task, 0, '/home/summary.txt'), [g]).kind, 'allow');
  assert.equal(kindOf(fsWrite(other, 0, '/home/summary.txt'), [g], steady, other).kind, 'ask', 'another intent');
  const sameIntentOtherTask = taskScope('t3', 'i1');
  assert.equal(kindOf(fsWrite(sameIntentOtherTask, 0, '/home/summary.txt'), [g], steady, sameIntentOtherTask).kind, 'ask', 'a task grant dies with its task');
  const hour = grant('write', '/home/summary.txt', 'hour');
  assert.equal(kindOf(fsWrite(sameIntentOtherTask, 0, '/home/summary.txt'), [hour], steady, sameIntentOtherTask).kind, 'allow', 'an hour grant outlives the task, same intent');
  assert.equal(kindOf(fsWrite(task, 0, '/home/summary.txt'), [hour], { nowMs: hour.expiresAtMs! - 1, clock: 'steady' }).kind, 'allow');
  assert.equal(kindOf(fsWrite(task, 0, '/home/summary.txt'), [hour], { nowMs: hour.expiresAtMs!, clock: 'steady' }).kind, 'ask');
  assert.equal(kindOf(fsWrite(task, 0, '/home/summary.txt'), [hour], { nowMs: NOW, clock: 'went-back' }).kind, 'ask', 'clock turned back: timed grants void');
  assert.equal(kindOf(fsWrite(task, 0, '/home/summary.txt'), [{ ...g, usesLeft: 0 }]).kind, 'ask');
  assert.equal(kindOf(fsWrite(task, 0, '/home/summary.txt'), [{ ...g, revokedAtMs: NOW }]).kind, 'ask');
  assert.equal(kindOf(fsWrite(task, 0, '/home/other.txt'), [g]).kind, 'ask', 'exact pattern');
  assert.equal(kindOf(fsRead(task, 0, '/etc/x'), [{ ...g, right: 'read', resource: { kind: 'path', pattern: '/etc/x' }, intentId: null }]).kind, 'ask', 'only always grants float free of an intent');
});

test('default: ask when a user is present, deny when headless (every ask becomes a deny)', () => {
  const headless = taskScope('t9', 'i9', 'headless');
  assert.deepEqual([kindOf(fsWrite(task, 0, '/home/x.txt')).kind, kindOf(fsWrite(task, 0, '/home/x.txt')).step], ['ask', 'default']);
  assert.equal(kindOf(fsWrite(headless, 0, '/home/x.txt'), [], steady, headless).kind, 'deny');
  assert.equal(kindOf(shareSend(headless, 1, 'bob'), [], steady, headless).kind, 'deny');
  assert.equal(kindOf(fsRead(headless, 2, '/home/a.txt'), [], steady, headless).kind, 'allow');
});

test('fail closed: unknown tools and risks, malformed requests and resources, throwing rules', () => {
  const deniedAs = (request: unknown, step: string, ruleSet: readonly Rule[] = rules) => {
    const decision = decide(task, request as ActionRequest, ruleSet, [grant('read', '/**', 'always'), grant('write', '/**', 'always')], steady);
    assert.deepEqual([decision.kind, decision.step], ['deny', step], String((request as { rendered?: string } | null)?.rendered));
  };
  const good = fsRead(task, 0, '/home/a.txt');
  deniedAs(actionRequest(task, 0, 'net.fetch', []), 'unknown-tool');
  deniedAs({ ...good, risk: 'teleport' }, 'unknown-tool');
  deniedAs(null, 'unknown-tool');
  deniedAs({ ...good, actionId: '' }, 'malformed');
  deniedAs({ ...good, args: { path: 7n } }, 'malformed');
  deniedAs({ ...good, args: { path: 'a\u0000b' } }, 'malformed');
  deniedAs({ ...good, args: { n: Number.NaN } }, 'malformed');
  deniedAs({ ...good, needs: 'everything' }, 'malformed');
  deniedAs({ ...good, needs: [{ ...good.needs[0]!, right: 'root' }] }, 'malformed');
  deniedAs({ ...good, needs: [{ ...good.needs[0]!, resource: { kind: 'path', name: '/home/notes/../../lived/grants' } }] }, 'malformed');
  deniedAs({ ...good, needs: [{ ...good.needs[0]!, resource: { kind: 'path', name: '/home/a\u0000' } }] }, 'malformed');
  deniedAs({ ...good, needs: [{ ...good.needs[0]!, resource: { kind: 'socket', name: 'x' } }] }, 'malformed');
  deniedAs({ ...good, needs: [{ ...good.needs[0]!, label: { integrity: 'sure' } }] }, 'malformed');
  deniedAs({ ...good, dataLabel: undefined }, 'malformed');
  const throwing = { get id(): string { throw new Error('rule exploded'); }, effect: 'allow', right: 'read', resource: { kind: 'path', pattern: '/**' }, origin: 'policy' } as unknown as Rule;
  const badPattern: Rule = { id: 'bad', effect: 'allow', right: 'read', resource: { kind: 'path', pattern: '/home/../**' }, origin: 'policy' };
  const throwingResource = { id: 'x', effect: 'deny', right: 'read', get resource(): never { throw new Error('matcher threw'); }, origin: 'user' } as unknown as Rule;
  deniedAs(good, 'broker-error', [throwingResource]);
  const viaBadPattern = decide(task, good, [badPattern], [], steady);
  assert.equal(viaBadPattern.kind, 'deny');
  const viaThrowingId = decide(task, fsWrite(task, 1, '/home/x'), [throwing], [], steady);
  assert.notEqual(viaThrowingId.kind, 'allow');
  assert.equal(decide(null as unknown as TaskScope, good, rules, [], steady).kind, 'deny', 'no task scope');
});

test('decideInDetail names the grant each need used; multi-need calls need every need', () => {
  const move = actionRequest(task, 0, 'fs.move', [
    { right: 'write', kind: 'path', name: '/home/a.txt', argument: 'from' },
    { right: 'write', kind: 'path', name: '/home/b.txt', argument: 'to' },
  ]);
  const a = grant('write', '/home/a.txt', 'task');
  assert.equal(decide(task, move, rules, [a], steady).kind, 'ask');
  const both = grant('write', '/home/*', 'task');
  const detail = decideInDetail(task, move, rules, [a, both], steady);
  assert.equal(detail.decision.kind, 'allow');
  assert.deepEqual(detail.needs.map((n) => n.grant?.id), [a.id, both.id]);
  assert.deepEqual(detail.grants.map((g) => g.id), [a.id, both.id]);
});
