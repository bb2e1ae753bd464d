/**
 * memory/episodes — the episodic log: what the cognition daemon lived, one
 * typed record per step of a task (start with the user's words, plan,
 * decision, consent, execution result, user answer, reply, end), appended
 * to a JsonLog (a crash-safe record log; /lived/episodes on the system disk,
 * a RAM device in tests).
 *
 * Reading back: `task(taskId)` replays one task; `recentTasks(n)` lists the
 * last tasks with their request and reply; `search(query, k)` ranks the
 * records that hold text by Okapi BM25 (Robertson & Zaragoza 2009, "The
 * Probabilistic Relevance Framework: BM25 and Beyond") over lower-cased
 * word terms. Knobs: k1 = 1.2 (term-frequency saturation, usual range
 * 1.2–2.0), b = 0.75 (length normalisation, 0 = none … 1 = full).
 *
 * Every text record keeps the taint label it was written with, and search
 * returns it unchanged, so a recalled file excerpt stays untrusted.
 * Labels are structurally the consent layer's `Label` (memory is layer 4
 * and cannot import consent).
 */

import { fail } from '../common/index.ts';
import type { JsonLog } from '../fs/index.ts';

/** where a piece of text came from (same shape as consent's LabelSource) */
export interface EpisodeLabelSource {
  readonly kind: string;
  readonly ref: string;
}

/** the taint label a text was stored with (same shape as consent's Label) */
export interface EpisodeLabel {
  readonly integrity: 'trusted' | 'untrusted';
  readonly private: boolean;
  readonly sources: readonly EpisodeLabelSource[];
}

interface EpisodeBase {
  readonly taskId: string;
  /** [ms since the Unix epoch] (wall clock of the daemon) */
  readonly atMs: number;
}

export type EpisodeRecord =
  | (EpisodeBase & { readonly kind: 'task-start'; readonly intentId: string; readonly text: string; readonly presence: 'interactive' | 'headless'; readonly label: EpisodeLabel })
  | (EpisodeBase & { readonly kind: 'plan'; readonly round: number; readonly calls: readonly { readonly actionId: string; readonly rendered: string }[]; readonly raw?: string })
  | (EpisodeBase & { readonly kind: 'decision'; readonly actionId: string; readonly decision: 'allow' | 'deny' | 'ask'; readonly step: string; readonly reason: string })
  | (EpisodeBase & { readonly kind: 'consent'; readonly promptId: string; readonly items: number; readonly answer: string })
  | (EpisodeBase & { readonly kind: 'exec'; readonly actionId: string; readonly rendered: string; readonly ok: boolean; readonly text: string; readonly label: EpisodeLabel })
  | (EpisodeBase & { readonly kind: 'user-answer'; readonly question: string; readonly text: string; readonly label: EpisodeLabel })
  | (EpisodeBase & { readonly kind: 'reply'; readonly text: string; readonly label: EpisodeLabel })
  | (EpisodeBase & { readonly kind: 'end'; readonly status: string; readonly rounds: number; readonly calls: number });

export type EpisodeKind = EpisodeRecord['kind'];

/** a stored record with its log sequence number */
export interface StoredEpisode {
  readonly seq: number;
  readonly record: EpisodeRecord;
}

/** one search hit: a record that holds text, with its stored label */
export interface EpisodeHit {
  readonly seq: number;
  readonly taskId: string;
  readonly kind: EpisodeKind;
  readonly text: string;
  readonly label: EpisodeLabel;
  readonly score: number;
}

/** one earlier task, for the prompt's recent-context slot */
export interface TaskSummary {
  readonly taskId: string;
  readonly request: string;
  readonly requestLabel: EpisodeLabel;
  readonly reply: string | undefined;
  readonly replyLabel: EpisodeLabel | undefined;
  readonly status: string | undefined;
}

export interface EpisodeSearchOptions {
  /** only look at the newest `window` records; default 10 000 */
  readonly window?: number;
  /** leave out this task's own records (recall is about the past) */
  readonly excludeTaskId?: string;
}

