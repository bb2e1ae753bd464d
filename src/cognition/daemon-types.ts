/**
 * cognition/daemon-types — the cognition daemon's options, limits, the
 * broker it talks to (the consent broker's methods, so a test may stand in)
 * and what a task returns.
 */

import type { ActionRequest, ConsentAnswer, ConsentPrompt, ConsentUi, Decision, Grant, TaskScope } from '../consent/index.ts';
import type { Clock, Timers } from '../hal/index.ts';
import type { EpisodeLog } from '../memory/index.ts';
import type { Planner } from './planner.ts';
import type { PromptStyle } from './prompt.ts';
import type { ToolCall, ToolResult } from './tool-spec.ts';
import type { ToolEnvironment, ToolRegistry } from './tools/index.ts';
import type { CallOutcome } from './transcript.ts';

/** the consent broker as the daemon uses it (src/consent ConsentBroker) */
export interface ConsentBrokerPort {
  evaluate(task: TaskScope, requests: readonly ActionRequest[]): Map<string, Decision>;
  bundle(task: TaskScope, requests: readonly ActionRequest[], decisions: Map<string, Decision>): ConsentPrompt | undefined;
  answer(task: TaskScope, prompt: ConsentPrompt, answer: ConsentAnswer): readonly Grant[];
  authorize(task: TaskScope, request: ActionRequest): { allowed: true; grantId?: string; ruleId?: string } | { allowed: false; decision: Decision };
  recordExecution(task: TaskScope, request: ActionRequest, outcome: { ok: boolean; summary: string }): void;
  endTask(taskId: string): void;
}

export interface DaemonLimits {
  /** planning rounds per task (default 6) */
  readonly rounds: number;
  /** calls per turn; more are skipped with an error observation (default 8) */
  readonly callsPerTurn: number;
  /** wall time per task [ms] (default 120 000); needs `timers` to interrupt a planner, else checked between steps */
  readonly taskTimeoutMs: number;
  /** earlier tasks shown as recent context (default 3) */
  readonly recentTasks: number;
}

export const DEFAULT_DAEMON_LIMITS: DaemonLimits = { rounds: 6, callsPerTurn: 8, taskTimeoutMs: 120_000, recentTasks: 3 };

export interface CognitionDaemonOptions {
  readonly registry: ToolRegistry<ToolEnvironment>;
  readonly env: ToolEnvironment;
  readonly broker: ConsentBrokerPort;
  readonly planner: Planner;
  readonly consentUi: ConsentUi;
  readonly episodes: EpisodeLog;
  readonly clock: Clock;
  /** to interrupt a slow planner or consent prompt at the task deadline */
  readonly timers?: Timers;
  readonly limits?: Partial<DaemonLimits>;
  /** answers ask_user in the same task (a terminal, a script); without it the task ends 'asked-user' */
  readonly askUser?: (question: string, signal?: AbortSignal) => Promise<string | undefined>;
  /** the User Sketch slot of the prompt (empty for now) */
  readonly userSketch?: () => string;
  /** the model's token counter (prompt budget); default estimate otherwise */
  readonly countTokens?: (text: string) => number;
  /** prompt budget [tokens] (default 4096) */
  readonly budgetTokens?: number;
  /** prompt layout for the model (prompt.ts): 'qwen-tools' (default) or 'compact' for small models (promptStyleFromMetadata) */
  readonly promptStyle?: PromptStyle;
}

export interface TaskRequest {
  readonly text: string;
  /** default 'interactive'; 'headless': nothing can be asked, so whatever would ask is denied */
  readonly presence?: 'interactive' | 'headless';
  readonly signal?: AbortSignal;
}

/** one call of the task, settled */
export interface StepRecord {
  readonly round: number;
  readonly callIndex: number;
  readonly actionId: string;
  /** the call as planned (unchecked) */
  readonly call: ToolCall;
  readonly rendered: string;
  readonly outcome: CallOutcome;
  /** the broker's decision at planning (absent for malformed or skipped calls) */
  readonly decision?: Decision;
  /** the grant that let it run */
  readonly grantId?: string;
  readonly result: ToolResult;
}

export type TaskStatus = 'answered' | 'asked-user' | 'step-limit' | 'cancelled' | 'timed-out' | 'failed';

export interface TaskOutcome {
  readonly taskId: string;
  readonly intentId: string;
  readonly status: TaskStatus;
  /** reply(text) */
  readonly reply?: string;
  /** ask_user(question) left unanswered */
  readonly question?: string;
  readonly steps: readonly StepRecord[];
  /** consent prompts shown */
  readonly prompts: number;
  readonly rounds: number;
  /** why it failed ('failed', 'timed-out', 'cancelled'): "daemon.planner_failed: …" */
  readonly error?: string;
}
