/**
 * cognition/daemon — the cognition daemon's loop for one task
 * (COGNITION.md §3):
 *
 *   task ← request (trusted)
 *   each round (≤ limits.rounds):
 *     prompt ← assemble(budget)            plan ← planner (≤ callsPerTurn calls)
 *     check each call (malformed → error observation, never reaches the broker)
 *     decisions ← broker.evaluate(plan)     asks → one bundled prompt → broker.answer
 *     each call: broker.authorize → execute → broker.recordExecution → labelled observation
 *   until reply(text) | ask_user(question) unanswered | limit | timeout | cancel
 *
 * Errors are data: a denied call becomes a daemon.consent_denied
 * observation, a failed tool an error observation; the model sees both.
 * The broker is asked twice: `evaluate` decides the plan, `authorize`
 * commits each call just before it runs (a revocation in between wins).
 * A broker that throws denies (fail closed). Every step goes to the
 * episodic log; a failing episodic log is reported to klog, never fatal.
 */

import { ChimaeraError, isChimaeraError } from '../common/index.ts';
import type { ActionRequest, ConsentAnswer, Decision, Label, TaskScope } from '../consent/index.ts';
import type { EpisodeRecord } from '../memory/index.ts';
import { buildActionRequest, actionIdOf } from './action-requests.ts';
import { checkCall, renderCall } from './actions.ts';
import { DEFAULT_DAEMON_LIMITS, type CognitionDaemonOptions, type DaemonLimits, type StepRecord, type TaskOutcome, type TaskRequest, type TaskStatus } from './daemon-types.ts';
import { trustedLabel, USER_LABEL } from './labels.ts';
import { assemblePrompt, type RecentTurn } from './prompt.ts';
import type { ToolCall, ToolResult } from './tool-spec.ts';
import { canonicalToolPath, executeTool, TERMINAL_TOOLS, type ToolEnvironment } from './tools/index.ts';
import { contextLabel, userTexts, type CallOutcome, type TranscriptEntry } from './transcript.ts';

/** a call of the current turn on its way through the broker */
interface PendingCall {
  readonly callIndex: number;
  readonly actionId: string;
  readonly planned: ToolCall;
  readonly rendered: string;
  /** undefined: malformed or skipped; `settled` says why */
  readonly request: ActionRequest | undefined;
  readonly argumentLabels: Readonly<Record<string, Label>>;
  readonly settled?: { readonly outcome: CallOutcome; readonly result: ToolResult };
}

function systemResult(code: string, text: string): ToolResult {
  return { ok: false, text, label: trustedLabel({ kind: 'system', ref: code }) };
}