/** the fields each kind must carry beyond taskId and atMs, with their JSON types */
const REQUIRED_FIELDS: Readonly<Record<EpisodeKind, Readonly<Record<string, 'string' | 'number' | 'boolean' | 'label' | 'array'>>>> = {
  'task-start': { intentId: 'string', text: 'string', presence: 'string', label: 'label' },
  plan: { round: 'number', calls: 'array' },
  decision: { actionId: 'string', decision: 'string', step: 'string', reason: 'string' },
  consent: { promptId: 'string', items: 'number', answer: 'string' },
  exec: { actionId: 'string', rendered: 'string', ok: 'boolean', text: 'string', label: 'label' },
  'user-answer': { question: 'string', text: 'string', label: 'label' },
  reply: { text: 'string', label: 'label' },
  end: { status: 'string', rounds: 'number', calls: 'number' },
};
/** stored text per record [UTF-16 units]; longer texts are cut with a marker */
export const EPISODE_TEXT_LIMIT = 4096;
const BM25_K1 = 1.2;
const BM25_B = 0.75;
const DEFAULT_SEARCH_WINDOW = 10_000;

function isLabel(value: unknown): value is EpisodeLabel {
  if (typeof value !== 'object' || value === null) return false;
  const label = value as Record<string, unknown>;
  return (label['integrity'] === 'trusted' || label['integrity'] === 'untrusted') && typeof label['private'] === 'boolean' && Array.isArray(label['sources']);
}

/** shape check for records written and read back */
export function isEpisodeRecord(value: unknown): value is EpisodeRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  const kind = record['kind'];
  if (typeof kind !== 'string' || !Object.hasOwn(REQUIRED_FIELDS, kind)) return false;
  if (typeof record['taskId'] !== 'string' || typeof record['atMs'] !== 'number') return false;
  for (const [field, type] of Object.entries(REQUIRED_FIELDS[kind as EpisodeKind])) {
    const fieldValue = record[field];
    const fits = type === 'label' ? isLabel(fieldValue) : type === 'array' ? Array.isArray(fieldValue) : typeof fieldValue === type;
    if (!fits) return false;
  }
  return true;
}

/** records that carry text a recall can find, with their label */
function textOf(record: EpisodeRecord): { text: string; label: EpisodeLabel } | undefined {
  switch (record.kind) {
    case 'task-start':
    case 'exec':
    case 'user-answer':
    case 'reply':
      return { text: record.text, label: record.label };
    default:
      return undefined;
  }
}

/**
 * Lower-cased word terms: letters and digits, with compounds joined by
 * . _ - @ kept whole and also split ("q3-report.pdf" → "q3-report.pdf",
 * "q3", "report", "pdf"), so a search finds both.
 */
export function searchTerms(text: string): string[] {
  const terms: string[] = [];
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+(?:[._@-][\p{L}\p{N}]+)*/gu) ?? []) {
    terms.push(word);
    if (/[._@-]/.test(word)) terms.push(...word.split(/[._@-]/));
  }
  return terms;
}

function capText(text: string): string {
  if (text.length <= EPISODE_TEXT_LIMIT) return text;
  return `${text.slice(0, EPISODE_TEXT_LIMIT)}\n[… ${text.length - EPISODE_TEXT_LIMIT} more characters not stored]`;
}

export class EpisodeLog {
  readonly log: JsonLog<unknown>;

  constructor(log: JsonLog<unknown>) {
    this.log = log;
  }

  /** append and commit one record; returns its sequence number. Texts over EPISODE_TEXT_LIMIT are cut. */
  append(record: EpisodeRecord): number {
    if (!isEpisodeRecord(record)) fail('memory.episode_invalid', `episode record of kind ${JSON.stringify((record as { kind?: unknown }).kind)} for task ${JSON.stringify((record as { taskId?: unknown }).taskId)} is malformed`);
    const stored = 'text' in record ? { ...record, text: capText(record.text) } : record;
    return this.log.appendCommitted(stored);
  }

