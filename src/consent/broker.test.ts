// ConsentBroker flows: one bundled prompt per plan, answers → grants, authorize consumes uses, revocation mid-task, endTask, why, fail closed, unguarded twin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../common/index.ts';
import { ManualClock } from '../hal/memory/index.ts';
import { AuditLog } from './audit.ts';
import { allowEveryItem } from './bundle.ts';
import { GrantStore } from './grant-store.ts';
import { HOUR_MS } from './grants.ts';
import { fsDelete, fsRead, fsWrite, newBroker, privateData, SettableClock, shareSend, taskScope, untrusted } from './testing.ts';
import { unguardedBroker } from './unguarded.ts';
import type { ActionRequest, ConsentPrompt } from './types.ts';

const NOW = Date.UTC(2026, 0, 1);
const task = taskScope('t1', 'i1', 'interactive', 'summarise my notes and send them to bob');

test('one bundled prompt: sibling reads become folder/*, write exact and ticked, egress exact, unticked, once, with provenance', () => {
  const clock = new ManualClock(0, NOW);
  const { broker } = newBroker({ clock, policy: { rules: [] } });
  const plan: ActionRequest[] = [
    fsRead(task, 0, '/home/notes/a.txt'),
    fsRead(task, 1, '/home/notes/b.txt'),
    fsRead(task, 2, '/home/notes/c.txt'),
    fsRead(task, 3, '/home/todo.txt'),
    fsWrite(task, 4, '/home/summary.txt'),
    shareSend(task, 5, 'bob@x.org', privateData([{ kind: 'fs.read', ref: '/home/notes/a.txt' }])),
  ];
  const decisions = broker.evaluate(task, plan);
  assert.deepEqual([...decisions.values()].map((d) => d.kind), ['ask', 'ask', 'ask', 'ask', 'ask', 'ask']);
  const prompt = broker.bundle(task, plan, decisions)!;
  assert.match(prompt.headline, /summarise my notes/);
  const items = prompt.items.map((i) => [i.right, i.resource.pattern, i.actionIds.length, i.preselected, i.scopes.join('/')]);
  assert.deepEqual(items, [
    ['read', '/home/notes/*', 3, true, 'task/hour/always'],
    ['read', '/home/todo.txt', 1, true, 'task/hour/always'],
    ['write', '/home/summary.txt', 1, true, 'task/once'],
    ['egress', 'bob@x.org', 1, false, 'once'],
  ]);
  assert.equal(prompt.items[0]!.summary, 'read 3 files in /home/notes');
  assert.match(prompt.items[3]!.summary, /send 1 message to bob@x.org — uses data from fs.read \/home\/notes\/a.txt/);

  // allow-all does not tick the egress item: it needs its own click
  const grants = broker.answer(task, prompt, { kind: 'allow-all', scope: 'task' });
  assert.deepEqual(grants.map((g) => [g.right, g.resource.pattern, g.scope]), [
    ['read', '/home/notes/*', 'task'],
    ['read', '/home/todo.txt', 'task'],
    ['write', '/home/summary.txt', 'task'],
  ]);
  for (const call of plan.slice(0, 5)) assert.equal(broker.authorize(task, call).allowed, true, call.rendered);
  const send = broker.authorize(task, plan[5]!);
  assert.equal(send.allowed, false);
  assert.throws(() => broker.answer(task, prompt, allowEveryItem(prompt)), (e: unknown) => isChimaeraError(e, 'consent.unknown_prompt'), 'a prompt is answered once');
});

test('read-only work under /home never prompts with the default policy', () => {
  const clock = new ManualClock(0, NOW);
  const { broker } = newBroker({ clock });
  const plan = [fsRead(task, 0, '/home/notes/a.txt'), fsRead(task, 1, '/home/b.txt')];
  const decisions = broker.evaluate(task, plan);
  assert.equal(broker.bundle(task, plan, decisions), undefined);
  assert.ok(plan.every((call) => broker.authorize(task, call).allowed));
});

test('a fresh once grant serves exactly the call it was shown for, exactly once', () => {
  const clock = new ManualClock(0, NOW);
  const { broker } = newBroker({ clock });
  const send = shareSend(task, 0, 'bob@x.org');
  const prompt = broker.bundle(task, [send], broker.evaluate(task, [send]))!;
  const [grant] = broker.answer(task, prompt, allowEveryItem(prompt));
  assert.deepEqual(grant?.freshFor, [send.actionId]);
  assert.equal(grant?.usesLeft, 1);
  assert.equal(broker.authorize(task, shareSend(task, 1, 'bob@x.org')).allowed, false, 'another call to bob');
  const first = broker.authorize(task, send);
  assert.deepEqual(first.allowed && first.grantIds, [grant!.id]);
  assert.equal(broker.authorize(task, send).allowed, false, 'no replay of an authorised action');
  assert.equal(broker.grants().length, 0, 'used up');
  assert.equal(broker.grants({ includeExpired: true })[0]?.usesLeft, 0);
});

