/**
 * The LoRA dataset of the retrain cycle, built from the episodic log
 * (memory/episodes.ts) and its corrections (memory/corrections.ts):
 *
 *   accepted answer   a task that ended 'answered' and that the user did not
 *                     correct: [system?] user request → each planning round's
 *                     assistant turn (the model's raw action-grammar text),
 *                     with that round's results as tool responses between.
 *   correction        a task the user corrected: its request → the right
 *                     answer. By command: the answer the user gave. By
 *                     follow-up ("no, I meant …"): the assistant turns of the
 *                     follow-up task, if that one was accepted. The wrong
 *                     answer is never trained on, and the follow-up task
 *                     itself is not an example of its own (its request only
 *                     makes sense after the one it corrects).
 *
 * Chat examples count the assistant turns only (chat-examples.ts). The
 * split into train / held-out is deterministic by task: CRC-32 of the task
 * id (UTF-8) mod 100 below `heldOutPercent` is held out, so a task never
 * moves between the two as the log grows.
 *
 * What is left out is counted by reason (DatasetSkips), for the klog line.
 * Knobs: heldOutPercent (default 20), maxTokens (examples longer are left
 * out, not cut: a cut turn would teach the model to stop early), systemPrompt
 * (the prompt style's system turn; null for none), privateTasks ('include'
 * by default: adapters stay in /lived beside the episodes they come from;
 * 'exclude' drops tasks that touched text labelled private).
 */

import { crc32 } from '../common/index.ts';
import type { ChatMessage } from '../llm/index.ts';
import { findFollowUpCorrections, readCorrections, type CorrectionRecord, type EpisodeLog, type EpisodeRecord } from '../memory/index.ts';
import { encodeChatExample, type ChatExample, type ChatTokenEncoder } from './chat-examples.ts';

export interface DatasetOptions {
  readonly encoder: ChatTokenEncoder;
  /** the system turn every example opens with; null for none */
  readonly systemPrompt: string | null;
  /** tool schemas for the <tools> block ('qwen-tools' style); default none */
  readonly tools?: readonly unknown[];
  /** longest example [tokens] (the trainer's maxTokens) */
  readonly maxTokens: number;
  /** share of tasks held out for evaluation [%], 0–100; default 20 */
  readonly heldOutPercent?: number;
  /** default 'include' */
  readonly privateTasks?: 'include' | 'exclude';
}

export type ExampleSource = 'accepted' | 'correction';

export interface DatasetExample extends ChatExample {
  /** the task the example teaches the answer of */
  readonly taskId: string;
  readonly source: ExampleSource;
}

/** why tasks were left out [count] */
export interface DatasetSkips {
  /** ended other than 'answered' (failed, asked the user, timed out, …) and not corrected */
  notAnswered: number;
  /** a planning round without the model's raw text (a scripted planner) */
  noRawTurn: number;
  /** corrected, but no right answer is known (the follow-up was not accepted either) */
  correctedWithoutAnswer: number;
  /** a follow-up correction; its answer teaches the task it corrects */
  followUp: number;
  /** touched private text and privateTasks is 'exclude' */
  private: number;
  /** longer than maxTokens */
  tooLong: number;
}

export interface LoraDataset {
  readonly train: readonly DatasetExample[];
  readonly heldOut: readonly DatasetExample[];
  /** tasks seen in the log */
  readonly tasks: number;
  /** corrections applied (stored and follow-up) */
  readonly corrections: number;
  readonly skips: DatasetSkips;
}

/** one task read back from the log */
interface TaskEpisode {
  readonly taskId: string;
  readonly request: string;
  readonly status: string | undefined;
  /** the conversation after the request: assistant turns and tool responses, or undefined when a round lacks raw text */
  readonly turns: ChatMessage[] | undefined;
  readonly touchedPrivate: boolean;
}

/** 0–99: the task's bucket for the held-out split */
export function heldOutBucket(taskId: string): number {
  return crc32(new TextEncoder().encode(taskId)) % 100;
}