  /** every committed record, oldest first (records of another shape are skipped) */
  *records(fromSeq = 1): Generator<StoredEpisode, void, undefined> {
    for (const entry of this.log.records(fromSeq)) {
      if (isEpisodeRecord(entry.value)) yield { seq: entry.seq, record: entry.value };
    }
  }

  /** one task's records in order */
  task(taskId: string): StoredEpisode[] {
    const out: StoredEpisode[] = [];
    for (const stored of this.records()) if (stored.record.taskId === taskId) out.push(stored);
    return out;
  }

  /** the newest `count` tasks (oldest of them first), each with its request and final reply */
  recentTasks(count: number, options: { excludeTaskId?: string } = {}): TaskSummary[] {
    const byTask = new Map<string, { request: string; requestLabel: EpisodeLabel; reply?: string; replyLabel?: EpisodeLabel; status?: string }>();
    for (const { record } of this.records()) {
      if (record.taskId === options.excludeTaskId) continue;
      if (record.kind === 'task-start') {
        byTask.delete(record.taskId);
        byTask.set(record.taskId, { request: record.text, requestLabel: record.label });
        continue;
      }
      const task = byTask.get(record.taskId);
      if (task === undefined) continue;
      if (record.kind === 'reply') {
        task.reply = record.text;
        task.replyLabel = record.label;
      } else if (record.kind === 'end') task.status = record.status;
    }
    const tasks = [...byTask.entries()].slice(-Math.max(0, count));
    return tasks.map(([taskId, t]) => ({ taskId, request: t.request, requestLabel: t.requestLabel, reply: t.reply, replyLabel: t.replyLabel, status: t.status }));
  }

  /** the `k` text records most relevant to `query` by BM25, best first; ties go to the newer record */
  search(query: string, k: number, options: EpisodeSearchOptions = {}): EpisodeHit[] {
    if (!Number.isInteger(k) || k < 1) fail('memory.query_invalid', `memory search needs k >= 1, got ${k}`);
    const queryTerms = [...new Set(searchTerms(query))];
    if (queryTerms.length === 0) fail('memory.query_invalid', `memory search for ${JSON.stringify(query.slice(0, 80))} has no words to look for`);
    const window = options.window ?? DEFAULT_SEARCH_WINDOW;

    // collect the window of documents: (record, term counts, length)
    const documents: { seq: number; record: EpisodeRecord; text: string; label: EpisodeLabel; counts: Map<string, number>; length: number }[] = [];
    for (const { seq, record } of this.records()) {
      if (record.taskId === options.excludeTaskId) continue;
      const body = textOf(record);
      if (body === undefined) continue;
      const terms = searchTerms(body.text);
      const counts = new Map<string, number>();
      for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
      documents.push({ seq, record, text: body.text, label: body.label, counts, length: terms.length });
      if (documents.length > window) documents.shift();
    }
    if (documents.length === 0) return [];

    const averageLength = documents.reduce((sum, d) => sum + d.length, 0) / documents.length || 1;
    const documentFrequency = new Map<string, number>();
    for (const term of queryTerms) documentFrequency.set(term, documents.filter((d) => d.counts.has(term)).length);

    const hits: EpisodeHit[] = [];
    for (const document of documents) {
      let score = 0;
      for (const term of queryTerms) {
        const frequency = document.counts.get(term) ?? 0;
        if (frequency === 0) continue;
        const containing = documentFrequency.get(term) ?? 0;
        const inverse = Math.log(1 + (documents.length - containing + 0.5) / (containing + 0.5));
        score += (inverse * frequency * (BM25_K1 + 1)) / (frequency + BM25_K1 * (1 - BM25_B + (BM25_B * document.length) / averageLength));
      }
      if (score > 0) hits.push({ seq: document.seq, taskId: document.record.taskId, kind: document.record.kind, text: document.text, label: document.label, score });
    }
    hits.sort((a, b) => b.score - a.score || b.seq - a.seq);
    return hits.slice(0, k);
  }
}
