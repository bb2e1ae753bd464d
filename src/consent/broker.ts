/**
 * consent/broker — the default-deny consent broker: the one place a tool
 * call's rights are decided, granted, consumed, revoked and audited.
 *
 * A call flows: daemon → evaluate (plan decisions) → if any ask: bundle →
 * ConsentUi.ask → answer (grants) → for each call authorize (decide again,
 * no asking, consume a use) → execute → recordExecution. Decisions are made
 * by the pure procedure of decide.ts over the rules, the grants and the
 * clock; the broker adds state (grants, issued prompts, authorised actions),
 * time (the injected hal Clock's wall time, with a backwards-jump guard) and
 * the audit trail. Every public method that decides fails closed: an
 * exception inside it (a throwing rule, store, or audit log) becomes a deny
 * with step 'broker-error', never an allow.
 */

import { fail } from '../common/index.ts';
import type { Clock } from '../hal/index.ts';
import { digestOf, type AuditedNeed, type AuditLog } from './audit.ts';
import { buildPrompt, readAnswer, type AskedNeed } from './bundle.ts';
import { decideInDetail, type DecisionDetail } from './decide.ts';
import { GrantStore } from './grant-store.ts';
import { CLOCK_BACKWARDS_TOLERANCE_MS, grantIsLive, HOUR_MS, makeGrant, type ClockView } from './grants.ts';
import { canonicalPattern, parsePattern, shapesOverlap } from './patterns.ts';
import { DEFAULT_POLICY, type ConsentPolicy, type Rule } from './policy.ts';
import { RISK_CLASSES, type ActionRequest, type ConsentAnswer, type ConsentPrompt, type Decision, type Grant, type ResourcePattern, type Right, type TaskScope } from './types.ts';
import { checkRequest } from './validate.ts';
import { explainAction, type WhyReport } from './why.ts';

export type AuthorizeResult =
  | { readonly allowed: true; readonly grantId?: string; readonly ruleId?: string; readonly grantIds: readonly string[] }
  | { readonly allowed: false; readonly decision: Decision };

/** what the daemon (and the shell) need of a broker; ConsentBroker and unguardedBroker() both provide it */
export interface ConsentBrokerLike {
  evaluate(task: TaskScope, requests: readonly ActionRequest[]): Map<string, Decision>;
  bundle(task: TaskScope, requests: readonly ActionRequest[], decisions: Map<string, Decision>): ConsentPrompt | undefined;
  answer(task: TaskScope, prompt: ConsentPrompt, answer: ConsentAnswer): readonly Grant[];
  authorize(task: TaskScope, request: ActionRequest): AuthorizeResult;
  recordExecution(task: TaskScope, request: ActionRequest, outcome: { ok: boolean; summary: string }): void;
  endTask(taskId: string): void;
  revoke(target: string | { right?: Right; pattern?: string }): readonly Grant[];
  grants(options?: { includeExpired?: boolean }): readonly Grant[];
  why(actionId: string): WhyReport;
}

export interface ConsentBrokerOptions {
  readonly clock: Clock;
  readonly store?: GrantStore;
  readonly audit: AuditLog;
  readonly policy?: ConsentPolicy;
  /** how far the wall clock may step back before timed grants are void [ms]; default 2000 */
  readonly clockToleranceMs?: number;
}

interface IssuedPrompt {
  readonly prompt: ConsentPrompt;
  readonly task: TaskScope;
  readonly freshItemIds: ReadonlySet<string>;
}

/** most retired (revoked, used-up, ended) grants kept for `grants({ includeExpired: true })` */
const RETIRED_KEPT = 200;
const INTENT_TEXT_KEPT = 1000;

