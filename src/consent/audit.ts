/**
 * consent/audit — the append-only audit log of the consent broker: every
 * request, decision, prompt, answer, grant, revocation, execution and
 * observation, chained by SHA-256 so an edited, dropped or truncated record
 * is detected (COGNITION.md §4 "Audit log").
 *
 * A record is one JSON object, stored as UTF-8 bytes exactly as hashed:
 *   { seq, prevHash, atMs, kind, taskId, intentId, actionId, ...body }
 * seq runs 1, 2, 3…; prevHash is the hex SHA-256 of the previous record's
 * stored JSON (GENESIS_HASH for seq 1). Bodies carry digests, not texts
 * (file contents and messages stay in the episodic log); the user's own
 * words (intentText) are kept so `why` can answer without a model.
 *
 * Storage: a RecordLog (crash-safe, CRC-chained frames; /lived/audit on the
 * volume, a RamBlockDevice in tests) or an array of strings (tests). The
 * RecordLog's CRCs catch torn sectors; the hash chain catches deliberate
 * edits that fix up CRCs, and the remembered head catches truncation.
 */

import { fail, sha256Hex } from '../common/index.ts';
import type { Clock } from '../hal/index.ts';
import { openLogFile, type Fat32Volume, type RecordLog } from '../fs/index.ts';
import type { LabelSource, GrantScope, ResourcePattern, Right, RiskClass } from './types.ts';

/** prevHash of the first record: 64 zeros */
export const GENESIS_HASH = '0'.repeat(64);
/** where the system keeps the audit log */
export const AUDIT_PATH = '/lived/audit';
const AUDIT_LOG_BYTES = 4 * 2 ** 20;

// ── record shapes ────────────────────────────────────────────────────────────

export type AuditKind = 'request' | 'decision' | 'prompt' | 'answer' | 'grant' | 'revoke' | 'exec' | 'observe';

/** one need as audited: the target, not the data */
export interface AuditedNeed {
  readonly right: Right;
  readonly pattern: ResourcePattern;
  readonly argument: string;
  readonly integrity: 'trusted' | 'untrusted';
  readonly private: boolean;
  readonly sources: readonly LabelSource[];
}

export interface AuditedItem {
  readonly itemId: string;
  readonly right: Right;
  readonly pattern: ResourcePattern;
  readonly actionIds: readonly string[];
  readonly scopes: readonly GrantScope[];
  readonly preselected: boolean;
  readonly provenance: readonly LabelSource[];
}

/** the body of a record, by kind */
export type AuditEntry = { readonly taskId: string | null; readonly intentId: string | null; readonly actionId: string | null } & (
  | {
      readonly kind: 'request';
      readonly planId: string;
      readonly callIndex: number;
      readonly tool: string;
      readonly risk: RiskClass | string;
      /** "sha256:<hex>" of the canonical JSON of the arguments */
      readonly argsDigest: string;
      readonly needs: readonly AuditedNeed[];
      readonly dataPrivate: boolean;
      readonly dataSources: readonly LabelSource[];
      /** the user's words, at most 1000 units */
      readonly intentText: string;
    }
  | {
      readonly kind: 'decision';
      /** 'plan': evaluate (may ask); 'commit': authorize, just before the call runs */
      readonly phase: 'plan' | 'commit';
      readonly decision: 'allow' | 'deny' | 'ask';
      readonly step: string;
      readonly reason: string;
      readonly grantIds: readonly string[];
      readonly ruleId: string | null;
      readonly provenance: readonly LabelSource[];
    }
  | { readonly kind: 'prompt'; readonly promptId: string; readonly headline: string; readonly items: readonly AuditedItem[] }
  | {
      readonly kind: 'answer';
      readonly promptId: string;
      readonly answer: 'allow-all' | 'deny-all' | 'each';
      readonly choices: readonly { readonly itemId: string; readonly allow: boolean; readonly scope: GrantScope | null }[];
      /** item ids the answer named that the prompt did not have (ignored) */
      readonly ignored: readonly string[];
    }
  | {
      readonly kind: 'grant';
      readonly grantId: string;
      readonly right: Right;
      readonly pattern: ResourcePattern;
      readonly scope: GrantScope;
      readonly expiresAtMs: number | null;
      readonly usesLeft: number | null;
      readonly promptId: string | null;
      readonly itemId: string | null;
      /** seq of the answer record that made it */
      readonly answerSeq: number;
      readonly freshFor: readonly string[] | null;
    }
  | { readonly kind: 'revoke'; readonly grantId: string; readonly reason: string }
  | { readonly kind: 'exec'; readonly tool: string; readonly grantIds: readonly string[]; readonly ruleId: string | null }
  | { readonly kind: 'observe'; readonly ok: boolean; readonly summaryDigest: string; readonly summaryLength: number }
);