export function buildLoraDataset(episodes: EpisodeLog, options: DatasetOptions): LoraDataset {
  const heldOutPercent = options.heldOutPercent ?? 20;
  const tasks = readTasks(episodes);
  const corrections = new Map<string, CorrectionRecord>();
  // stored corrections win over implied ones; a later correction wins over an earlier one
  for (const c of findFollowUpCorrections(episodes)) corrections.set(c.taskId, c);
  for (const { record } of readCorrections(episodes)) if (tasks.has(record.taskId)) corrections.set(record.taskId, record);
  const followUps = new Set([...corrections.values()].flatMap((c) => (c.byTaskId === undefined ? [] : [c.byTaskId])));
  const skips: DatasetSkips = { notAnswered: 0, noRawTurn: 0, correctedWithoutAnswer: 0, followUp: 0, private: 0, tooLong: 0 };
  const train: DatasetExample[] = [];
  const heldOut: DatasetExample[] = [];
  let applied = 0;

  for (const task of tasks.values()) {
    const correction = corrections.get(task.taskId);
    let turns: ChatMessage[] | undefined;
    let source: ExampleSource = 'accepted';
    let touchedPrivate = task.touchedPrivate;
    if (correction !== undefined) {
      source = 'correction';
      if (correction.answer !== undefined) turns = [{ role: 'assistant', content: correction.answer }];
      else {
        const by = correction.byTaskId === undefined ? undefined : tasks.get(correction.byTaskId);
        const accepted = by !== undefined && by.status === 'answered' && !corrections.has(by.taskId) && by.turns !== undefined;
        if (accepted) {
          turns = by.turns;
          touchedPrivate ||= by.touchedPrivate;
        }
      }
      if (turns === undefined) {
        skips.correctedWithoutAnswer++;
        continue;
      }
      applied++;
    } else if (followUps.has(task.taskId)) {
      skips.followUp++;
      continue;
    } else if (task.status !== 'answered') {
      skips.notAnswered++;
      continue;
    } else if (task.turns === undefined) {
      skips.noRawTurn++;
      continue;
    } else turns = task.turns;
    if (touchedPrivate && options.privateTasks === 'exclude') {
      skips.private++;
      continue;
    }
    const messages: ChatMessage[] = [
      ...(options.systemPrompt === null ? [] : [{ role: 'system' as const, content: options.systemPrompt }]),
      { role: 'user', content: task.request },
      ...turns,
    ];
    const example = encodeChatExample(messages, options.encoder, options.tools === undefined ? {} : { tools: options.tools });
    if (example === undefined || example.counted === 0) {
      skips.noRawTurn++;
      continue;
    }
    if (example.tokens.length > options.maxTokens) {
      skips.tooLong++;
      continue;
    }
    const entry: DatasetExample = { ...example, taskId: task.taskId, source };
    (heldOutBucket(task.taskId) < heldOutPercent ? heldOut : train).push(entry);
  }
  return { train, heldOut, tasks: tasks.size, corrections: applied, skips };
}

/** every task of the log, in start order, with its conversation after the request */
function readTasks(episodes: EpisodeLog): Map<string, TaskEpisode> {
  const building = new Map<string, { request: string; status?: string; turns: ChatMessage[]; rawMissing: boolean; touchedPrivate: boolean }>();
  for (const { record } of episodes.records()) {
    if (record.kind === 'task-start') {
      building.delete(record.taskId);
      building.set(record.taskId, { request: record.text, turns: [], rawMissing: false, touchedPrivate: record.label.private });
      continue;
    }
    const task = building.get(record.taskId);
    if (task === undefined) continue;
    addRecord(task, record);
  }
  const out = new Map<string, TaskEpisode>();
  for (const [taskId, t] of building) {
    // tool responses after the last assistant turn are not part of anything to learn
    while (t.turns.length > 0 && t.turns[t.turns.length - 1]!.role !== 'assistant') t.turns.pop();
    out.set(taskId, { taskId, request: t.request, status: t.status, turns: t.rawMissing || t.turns.length === 0 ? undefined : t.turns, touchedPrivate: t.touchedPrivate });
  }
  return out;
}

function addRecord(task: { status?: string; turns: ChatMessage[]; rawMissing: boolean; touchedPrivate: boolean }, record: EpisodeRecord): void {
  switch (record.kind) {
    case 'plan':
      if (record.raw === undefined) task.rawMissing = true;
      else task.turns.push({ role: 'assistant', content: record.raw });
      return;
    case 'exec':
      task.turns.push({ role: 'tool', content: record.text });
      task.touchedPrivate ||= record.label.private;
      return;
    case 'decision':
      // a refused call came back to the model as an error observation
      if (record.decision === 'deny') task.turns.push({ role: 'tool', content: `daemon.consent_denied: ${record.reason}` });
      return;
    case 'user-answer':
      task.turns.push({ role: 'tool', content: `The user answered: ${record.text}` });
      return;
    case 'reply':
      task.touchedPrivate ||= record.label.private;
      return;
    case 'end':
      task.status = record.status;
      return;
    default:
      return;
  }
}
