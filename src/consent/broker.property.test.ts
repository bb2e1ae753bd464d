// Broker property tests (fast-check, manual clock): attenuation only; no amplification over random command sequences
// (checked against an independent shadow of the grants); expiry exactly on time; intent binding; fail closed; taint never rides a grant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '../hal/memory/index.ts';
import { HOUR_MS } from './grants.ts';
import { canonicalPattern, patternCovers, patternsOverlap, parentPath, resourceShape, formatPattern } from './patterns.ts';
import { DEFAULT_POLICY, type ConsentPolicy, type Rule } from './policy.ts';
import { actionRequest, fsRead, fsWrite, newBroker, taskScope, TRUSTED, untrusted, type NeedSpec } from './testing.ts';
import type { ActionRequest, ConsentAnswer, ConsentPrompt, Grant, GrantScope, Label, ResourcePattern, TaskScope } from './types.ts';

const NOW = Date.UTC(2026, 0, 1);
const RUNS = 200;

// ── the world: a few tasks, resources and labels ─────────────────────────────

const TASKS: readonly TaskScope[] = [taskScope('t1', 'i1'), taskScope('t2', 'i1'), taskScope('t3', 'i2'), taskScope('t4', 'i3', 'headless')];
const PATHS = ['/home/notes/a.txt', '/home/notes/b.txt', '/home/notes/sub/c.txt', '/home/x.txt', '/etc/conf', '/lived/grants', '/lived/episodes', '/home/notes/**', '/home/notes/*'];
const USER_RULES: readonly Rule[] = [
  { id: 'user.send-x', effect: 'allow', right: 'egress', resource: { kind: 'recipient', pattern: '*@x.org' }, origin: 'user' },
  { id: 'user.no-etc-write', effect: 'deny', right: 'write', resource: { kind: 'path', pattern: '/etc/**' }, origin: 'user' },
];
const POLICIES: readonly ConsentPolicy[] = [{ rules: [...DEFAULT_POLICY.rules, ...USER_RULES] }, { rules: USER_RULES }];
const SEALED: readonly ResourcePattern[] = [{ kind: 'path', pattern: '/lived/grants/**' }, { kind: 'path', pattern: '/lived/audit/**' }];

const labelArb: fc.Arbitrary<Label> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(TRUSTED) },
  { weight: 1, arbitrary: fc.constantFrom('/home/inbox/m1.txt', '/home/notes/a.txt').map((ref) => untrusted('fs.read', ref)) },
);
const needArb: fc.Arbitrary<NeedSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ right: fc.constant('read' as const), kind: fc.constant('path' as const), name: fc.constantFrom(...PATHS), label: labelArb }) },
  { weight: 2, arbitrary: fc.record({ right: fc.constantFrom('write' as const, 'destroy' as const), kind: fc.constant('path' as const), name: fc.constantFrom(...PATHS), label: labelArb }) },
  { weight: 1, arbitrary: fc.record({ right: fc.constant('egress' as const), kind: fc.constant('recipient' as const), name: fc.constantFrom('bob@x.org', 'eve@evil.org', 'bob'), argument: fc.constant('to'), label: labelArb }) },
  { weight: 1, arbitrary: fc.record({ right: fc.constant('sense' as const), kind: fc.constant('sensor' as const), name: fc.constant('mic'), argument: fc.constant('sensor'), label: labelArb }) },
);
/** a call template: its needs and whether the data it carries out is private */
const callArb = fc.record({ needs: fc.array(needArb, { minLength: 1, maxLength: 2 }), privateData: fc.boolean() });
type CallTemplate = { needs: NeedSpec[]; privateData: boolean };

const SCOPE_PICKS = ['once', 'task', 'hour', 'session', 'always', 'forever'] as const;
const answerArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('allow-all' as const), scope: fc.constantFrom('task' as const, 'hour' as const) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'deny-all' as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('each' as const), picks: fc.array(fc.tuple(fc.boolean(), fc.constantFrom(...SCOPE_PICKS)), { maxLength: 8 }), extra: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'garbage' as const }) },
);
type AnswerTemplate = typeof answerArb extends fc.Arbitrary<infer T> ? T : never;

