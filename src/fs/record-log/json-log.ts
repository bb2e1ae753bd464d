/**
 * A typed-JSON view of a RecordLog, for the episodic and audit logs: each
 * record is one JSON document in UTF-8. An optional `check` narrows what a
 * read returns to `T`; a record that is not JSON, or fails the check, makes
 * the read fail with log.record_not_json (naming the record).
 */

import { fail } from '../../common/index.ts';
import type { RecordLog } from './record-log.ts';

export interface JsonLogRecord<T> {
  readonly seq: number;
  /** [ms since the Unix epoch]; 0 when the log had no clock */
  readonly time: number;
  readonly value: T;
}

export interface JsonLogOptions<T> {
  /** type guard each decoded record must pass; without one any JSON value is taken as T */
  readonly check?: (value: unknown) => value is T;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export class JsonLog<T> {
  readonly log: RecordLog;
  private readonly check: ((value: unknown) => value is T) | undefined;

  constructor(log: RecordLog, options: JsonLogOptions<T> = {}) {
    this.log = log;
    this.check = options.check;
  }

  /** Buffer `value` as one record; returns its sequence number (see RecordLog.append). */
  append(value: T): number {
    const text = JSON.stringify(value);
    if (text === undefined) fail('arg.invalid', `cannot log ${typeof value} as JSON`);
    return this.log.append(utf8Encoder.encode(text));
  }

  /** append + commit */
  appendCommitted(value: T): number {
    const seq = this.append(value);
    this.log.commit();
    return seq;
  }

  commit(): void {
    this.log.commit();
  }

  /** committed records with seq >= fromSeq, decoded, in order */
  *records(fromSeq = 1): Generator<JsonLogRecord<T>, void, undefined> {
    for (const record of this.log.records(fromSeq)) {
      yield { seq: record.seq, time: record.time, value: this.decode(record.seq, record.payload) };
    }
  }

  private decode(seq: number, payload: Uint8Array): T {
    let value: unknown;
    try {
      value = JSON.parse(utf8Decoder.decode(payload));
    } catch (error) {
      fail('log.record_not_json', `record ${seq} (${payload.length} bytes) is not UTF-8 JSON: ${(error as Error).message}`, { seq });
    }
    if (this.check !== undefined && !this.check(value)) fail('log.record_not_json', `record ${seq} does not have the expected shape`, { seq });
    return value as T;
  }
}
