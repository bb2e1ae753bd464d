/**
 * cognition/planner — what plans a turn: given the request, the transcript
 * so far and the assembled prompt, a planner returns the calls of one
 * assistant turn (1–8; the daemon checks them, so a planner may return
 * anything at all). `ScriptedPlanner` replays fixed turns or computes them
 * from the transcript: scenario tests, the broker-only suite and the
 * adversarial model all use it. `LlmPlanner` (llm-planner.ts) is the model.
 */

import { parseCallSyntax } from './actions.ts';
import type { AssembledPrompt } from './prompt.ts';
import type { ToolCall, ToolSpec } from './tool-spec.ts';
import type { TranscriptEntry } from './transcript.ts';

export interface PlannerInput {
  readonly taskId: string;
  /** 1-based round of this task */
  readonly round: number;
  /** the user's words */
  readonly request: string;
  /** this task so far (request, rounds with labelled results, user answers) */
  readonly transcript: readonly TranscriptEntry[];
  readonly tools: readonly ToolSpec<never>[] | readonly ToolSpec<unknown>[];
  /** the prompt the daemon assembled for this round (a model planner generates from it) */
  readonly prompt: AssembledPrompt;
}

export interface PlannedTurn {
  /** unchecked calls, as the planner produced them */
  readonly calls: readonly ToolCall[];
  /** the raw model output, kept in the episodic log */
  readonly raw?: string;
}

export interface Planner {
  plan(input: PlannerInput, signal?: AbortSignal): Promise<PlannedTurn>;
}

/** one scripted turn: calls, or their display forms ('fs.read(path="/home/a.txt")') */
export type ScriptedTurn = PlannedTurn | readonly (ToolCall | string)[];
export type ScriptFunction = (input: PlannerInput) => ScriptedTurn | Promise<ScriptedTurn>;

function toTurn(turn: ScriptedTurn): PlannedTurn {
  if (!Array.isArray(turn)) return turn as PlannedTurn;
  return { calls: (turn as readonly (ToolCall | string)[]).map((c) => (typeof c === 'string' ? parseCallSyntax(c) : c)) };
}

/**
 * Replays `script`: a list of turns (turn i for round i; past the end it
 * plans nothing, which fails the task), or a function of the planner input.
 */
export class ScriptedPlanner implements Planner {
  private readonly script: readonly ScriptedTurn[] | ScriptFunction;
  /** the inputs seen, in order (tests inspect prompts and transcripts) */
  readonly inputs: PlannerInput[] = [];

  constructor(script: readonly ScriptedTurn[] | ScriptFunction) {
    this.script = script;
  }

  async plan(input: PlannerInput): Promise<PlannedTurn> {
    this.inputs.push(input);
    if (typeof this.script === 'function') return toTurn(await this.script(input));
    const turn = this.script[input.round - 1];
    return turn === undefined ? { calls: [] } : toTurn(turn);
  }
}
