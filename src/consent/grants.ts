/**
 * consent/grants — grant lifetimes and the test of whether a grant may serve
 * a call. Pure functions over the Grant shape of types.ts.
 *
 * Lifetimes (COGNITION.md §4):
 *   once     one use per call the user was shown; dies with its task
 *   task     until the task ends (endTask)
 *   hour     until createdAt + 1 h, for this intent only (persisted)
 *   session  for this intent, until the broker restarts (kept in memory)
 *   always   a standing user decision: no intent, no expiry (persisted)
 *
 * Time is the broker clock's wall time [ms since the Unix epoch]. The broker
 * keeps the highest time it has seen; if the clock now reads more than the
 * tolerance below that, it reports 'went-back' and every timed grant counts
 * as expired (fail closed), and a grant is never judged against a time
 * earlier than the highest seen, so turning the clock back cannot revive one.
 */

import type { Grant, GrantScope, ResourcePattern, Right, TaskScope } from './types.ts';

/** the 'hour' scope [ms] */
export const HOUR_MS = 3_600_000;

/** how far the wall clock may step back before timed grants are void [ms] */
export const CLOCK_BACKWARDS_TOLERANCE_MS = 2_000;

/** the time a decision is taken at */
export interface ClockView {
  /** max(clock now, highest time seen) [ms since epoch] */
  readonly nowMs: number;
  /** 'went-back': the clock stepped back past the tolerance, so timed grants count as expired */
  readonly clock: 'steady' | 'went-back';
}

/** scopes that persist across broker restarts */
export const PERSISTENT_SCOPES: ReadonlySet<GrantScope> = new Set(['hour', 'always']);

/** not revoked, not used up, not expired at `view` */
export function grantIsLive(grant: Grant, view: ClockView): boolean {
  if (grant.revokedAtMs !== undefined) return false;
  if (grant.usesLeft !== null && !(grant.usesLeft > 0)) return false;
  if (grant.expiresAtMs === null) return true;
  return view.clock === 'steady' && view.nowMs < grant.expiresAtMs;
}

/**
 * May this grant serve a call of `actionId` in `task`? Live, given for this
 * intent (or for none: a standing 'always' grant), for this task if it is
 * task-lived, and — if it is fresh — for this very call.
 */
export function grantServes(grant: Grant, task: TaskScope, actionId: string, view: ClockView): boolean {
  if (!grantIsLive(grant, view)) return false;
  if (grant.intentId !== null && grant.intentId !== task.intentId) return false;
  if (grant.intentId === null && grant.scope !== 'always') return false; // only standing user decisions float free of an intent
  if (grant.taskId !== undefined && grant.taskId !== task.taskId) return false;
  if (grant.freshFor !== undefined && !grant.freshFor.includes(actionId)) return false;
  return true;
}

export interface GrantDraft {
  readonly id: string;
  readonly right: Right;
  readonly resource: ResourcePattern;
  readonly scope: GrantScope;
  readonly task: TaskScope;
  /** the calls the prompt item covered; bounds 'once' uses and binds fresh grants */
  readonly actionIds: readonly string[];
  readonly fresh: boolean;
  readonly nowMs: number;
  /** audit seq of the answer */
  readonly createdBy: number;
}

/** the grant an answer makes, with the lifetime of its scope */
export function makeGrant(draft: GrantDraft): Grant {
  const { scope, task } = draft;
  const taskLived = scope === 'once' || scope === 'task';
  return {
    id: draft.id,
    right: draft.right,
    resource: draft.resource,
    intentId: scope === 'always' ? null : task.intentId,
    scope,
    expiresAtMs: scope === 'hour' ? draft.nowMs + HOUR_MS : null,
    usesLeft: scope === 'once' ? Math.max(1, draft.actionIds.length) : null,
    createdAtMs: draft.nowMs,
    createdBy: draft.createdBy,
    ...(taskLived ? { taskId: task.taskId } : {}),
    ...(draft.fresh ? { freshFor: [...draft.actionIds] } : {}),
  };
}

/** "g12 read /home/notes/* (task t3, 2 uses left)" */
export function describeGrant(grant: Grant): string {
  const parts = [`${grant.id} ${grant.right} ${grant.resource.pattern}`, grant.scope];
  if (grant.intentId !== null) parts.push(`intent ${grant.intentId}`);
  if (grant.expiresAtMs !== null) parts.push(`until ${new Date(grant.expiresAtMs).toISOString()}`);
  if (grant.usesLeft !== null) parts.push(`${grant.usesLeft} use${grant.usesLeft === 1 ? '' : 's'} left`);
  if (grant.freshFor !== undefined) parts.push(`only for ${grant.freshFor.join(', ')}`);
  if (grant.revokedAtMs !== undefined) parts.push('revoked');
  return parts.join(', ');
}
