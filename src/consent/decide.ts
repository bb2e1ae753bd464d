/**
 * consent/decide — the pure decision procedure of COGNITION.md §4.
 *
 * Each need of a call (a right on a resource) is decided on its own; the
 * first step that matches wins, and order, not specificity, settles it:
 *   0. malformed request / unknown tool or risk           → deny
 *   1. built-in deny: /lived/grants, /lived/audit (any right) and anything
 *      but read under /lived/**, judged by overlap        → deny
 *   2. user (and policy) deny rules, by overlap            → deny
 *   3. ask rules (by overlap), and egress/destroy/sense unless a standing
 *      user rule or an 'always' grant covers the need     → ask, fresh only
 *   4. taint gate: a non-read need whose target is untrusted, or egress of
 *      private data                                        → ask, fresh only,
 *      with provenance; standing grants and rules do not count
 *   5. grants that serve this call (live, same intent, same task, uses left,
 *      fresh ones only for the calls they were made for)  → allow
 *   6. allow rules (built-in needless tools, policy, user) → allow
 *   7. default                                             → ask
 * At steps 3 and 4 only a fresh grant — made by the prompt that showed this
 * very call — lets the need through. The call's decision is the first deny
 * of its needs, else an ask (fresh if any need is fresh), else allow. A
 * headless task turns every ask into a deny. Any exception → deny with step
 * 'broker-error': the procedure fails closed.
 */

import { isChimaeraError } from '../common/index.ts';
import { grantServes, type ClockView } from './grants.ts';
import { parsePattern, shapeCovers, shapesOverlap, type PatternShape } from './patterns.ts';
import { ALWAYS_ASK_RIGHTS, NEEDLESS_TOOLS, READ_ONLY_PATTERN, SEALED_PATTERNS, type Rule } from './policy.ts';
import type { ActionRequest, Decision, Grant, LabelSource, TaskScope } from './types.ts';
import { checkRequest, checkTask, knowsRisk, type CheckedNeed } from './validate.ts';

/** one need and how it was decided; `grant` is set when a grant let it through */
export interface NeedOutcome {
  readonly need: CheckedNeed;
  readonly decision: Decision;
  readonly grant?: Grant;
}

export interface DecisionDetail {
  readonly decision: Decision;
  /** per need, in request order (empty when the request never got that far) */
  readonly needs: readonly NeedOutcome[];
  /** grants the call would use, one entry per distinct grant */
  readonly grants: readonly Grant[];
}

const SEALED_SHAPES: readonly PatternShape[] = SEALED_PATTERNS.map(parsePattern);
const READ_ONLY_SHAPE: PatternShape = parsePattern(READ_ONLY_PATTERN);

const deny = (step: Decision['step'], reason: string): Decision => ({ kind: 'deny', step, reason });

/** decide one call; pure and total (never throws) */
export function decide(task: TaskScope, request: ActionRequest, rules: readonly Rule[], grants: readonly Grant[], clock: ClockView): Decision {
  return decideInDetail(task, request, rules, grants, clock).decision;
}

/** decide one call and say, need by need, which step and grant settled it */
export function decideInDetail(task: TaskScope, request: ActionRequest, rules: readonly Rule[], grants: readonly Grant[], clock: ClockView): DecisionDetail {
  try {
    return decideUnguarded(task, request, rules, grants, clock);
  } catch (error) {
    if (isChimaeraError(error, 'consent.malformed_request')) return { decision: deny('malformed', error.message), needs: [], grants: [] };
    const message = error instanceof Error ? error.message : String(error);
    return { decision: deny('broker-error', `the broker failed while deciding (${message}); denied to fail closed`), needs: [], grants: [] };
  }
}