export type AuditRecord = { readonly seq: number; readonly prevHash: string; readonly atMs: number } & AuditEntry;

export type AuditVerification =
  | { readonly ok: true; readonly records: number; readonly headHash: string }
  | { readonly ok: false; readonly records: number; readonly atSeq: number; readonly problem: string };

// ── storage ──────────────────────────────────────────────────────────────────

/** where the stored JSON texts live; `rows` yields what was committed, in order */
export interface AuditStorage {
  append(json: string): void;
  commit(): void;
  rows(): Iterable<string>;
}

/** an array of JSON texts (tests may edit or drop entries to play the attacker) */
export class MemoryAuditStorage implements AuditStorage {
  readonly texts: string[] = [];
  append(json: string): void {
    this.texts.push(json);
  }
  commit(): void {}
  rows(): Iterable<string> {
    return this.texts;
  }
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** the audit records as UTF-8 JSON payloads of a RecordLog */
export class RecordLogAuditStorage implements AuditStorage {
  constructor(readonly log: RecordLog) {}
  append(json: string): void {
    this.log.append(utf8Encoder.encode(json));
  }
  commit(): void {
    this.log.commit();
  }
  *rows(): Iterable<string> {
    for (const record of this.log.records()) yield utf8Decoder.decode(record.payload);
  }
}

// ── the log ──────────────────────────────────────────────────────────────────

export class AuditLog {
  readonly storage: AuditStorage;
  private readonly clock: Clock | undefined;
  private lastSeq = 0;
  private lastHash = GENESIS_HASH;
  /** a problem found when the log was opened (the chain will not verify) */
  readonly openProblem: string | undefined;

  constructor(storage: AuditStorage, options: { clock?: Clock } = {}) {
    this.storage = storage;
    this.clock = options.clock;
    let problem: string | undefined;
    try {
      for (const text of storage.rows()) {
        const record = JSON.parse(text) as { seq?: unknown };
        this.lastSeq = typeof record.seq === 'number' ? record.seq : this.lastSeq + 1;
        this.lastHash = sha256Hex(text);
      }
    } catch (error) {
      problem = `the audit log could not be read to its end: ${(error as Error).message}`;
    }
    this.openProblem = problem;
  }

  static inMemory(clock?: Clock): AuditLog {
    return new AuditLog(new MemoryAuditStorage(), clock === undefined ? {} : { clock });
  }

  static overRecordLog(log: RecordLog, clock?: Clock): AuditLog {
    return new AuditLog(new RecordLogAuditStorage(log), clock === undefined ? {} : { clock });
  }

  /** the system audit log, /lived/audit on the volume */
  static open(volume: Fat32Volume, options: { path?: string; capacityBytes?: number; clock?: Clock } = {}): { audit: AuditLog; close(): void } {
    const clockOption = options.clock === undefined ? {} : { clock: options.clock };
    const file = openLogFile(volume, options.path ?? AUDIT_PATH, { capacityBytes: options.capacityBytes ?? AUDIT_LOG_BYTES, ...clockOption });
    return { audit: AuditLog.overRecordLog(file.log, options.clock), close: () => file.close() };
  }