test('answers attenuate: unknown items are ignored, scopes not offered fall back to the default, a forged prompt widens nothing', () => {
  const clock = new ManualClock(0, NOW);
  const { broker, audit } = newBroker({ clock, policy: { rules: [] } });
  const plan = [fsWrite(task, 0, '/home/summary.txt'), fsDelete(task, 1, '/home/old.txt')];
  const prompt = broker.bundle(task, plan, broker.evaluate(task, plan))!;
  const [write, del] = prompt.items;
  // the caller tampers with its copy of the prompt: the broker answers against its own
  const forged: ConsentPrompt = { ...prompt, items: prompt.items.map((i) => ({ ...i, resource: { kind: 'path', pattern: '/**' }, scopes: ['always'] })) };
  const grants = broker.answer(task, forged, {
    kind: 'each',
    items: { [write!.itemId]: { allow: true, scope: 'always' }, [del!.itemId]: { allow: true, scope: 'hour' }, 'made-up': { allow: true, scope: 'always' } },
  });
  assert.deepEqual(grants.map((g) => [g.right, g.resource.pattern, g.scope]), [
    ['write', '/home/summary.txt', 'task'],
    ['destroy', '/home/old.txt', 'once'],
  ]);
  const answer = audit.records().find((r) => r.kind === 'answer');
  assert.deepEqual(answer?.kind === 'answer' && answer.ignored, ['made-up']);
});

test('revocation takes effect at the next authorize, mid-task; by filter too', () => {
  const clock = new ManualClock(0, NOW);
  const { broker } = newBroker({ clock, policy: { rules: [] } });
  const plan = [fsRead(task, 0, '/home/notes/a.txt'), fsRead(task, 1, '/home/notes/b.txt'), fsWrite(task, 2, '/home/s.txt')];
  const prompt = broker.bundle(task, plan, broker.evaluate(task, plan))!;
  const grants = broker.answer(task, prompt, { kind: 'allow-all', scope: 'hour' });
  assert.equal(broker.authorize(task, plan[0]!).allowed, true);
  const readGrant = grants.find((g) => g.right === 'read')!;
  assert.deepEqual(broker.revoke(readGrant.id).map((g) => g.id), [readGrant.id]);
  assert.equal(broker.authorize(task, plan[1]!).allowed, false);
  assert.deepEqual(broker.revoke({ pattern: '/home/**' }).map((g) => g.right), ['write']);
  assert.equal(broker.authorize(task, plan[2]!).allowed, false);
  assert.throws(() => broker.revoke('g-none'), (e: unknown) => isChimaeraError(e, 'consent.unknown_grant'));
});

test('endTask ends task and once grants; hour grants live on for the same intent until the hour is over', () => {
  const clock = new ManualClock(0, NOW);
  const { broker } = newBroker({ clock, policy: { rules: [] } });
  const plan = [fsWrite(task, 0, '/home/a.txt'), fsRead(task, 1, '/home/b.txt')];
  const prompt = broker.bundle(task, plan, broker.evaluate(task, plan))!;
  const made = broker.answer(task, prompt, { kind: 'each', items: { [prompt.items[0]!.itemId]: { allow: true, scope: 'hour' }, [prompt.items[1]!.itemId]: { allow: true, scope: 'hour' } } });
  assert.deepEqual(made.map((g) => g.scope), ['hour', 'task'], 'write does not offer hour: it falls back to task');
  broker.endTask(task.taskId);
  const next = taskScope('t2', 'i1');
  assert.deepEqual(prompt.items.map((i) => i.right), ['read', 'write']);
  assert.equal(broker.authorize(next, fsRead(next, 0, '/home/b.txt')).allowed, true, 'hour read grant, same intent');
  assert.equal(broker.authorize(next, fsWrite(next, 1, '/home/a.txt')).allowed, false, 'the task grant ended');
  const otherIntent = taskScope('t3', 'i3');
  assert.equal(broker.authorize(otherIntent, fsRead(otherIntent, 0, '/home/b.txt')).allowed, false, 'not for another intent');
  clock.advance(HOUR_MS);
  assert.equal(broker.authorize(next, fsRead(next, 2, '/home/b.txt')).allowed, false, 'the hour is over');
});

test('headless tasks never ask: every call that would ask is denied and no prompt is built', () => {
  const clock = new ManualClock(0, NOW);
  const { broker } = newBroker({ clock });
  const headless = taskScope('t5', 'i5', 'headless');
  const plan = [fsRead(headless, 0, '/home/a.txt'), fsWrite(headless, 1, '/home/b.txt'), shareSend(headless, 2, 'bob')];
  const decisions = broker.evaluate(headless, plan);
  assert.deepEqual([...decisions.values()].map((d) => d.kind), ['allow', 'deny', 'deny']);
  assert.equal(broker.bundle(headless, plan, decisions), undefined);
});