export class ConsentBroker implements ConsentBrokerLike {
  private readonly clock: Clock;
  private readonly store: GrantStore;
  private readonly audit: AuditLog;
  private readonly rules: readonly Rule[];
  private readonly toleranceMs: number;
  /** highest wall time seen [ms since epoch] */
  private highWaterMs: number;
  private readonly prompts = new Map<string, IssuedPrompt>();
  private promptCount = 0;
  /** actions authorised at commit: which grants and rule let each through (for the exec record); one commit per action */
  private readonly authorized = new Map<string, { readonly taskId: string; readonly grantIds: readonly string[]; readonly ruleId: string | null }>();
  private readonly retired: Grant[] = [];

  constructor(options: ConsentBrokerOptions) {
    this.clock = options.clock;
    this.store = options.store ?? GrantStore.inMemory();
    this.audit = options.audit;
    this.rules = options.policy?.rules ?? DEFAULT_POLICY.rules;
    this.toleranceMs = options.clockToleranceMs ?? CLOCK_BACKWARDS_TOLERANCE_MS;
    this.highWaterMs = Math.max(this.clock.wallTime(), ...this.store.all().map((g) => g.createdAtMs));
  }

  // ── deciding ───────────────────────────────────────────────────────────────

  evaluate(task: TaskScope, requests: readonly ActionRequest[]): Map<string, Decision> {
    const decisions = new Map<string, Decision>();
    const brokerError = (error: unknown): Decision => ({ kind: 'deny', step: 'broker-error', reason: `the broker failed (${(error as Error)?.message ?? String(error)}); denied to fail closed` });
    try {
      const view = this.clockView();
      const grants = this.store.all();
      for (const request of requests) {
        const actionId = String(request?.actionId);
        let decision: Decision;
        try {
          const detail: DecisionDetail = decisions.has(actionId)
            ? { decision: { kind: 'deny', step: 'malformed', reason: `action id ${actionId} appears twice in one plan` }, needs: [], grants: [] }
            : decideInDetail(task, request, this.rules, grants, view);
          decision = detail.decision;
          this.auditRequest(task, request);
          this.auditDecision(task, actionId, 'plan', detail);
        } catch (error) {
          decision = brokerError(error);
        }
        decisions.set(actionId, decision);
      }
      this.audit.commit();
    } catch (error) {
      for (const request of requests) decisions.set(String(request?.actionId), brokerError(error));
    }
    return decisions;
  }

  bundle(task: TaskScope, requests: readonly ActionRequest[], decisions: Map<string, Decision>): ConsentPrompt | undefined {
    try {
      const view = this.clockView();
      const grants = this.store.all();
      const asked: AskedNeed[] = [];
      for (const request of requests) {
        if (decisions.get(request.actionId)?.kind !== 'ask') continue;
        const detail = decideInDetail(task, request, this.rules, grants, view);
        if (detail.decision.kind !== 'ask') continue; // settled since (or now denied): nothing to ask
        for (const outcome of detail.needs) if (outcome.decision.kind === 'ask') asked.push({ actionId: request.actionId, outcome });
      }
      const promptId = `${task.taskId}.p${++this.promptCount}`;
      const built = buildPrompt(task, promptId, asked);
      if (built === undefined) return undefined;
      const { prompt } = built;
      this.audit.append({
        kind: 'prompt', taskId: task.taskId, intentId: task.intentId, actionId: null, promptId, headline: prompt.headline,
        items: prompt.items.map((item) => ({ itemId: item.itemId, right: item.right, pattern: item.resource, actionIds: item.actionIds, scopes: item.scopes, preselected: item.preselected, provenance: item.provenance })),
      });
      this.audit.commit();
      this.prompts.set(promptId, { prompt, task, freshItemIds: built.freshItemIds });
      return prompt;
    } catch {
      return undefined; // nothing is asked, so authorize will find the calls still uncovered and deny them
    }
  }

