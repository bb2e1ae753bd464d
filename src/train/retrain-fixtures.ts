/**
 * Fixtures for the retrain tests: a character-level chat encoder for tiny
 * vocabularies (ChatML markers as single ids, every other character folded
 * into the rest of the vocabulary) and synthetic tasks in the episodic log,
 * written record by record as the cognition daemon writes them.
 */

import type { EpisodeLabel, EpisodeLog } from '../memory/index.ts';
import type { ChatTokenEncoder } from './chat-examples.ts';

export const IM_START_ID = 1;
export const IM_END_ID = 2;
const FIRST_TEXT_ID = 4;

/** ids 1 and 2 for <|im_start|> / <|im_end|> in template segments; characters map to FIRST_TEXT_ID … vocab−1 */
export function characterEncoder(vocabSize: number): ChatTokenEncoder {
  const span = vocabSize - FIRST_TEXT_ID;
  const plain = (text: string, out: number[]): void => {
    for (const ch of text) out.push(FIRST_TEXT_ID + (ch.codePointAt(0)! % span));
  };
  return {
    encode(text, kind) {
      const out: number[] = [];
      if (kind === 'content') {
        plain(text, out);
        return out;
      }
      for (const piece of text.split(/(<\|im_start\|>|<\|im_end\|>)/)) {
        if (piece === '<|im_start|>') out.push(IM_START_ID);
        else if (piece === '<|im_end|>') out.push(IM_END_ID);
        else plain(piece, out);
      }
      return out;
    },
  };
}

export const USER_LABEL: EpisodeLabel = { integrity: 'trusted', private: false, sources: [{ kind: 'user', ref: 'request' }] };
export const FILE_LABEL: EpisodeLabel = { integrity: 'untrusted', private: true, sources: [{ kind: 'fs.read', ref: '/home/a.txt' }] };

export interface SyntheticTask {
  readonly taskId: string;
  readonly request: string;
  /** the model's raw turns, one per round; results between them */
  readonly turns: readonly string[];
  readonly results?: readonly string[];
  readonly status?: string;
  readonly atMs?: number;
  readonly label?: EpisodeLabel;
}

/** append one task's records: task-start, per round plan (+ exec), reply, end */
export function writeTask(episodes: EpisodeLog, task: SyntheticTask): void {
  const { taskId } = task;
  const at = task.atMs ?? 1_000;
  episodes.append({ kind: 'task-start', taskId, atMs: at, intentId: `i${taskId}`, text: task.request, presence: 'interactive', label: USER_LABEL });
  task.turns.forEach((raw, round) => {
    const actionId = `${taskId}.${round + 1}.0`;
    episodes.append({ kind: 'plan', taskId, atMs: at + 1, round: round + 1, calls: [{ actionId, rendered: `call${round}` }], raw });
    episodes.append({ kind: 'decision', taskId, atMs: at + 2, actionId, decision: 'allow', step: 'allow-rule', reason: 'policy' });
    const result = task.results?.[round] ?? 'ok';
    episodes.append({ kind: 'exec', taskId, atMs: at + 3, actionId, rendered: `call${round}`, ok: true, text: result, label: task.label ?? USER_LABEL });
  });
  const status = task.status ?? 'answered';
  if (status === 'answered') episodes.append({ kind: 'reply', taskId, atMs: at + 4, text: 'done', label: task.label ?? USER_LABEL });
  episodes.append({ kind: 'end', taskId, atMs: at + 5, status, rounds: task.turns.length, calls: task.turns.length });
}

const WORDS = ['mail', 'notes', 'photos', 'music', 'todo', 'plans'] as const;

/** `count` answered tasks "open WORD" → "done WORD", ids t{first} … */
export function writeOpenTasks(episodes: EpisodeLog, count: number, first = 1): void {
  for (let i = 0; i < count; i++) {
    const n = first + i;
    const word = WORDS[(n * 7) % WORDS.length]!;
    writeTask(episodes, { taskId: `t${n}`, request: `open ${word}`, turns: [`done ${word}`], atMs: 1_000 * n });
  }
}