function toAnswer(prompt: ConsentPrompt, template: AnswerTemplate): ConsentAnswer {
  if (template.kind !== 'each') return template as unknown as ConsentAnswer;
  const items: Record<string, { allow: boolean; scope?: GrantScope }> = {};
  prompt.items.forEach((item, i) => {
    const pick = template.picks[i];
    if (pick !== undefined) items[item.itemId] = { allow: pick[0], scope: pick[1] as GrantScope };
  });
  if (template.extra) items['forged.i9'] = { allow: true, scope: 'always' };
  return { kind: 'each', items };
}

function buildCall(task: TaskScope, index: number, plan: number, template: CallTemplate): ActionRequest {
  const dataLabel: Label = template.privateData ? { integrity: 'untrusted', private: true, sources: [{ kind: 'fs.read', ref: '/home/tax.txt' }] } : TRUSTED;
  return actionRequest(task, index, 'tool.any', template.needs, { plan, dataLabel, args: { path: 'x', to: 'y' } });
}

// ── attenuation ──────────────────────────────────────────────────────────────

/** every item is what its calls need (reads of ≥2 sibling files may become folder/*), and every grant is an item the answer allowed, never wider */
function checkAttenuation(task: TaskScope, plan: readonly ActionRequest[], prompt: ConsentPrompt, answer: ConsentAnswer, grants: readonly Grant[]): void {
  const calls = new Map(plan.map((call) => [call.actionId, call]));
  for (const item of prompt.items) {
    const needPatterns = item.actionIds.flatMap((id) => calls.get(id)!.needs.filter((n) => n.right === item.right).map((n) => formatPattern(resourceShape(n.resource))));
    assert.ok(needPatterns.length > 0, `item ${item.itemId} lists calls that need it`);
    for (const id of item.actionIds) assert.ok(calls.get(id)!.needs.some((n) => n.right === item.right && patternCovers(item.resource, formatPattern(resourceShape(n.resource)))), `item covers ${id}`);
    const exactlyNeeded = needPatterns.some((p) => p.pattern === item.resource.pattern);
    if (!exactlyNeeded) {
      // the only widening allowed: read of two or more sibling files, offered as their folder/*
      assert.equal(item.right, 'read', `${item.right} ${item.resource.pattern} is wider than its calls`);
      const folder = item.resource.pattern.slice(0, -2) || '/';
      assert.ok(item.resource.pattern.endsWith('/*'));
      const files = new Set(needPatterns.filter((p) => !p.pattern.includes('*') && parentPath(p.pattern) === folder).map((p) => p.pattern));
      assert.ok(files.size >= 2, `folder/* offered for ${files.size} file(s)`);
    }
    if (item.right === 'egress' || item.right === 'destroy' || item.right === 'sense') assert.equal(item.preselected, false);
  }
  for (const grant of grants) {
    const item = prompt.items.find((i) => i.right === grant.right && i.resource.kind === grant.resource.kind && i.resource.pattern === grant.resource.pattern);
    assert.ok(item !== undefined, `grant ${grant.right} ${grant.resource.pattern} matches an item shown`);
    assert.ok(item.scopes.includes(grant.scope), `scope ${grant.scope} was offered`);
    if (answer.kind === 'deny-all') assert.fail('deny-all made a grant');
    if (answer.kind === 'allow-all') assert.ok(item.preselected, 'allow-all only takes preselected items');
    if (answer.kind === 'each') assert.equal(answer.items[item.itemId]?.allow, true);
    if (grant.freshFor !== undefined) assert.ok(grant.freshFor.every((id) => item.actionIds.includes(id)));
    assert.equal(grant.intentId, grant.scope === 'always' ? null : task.intentId);
  }
}

// ── the shadow: an independent account of what the user granted ──────────────

interface ShadowGrant {
  grant: Grant;
  usesLeft: number | null;
  dead: boolean;
}

function serves(shadow: ShadowGrant, task: TaskScope, actionId: string, nowMs: number): boolean {
  const g = shadow.grant;
  if (shadow.dead || (shadow.usesLeft !== null && shadow.usesLeft <= 0)) return false;
  if (g.expiresAtMs !== null && !(nowMs < g.expiresAtMs)) return false;
  if (g.intentId === null ? g.scope !== 'always' : g.intentId !== task.intentId) return false;
  if (g.taskId !== undefined && g.taskId !== task.taskId) return false;
  if (g.freshFor !== undefined && !g.freshFor.includes(actionId)) return false;
  return true;
}

