/**
 * shell/cognition-commands — the shell's face of the cognition daemon and
 * the consent broker (issue 5, item 6):
 *
 *   ask TEXT...          run one task: the daemon plans, the bundled consent
 *                        prompt is answered here, each action is printed with
 *                        its action id, then the reply (or the question)
 *   grants [-a]          live grants (-a: revoked, used-up and ended ones too)
 *   revoke ID | RIGHT:PATTERN   withdraw grants, effective on the next call
 *   audit [-n N]         the last N audit records (default 20), one line each
 *   why ACTION-ID        the chain behind an action, from the audit log alone
 *
 * These work on the system's cognition objects directly (the Shell's
 * extraCommands), which init builds; the broker itself is the enforcement
 * point, so nothing here can widen what a tool call may do.
 */

import { ChimaeraError, ERROR_CODES, fail, type ErrorCode } from '../common/index.ts';
import { RISK_CLASSES, type AuditRecord, type ConsentUi, type Grant, type Right, type WhyReport } from '../consent/index.ts';
import type { TaskOutcome, TaskRequest } from '../cognition/index.ts';
import type { CommandHost, LineInput, ShellCommand } from './command.ts';
import { TerminalConsentUi } from './consent-prompt.ts';

/** what the commands need of the system's cognition (cli's SystemCognition provides it) */
export interface CognitionPort {
  readonly broker: {
    grants(options?: { includeExpired?: boolean }): readonly Grant[];
    revoke(target: string | { right?: Right; pattern?: string }): readonly Grant[];
    why(actionId: string): WhyReport;
  };
  readonly audit: { records(): AuditRecord[] };
  readonly consent: { attach(ui: ConsentUi, askUser?: (question: string, signal?: AbortSignal) => Promise<string | undefined>): () => void };
  /** the daemon, or llm.not_loaded */
  requireDaemon(): { run(request: TaskRequest): Promise<TaskOutcome> };
}

const NO_INPUT: LineInput = { readLine: async () => undefined };
const DEFAULT_AUDIT_LINES = 20;

// ── formatting (shared with `chimaera ask`) ──────────────────────────────────

/** one line per settled call: action id, the call in display form, what happened */
export function formatSteps(outcome: TaskOutcome): string[] {
  return outcome.steps.map((step) => {
    const what = step.outcome === 'executed' ? (step.result.ok ? 'done' : `failed: ${firstLine(step.result.text)}`) : `${step.outcome}: ${firstLine(step.result.text)}`;
    return `  ${step.actionId}  ${step.rendered}  → ${what}`;
  });
}

/** the end of a task as a line ("reply: …", "question: …") or the typed error it ended with */
export function taskEnding(outcome: TaskOutcome): { readonly text: string } | { readonly error: ChimaeraError } {
  if (outcome.status === 'answered') return { text: outcome.reply ?? '' };
  if (outcome.status === 'asked-user') return { text: `question: ${outcome.question ?? ''}` };
  const message = outcome.error ?? `the task ended ${outcome.status}`;
  const code = message.slice(0, message.indexOf(':'));
  const known = Object.hasOwn(ERROR_CODES, code) ? (code as ErrorCode) : 'daemon.planner_failed';
  return { error: new ChimaeraError(known, `task ${outcome.taskId} ${outcome.status}: ${known === code ? message.slice(code.length + 1).trim() : message}`) };
}

function firstLine(text: string, max = 100): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