  /** seq and hash of the last record written (the anchor truncation is checked against) */
  get head(): { readonly seq: number; readonly hash: string } {
    return { seq: this.lastSeq, hash: this.lastHash };
  }

  /** add one record (buffered until `commit`); returns it with its seq and prevHash */
  append(entry: AuditEntry): AuditRecord {
    const record = { seq: this.lastSeq + 1, prevHash: this.lastHash, atMs: this.clock?.wallTime() ?? 0, ...entry } as AuditRecord;
    const text = JSON.stringify(record);
    this.storage.append(text);
    this.lastSeq = record.seq;
    this.lastHash = sha256Hex(text);
    return record;
  }

  commit(): void {
    this.storage.commit();
  }

  /** every committed record, in order (throws log.corrupt / SyntaxError on damaged storage) */
  records(): AuditRecord[] {
    this.storage.commit();
    return [...this.storage.rows()].map((text) => JSON.parse(text) as AuditRecord);
  }

  /**
   * Walk the chain: seq 1, 2, 3…, each prevHash the hash of the stored text
   * before it, and the last one equal to this log's head (or `anchor`, a
   * head remembered elsewhere) — so edits, drops and truncation all fail.
   */
  verify(remembered?: { readonly seq: number; readonly hash: string }): AuditVerification {
    this.storage.commit();
    const anchor = remembered ?? this.head;
    let expectedHash = GENESIS_HASH;
    let count = 0;
    let anchorSeen = anchor.seq === 0;
    try {
      for (const text of this.storage.rows()) {
        const seq = count + 1;
        let record: Partial<AuditRecord>;
        try {
          record = JSON.parse(text) as Partial<AuditRecord>;
        } catch {
          return { ok: false, records: count, atSeq: seq, problem: `record ${seq} is not JSON` };
        }
        if (record.seq !== seq) return { ok: false, records: count, atSeq: seq, problem: `record ${seq} carries seq ${String(record.seq)} (a record was dropped or inserted)` };
        if (record.prevHash !== expectedHash) return { ok: false, records: count, atSeq: seq, problem: `record ${seq} does not chain to record ${seq - 1} (it or its predecessor was changed)` };
        expectedHash = sha256Hex(text);
        count = seq;
        if (seq === anchor.seq) {
          if (expectedHash !== anchor.hash) return { ok: false, records: count, atSeq: seq, problem: `record ${seq} differs from the remembered head` };
          anchorSeen = true;
        }
      }
    } catch (error) {
      return { ok: false, records: count, atSeq: count + 1, problem: `record ${count + 1} cannot be read: ${(error as Error).message}` };
    }
    if (!anchorSeen) return { ok: false, records: count, atSeq: count + 1, problem: `the log ends at record ${count} but record ${anchor.seq} was written (truncated)` };
    if (remembered === undefined && count !== anchor.seq) {
      return { ok: false, records: count, atSeq: anchor.seq + 1, problem: `the log holds ${count - anchor.seq} record(s) after the last one this broker wrote (appended behind its back)` };
    }
    return { ok: true, records: count, headHash: expectedHash };
  }

  /** verify, or fail with consent.audit_corrupt */
  verifyOrThrow(anchor?: { readonly seq: number; readonly hash: string }): void {
    const result = this.verify(anchor);
    if (!result.ok) fail('consent.audit_corrupt', `audit log: ${result.problem}`, { atSeq: result.atSeq });
  }
}

/** "sha256:<hex>" of a value's JSON, keys sorted, so equal arguments digest equally */
export function digestOf(value: unknown): string {
  return `sha256:${sha256Hex(stableJson(value))}`;
}

function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${stableJson(v)}`).join(',')}}`;
}