/** why an allowed call was allowed, need by need, from the shadow and the policy alone; fails the test when nothing justifies it */
function justify(call: ActionRequest, task: TaskScope, shadows: readonly ShadowGrant[], nowMs: number, policy: ConsentPolicy): void {
  for (const need of call.needs) {
    const pattern = formatPattern(resourceShape(need.resource));
    assert.ok(!SEALED.some((s) => patternsOverlap(s, pattern)), `allowed ${need.right} on sealed ${pattern.pattern}`);
    if (need.right !== 'read') assert.ok(!patternsOverlap({ kind: 'path', pattern: '/lived/**' }, pattern), `allowed ${need.right} under /lived`);
    assert.ok(!(need.right === 'write' && patternsOverlap({ kind: 'path', pattern: '/etc/**' }, pattern)), 'user deny rule ignored');
    const covering = shadows.filter((s) => s.grant.right === need.right && patternCovers(s.grant.resource, pattern) && serves(s, task, call.actionId, nowMs));
    const fresh = covering.some((s) => s.grant.freshFor !== undefined);
    const tainted = (need.right !== 'read' && need.label.integrity === 'untrusted') || (need.right === 'egress' && call.dataLabel.private);
    const ruleCovers = (origin?: Rule['origin']) => policy.rules.some((r) => r.effect === 'allow' && r.right === need.right && (origin === undefined || r.origin === origin) && patternCovers(r.resource, pattern));
    const what = `${call.actionId} ${need.right} ${pattern.pattern}`;
    if (tainted) assert.ok(fresh, `${what}: tainted, allowed without a fresh grant`);
    else if (need.right === 'egress' || need.right === 'destroy' || need.right === 'sense') {
      assert.ok(fresh || ruleCovers('user') || covering.some((s) => s.grant.scope === 'always'), `${what}: asked-right allowed without fresh grant or standing rule`);
    } else assert.ok(covering.length > 0 || ruleCovers(), `${what}: no live grant or rule covers it`);
  }
}

type Command =
  | { op: 'plan'; task: number; calls: CallTemplate[]; answer: AnswerTemplate }
  | { op: 'authorize'; task: number; pick: number; fresh: CallTemplate | null; rehome: boolean }
  | { op: 'revoke'; pick: number; byFilter: boolean }
  | { op: 'end'; task: number }
  | { op: 'tick'; ms: number };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('plan' as const), task: fc.nat(TASKS.length - 1), calls: fc.array(callArb, { minLength: 1, maxLength: 4 }), answer: answerArb }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('authorize' as const), task: fc.nat(TASKS.length - 1), pick: fc.nat(), fresh: fc.constant(null), rehome: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('authorize' as const), task: fc.nat(TASKS.length - 1), pick: fc.nat(), fresh: callArb, rehome: fc.constant(false) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('revoke' as const), pick: fc.nat(), byFilter: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('end' as const), task: fc.nat(TASKS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.constantFrom(0, 1, 999, HOUR_MS - 1, HOUR_MS, HOUR_MS + 1) }) },
);