  answer(task: TaskScope, prompt: ConsentPrompt, answer: ConsentAnswer): readonly Grant[] {
    const issued = this.prompts.get(prompt?.promptId);
    if (issued === undefined || issued.task.taskId !== task?.taskId || issued.task.intentId !== task?.intentId) {
      fail('consent.unknown_prompt', `prompt ${String(prompt?.promptId)} was not issued to task ${String(task?.taskId)}, or was already answered`, { promptId: String(prompt?.promptId) });
    }
    this.prompts.delete(issued.prompt.promptId); // one answer per prompt
    const { kind, choices, ignored } = readAnswer(issued.prompt, answer); // the broker's own copy, never the caller's
    const nowMs = this.clockView().nowMs;
    const answerRecord = this.audit.append({
      kind: 'answer', taskId: issued.task.taskId, intentId: issued.task.intentId, actionId: null, promptId: issued.prompt.promptId, answer: kind,
      choices: choices.map((c) => ({ itemId: c.item.itemId, allow: c.allow, scope: c.allow ? c.scope : null })), ignored,
    });
    const made: Grant[] = [];
    for (const choice of choices) {
      if (!choice.allow) continue;
      const fresh = issued.freshItemIds.has(choice.item.itemId);
      const grant = makeGrant({
        id: this.store.newId(), right: choice.item.right, resource: choice.item.resource, scope: fresh ? 'once' : choice.scope,
        task: issued.task, actionIds: choice.item.actionIds, fresh, nowMs, createdBy: answerRecord.seq,
      });
      try {
        this.store.add(grant);
      } catch {
        continue; // not stored, not granted: fail closed
      }
      const auditGrant = () => this.audit.append({
        kind: 'grant', taskId: issued.task.taskId, intentId: issued.task.intentId, actionId: null, grantId: grant.id, right: grant.right, pattern: grant.resource,
        scope: grant.scope, expiresAtMs: grant.expiresAtMs, usesLeft: grant.usesLeft, promptId: issued.prompt.promptId, itemId: choice.item.itemId,
        answerSeq: answerRecord.seq, freshFor: grant.freshFor ?? null,
      });
      try {
        auditGrant();
      } catch (error) {
        this.store.revoke(grant.id, nowMs); // a grant the audit log cannot explain is not made
        throw error;
      }
      made.push(grant);
    }
    this.audit.commit();
    return made;
  }

  /**
   * A standing grant the user makes directly (the shell's `perception allow
   * kbd hour`), with no prompt and no task: audited as an answer record
   * (promptId "standing", one item) followed by its grant record, like a
   * prompt's answer. intentId is null. An 'always' grant is a standing user
   * decision for every intent; an 'hour' grant with no intent serves no tool
   * call (grantServes) and exists for the sensing gate, which reads grants()
   * directly. A grant the audit log cannot record is not made.
   */
  grantStanding(right: Right, pattern: ResourcePattern, scope: 'hour' | 'always'): Grant {
    if (!RISK_CLASSES.includes(right)) fail('consent.pattern_invalid', `standing grant: unknown right ${JSON.stringify(right)}`);
    if (scope !== 'hour' && scope !== 'always') fail('consent.pattern_invalid', `standing grant: scope must be hour or always, not ${JSON.stringify(scope)}`);
    const resource = canonicalPattern(pattern);
    const nowMs = this.clockView().nowMs;
    const answerRecord = this.audit.append({
      kind: 'answer', taskId: null, intentId: null, actionId: null, promptId: 'standing', answer: 'each',
      choices: [{ itemId: 'standing', allow: true, scope }], ignored: [],
    });
    const grant: Grant = {
      id: this.store.newId(), right, resource, intentId: null, scope,
      expiresAtMs: scope === 'hour' ? nowMs + HOUR_MS : null, usesLeft: null, createdAtMs: nowMs, createdBy: answerRecord.seq,
    };
    this.store.add(grant);
    try {
      this.audit.append({
        kind: 'grant', taskId: null, intentId: null, actionId: null, grantId: grant.id, right, pattern: resource, scope,
        expiresAtMs: grant.expiresAtMs, usesLeft: null, promptId: null, itemId: null, answerSeq: answerRecord.seq, freshFor: null,
      });
      this.audit.commit();
    } catch (error) {
      this.store.revoke(grant.id, nowMs);
      throw error;
    }
    return grant;
  }

