/**
 * consent/why — "why did this happen?", answered from the audit log alone
 * (no model): exec → the commit decision → the grants it used → the answer
 * and prompt that made each grant → the request → the intent → the user's
 * words. Works for denied and never-executed actions too.
 */

import type { AuditRecord, AuditVerification } from './audit.ts';

type RecordOf<K extends AuditRecord['kind']> = Extract<AuditRecord, { kind: K }>;

export interface GrantTrail {
  readonly grant: RecordOf<'grant'>;
  readonly answer?: RecordOf<'answer'>;
  readonly prompt?: RecordOf<'prompt'>;
  readonly revoked?: RecordOf<'revoke'>;
}

export interface WhyReport {
  readonly actionId: string;
  readonly found: boolean;
  /** 'executed': ran; 'allowed': authorised, no exec record; 'denied' / 'asked': stopped at that decision */
  readonly outcome: 'executed' | 'allowed' | 'denied' | 'asked' | 'unknown';
  readonly intent?: { readonly taskId: string | null; readonly intentId: string | null; readonly text: string };
  readonly request?: RecordOf<'request'>;
  /** plan and commit decisions, in order */
  readonly decisions: readonly RecordOf<'decision'>[];
  readonly exec?: RecordOf<'exec'>;
  readonly observe?: RecordOf<'observe'>;
  readonly grants: readonly GrantTrail[];
  /** the records of the explanation, in log order */
  readonly chain: readonly AuditRecord[];
  /** is the hash chain intact (the story can be trusted) */
  readonly verification: AuditVerification;
  /** the story, one line per step */
  readonly lines: readonly string[];
}

export function explainAction(records: readonly AuditRecord[], actionId: string, verification: AuditVerification): WhyReport {
  const mine = records.filter((r) => r.actionId === actionId);
  const request = mine.find((r): r is RecordOf<'request'> => r.kind === 'request');
  const decisions = mine.filter((r): r is RecordOf<'decision'> => r.kind === 'decision');
  const exec = mine.findLast((r): r is RecordOf<'exec'> => r.kind === 'exec');
  const observe = mine.findLast((r): r is RecordOf<'observe'> => r.kind === 'observe');
  const commit = decisions.findLast((d) => d.phase === 'commit');
  const last = commit ?? decisions.at(-1);

  const grantIds = [...new Set([...(exec?.grantIds ?? []), ...(commit?.grantIds ?? [])])];
  const grants: GrantTrail[] = grantIds.map((grantId) => {
    const grant = records.find((r): r is RecordOf<'grant'> => r.kind === 'grant' && r.grantId === grantId);
    if (grant === undefined) return undefined;
    const answer = records.find((r): r is RecordOf<'answer'> => r.kind === 'answer' && r.seq === grant.answerSeq);
    const prompt = records.find((r): r is RecordOf<'prompt'> => r.kind === 'prompt' && r.promptId === grant.promptId);
    const revoked = records.find((r): r is RecordOf<'revoke'> => r.kind === 'revoke' && r.grantId === grantId);
    return { grant, ...(answer ? { answer } : {}), ...(prompt ? { prompt } : {}), ...(revoked ? { revoked } : {}) };
  }).filter((trail): trail is GrantTrail => trail !== undefined);

  const outcome: WhyReport['outcome'] =
    exec !== undefined ? 'executed' : last === undefined ? 'unknown' : last.decision === 'allow' ? (last.phase === 'commit' ? 'allowed' : 'asked') : last.decision === 'deny' ? 'denied' : 'asked';
  const intent = request !== undefined ? { taskId: request.taskId, intentId: request.intentId, text: request.intentText } : undefined;
  const chainRecords = new Set<AuditRecord>([...mine]);
  for (const trail of grants) for (const r of [trail.prompt, trail.answer, trail.grant, trail.revoked]) if (r !== undefined) chainRecords.add(r);
  const chain = [...chainRecords].sort((a, b) => a.seq - b.seq);

  const lines: string[] = [];
  if (mine.length === 0) lines.push(`no audit record mentions action ${actionId}`);
  else {
    lines.push(`action ${actionId}${request ? `: ${request.tool}` : ''} — ${outcome}`);
    if (intent) lines.push(`  because you asked: "${intent.text}" (task ${intent.taskId}, intent ${intent.intentId})`);
    if (request) {
      for (const need of request.needs) {
        const taint = need.integrity === 'untrusted' ? ` [target from ${need.sources.map((s) => `${s.kind} ${s.ref}`).join(', ')}]` : '';
        lines.push(`  it needed ${need.right} ${need.pattern.pattern} (argument ${need.argument})${taint}`);
      }
    }
    for (const d of decisions) {
      const via = d.grantIds.length > 0 ? ` via grant ${d.grantIds.join(', ')}` : d.ruleId !== null ? ` via rule ${d.ruleId}` : '';
      lines.push(`  #${d.seq} ${d.phase} decision: ${d.decision} (${d.step})${via} — ${d.reason}`);
    }
    for (const trail of grants) {
      const g = trail.grant;
      lines.push(`  #${g.seq} grant ${g.grantId}: ${g.right} ${g.pattern.pattern}, ${g.scope}${g.expiresAtMs !== null ? ` until ${new Date(g.expiresAtMs).toISOString()}` : ''}`);
      if (trail.prompt) {
        const item = trail.prompt.items.find((i) => i.itemId === g.itemId);
        lines.push(`    shown in prompt ${trail.prompt.promptId} (#${trail.prompt.seq})${item ? ` as item ${item.itemId}` : ''}`);
      }
      if (trail.answer) lines.push(`    you answered ${trail.answer.answer} (#${trail.answer.seq})`);
      if (trail.revoked) lines.push(`    revoked later (#${trail.revoked.seq}): ${trail.revoked.reason}`);
    }
    if (exec) lines.push(`  #${exec.seq} executed ${exec.tool}`);
    if (observe) lines.push(`  #${observe.seq} result: ${observe.ok ? 'ok' : 'failed'} (${observe.summaryLength} chars, ${observe.summaryDigest})`);
  }
  if (!verification.ok) lines.push(`  WARNING: the audit log does not verify (${verification.problem}); this story may have been tampered with`);

  return {
    actionId,
    found: mine.length > 0,
    outcome,
    ...(intent ? { intent } : {}),
    ...(request ? { request } : {}),
    decisions,
    ...(exec ? { exec } : {}),
    ...(observe ? { observe } : {}),
    grants,
    chain,
    verification,
    lines,
  };
}