test('property: attenuation and no amplification over random command sequences (shadow model)', () => {
  fc.assert(
    fc.property(fc.array(commandArb, { minLength: 1, maxLength: 40 }), fc.constantFrom(...POLICIES), (commands, policy) => {
      const clock = new ManualClock(0, NOW);
      const { broker } = newBroker({ clock, policy });
      const shadows: ShadowGrant[] = [];
      const planned: { task: TaskScope; call: ActionRequest; template: CallTemplate }[] = [];
      let plans = 0;
      let extra = 0;
      for (const command of commands) {
        if (command.op === 'plan') {
          const task = TASKS[command.task]!;
          const plan = command.calls.map((template, i) => buildCall(task, i, ++plans, template));
          const decisions = broker.evaluate(task, plan);
          for (const call of plan) if (decisions.get(call.actionId)?.kind === 'allow') justify(call, task, shadows, clock.wallTime(), policy);
          planned.push(...plan.map((call, i) => ({ task, call, template: command.calls[i]! })));
          const prompt = broker.bundle(task, plan, decisions);
          if (prompt === undefined) continue;
          assert.equal(task.presence, 'interactive', 'headless tasks get no prompt');
          const answer = toAnswer(prompt, command.answer);
          const grants = broker.answer(task, prompt, answer);
          checkAttenuation(task, plan, prompt, answer, grants);
          shadows.push(...grants.map((grant) => ({ grant, usesLeft: grant.usesLeft, dead: false })));
        } else if (command.op === 'authorize') {
          const task = TASKS[command.task]!;
          // a planned call as it was planned, the same needs as a new call in another task (another intent, perhaps), or a new call
          const old = planned.length === 0 ? undefined : planned[command.pick % planned.length]!;
          const template = command.fresh ?? old?.template;
          if (template === undefined) continue;
          const entry = old !== undefined && command.fresh === null && !command.rehome ? old : { task, call: buildCall(task, 0, 1000 + ++extra, template) };
          const result = broker.authorize(entry.task, entry.call);
          if (!result.allowed) continue;
          justify(entry.call, entry.task, shadows, clock.wallTime(), policy);
          for (const id of result.grantIds) {
            const shadow = shadows.find((s) => s.grant.id === id);
            assert.ok(shadow !== undefined && serves(shadow, entry.task, entry.call.actionId, clock.wallTime()), `used grant ${id} is live in the shadow`);
            if (shadow.usesLeft !== null) shadow.usesLeft--;
          }
        } else if (command.op === 'revoke') {
          const live = shadows.filter((s) => !s.dead);
          if (live.length === 0) continue;
          const target = live[command.pick % live.length]!;
          if (command.byFilter) {
            const revoked = broker.revoke({ right: target.grant.right, pattern: target.grant.resource.pattern });
            for (const g of revoked) shadows.find((s) => s.grant.id === g.id)!.dead = true;
          } else {
            try {
              broker.revoke(target.grant.id);
            } catch {
              // already gone from the broker (used up, ended): nothing to revoke
            }
          }
          target.dead = true;
        } else if (command.op === 'end') {
          const task = TASKS[command.task]!;
          broker.endTask(task.taskId);
          for (const s of shadows) if (s.grant.taskId === task.taskId) s.dead = true;
        } else {
          clock.advance(command.ms);
        }
      }
    }),
    { numRuns: RUNS },
  );
});

test('property: a grant never expires early and always expires on time (±1 ms around the hour)', () => {
  fc.assert(
    fc.property(fc.nat(10 * HOUR_MS), fc.integer({ min: -3, max: 3 }), (before, around) => {
      const clock = new ManualClock(0, NOW);
      const { broker } = newBroker({ clock, policy: { rules: [] } });
      const task = TASKS[0]!;
      clock.advance(before);
      const plan = [fsWrite(task, 0, '/home/x.txt'), fsRead(task, 1, '/home/notes/a.txt')];
      const prompt = broker.bundle(task, plan, broker.evaluate(task, plan))!;
      const made = broker.answer(task, prompt, { kind: 'allow-all', scope: 'hour' });
      const hour = made.find((g) => g.scope === 'hour')!;
      assert.equal(hour.expiresAtMs, clock.wallTime() + HOUR_MS);
      clock.advance(HOUR_MS + around);
      const result = broker.authorize(task, fsRead(task, 2, '/home/notes/a.txt'));
      assert.equal(result.allowed, around < 0, `at expiry ${around >= 0 ? '+' : ''}${around} ms`);
    }),
    { numRuns: RUNS },
  );
});

