/**
 * consent/grant-store — the broker's grants: all of them in memory, and the
 * persistent ones ('hour', 'always') also in a record log, /lived/grants on
 * the volume (a RamBlockDevice-backed RecordLog in tests). Tools get a
 * handle rooted at /home and the broker denies every need that reaches
 * /lived/grants, so no tool can read or write this file.
 *
 * Log records (one JSON document each):
 *   { kind: 'epoch', epoch }           one per opening; grant ids are "g<epoch>-<n>"
 *   { kind: 'grant', grant }           a persistent grant was made
 *   { kind: 'revoke', grantId, atMs }  it was revoked
 * Loading replays them and keeps the grants that are neither revoked nor
 * expired at the load time. If any record is unreadable, every persisted
 * grant is dropped (a lost revocation must not revive a grant: fail closed)
 * and `loadProblem` says why.
 *
 * Known limit: the log is never compacted; at ~300 bytes a record the
 * default 256 KiB holds ~800 grants and revocations.
 */

import { isChimaeraError } from '../common/index.ts';
import { JsonLog, openLogFile, type Fat32Volume, type RecordLog } from '../fs/index.ts';
import { PERSISTENT_SCOPES } from './grants.ts';
import { RISK_CLASSES, type Grant } from './types.ts';

export const GRANTS_PATH = '/lived/grants';
const GRANTS_LOG_BYTES = 256 * 1024;

type GrantStoreRecord =
  | { readonly kind: 'epoch'; readonly epoch: number }
  | { readonly kind: 'grant'; readonly grant: Grant }
  | { readonly kind: 'revoke'; readonly grantId: string; readonly atMs: number };

const SCOPES = new Set(['once', 'task', 'hour', 'session', 'always']);
const RIGHTS = new Set<string>(RISK_CLASSES);

function isGrant(value: unknown): value is Grant {
  if (value === null || typeof value !== 'object') return false;
  const g = value as Grant;
  return (
    typeof g.id === 'string' &&
    typeof g.right === 'string' && RIGHTS.has(g.right) &&
    g.resource !== null && typeof g.resource === 'object' && typeof g.resource.kind === 'string' && typeof g.resource.pattern === 'string' &&
    (g.intentId === null || typeof g.intentId === 'string') &&
    typeof g.scope === 'string' && SCOPES.has(g.scope) &&
    (g.expiresAtMs === null || typeof g.expiresAtMs === 'number') &&
    (g.usesLeft === null || typeof g.usesLeft === 'number') &&
    typeof g.createdAtMs === 'number' &&
    typeof g.createdBy === 'number'
  );
}

export class GrantStore {
  private readonly grants = new Map<string, Grant>();
  private readonly log: JsonLog<GrantStoreRecord> | undefined;
  /** this opening's epoch: part of every new grant id */
  readonly epoch: number;
  private nextNumber = 1;
  /** why persisted grants were dropped at load, if they were */
  readonly loadProblem: string | undefined;

  /** @param nowMs load time [ms since epoch]: persisted grants expired by then are dropped */
  constructor(options: { log?: RecordLog; nowMs?: number } = {}) {
    if (options.log === undefined) {
      this.log = undefined;
      this.epoch = 1;
      this.loadProblem = undefined;
      return;
    }
    const log = new JsonLog<GrantStoreRecord>(options.log);
    this.log = log;
    const nowMs = options.nowMs ?? 0;
    let lastEpoch = 0;
    let problem: string | undefined;
    try {
      for (const { value, seq } of log.records()) {
        if (value?.kind === 'epoch' && typeof value.epoch === 'number') lastEpoch = Math.max(lastEpoch, value.epoch);
        else if (value?.kind === 'grant' && isGrant(value.grant)) this.grants.set(value.grant.id, value.grant);
        else if (value?.kind === 'revoke' && typeof value.grantId === 'string') this.grants.delete(value.grantId);
        else throw new Error(`record ${seq} is not a grant store record`);
      }
    } catch (error) {
      problem = isChimaeraError(error) ? error.message : (error as Error).message;
      this.grants.clear();
    }
    this.loadProblem = problem;
    for (const [id, grant] of this.grants) if (grant.expiresAtMs !== null && !(nowMs < grant.expiresAtMs)) this.grants.delete(id);
    this.epoch = lastEpoch + 1;
    log.appendCommitted({ kind: 'epoch', epoch: this.epoch });
  }

  static inMemory(): GrantStore {
    return new GrantStore();
  }

  static overRecordLog(log: RecordLog, nowMs: number): GrantStore {
    return new GrantStore({ log, nowMs });
  }

  /** the system grant store, /lived/grants on the volume */
  static open(volume: Fat32Volume, options: { nowMs: number; path?: string; capacityBytes?: number }): { store: GrantStore; close(): void } {
    const file = openLogFile(volume, options.path ?? GRANTS_PATH, { capacityBytes: options.capacityBytes ?? GRANTS_LOG_BYTES });
    try {
      return { store: new GrantStore({ log: file.log, nowMs: options.nowMs }), close: () => file.close() };
    } catch (error) {
      file.close();
      throw error;
    }
  }

  /** a fresh grant id, unique across openings of a persisted store */
  newId(): string {
    return `g${this.epoch}-${this.nextNumber++}`;
  }

  get(id: string): Grant | undefined {
    return this.grants.get(id);
  }

  /** every grant held (live or not; used-up, revoked and ended ones are removed by the broker) */
  all(): readonly Grant[] {
    return [...this.grants.values()];
  }

  /** keep a new grant; persistent scopes are written (and committed) first */
  add(grant: Grant): void {
    if (this.grants.has(grant.id)) throw new Error(`grant ${grant.id} added twice`);
    if (this.log !== undefined && PERSISTENT_SCOPES.has(grant.scope)) this.log.appendCommitted({ kind: 'grant', grant });
    this.grants.set(grant.id, grant);
  }

  /** replace a grant's in-memory state (use counts); persistent grants have no use counts to persist */
  update(grant: Grant): void {
    if (!this.grants.has(grant.id)) throw new Error(`grant ${grant.id} is not in the store`);
    this.grants.set(grant.id, grant);
  }

  /** revoke: in memory at once, then persisted (a failed write still leaves it revoked for this run) */
  revoke(id: string, atMs: number): Grant | undefined {
    const grant = this.grants.get(id);
    if (grant === undefined) return undefined;
    const revoked: Grant = { ...grant, revokedAtMs: atMs };
    this.grants.delete(id);
    if (this.log !== undefined && PERSISTENT_SCOPES.has(grant.scope)) this.log.appendCommitted({ kind: 'revoke', grantId: id, atMs });
    return revoked;
  }

  /** forget grants (ended tasks, used up); persisted ones are revoked in the log */
  remove(ids: readonly string[], atMs: number): void {
    for (const id of ids) this.revoke(id, atMs);
  }
}
