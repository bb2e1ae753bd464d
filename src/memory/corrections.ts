/**
 * memory/corrections — the user saying an answer was wrong. A correction is
 * one more record in the episodic log (beside the task records of
 * episodes.ts; EpisodeLog.records() skips it, readCorrections() finds it):
 *
 *   { kind: 'correction', taskId: 't3', atMs, source: 'command',   text: 'the Oslo trip is in May', answer: '<tool_call>…' }
 *   { kind: 'correction', taskId: 't3', atMs, source: 'follow-up', text: 'the Q3 report', byTaskId: 't4' }
 *
 * Two ways in:
 *   'command'    `correct TASK-ID TEXT` in the shell: the user states the
 *                right answer; `answer` is the assistant turn the model
 *                should have produced (rendered by the caller in the action
 *                grammar, e.g. a reply call).
 *   'follow-up'  the user's next request opens with "no, I meant …"
 *                (followUpCorrection): the earlier task was wrong and the
 *                follow-up task (`byTaskId`) holds the right answer.
 *                findFollowUpCorrections finds these in the log after the
 *                fact, so nothing has to write them at the time.
 *
 * The retrain cycle (train/dataset.ts) trains on corrected answers and
 * never on a reply the user corrected.
 */

import { fail } from '../common/index.ts';
import type { EpisodeLog } from './episodes.ts';

export type CorrectionSource = 'command' | 'follow-up';

export interface CorrectionRecord {
  readonly kind: 'correction';
  /** the task whose answer was wrong */
  readonly taskId: string;
  /** [ms since the Unix epoch] */
  readonly atMs: number;
  readonly source: CorrectionSource;
  /** the user's words */
  readonly text: string;
  /** the assistant turn the model should have produced (action grammar text), when the user gave it */
  readonly answer?: string;
  /** source 'follow-up': the later task whose answer was the right one */
  readonly byTaskId?: string;
}

export interface StoredCorrection {
  readonly seq: number;
  readonly record: CorrectionRecord;
}

/** a follow-up request counts as a correction only this soon after the task it corrects started [ms] */
export const FOLLOW_UP_WINDOW_MS = 10 * 60 * 1000;

export function isCorrectionRecord(value: unknown): value is CorrectionRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return r['kind'] === 'correction' && typeof r['taskId'] === 'string' && typeof r['atMs'] === 'number'
    && (r['source'] === 'command' || r['source'] === 'follow-up') && typeof r['text'] === 'string'
    && (r['answer'] === undefined || typeof r['answer'] === 'string') && (r['byTaskId'] === undefined || typeof r['byTaskId'] === 'string');
}

/**
 * Append a correction of `taskId` (which must have started in this log) and
 * commit it; returns its sequence number. Fails memory.correction_invalid
 * for an unknown task, empty text, or a 'command' correction without an answer.
 */
export function appendCorrection(episodes: EpisodeLog, correction: Omit<CorrectionRecord, 'kind'>): number {
  const record: CorrectionRecord = { kind: 'correction', ...correction };
  if (!isCorrectionRecord(record)) fail('memory.correction_invalid', `correction of task ${JSON.stringify(correction.taskId)} is malformed`);
  if (record.text.trim() === '') fail('memory.correction_invalid', `correction of task ${record.taskId} has no text`);
  if (record.source === 'command' && (record.answer ?? '').trim() === '') fail('memory.correction_invalid', `correction of task ${record.taskId} by command needs the right answer`);
  if (record.source === 'follow-up' && record.byTaskId === undefined) fail('memory.correction_invalid', `follow-up correction of task ${record.taskId} must name the follow-up task`);
  let known = false;
  for (const { record: r } of episodes.records()) {
    if (r.kind === 'task-start' && r.taskId === record.taskId) {
      known = true;
      break;
    }
  }
  if (!known) fail('memory.correction_invalid', `there is no task ${record.taskId} in the episodic log to correct`, { taskId: record.taskId });
  return episodes.log.appendCommitted(record);
}

/** every correction in the log, oldest first */
export function readCorrections(episodes: EpisodeLog): StoredCorrection[] {
  const out: StoredCorrection[] = [];
  for (const entry of episodes.log.records()) if (isCorrectionRecord(entry.value)) out.push({ seq: entry.seq, record: entry.value });
  return out;
}

// "no, I meant …", "no — I wanted …", "I meant …", "wrong, I asked for …"
const FOLLOW_UP_PATTERN = /^\s*(?:(?:no|nope|wrong|not that|that's wrong|that is wrong)\s*[,.!;:—–-]*\s*)?i\s+(?:meant|mean|wanted|asked\s+for)\s*[,:]?\s+(\S.*)$/isu;

/** the corrected request when `text` is a "no, I meant …" follow-up, else undefined */
export function followUpCorrection(text: string): string | undefined {
  const match = FOLLOW_UP_PATTERN.exec(text);
  return match === null ? undefined : match[1]!.trim();
}

/**
 * Corrections implied by the log: a task whose request is a follow-up
 * ("no, I meant …") started within FOLLOW_UP_WINDOW_MS of the task before
 * it corrects that task. Returned as records (not stored).
 */
export function findFollowUpCorrections(episodes: EpisodeLog, windowMs = FOLLOW_UP_WINDOW_MS): CorrectionRecord[] {
  const out: CorrectionRecord[] = [];
  let previous: { taskId: string; atMs: number } | undefined;
  for (const { record } of episodes.records()) {
    if (record.kind !== 'task-start') continue;
    const meant = followUpCorrection(record.text);
    if (meant !== undefined && previous !== undefined && record.atMs - previous.atMs <= windowMs) {
      out.push({ kind: 'correction', taskId: previous.taskId, atMs: record.atMs, source: 'follow-up', text: meant, byTaskId: record.taskId });
    }
    previous = { taskId: record.taskId, atMs: record.atMs };
  }
  return out;
}