test('property: a grant made for intent A never authorises under intent B', () => {
  fc.assert(
    fc.property(fc.array(callArb, { minLength: 1, maxLength: 4 }), answerArb, fc.constantFrom('once', 'task', 'hour'), (calls, answerTemplate, scope) => {
      const clock = new ManualClock(0, NOW);
      const { broker } = newBroker({ clock, policy: { rules: [] } });
      const a = taskScope('ta', 'intent-a');
      const b = taskScope('tb', 'intent-b');
      const plan = calls.map((template, i) => buildCall(a, i, 1, template));
      const prompt = broker.bundle(a, plan, broker.evaluate(a, plan));
      if (prompt !== undefined) {
        const answer = answerTemplate.kind === 'allow-all' ? { kind: 'allow-all' as const, scope: scope === 'hour' ? ('hour' as const) : ('task' as const) } : toAnswer(prompt, answerTemplate);
        const grants = broker.answer(a, prompt, answer);
        for (const g of grants) assert.notEqual(g.intentId, 'intent-b');
      }
      // the same calls (same action ids even) under intent B: nothing the user granted A may be used,
      // except standing 'always' decisions, which by definition belong to no intent
      const standing = new Set(broker.grants().filter((g) => g.scope === 'always').map((g) => g.id));
      for (const call of plan) {
        const result = broker.authorize(b, { ...call });
        if (result.allowed) assert.ok(result.grantIds.length > 0 && result.grantIds.every((id) => standing.has(id)), `${call.actionId} allowed under intent B via ${result.grantIds.join(',')}`);
      }
    }),
    { numRuns: RUNS },
  );
});

test('property: fail closed — resources with .., NUL, aliases or unknown kinds are denied even when everything is granted', () => {
  const everything: Rule[] = (['read', 'write', 'egress', 'destroy', 'sense'] as const).flatMap((right) => [
    { id: `all-${right}`, effect: 'allow' as const, right, resource: { kind: 'path' as const, pattern: '/**' }, origin: 'user' as const },
  ]);
  const poison = fc.constantFrom('/home/notes/../../lived/grants', '/home/a\u0000.txt', '/home/NOTES~1.TXT', 'home/a.txt', '', '/home/a?.txt', '/home/a.txt.', '/home/*/x');
  fc.assert(
    fc.property(poison, fc.constantFrom('read' as const, 'write' as const, 'destroy' as const), fc.constantFrom('path', 'socket', 'path'), (name, right, kind) => {
      const clock = new ManualClock(0, NOW);
      const { broker } = newBroker({ clock, policy: { rules: everything } });
      const task = TASKS[0]!;
      const call = actionRequest(task, 0, 'fs.any', [{ right, kind: kind as 'path', name }]);
      assert.equal(broker.evaluate(task, [call]).get(call.actionId)?.kind, 'deny');
      assert.equal(broker.authorize(task, call).allowed, false);
    }),
    { numRuns: RUNS },
  );
});

test('property: taint — an untrusted target or private egress data never rides on a standing grant, even always', () => {
  fc.assert(
    fc.property(fc.constantFrom('write', 'destroy', 'egress'), fc.boolean(), fc.constantFrom('/home/x.txt', '/home/notes/a.txt'), (right, viaData, path) => {
      const clock = new ManualClock(0, NOW);
      const { broker, store } = newBroker({ clock, policy: { rules: [{ id: 'user.any', effect: 'allow', right: right as 'write', resource: right === 'egress' ? { kind: 'recipient', pattern: '*@x.org' } : { kind: 'path', pattern: '/home/**' }, origin: 'user' }] } });
      const task = TASKS[0]!;
      const always: Grant = { id: store.newId(), right: right as 'write', resource: right === 'egress' ? canonicalPattern({ kind: 'recipient', pattern: '*@x.org' }) : { kind: 'path', pattern: '/home/**' }, intentId: null, scope: 'always', expiresAtMs: null, usesLeft: null, createdAtMs: NOW, createdBy: 0 };
      store.add(always);
      const taint = untrusted('fs.read', '/home/inbox/m1.txt');
      const need: NeedSpec = right === 'egress'
        ? { right: 'egress', kind: 'recipient', name: 'bob@x.org', argument: 'to', label: viaData ? TRUSTED : taint }
        : { right: right as 'write', kind: 'path', name: path, label: taint };
      const dataLabel: Label = viaData ? { integrity: 'untrusted', private: true, sources: [{ kind: 'fs.read', ref: '/home/tax.txt' }] } : TRUSTED;
      const call = actionRequest(task, 0, 'tool.any', [need], { dataLabel });
      const decision = broker.evaluate(task, [call]).get(call.actionId)!;
      assert.equal(decision.kind, 'ask');
      assert.equal(decision.kind === 'ask' && decision.freshOnly, true);
      assert.ok(decision.kind === 'ask' && decision.provenance.length > 0, 'provenance shown');
      assert.equal(broker.authorize(task, call).allowed, false);
    }),
    { numRuns: RUNS },
  );
});