  authorize(task: TaskScope, request: ActionRequest): AuthorizeResult {
    const actionId = String(request?.actionId);
    try {
      const view = this.clockView();
      let detail: DecisionDetail;
      if (this.authorized.has(actionId)) {
        detail = { decision: { kind: 'deny', step: 'malformed', reason: `action ${actionId} was already authorised once` }, needs: [], grants: [] };
      } else {
        detail = decideInDetail(task, request, this.rules, this.store.all(), view);
      }
      let decision = detail.decision;
      if (decision.kind === 'ask') decision = { kind: 'deny', step: decision.step, reason: `${decision.reason}; not approved` };
      this.auditDecision(task, actionId, 'commit', { ...detail, decision });
      this.audit.commit();
      if (decision.kind !== 'allow') return { allowed: false, decision };
      for (const grant of detail.grants) this.consumeUse(grant, view);
      const grantIds = detail.grants.map((g) => g.id);
      this.authorized.set(actionId, { taskId: task.taskId, grantIds, ruleId: decision.ruleId ?? null });
      return { allowed: true, grantIds, ...(decision.grantId !== undefined ? { grantId: decision.grantId } : {}), ...(decision.ruleId !== undefined ? { ruleId: decision.ruleId } : {}) };
    } catch (error) {
      const decision: Decision = { kind: 'deny', step: 'broker-error', reason: `the broker failed at commit (${(error as Error)?.message ?? String(error)}); denied to fail closed` };
      return { allowed: false, decision };
    }
  }

  recordExecution(task: TaskScope, request: ActionRequest, outcome: { ok: boolean; summary: string }): void {
    const actionId = String(request?.actionId);
    const used = this.authorized.get(actionId);
    const summary = typeof outcome?.summary === 'string' ? outcome.summary : '';
    try {
      this.audit.append({ kind: 'exec', taskId: task.taskId, intentId: task.intentId, actionId, tool: String(request?.tool), grantIds: used?.grantIds ?? [], ruleId: used?.ruleId ?? null });
      this.audit.append({ kind: 'observe', taskId: task.taskId, intentId: task.intentId, actionId, ok: outcome?.ok === true, summaryDigest: digestOf(summary), summaryLength: summary.length });
      this.audit.commit();
    } catch {
      // the call already ran; a failed audit write is visible as a gap when the chain is verified
    }
  }

  // ── lifetime ───────────────────────────────────────────────────────────────

  endTask(taskId: string): void {
    const nowMs = this.clockView().nowMs;
    const ended = this.store.all().filter((g) => g.taskId === taskId);
    for (const grant of ended) this.retire(this.store.revoke(grant.id, nowMs));
    for (const [promptId, issued] of this.prompts) if (issued.task.taskId === taskId) this.prompts.delete(promptId);
    for (const [actionId, used] of this.authorized) if (used.taskId === taskId) this.authorized.delete(actionId);
  }

  revoke(target: string | { right?: Right; pattern?: string }): readonly Grant[] {
    const nowMs = this.clockView().nowMs;
    let chosen: Grant[];
    if (typeof target === 'string') {
      const grant = this.store.get(target);
      if (grant === undefined) fail('consent.unknown_grant', `no live grant has id ${target}`, { grantId: target });
      chosen = [grant];
    } else {
      chosen = this.store.all().filter((grant) => (target.right === undefined || grant.right === target.right) && (target.pattern === undefined || overlapsText(grant, target.pattern)));
    }
    const revoked: Grant[] = [];
    for (const grant of chosen) {
      const done = this.store.revoke(grant.id, nowMs);
      if (done === undefined) continue;
      revoked.push(done);
      this.retire(done);
      this.audit.append({ kind: 'revoke', taskId: done.taskId ?? null, intentId: done.intentId, actionId: null, grantId: done.id, reason: typeof target === 'string' ? 'revoked by id' : `revoked by filter ${JSON.stringify(target)}` });
    }
    this.audit.commit();
    return revoked;
  }

