/**
 * consent/unguarded — ╔══════════════════════════════════════════════════╗
 *                      ║  A BROKER THAT ALLOWS EVERYTHING. NEVER WIRE IT  ║
 *                      ║  INTO THE SYSTEM. IT EXISTS FOR ONE MEASUREMENT. ║
 *                      ╚══════════════════════════════════════════════════╝
 *
 * The scenario suite runs every task twice, with the real broker and with
 * this one, to prove that its attacks do succeed when nothing stops them
 * (otherwise an attack success rate of 0% would say nothing). It has the
 * ConsentBroker's methods, allows every call, asks nothing, makes no grants,
 * and still writes request/decision/exec/observe records (decisions carry
 * step 'policy' and rule id 'UNGUARDED') so traces look the same.
 */

import type { Clock } from '../hal/index.ts';
import { AuditLog, digestOf } from './audit.ts';
import type { ConsentBrokerLike } from './broker.ts';
import type { Decision } from './types.ts';
import { explainAction } from './why.ts';

export const UNGUARDED_RULE_ID = 'UNGUARDED';

/** ONLY for the scenario suite's "broker off" measurement: allows every call. */
export function unguardedBroker(options: { clock?: Clock; audit?: AuditLog } = {}): ConsentBrokerLike {
  const audit = options.audit ?? AuditLog.inMemory(options.clock);
  const allow: Decision = { kind: 'allow', step: 'policy', ruleId: UNGUARDED_RULE_ID, reason: 'the consent broker is switched off (measurement only)' };
  const record = (taskId: string, intentId: string, actionId: string, phase: 'plan' | 'commit') =>
    audit.append({ kind: 'decision', taskId, intentId, actionId, phase, decision: 'allow', step: allow.step, reason: allow.reason, grantIds: [], ruleId: UNGUARDED_RULE_ID, provenance: [] });
  return {
    evaluate(task, requests) {
      const decisions = new Map<string, Decision>();
      for (const request of requests) {
        audit.append({
          kind: 'request', taskId: task.taskId, intentId: task.intentId, actionId: request.actionId, planId: request.planId, callIndex: request.callIndex,
          tool: request.tool, risk: request.risk, argsDigest: digestOf(request.args), needs: [], dataPrivate: request.dataLabel.private, dataSources: request.dataLabel.sources, intentText: task.intentText,
        });
        record(task.taskId, task.intentId, request.actionId, 'plan');
        decisions.set(request.actionId, allow);
      }
      audit.commit();
      return decisions;
    },
    bundle: () => undefined,
    answer: () => [],
    authorize(task, request) {
      record(task.taskId, task.intentId, request.actionId, 'commit');
      audit.commit();
      return { allowed: true, ruleId: UNGUARDED_RULE_ID, grantIds: [] };
    },
    recordExecution(task, request, outcome) {
      audit.append({ kind: 'exec', taskId: task.taskId, intentId: task.intentId, actionId: request.actionId, tool: request.tool, grantIds: [], ruleId: UNGUARDED_RULE_ID });
      audit.append({ kind: 'observe', taskId: task.taskId, intentId: task.intentId, actionId: request.actionId, ok: outcome.ok, summaryDigest: digestOf(outcome.summary), summaryLength: outcome.summary.length });
      audit.commit();
    },
    endTask: () => {},
    revoke: () => [],
    grants: () => [],
    why: (actionId) => explainAction(audit.records(), actionId, audit.verify()),
  };
}