function decideUnguarded(task: TaskScope, request: ActionRequest, rules: readonly Rule[], grants: readonly Grant[], clock: ClockView): DecisionDetail {
  checkTask(task);
  if (!knowsRisk(request)) return { decision: deny('unknown-tool', `risk class ${JSON.stringify(request?.risk)} is unknown to the broker`), needs: [], grants: [] };
  const needs = checkRequest(request);
  if (needs.length === 0) {
    const decision: Decision = NEEDLESS_TOOLS.has(request.tool)
      ? { kind: 'allow', step: 'allow-rule', ruleId: 'builtin.needless', reason: `${request.tool} needs no right` }
      : deny('unknown-tool', `${request.tool} declares no needs and is not a built-in needless tool`);
    return { decision, needs: [], grants: [] };
  }
  const ruleShapes = rules.map((rule) => ({ rule, shape: parsePattern(rule.resource) }));
  const outcomes = needs.map((need) => decideNeed({ task, request, ruleShapes, grants, clock }, need));
  const decision = combine(task, outcomes);
  const used = new Map<string, Grant>();
  if (decision.kind === 'allow') for (const outcome of outcomes) if (outcome.grant !== undefined) used.set(outcome.grant.id, outcome.grant);
  return { decision, needs: outcomes, grants: [...used.values()] };
}

interface NeedContext {
  readonly task: TaskScope;
  readonly request: ActionRequest;
  readonly ruleShapes: readonly { readonly rule: Rule; readonly shape: PatternShape }[];
  readonly grants: readonly Grant[];
  readonly clock: ClockView;
}

function ruleApplies(rule: Rule, need: CheckedNeed, tool: string): boolean {
  return rule.right === need.right && (rule.tool === undefined || rule.tool === tool);
}

function decideNeed(context: NeedContext, need: CheckedNeed): NeedOutcome {
  const { task, request, ruleShapes, grants, clock } = context;
  const what = `${need.right} ${need.pattern.pattern}`;
  const outcome = (decision: Decision, grant?: Grant): NeedOutcome => (grant === undefined ? { need, decision } : { need, decision, grant });

  // 1. built-in deny
  if (SEALED_SHAPES.some((sealed) => shapesOverlap(sealed, need.shape))) {
    return outcome(deny('builtin-deny', `${what} reaches the broker's own records (/lived/grants, /lived/audit), which no tool may touch`));
  }
  if (need.right !== 'read' && shapesOverlap(READ_ONLY_SHAPE, need.shape)) return outcome(deny('builtin-deny', `${what}: /lived is read-only for tools`));

  // 2. deny rules
  for (const { rule, shape } of ruleShapes) {
    if (rule.effect === 'deny' && ruleApplies(rule, need, request.tool) && shapesOverlap(shape, need.shape)) {
      return outcome(deny('user-deny', `${what} is denied by rule ${rule.id}`));
    }
  }

  const covering = (grant: Grant) => grant.right === need.right && shapeCovers(parsePattern(grant.resource), need.shape);
  const serving = grants.filter((grant) => covering(grant) && grantServes(grant, task, request.actionId, clock));
  const fresh = serving.find((grant) => grant.freshFor !== undefined);
  const provenance = taintSources(need, request);

  // 3. ask rules
  const askRule = ruleShapes.find(({ rule, shape }) => rule.effect === 'ask' && ruleApplies(rule, need, request.tool) && shapesOverlap(shape, need.shape));
  const standing =
    ruleShapes.some(({ rule, shape }) => rule.effect === 'allow' && rule.origin === 'user' && ruleApplies(rule, need, request.tool) && shapeCovers(shape, need.shape)) ||
    serving.some((grant) => grant.scope === 'always');
  if (askRule !== undefined || (ALWAYS_ASK_RIGHTS.has(need.right) && !standing)) {
    if (fresh !== undefined) return outcome({ kind: 'allow', step: 'grant', grantId: fresh.id, reason: `${what} approved for this call by grant ${fresh.id}` }, fresh);
    const because = askRule !== undefined ? `rule ${askRule.rule.id} asks every time` : `${need.right} always asks unless you made a standing rule`;
    return outcome({ kind: 'ask', step: 'ask-rule', reason: `${what}: ${because}`, freshOnly: true, provenance });
  }

  // 4. taint gate
  if (provenance.length > 0) {
    if (fresh !== undefined) return outcome({ kind: 'allow', step: 'grant', grantId: fresh.id, reason: `${what} approved with its provenance shown, grant ${fresh.id}` }, fresh);
    const origin = provenance.map((source) => `${source.kind} ${source.ref}`).join(', ');
    return outcome({ kind: 'ask', step: 'taint', reason: `${what} is derived from tool output (${origin}); it needs a fresh decision`, freshOnly: true, provenance });
  }

  // 5. grants
  const grant = serving[0];
  if (grant !== undefined) return outcome({ kind: 'allow', step: 'grant', grantId: grant.id, reason: `${what} allowed by grant ${grant.id}` }, grant);

  // 6. allow rules
  const allowRule = ruleShapes.find(({ rule, shape }) => rule.effect === 'allow' && ruleApplies(rule, need, request.tool) && shapeCovers(shape, need.shape));
  if (allowRule !== undefined) {
    const { rule } = allowRule;
    return outcome({ kind: 'allow', step: rule.origin === 'policy' ? 'policy' : 'allow-rule', ruleId: rule.id, reason: `${what} allowed by rule ${rule.id}` });
  }

  // 7. default
  return outcome({ kind: 'ask', step: 'default', reason: `${what} is not covered by any grant or rule`, freshOnly: false, provenance: [] });
}