function describeFailure(error: unknown): string {
  if (isChimaeraError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export class CognitionDaemon {
  private readonly options: CognitionDaemonOptions;
  readonly limits: DaemonLimits;
  private nextTask: number;
  private episodeFailures = 0;

  constructor(options: CognitionDaemonOptions) {
    this.options = options;
    this.limits = { ...DEFAULT_DAEMON_LIMITS, ...options.limits };
    let started = 0;
    for (const { record } of options.episodes.records()) if (record.kind === 'task-start') started++;
    this.nextTask = started + 1;
  }

  /** run one task to its end; never throws for expected failures (they are the outcome) */
  async run(taskRequest: TaskRequest): Promise<TaskOutcome> {
    const { clock, broker, planner, registry } = this.options;
    const number = this.nextTask++;
    const task: TaskScope = { taskId: `t${number}`, intentId: `i${number}`, intentText: taskRequest.text, presence: taskRequest.presence ?? 'interactive' };
    const env: ToolEnvironment = { ...this.options.env, taskId: task.taskId };
    const controller = new AbortController();
    const outer = taskRequest.signal;
    const onOuterAbort = (): void => controller.abort(outer?.reason);
    if (outer?.aborted === true) controller.abort(outer.reason);
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    const deadline = clock.now() + this.limits.taskTimeoutMs;
    let timedOut = false;
    const cancelTimer = this.options.timers?.schedule(this.limits.taskTimeoutMs, () => {
      timedOut = true;
      controller.abort(new ChimaeraError('timeout', `task ${task.taskId} ran past ${this.limits.taskTimeoutMs} ms`));
    });
    const signal = controller.signal;

    const transcript: TranscriptEntry[] = [{ kind: 'request', text: taskRequest.text, label: USER_LABEL }];
    const steps: StepRecord[] = [];
    let prompts = 0;
    /** the needs (rights on resources) the user refused in this task: not asked again (consent fatigue) */
    const refused = new Set<string>();
    let round = 0;
    const recent = this.recentContext(task.taskId);
    this.record({ kind: 'task-start', taskId: task.taskId, atMs: clock.wallTime(), intentId: task.intentId, text: task.intentText, presence: task.presence, label: USER_LABEL });

    const finish = (status: TaskStatus, extra: { reply?: string; question?: string; error?: string } = {}): TaskOutcome => {
      cancelTimer?.();
      outer?.removeEventListener('abort', onOuterAbort);
      try {
        broker.endTask(task.taskId);
      } catch (error) {
        this.options.env.klog.error('cognition', `broker.endTask(${task.taskId}) failed: ${describeFailure(error)}`);
      }
      this.record({ kind: 'end', taskId: task.taskId, atMs: clock.wallTime(), status, rounds: round, calls: steps.length });
      return { taskId: task.taskId, intentId: task.intentId, status, steps, prompts, rounds: round, ...extra };
    };
    const stopped = (): TaskOutcome | undefined => {
      if (timedOut || clock.now() >= deadline) return finish('timed-out', { error: `timeout: task ran past ${this.limits.taskTimeoutMs} ms` });
      if (signal.aborted) return finish('cancelled', { error: 'cancelled: the task was cancelled' });
      return undefined;
    };

    while (round < this.limits.rounds) {
      round++;
      const early = stopped();
      if (early !== undefined) return early;

      // ── plan ──
      const prompt = assemblePrompt({
        tools: registry.list(),
        transcript,
        userSketch: this.options.userSketch?.() ?? '',
        pinnedFacts: [`Current time: ${new Date(clock.wallTime()).toISOString()}`],
        recentContext: recent,
        ...(this.options.countTokens === undefined ? {} : { countTokens: this.options.countTokens }),
        ...(this.options.budgetTokens === undefined ? {} : { budgetTokens: this.options.budgetTokens }),
        ...(this.options.promptStyle === undefined ? {} : { style: this.options.promptStyle }),
      });
      let calls: readonly ToolCall[];
      let raw: string | undefined;
      try {
        const turn = await planner.plan({ taskId: task.taskId, round, request: task.intentText, transcript: [...transcript], tools: registry.list(), prompt }, signal);
        calls = Array.isArray(turn?.calls) ? turn.calls : [];
        raw = typeof turn?.raw === 'string' ? turn.raw : undefined;
      } catch (error) {
        const late = stopped();
        if (late !== undefined) return late;
        this.options.env.klog.warn('cognition', `task ${task.taskId}: planner failed in round ${round}: ${describeFailure(error)}`);
        return finish('failed', { error: `daemon.planner_failed: ${describeFailure(error)}` });
      }
      const late = stopped();
      if (late !== undefined) return late;
      if (calls.length === 0) return finish('failed', { error: `daemon.plan_invalid: the planner returned no call in round ${round}` });

      const pending = this.prepare(task.taskId, round, calls, transcript, env);
      this.record({ kind: 'plan', taskId: task.taskId, atMs: clock.wallTime(), round, calls: pending.map((p) => ({ actionId: p.actionId, rendered: p.rendered })), ...(raw === undefined ? {} : { raw }) });

      // ── decide, ask once ──
      const requests = pending.flatMap((p) => (p.request === undefined ? [] : [p.request]));
      const decisions = this.evaluate(task, requests);
      for (const request of requests) {
        if (decisions.get(request.actionId)?.kind === 'ask' && refused.has(needsKey(request))) {
          decisions.set(request.actionId, { kind: 'deny', step: 'user-deny', reason: 'the user refused this earlier in this task' });
        }
      }
      for (const request of requests) {
        const decision = decisions.get(request.actionId)!;
        this.record({ kind: 'decision', taskId: task.taskId, atMs: clock.wallTime(), actionId: request.actionId, decision: decision.kind, step: decision.step, reason: decision.reason });
      }
      if (task.presence === 'interactive' && requests.some((r) => decisions.get(r.actionId)?.kind === 'ask')) {
        const asked = await this.askConsent(task, requests, decisions, signal);
        if (asked) prompts++;
      }

      // ── execute in order ──
      let ending: { status: TaskStatus; reply?: string; question?: string } | undefined;
      for (const call of pending) {
        let settled = call.settled;
        let grantId: string | undefined;
        let answer: TranscriptEntry | undefined;
        let followUp: EpisodeRecord | undefined;
        const request = call.request;
        if (settled === undefined && request !== undefined) {
          if (ending !== undefined || signal.aborted) {
            settled = { outcome: 'skipped', result: systemResult('skipped', ending !== undefined ? 'skipped: the task ended earlier in this turn' : 'skipped: the task was cancelled') };
          } else {
            const authorization = this.authorize(task, request);
            if (!authorization.allowed) {
              if (decisions.get(request.actionId)?.kind === 'ask') refused.add(needsKey(request));
              const reason = authorization.decision.reason;
              settled = { outcome: 'denied', result: systemResult('daemon.consent_denied', `daemon.consent_denied: ${request.rendered} was not allowed (${reason})`) };
            } else {
              grantId = authorization.grantId;
              const executed = await this.execute(task, request, call, env, signal);
              settled = executed.settled;
              if (executed.ending !== undefined) ending = executed.ending;
              answer = executed.answer;
              followUp = executed.episode;
            }
          }
        }
        const final = settled ?? { outcome: 'skipped' as const, result: systemResult('skipped', 'skipped') };
        const decision = request === undefined ? undefined : decisions.get(request.actionId);
        steps.push({
          round, callIndex: call.callIndex, actionId: call.actionId, call: call.planned, rendered: call.rendered, outcome: final.outcome, result: final.result,
          ...(decision === undefined ? {} : { decision }), ...(grantId === undefined ? {} : { grantId }),
        });
        this.record({ kind: 'exec', taskId: task.taskId, atMs: clock.wallTime(), actionId: call.actionId, rendered: call.rendered, ok: final.outcome === 'executed' && final.result.ok, text: final.result.text, label: final.result.label });
        if (followUp !== undefined) this.record(followUp);
        transcript.push({ kind: 'call', round, actionId: call.actionId, call: request === undefined ? call.planned : { tool: request.tool, args: request.args }, rendered: call.rendered, outcome: final.outcome, result: final.result });
        if (answer !== undefined) transcript.push(answer);
      }
      if (ending !== undefined) return finish(ending.status, { ...(ending.reply === undefined ? {} : { reply: ending.reply }), ...(ending.question === undefined ? {} : { question: ending.question }) });
    }
    const last = stopped();
    if (last !== undefined) return last;
    return finish('step-limit', { error: `daemon.step_limit: no reply after ${this.limits.rounds} rounds` });
  }

  // ── the steps ──────────────────────────────────────────────────────────

  /** check, canonicalise and label each planned call; malformed and over-limit calls settle here */
  private prepare(taskId: string, round: number, calls: readonly ToolCall[], transcript: readonly TranscriptEntry[], env: ToolEnvironment): PendingCall[] {
    const context = contextLabel(transcript);
    const trustedTexts = userTexts(transcript);
    let terminalSeen = false;
    return calls.map((planned, callIndex) => {
      const actionId = actionIdOf(taskId, round, callIndex);
      const rendered = safeRender(planned);
      if (callIndex >= this.limits.callsPerTurn) {
        return { callIndex, actionId, planned, rendered, request: undefined, argumentLabels: {}, settled: { outcome: 'skipped', result: systemResult('daemon.plan_invalid', `daemon.plan_invalid: at most ${this.limits.callsPerTurn} calls per turn; ${rendered} was not run`) } };
      }
      if (terminalSeen) {
        return { callIndex, actionId, planned, rendered, request: undefined, argumentLabels: {}, settled: { outcome: 'skipped', result: systemResult('skipped', `skipped: ${rendered} came after reply/ask_user in the same turn`) } };
      }
      try {
        const checked = checkCall(planned, this.options.registry);
        const spec = this.options.registry.require(checked.tool);
        const canonical = canonicalArguments(checked, spec.params, env);
        const { request, argumentLabels } = buildActionRequest({ taskId, round, callIndex, call: canonical, spec, context, trustedTexts });
        if (TERMINAL_TOOLS.has(spec.name)) terminalSeen = true;
        return { callIndex, actionId, planned, rendered: request.rendered, request, argumentLabels };
      } catch (error) {
        if (!isChimaeraError(error)) throw error;
        return { callIndex, actionId, planned, rendered, request: undefined, argumentLabels: {}, settled: { outcome: 'malformed', result: systemResult(error.code, `${error.code}: ${error.message}`) } };
      }
    });
  }

  private evaluate(task: TaskScope, requests: readonly ActionRequest[]): Map<string, Decision> {
    let decisions: Map<string, Decision>;
    try {
      decisions = this.options.broker.evaluate(task, requests);
    } catch (error) {
      this.options.env.klog.error('cognition', `broker.evaluate failed for task ${task.taskId}: ${describeFailure(error)}`);
      decisions = new Map();
    }
    for (const request of requests) {
      if (!decisions.has(request.actionId)) decisions.set(request.actionId, { kind: 'deny', step: 'broker-error', reason: 'the broker gave no decision' });
    }
    return decisions;
  }

  /** one bundled prompt for every 'ask' of the turn; true when a prompt was shown */
  private async askConsent(task: TaskScope, requests: readonly ActionRequest[], decisions: Map<string, Decision>, signal: AbortSignal): Promise<boolean> {
    const { broker, consentUi, clock } = this.options;
    let prompt;
    try {
      prompt = broker.bundle(task, requests, decisions);
    } catch (error) {
      this.options.env.klog.error('cognition', `broker.bundle failed for task ${task.taskId}: ${describeFailure(error)}`);
      return false;
    }
    if (prompt === undefined) return false;
    let answer: ConsentAnswer;
    try {
      answer = await consentUi.ask(prompt, signal);
    } catch (error) {
      this.options.env.klog.warn('cognition', `consent prompt for task ${task.taskId} got no answer (${describeFailure(error)}): denying`);
      answer = { kind: 'deny-all' };
    }
    try {
      broker.answer(task, prompt, answer);
    } catch (error) {
      this.options.env.klog.error('cognition', `broker.answer failed for task ${task.taskId}: ${describeFailure(error)}`);
    }
    this.record({ kind: 'consent', taskId: task.taskId, atMs: clock.wallTime(), promptId: prompt.promptId, items: prompt.items.length, answer: answer.kind });
    return true;
  }

  private authorize(task: TaskScope, request: ActionRequest): ReturnType<CognitionDaemonOptions['broker']['authorize']> {
    try {
      return this.options.broker.authorize(task, request);
    } catch (error) {
      this.options.env.klog.error('cognition', `broker.authorize failed for ${request.actionId}: ${describeFailure(error)}`);
      return { allowed: false, decision: { kind: 'deny', step: 'broker-error', reason: `the broker failed: ${describeFailure(error)}` } };
    }
  }

  /** run one authorised call; reply and ask_user end the task (or ask_user is answered on the spot) */
  private async execute(task: TaskScope, request: ActionRequest, call: PendingCall, env: ToolEnvironment, signal: AbortSignal): Promise<{
    settled: { outcome: CallOutcome; result: ToolResult };
    ending?: { status: TaskStatus; reply?: string; question?: string };
    answer?: TranscriptEntry;
    /** the reply or user-answer record, written after the exec record */
    episode?: EpisodeRecord;
  }> {
    const { broker, clock } = this.options;
    const spec = this.options.registry.require(request.tool);
    const result = await executeTool(spec, env, request.args, {
      signal,
      onBug: (error) => this.options.env.klog.error('cognition', `tool ${spec.name} (${request.actionId}) failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
    });
    try {
      broker.recordExecution(task, request, { ok: result.ok, summary: result.text.slice(0, 200) });
    } catch (error) {
      this.options.env.klog.error('cognition', `broker.recordExecution failed for ${request.actionId}: ${describeFailure(error)}`);
    }
    const settled = { outcome: 'executed' as const, result };
    if (!result.ok) return { settled };
    if (request.tool === 'reply') {
      const text = request.args['text'] as string;
      const episode: EpisodeRecord = { kind: 'reply', taskId: task.taskId, atMs: clock.wallTime(), text, label: call.argumentLabels['text'] ?? USER_LABEL };
      return { settled, ending: { status: 'answered', reply: text }, episode };
    }
    if (request.tool === 'ask_user') {
      const question = request.args['question'] as string;
      const answer = task.presence === 'interactive' && this.options.askUser !== undefined ? await this.options.askUser(question, signal).catch(() => undefined) : undefined;
      if (answer === undefined) return { settled, ending: { status: 'asked-user', question } };
      const label: Label = trustedLabel({ kind: 'user', ref: 'ask_user' });
      const episode: EpisodeRecord = { kind: 'user-answer', taskId: task.taskId, atMs: clock.wallTime(), question, text: answer, label };
      return { settled: { outcome: 'executed', result: { ok: true, text: `The user answered: ${answer}`, label } }, answer: { kind: 'user-answer', question, text: answer, label }, episode };
    }
    return { settled };
  }

  // ── context and the episodic log ───────────────────────────────────────

  /** earlier tasks for the prompt: requests always (the user's words); replies only when trusted, so old file data does not taint this task */
  private recentContext(taskId: string): RecentTurn[] {
    if (this.limits.recentTasks <= 0) return [];
    try {
      return this.options.episodes.recentTasks(this.limits.recentTasks, { excludeTaskId: taskId }).map((t) => ({
        request: t.request,
        reply: t.reply === undefined ? undefined : t.replyLabel?.integrity === 'trusted' ? t.reply : '(reply derived from file contents; not shown here, use memory.recall)',
      }));
    } catch (error) {
      this.options.env.klog.warn('cognition', `recent context unavailable: ${describeFailure(error)}`);
      return [];
    }
  }

  private record(record: EpisodeRecord): void {
    try {
      this.options.episodes.append(record);
    } catch (error) {
      if (this.episodeFailures++ === 0) this.options.env.klog.warn('cognition', `episodic log write failed (further failures not logged): ${describeFailure(error)}`);
    }
  }
}

function safeRender(call: ToolCall): string {
  try {
    if (typeof call?.tool !== 'string' || typeof call.args !== 'object' || call.args === null) return `<malformed call ${JSON.stringify(call)?.slice(0, 120) ?? ''}>`;
    return renderCall({ tool: call.tool, args: Object.fromEntries(Object.entries(call.args).map(([k, v]) => [k, typeof v === 'number' ? v : String(v)])) });
  } catch {
    return '<malformed call>';
  }
}

/** path arguments spelled as stored on the volume (short-name aliases and case resolved), so the broker matches what will really be touched */
function canonicalArguments(call: ToolCall, params: readonly { name: string; type: { kind: string } }[], env: ToolEnvironment): ToolCall {
  const args: Record<string, string | number> = { ...call.args };
  for (const param of params) {
    const value = args[param.name];
    if (param.type.kind === 'path' && typeof value === 'string') args[param.name] = canonicalToolPath(env, value);
  }
  return { tool: call.tool, args };
}

/** what a consent item is about: the request's tool and its needs (right on resource), not its data */
function needsKey(request: ActionRequest): string {
  return `${request.tool} ${request.needs.map((need) => `${need.right}:${need.resource.kind}:${need.resource.name}`).sort().join(' ')}`;
}
