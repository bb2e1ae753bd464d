/**
 * consent/testing — small builders shared by the consent tests (and usable
 * by the scenario suite): labels, task scopes, action requests shaped like
 * the first tools' calls, and a broker over a manual clock and an in-memory
 * audit log. Not exported from index.ts; import it by path from tests.
 */

import type { Clock } from '../hal/index.ts';
import { AuditLog } from './audit.ts';
import { ConsentBroker } from './broker.ts';
import { GrantStore } from './grant-store.ts';
import type { ConsentPolicy } from './policy.ts';
import type { ActionRequest, ArgumentValue, Label, LabelSource, Need, ResourceKind, Right, RiskClass, TaskScope } from './types.ts';

export const TRUSTED: Label = { integrity: 'trusted', private: false, sources: [{ kind: 'user', ref: 'request' }] };

/** a value that came out of a tool (file contents, names, log lines) */
export function untrusted(kind: string, ref: string, isPrivate = true): Label {
  return { integrity: 'untrusted', private: isPrivate, sources: [{ kind, ref }] };
}

/** data read from the user's files: private, and untrusted unless `integrity` says otherwise */
export function privateData(sources: readonly LabelSource[], integrity: Label['integrity'] = 'untrusted'): Label {
  return { integrity, private: true, sources };
}

export function taskScope(taskId = 't1', intentId = 'i1', presence: TaskScope['presence'] = 'interactive', intentText = 'summarise my notes'): TaskScope {
  return { taskId, intentId, intentText, presence };
}

export interface NeedSpec {
  readonly right: Right;
  readonly kind: ResourceKind;
  readonly name: string;
  readonly argument?: string;
  readonly label?: Label;
}


/** an ActionRequest for `tool` with these needs; actionId "<taskId>.<plan>.<index>" */
export function actionRequest(
  task: TaskScope,
  index: number,
  tool: string,
  needs: readonly NeedSpec[],
  options: { risk?: RiskClass; args?: Record<string, ArgumentValue>; dataLabel?: Label; plan?: number } = {},
): ActionRequest {
  const plan = options.plan ?? 0;
  const builtNeeds: Need[] = needs.map((n) => ({ right: n.right, resource: { kind: n.kind, name: n.name }, argument: n.argument ?? 'path', label: n.label ?? TRUSTED }));
  const args = options.args ?? Object.fromEntries(needs.map((n) => [n.argument ?? 'path', n.name]));
  const risk = options.risk ?? needs.reduce<RiskClass>((worst, n) => (rank(n.right) > rank(worst) ? n.right : worst), 'read');
  return {
    actionId: `${task.taskId}.${plan}.${index}`,
    planId: `${task.taskId}.${plan}`,
    callIndex: index,
    tool,
    risk,
    args,
    rendered: `${tool}(${Object.entries(args).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')})`,
    needs: builtNeeds,
    dataLabel: options.dataLabel ?? TRUSTED,
  };
}

function rank(right: Right): number {
  return ['read', 'write', 'sense', 'egress', 'destroy'].indexOf(right);
}

export const fsRead = (task: TaskScope, index: number, path: string, label: Label = TRUSTED, plan = 0) =>
  actionRequest(task, index, 'fs.read', [{ right: 'read', kind: 'path', name: path, label }], { plan });
export const fsWrite = (task: TaskScope, index: number, path: string, label: Label = TRUSTED, plan = 0, dataLabel: Label = TRUSTED) =>
  actionRequest(task, index, 'fs.write', [{ right: 'write', kind: 'path', name: path, label }], { plan, dataLabel, args: { path, text: 'body' } });
export const fsDelete = (task: TaskScope, index: number, path: string, label: Label = TRUSTED, plan = 0) =>
  actionRequest(task, index, 'fs.delete', [{ right: 'destroy', kind: 'path', name: path, label }], { plan });
export const shareSend = (task: TaskScope, index: number, to: string, dataLabel: Label = TRUSTED, toLabel: Label = TRUSTED, plan = 0) =>
  actionRequest(task, index, 'share.send', [{ right: 'egress', kind: 'recipient', name: to, argument: 'to', label: toLabel }], { plan, dataLabel, args: { to, text: 'hello' } });
export const timeNow = (task: TaskScope, index: number, plan = 0) => actionRequest(task, index, 'time.now', [], { plan, args: {} });

export function newBroker(options: { clock: Clock; policy?: ConsentPolicy; store?: GrantStore; audit?: AuditLog; clockToleranceMs?: number }) {
  const audit = options.audit ?? AuditLog.inMemory(options.clock);
  const store = options.store ?? GrantStore.inMemory();
  const broker = new ConsentBroker({
    clock: options.clock,
    audit,
    store,
    ...(options.policy !== undefined ? { policy: options.policy } : {}),
    ...(options.clockToleranceMs !== undefined ? { clockToleranceMs: options.clockToleranceMs } : {}),
  });
  return { broker, audit, store };
}

/** a wall clock a test can also turn back */
export class SettableClock implements Clock {
  constructor(private time = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.time;
  }
  wallTime(): number {
    return this.time;
  }
  set(ms: number): void {
    this.time = ms;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}