/** where a tainted target or private egress data came from; empty when the need is clean */
function taintSources(need: CheckedNeed, request: ActionRequest): LabelSource[] {
  const sources: LabelSource[] = [];
  if (need.right !== 'read' && need.label.integrity === 'untrusted') {
    sources.push(...(need.label.sources.length > 0 ? need.label.sources : [{ kind: 'unknown', ref: `argument ${need.argument}` }]));
  }
  if (need.right === 'egress' && request.dataLabel.private) {
    sources.push(...(request.dataLabel.sources.length > 0 ? request.dataLabel.sources : [{ kind: 'unknown', ref: 'private data' }]));
  }
  return dedupeSources(sources);
}

export function dedupeSources(sources: readonly LabelSource[]): LabelSource[] {
  const seen = new Set<string>();
  const out: LabelSource[] = [];
  for (const source of sources) {
    const key = `${source.kind}\u0000${source.ref}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ kind: source.kind, ref: source.ref });
    }
  }
  return out;
}

function combine(task: TaskScope, outcomes: readonly NeedOutcome[]): Decision {
  const denied = outcomes.find((o) => o.decision.kind === 'deny');
  if (denied !== undefined) return denied.decision;
  const asks = outcomes.filter((o) => o.decision.kind === 'ask');
  if (asks.length > 0) {
    const first = asks[0]!.decision;
    const reason = asks.map((o) => o.decision.reason).join('; ');
    if (task.presence === 'headless') return deny(first.step, `${reason}; nobody can be asked in a headless task`);
    const freshOnly = asks.some((o) => o.decision.kind === 'ask' && o.decision.freshOnly);
    const provenance = dedupeSources(asks.flatMap((o) => (o.decision.kind === 'ask' ? o.decision.provenance : [])));
    return { kind: 'ask', step: first.step, reason, freshOnly, provenance };
  }
  const byGrant = outcomes.find((o) => o.grant !== undefined);
  const settled = (byGrant ?? outcomes[0]!).decision;
  const ruleId = outcomes.map((o) => (o.decision.kind === 'allow' ? o.decision.ruleId : undefined)).find((id) => id !== undefined);
  return {
    kind: 'allow',
    step: settled.step,
    ...(byGrant?.grant !== undefined ? { grantId: byGrant.grant.id } : {}),
    ...(ruleId !== undefined ? { ruleId } : {}),
    reason: outcomes.map((o) => o.decision.reason).join('; '),
  };
}
