/**
 * The adapter history: one JSON record per event of the retrain cycle,
 * appended to the record log /lived/adapters/history (adapter-store.ts).
 * It is the source of truth for which adapter is active and when the
 * cycle last ran; both are folded from the records, so a reboot restores
 * them exactly.
 *
 *   trained   a candidate adapter was trained and evaluated on held-out
 *             data: promoted (its folder /lived/adapters/<id>/ exists and it
 *             became active) or rejected (not stored)
 *   skipped   too little data to train on
 *   failed    training or evaluation failed (the error's code and message)
 *   rollback  the active adapter was withdrawn; `to` (an earlier promoted
 *             adapter, or null for the plain base) became active again
 *
 * Fold: promoted adapters form a stack, a rollback pops it; the active
 * adapter is its top. The last run is the newest trained/skipped/failed record.
 * `listTrained` and `describeHistoryRecord` are what `adapters list` shows.
 */

import { fail } from '../common/index.ts';

/** mean held-out cross-entropy [nats per counted token] */
export interface HeldOutLosses {
  /** the base model with no adapter */
  readonly base: number;
  /** the adapter active when the run started; null when none was */
  readonly current: number | null;
  readonly candidate: number;
}

interface HistoryBase {
  /** [ms since the Unix epoch] */
  readonly atMs: number;
}

export type AdapterHistoryRecord =
  | (HistoryBase & {
    readonly kind: 'trained'; readonly id: string; readonly outcome: 'promoted' | 'rejected'; readonly reason: string;
    /** examples [count] and their counted tokens */
    readonly trainExamples: number; readonly heldOutExamples: number; readonly trainTokens: number; readonly heldOutTokens: number;
    readonly corrections: number; readonly steps: number;
    /** wall time of the run [ms] */
    readonly durationMs: number;
    readonly losses: HeldOutLosses;
    /** the adapter it was compared against (active at the start), or null */
    readonly currentId: string | null;
  })
  | (HistoryBase & { readonly kind: 'skipped'; readonly reason: string; readonly trainExamples: number; readonly heldOutExamples: number })
  | (HistoryBase & { readonly kind: 'failed'; readonly id: string; readonly reason: string })
  | (HistoryBase & { readonly kind: 'rollback'; readonly from: string; readonly to: string | null; readonly reason: string });

export type TrainedRecord = Extract<AdapterHistoryRecord, { kind: 'trained' }>;

export interface HistoryState {
  /** the active adapter's id, or null for the plain base */
  readonly active: string | null;
  /** promoted adapters still standing, oldest first (the active one last) */
  readonly promoted: readonly string[];
  /** wall time of the last run (trained, skipped or failed) [ms since the Unix epoch], or null */
  readonly lastRunAtMs: number | null;
  /** trained/failed records so far (numbers the next adapter id) */
  readonly runs: number;
}

const number = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const nullableNumber = (v: unknown): boolean => v === null || number(v);
const text = (v: unknown): boolean => typeof v === 'string';

export function isAdapterHistoryRecord(value: unknown): value is AdapterHistoryRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  if (!number(r['atMs'])) return false;
  switch (r['kind']) {
    case 'trained': {
      const losses = r['losses'] as Record<string, unknown> | null;
      return text(r['id']) && (r['outcome'] === 'promoted' || r['outcome'] === 'rejected') && text(r['reason'])
        && ['trainExamples', 'heldOutExamples', 'trainTokens', 'heldOutTokens', 'corrections', 'steps', 'durationMs'].every((k) => number(r[k]))
        && typeof losses === 'object' && losses !== null && number(losses['base']) && nullableNumber(losses['current']) && number(losses['candidate'])
        && (r['currentId'] === null || text(r['currentId']));
    }
    case 'skipped':
      return text(r['reason']) && number(r['trainExamples']) && number(r['heldOutExamples']);
    case 'failed':
      return text(r['id']) && text(r['reason']);
    case 'rollback':
      return text(r['from']) && (r['to'] === null || text(r['to'])) && text(r['reason']);
    default:
      return false;
  }
}

/** the state after `records` (oldest first); fails train.history_invalid on a rollback that does not match the stack */
export function foldHistory(records: readonly AdapterHistoryRecord[]): HistoryState {
  const promoted: string[] = [];
  let lastRunAtMs: number | null = null;
  let runs = 0;
  for (const record of records) {
    switch (record.kind) {
      case 'trained':
        runs++;
        lastRunAtMs = record.atMs;
        if (record.outcome === 'promoted') promoted.push(record.id);
        break;
      case 'failed':
        runs++;
        lastRunAtMs = record.atMs;
        break;
      case 'skipped':
        lastRunAtMs = record.atMs;
        break;
      case 'rollback':
        if (promoted[promoted.length - 1] !== record.from) {
          fail('train.history_invalid', `adapter history: a rollback from ${record.from} when ${promoted[promoted.length - 1] ?? 'no adapter'} was active`);
        }
        promoted.pop();
        break;
    }
  }
  return { active: promoted[promoted.length - 1] ?? null, promoted, lastRunAtMs, runs };
}

/** "lora-0007": adapter ids sort by run number */
export function adapterIdFor(run: number): string {
  return `lora-${String(run).padStart(4, '0')}`;
}

/** one trained adapter with where it stands now */
export interface AdapterListing {
  readonly record: TrainedRecord;
  /** 'active': in use; 'standing': promoted, a rollback returns to it; 'rolled-back'; 'rejected' (never stored) */
  readonly status: 'active' | 'standing' | 'rolled-back' | 'rejected';
}

/** every trained adapter, oldest first, with its standing in `state` */
export function listTrained(records: readonly AdapterHistoryRecord[], state: HistoryState): AdapterListing[] {
  const standing = new Set(state.promoted);
  return records.filter((r): r is TrainedRecord => r.kind === 'trained').map((record) => ({
    record,
    status: record.outcome === 'rejected' ? 'rejected' : record.id === state.active ? 'active' : standing.has(record.id) ? 'standing' : 'rolled-back',
  }));
}

/** one line for a history record: "2026-01-08 10:00  lora-0002  promoted  held-out 1.2034 (was 1.9110, base 4.3020)  38+9 examples, 19 steps" */
export function describeHistoryRecord(record: AdapterHistoryRecord): string {
  const when = new Date(record.atMs).toISOString().slice(0, 16).replace('T', ' ');
  switch (record.kind) {
    case 'trained': {
      const { losses } = record;
      const was = losses.current === null ? '' : `was ${losses.current.toFixed(4)}, `;
      return `${when}  ${record.id}  ${record.outcome}  held-out ${losses.candidate.toFixed(4)} (${was}base ${losses.base.toFixed(4)})  ${record.trainExamples}+${record.heldOutExamples} examples, ${record.steps} steps, ${(record.durationMs / 1000).toFixed(1)} s`;
    }
    case 'skipped':
      return `${when}  skipped  ${record.reason}`;
    case 'failed':
      return `${when}  ${record.id}  failed  ${record.reason}`;
    case 'rollback':
      return `${when}  rollback  ${record.from} → ${record.to ?? 'base model'}  (${record.reason})`;
  }
}