  grants(options: { includeExpired?: boolean } = {}): readonly Grant[] {
    const view = this.clockView();
    const held = this.store.all();
    if (options.includeExpired === true) return [...held, ...this.retired];
    return held.filter((g) => grantIsLive(g, view));
  }

  /** the story of an action from the audit log alone; on a damaged log, what can be read plus the verification failure */
  why(actionId: string): WhyReport {
    const verification = this.audit.verify();
    let records: ReturnType<AuditLog['records']> = [];
    try {
      records = this.audit.records();
    } catch {
      // unreadable storage: the verification result says where it broke
    }
    return explainAction(records, actionId, verification);
  }

  // ── helpers ────────────────────────────────────────────────────────────────

  /** the time decisions are taken at: never earlier than the highest seen; 'went-back' past the tolerance voids timed grants */
  private clockView(): ClockView {
    const now = this.clock.wallTime();
    if (!Number.isFinite(now)) return { nowMs: Number.POSITIVE_INFINITY, clock: 'went-back' };
    const wentBack = now < this.highWaterMs - this.toleranceMs;
    this.highWaterMs = Math.max(this.highWaterMs, now);
    return { nowMs: this.highWaterMs, clock: wentBack ? 'went-back' : 'steady' };
  }

  private consumeUse(grant: Grant, view: ClockView): void {
    if (grant.usesLeft === null) return;
    const left = grant.usesLeft - 1;
    if (left > 0) {
      this.store.update({ ...grant, usesLeft: left });
    } else {
      this.store.revoke(grant.id, view.nowMs);
      this.retire({ ...grant, usesLeft: 0 });
    }
  }

  private retire(grant: Grant | undefined): void {
    if (grant === undefined) return;
    this.retired.push(grant);
    if (this.retired.length > RETIRED_KEPT) this.retired.splice(0, this.retired.length - RETIRED_KEPT);
  }

  private auditRequest(task: TaskScope, request: ActionRequest): void {
    let needs: AuditedNeed[] = [];
    try {
      needs = checkRequest(request).map((n) => ({ right: n.right, pattern: n.pattern, argument: n.argument, integrity: n.label.integrity, private: n.label.private, sources: n.label.sources }));
    } catch {
      // malformed: the decision record says why; the request record keeps what can be shown
    }
    this.audit.append({
      kind: 'request', taskId: String(task?.taskId), intentId: String(task?.intentId), actionId: String(request?.actionId),
      planId: String(request?.planId), callIndex: Number(request?.callIndex), tool: String(request?.tool), risk: String(request?.risk),
      argsDigest: digestOf(request?.args ?? null), needs, dataPrivate: request?.dataLabel?.private === true, dataSources: request?.dataLabel?.sources ?? [],
      intentText: String(task?.intentText ?? '').slice(0, INTENT_TEXT_KEPT),
    });
  }

  private auditDecision(task: TaskScope, actionId: string, phase: 'plan' | 'commit', detail: DecisionDetail): void {
    const { decision } = detail;
    this.audit.append({
      kind: 'decision', taskId: String(task?.taskId), intentId: String(task?.intentId), actionId, phase, decision: decision.kind, step: decision.step, reason: decision.reason,
      grantIds: decision.kind === 'allow' ? detail.grants.map((g) => g.id) : [], ruleId: decision.kind === 'allow' ? decision.ruleId ?? null : null,
      provenance: decision.kind === 'ask' ? decision.provenance : [],
    });
  }
}

/** does a revoke filter's pattern text reach this grant (read in the grant's resource kind) */
function overlapsText(grant: Grant, pattern: string): boolean {
  try {
    return shapesOverlap(parsePattern({ kind: grant.resource.kind, pattern }), parsePattern(grant.resource));
  } catch {
    return false;
  }
}