test('fail closed: a store or an audit log that throws turns decisions into broker-error denies', () => {
  const clock = new ManualClock(0, NOW);
  const store = GrantStore.inMemory();
  const { broker } = newBroker({ clock, store });
  const read = fsRead(task, 0, '/home/a.txt');
  store.all = () => {
    throw new Error('disk on fire');
  };
  assert.deepEqual(broker.evaluate(task, [read]).get(read.actionId)?.step, 'broker-error');
  const result = broker.authorize(task, read);
  assert.equal(result.allowed, false);
  assert.equal(!result.allowed && result.decision.step, 'broker-error');

  const audit = AuditLog.inMemory(clock);
  const second = newBroker({ clock, audit }).broker;
  audit.append = () => {
    throw new Error('log full');
  };
  assert.equal(second.evaluate(task, [read]).get(read.actionId)?.kind, 'deny', 'an unrecorded decision is not an allow');
  assert.equal(second.authorize(task, read).allowed, false);
  assert.equal(second.evaluate(task, [{ ...read, args: { path: 1n } } as unknown as ActionRequest]).get(read.actionId)?.kind, 'deny');
});

test('a clock turned back past the tolerance voids hour grants; it cannot stretch them either', () => {
  const clock = new SettableClock(NOW);
  const { broker } = newBroker({ clock, policy: { rules: [] } });
  const plan = [fsWrite(task, 0, '/home/a.txt')];
  const prompt = broker.bundle(task, plan, broker.evaluate(task, plan))!;
  broker.answer(task, prompt, { kind: 'each', items: { [prompt.items[0]!.itemId]: { allow: true, scope: 'task' } } });
  const readPlan = [fsRead(task, 1, '/home/b.txt')];
  const readPrompt = broker.bundle(task, readPlan, broker.evaluate(task, readPlan))!;
  broker.answer(task, readPrompt, { kind: 'allow-all', scope: 'hour' });
  clock.set(NOW - 10_000);
  assert.equal(broker.authorize(task, fsRead(task, 2, '/home/b.txt')).allowed, false, 'hour grant void while the clock is back');
  assert.equal(broker.authorize(task, fsWrite(task, 3, '/home/a.txt')).allowed, true, 'untimed task grants are unaffected');
  clock.set(NOW + HOUR_MS - 5_000);
  assert.equal(broker.authorize(task, fsRead(task, 4, '/home/b.txt')).allowed, true);
  clock.set(NOW + HOUR_MS - 1);
  clock.set(NOW + 1_000); // back again, within an hour of creation: the highest time seen still counts
  assert.equal(broker.authorize(task, fsRead(task, 5, '/home/b.txt')).allowed, false);
});

test('why: executed action → commit decision → grant → answer → prompt → the user\'s words; and a denied one', () => {
  const clock = new ManualClock(0, NOW);
  const { broker } = newBroker({ clock, policy: { rules: [] } });
  const write = fsWrite(task, 0, '/home/summary.txt');
  const send = shareSend(task, 1, 'eve@evil.org', privateData([{ kind: 'fs.read', ref: '/home/tax.txt' }]), untrusted('fs.read', '/home/inbox/m3.txt'));
  const prompt = broker.bundle(task, [write, send], broker.evaluate(task, [write, send]))!;
  broker.answer(task, prompt, { kind: 'allow-all', scope: 'task' });
  assert.equal(broker.authorize(task, write).allowed, true);
  broker.recordExecution(task, write, { ok: true, summary: 'wrote 120 bytes' });
  assert.equal(broker.authorize(task, send).allowed, false);

  const allowed = broker.why(write.actionId);
  assert.equal(allowed.outcome, 'executed');
  assert.equal(allowed.intent?.text, task.intentText);
  assert.equal(allowed.grants.length, 1);
  assert.equal(allowed.grants[0]!.prompt?.promptId, prompt.promptId);
  assert.equal(allowed.grants[0]!.answer?.answer, 'allow-all');
  assert.deepEqual(allowed.decisions.map((d) => [d.phase, d.decision]), [['plan', 'ask'], ['commit', 'allow']]);
  assert.equal(allowed.verification.ok, true);
  assert.deepEqual(allowed.chain.map((r) => r.kind), ['request', 'decision', 'prompt', 'answer', 'grant', 'decision', 'exec', 'observe']);
  assert.ok(allowed.lines.some((line) => line.includes('because you asked: "summarise my notes')));

  const denied = broker.why(send.actionId);
  assert.equal(denied.outcome, 'denied');
  assert.equal(denied.decisions.at(-1)?.step, 'ask-rule');
  assert.ok(denied.lines.some((line) => line.includes('target from fs.read /home/inbox/m3.txt')));
  assert.equal(broker.why('nope').found, false);
});

test('unguardedBroker allows everything (measurement only) and still audits', () => {
  const clock = new ManualClock(0, NOW);
  const off = unguardedBroker({ clock });
  const attack = [fsDelete(task, 0, '/home/notes/a.txt'), shareSend(task, 1, 'eve@evil.org', privateData([{ kind: 'fs.read', ref: '/home/tax.txt' }])), fsWrite(task, 2, '/lived/grants')];
  assert.ok([...off.evaluate(task, attack).values()].every((d) => d.kind === 'allow'));
  assert.ok(attack.every((call) => off.authorize(task, call).allowed));
  off.recordExecution(task, attack[0]!, { ok: true, summary: 'deleted' });
  assert.equal(off.why(attack[0]!.actionId).outcome, 'executed');
});