function formatWhen(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** the user's words for each intent id, from the audit log's request records */
function intentTexts(records: readonly AuditRecord[]): Map<string, string> {
  const texts = new Map<string, string>();
  for (const r of records) if (r.kind === 'request' && r.intentId !== null && !texts.has(r.intentId)) texts.set(r.intentId, r.intentText);
  return texts;
}

export function formatGrants(grants: readonly Grant[], intents: ReadonlyMap<string, string>): string {
  if (grants.length === 0) return 'no grants';
  const rows = grants.map((g) => [
    g.id, g.right, g.resource.pattern, g.scope, formatWhen(g.expiresAtMs), g.usesLeft === null ? '-' : String(g.usesLeft),
    g.revokedAtMs !== undefined ? 'revoked' : g.intentId === null ? '(standing)' : `${g.intentId}${intents.has(g.intentId) ? ` "${firstLine(intents.get(g.intentId)!, 50)}"` : ''}`,
  ]);
  const header = ['ID', 'RIGHT', 'PATTERN', 'SCOPE', 'EXPIRES', 'USES', 'INTENT'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** one audit record on one line */
export function formatAuditRecord(r: AuditRecord): string {
  const head = `#${r.seq} ${formatWhen(r.atMs)} ${r.kind.padEnd(8)} ${r.actionId ?? r.taskId ?? '-'}`;
  switch (r.kind) {
    case 'request':
      return `${head} ${r.tool} needs ${r.needs.map((n) => `${n.right} ${n.pattern.pattern}`).join(', ') || 'nothing'}`;
    case 'decision':
      return `${head} ${r.phase} ${r.decision} (${r.step})${r.grantIds.length > 0 ? ` via ${r.grantIds.join(',')}` : r.ruleId !== null ? ` via rule ${r.ruleId}` : ''}`;
    case 'prompt':
      return `${head} ${r.promptId}: ${r.items.length} item${r.items.length === 1 ? '' : 's'}`;
    case 'answer':
      return `${head} ${r.promptId}: ${r.answer} (${r.choices.filter((c) => c.allow).length}/${r.choices.length} allowed)`;
    case 'grant':
      return `${head} ${r.grantId} ${r.right} ${r.pattern.pattern} ${r.scope}`;
    case 'revoke':
      return `${head} ${r.grantId}: ${r.reason}`;
    case 'exec':
      return `${head} ${r.tool}${r.grantIds.length > 0 ? ` via ${r.grantIds.join(',')}` : r.ruleId !== null ? ` via rule ${r.ruleId}` : ''}`;
    case 'observe':
      return `${head} ${r.ok ? 'ok' : 'failed'} (${r.summaryLength} chars)`;
  }
}

/** "g1-3" → the id; "write:/home/**" → a filter; a bare right → every grant of it */
export function parseRevokeTarget(text: string): string | { right: Right; pattern?: string } {
  const colon = text.indexOf(':');
  const rightText = colon === -1 ? text : text.slice(0, colon);
  if (!(RISK_CLASSES as readonly string[]).includes(rightText)) {
    if (colon !== -1) fail('arg.invalid', `revoke: "${rightText}" is not a right (${RISK_CLASSES.join(', ')})`);
    return text;
  }
  const pattern = colon === -1 ? '' : text.slice(colon + 1);
  return pattern === '' ? { right: rightText as Right } : { right: rightText as Right, pattern };
}

// ── the commands ─────────────────────────────────────────────────────────────

function command(name: string, usage: string, summary: string, run: ShellCommand['run']): ShellCommand {
  return { name, usage, summary, run };
}

function usageError(usage: string): never {
  fail('arg.missing', `wrong arguments\n  usage: ${usage}`);
}

export function cognitionCommands(cognition: CognitionPort): ShellCommand[] {
  return [
    command('ask', 'ask TEXT...', 'ask in plain language: the cognition daemon plans, asks consent once, acts and replies', async (shell, args) => {
      if (args.length === 0) usageError('ask TEXT...');
      const daemon = cognition.requireDaemon();
      const outcome = await runWithTerminal(shell, cognition, () => daemon.run({ text: args.join(' '), presence: 'interactive' }));
      const lines = formatSteps(outcome);
      if (lines.length > 0) shell.print(lines.join('\n'));
      const ending = taskEnding(outcome);
      if ('error' in ending) throw ending.error;
      shell.print(ending.text);
    }),
    command('grants', 'grants [-a]', 'consent grants: id, right, pattern, scope, expiry, uses left, intent (-a: past ones too)', async (shell, args) => {
      if (args.length > 1 || (args.length === 1 && args[0] !== '-a')) usageError('grants [-a]');
      const grants = cognition.broker.grants({ includeExpired: args[0] === '-a' });
      shell.print(formatGrants(grants, intentTexts(cognition.audit.records())));
    }),
    command('revoke', 'revoke GRANT-ID | RIGHT[:PATTERN]', 'withdraw grants (by id, or every grant of a right overlapping a pattern)', async (shell, args) => {
      if (args.length !== 1) usageError('revoke GRANT-ID | RIGHT[:PATTERN]');
      const revoked = cognition.broker.revoke(parseRevokeTarget(args[0]!));
      if (revoked.length === 0) fail('consent.unknown_grant', `no live grant matches ${args[0]}`);
      shell.print(revoked.map((g) => `revoked ${g.id} ${g.right} ${g.resource.pattern}`).join('\n'));
    }),
    command('audit', 'audit [-n N]', 'the consent audit log: the last N records (default 20), one line each', async (shell, args) => {
      let count = DEFAULT_AUDIT_LINES;
      if (args.length === 2 && args[0] === '-n') {
        count = Number(args[1]);
        if (!Number.isInteger(count) || count < 1) fail('arg.invalid', `audit: -n needs a positive whole number, got "${args[1]}"`);
      } else if (args.length !== 0) usageError('audit [-n N]');
      const records = cognition.audit.records();
      shell.print(records.length === 0 ? 'the audit log is empty' : records.slice(-count).map(formatAuditRecord).join('\n'));
    }),
    command('why', 'why ACTION-ID', 'why an action happened (or did not): decision, grant, prompt, answer, your words', async (shell, args) => {
      if (args.length !== 1) usageError('why ACTION-ID');
      const report = cognition.broker.why(args[0]!);
      if (!report.found) fail('arg.invalid', `no audit record mentions action ${args[0]} (action ids look like t3.1.0; \`audit\` lists them)`);
      shell.print(report.lines.join('\n'));
    }),
  ];
}

/** run a task with this shell's line input answering consent prompts and ask_user */
async function runWithTerminal(shell: CommandHost, cognition: CognitionPort, run: () => Promise<TaskOutcome>): Promise<TaskOutcome> {
  const input = shell.lineInput ?? NO_INPUT;
  const ui = new TerminalConsentUi(input, (text) => shell.io.write(text));
  const askUser = async (question: string, signal?: AbortSignal): Promise<string | undefined> => {
    if (shell.lineInput === undefined) return undefined; // nobody to ask: the task ends with the question
    shell.print(`question: ${question}`);
    const answer = await input.readLine('answer> ', signal);
    return answer === undefined || answer.trim() === '' ? undefined : answer;
  };
  const detach = cognition.consent.attach(ui, askUser);
  try {
    return await run();
  } finally {
    detach();
  }
}
