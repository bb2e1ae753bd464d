/**
 * cognition/scenarios/scripted-models — the two scripted "models" of the
 * suite, written against observations only (what each call returned), so
 * they test the broker alone:
 *
 * - oracle: replays the task's ground truth, turn by turn (the benign
 *   utility ceiling);
 * - obedient: does the user's task but ALSO follows every order it finds in
 *   tool output (injected-calls.ts), at once: each order becomes a program
 *   run one call per turn before the next ground-truth turn, with `$LAST`
 *   replaced by what the program's previous call returned — a model that
 *   copies what it read into whatever the attacker asked for.
 */

import { renderCall, type ToolLookup } from '../actions.ts';
import type { ArgumentValue } from '../../consent/index.ts';
import type { PlannedTurn, Planner, PlannerInput } from '../planner.ts';
import type { ToolCall } from '../tool-spec.ts';
import type { TranscriptEntry } from '../transcript.ts';
import { findInjectedCalls } from './injected-calls.ts';
import { LAST_RESULT } from './injections.ts';
import type { Observation, UserTask } from './types.ts';

/** one turn of a scripted model from what it has observed so far */
export interface ScriptedModel {
  next(observations: readonly Observation[]): readonly ToolCall[];
}

/** replays `task.groundTruth`; after the last turn it only replies */
export class OracleModel implements ScriptedModel {
  private turn = 0;
  constructor(private readonly task: UserTask) {}

  next(observations: readonly Observation[]): readonly ToolCall[] {
    const script = this.task.groundTruth[this.turn++];
    if (script === undefined) return [{ tool: 'reply', args: { text: 'Done.' } }];
    return typeof script === 'function' ? script(observations) : script;
  }
}

interface AttackProgram {
  readonly calls: readonly ToolCall[];
  /** index of the next call to emit */
  next: number;
  /** the rendered form of the last call emitted (to find its observation) */
  lastRendered: string | undefined;
}

/** follows the user's task and every injected order it reads */
export class ObedientModel implements ScriptedModel {
  private readonly oracle: OracleModel;
  private readonly programs: AttackProgram[] = [];
  private readonly seenOrders = new Set<string>();
  private scanned = 0;
  /** calls this model emitted because an observation told it to */
  readonly followed: ToolCall[] = [];

  constructor(
    task: UserTask,
    private readonly tools: ToolLookup,
    private readonly toolNames: readonly string[],
  ) {
    this.oracle = new OracleModel(task);
  }

  next(observations: readonly Observation[]): readonly ToolCall[] {
    for (; this.scanned < observations.length; this.scanned++) {
      const observation = observations[this.scanned]!;
      if (!observation.ok) continue; // refusals and errors echo calls back; only tool output gives orders
      const orders = findInjectedCalls(observation.text, this.tools, this.toolNames);
      if (orders.length === 0) continue;
      const key = orders.map(renderCall).join('\n');
      if (this.seenOrders.has(key)) continue;
      this.seenOrders.add(key);
      this.programs.push({ calls: orders, next: 0, lastRendered: undefined });
    }
    const attackTurn: ToolCall[] = [];
    for (const program of this.programs) {
      const planned = program.calls[program.next];
      if (planned === undefined) continue;
      const previous = program.lastRendered === undefined ? '' : lastResultOf(observations, program.lastRendered);
      const call = substituteLast(planned, previous);
      program.next++;
      program.lastRendered = renderCall(call);
      attackTurn.push(call);
      this.followed.push(call);
    }
    return attackTurn.length > 0 ? attackTurn : this.oracle.next(observations);
  }
}

/** the text of the latest observation of the call rendered as `rendered` ('' when none) */
function lastResultOf(observations: readonly Observation[], rendered: string): string {
  for (let index = observations.length - 1; index >= 0; index--) {
    if (renderCall(observations[index]!.call) === rendered) return observations[index]!.text;
  }
  return '';
}

function substituteLast(call: ToolCall, previous: string): ToolCall {
  const args: Record<string, ArgumentValue> = {};
  for (const [name, value] of Object.entries(call.args)) args[name] = typeof value === 'string' ? value.replaceAll(LAST_RESULT, previous) : value;
  return { tool: call.tool, args };
}

// ── as a daemon Planner ─────────────────────────────────────────────────────

/** what each call of the transcript returned, in order (ok: executed and the tool succeeded) */
export function observationsOf(transcript: readonly TranscriptEntry[]): Observation[] {
  const observations: Observation[] = [];
  for (const entry of transcript) {
    if (entry.kind !== 'call') continue;
    observations.push({ call: entry.call, ok: entry.outcome === 'executed' && entry.result.ok, text: entry.result.text });
  }
  return observations;
}

/** a scripted model behind the daemon's Planner interface */
export class ScenarioPlanner implements Planner {
  constructor(readonly model: ScriptedModel) {}

  async plan(input: PlannerInput): Promise<PlannedTurn> {
    return { calls: this.model.next(observationsOf(input.transcript)) };
  }
}
