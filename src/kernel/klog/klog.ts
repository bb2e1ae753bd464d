/**
 * klog — the kernel log: a fixed-capacity ring of entries, echoed to the
 * console dmesg-style, readable later with `dmesg()`.
 *
 *   [    0.012345] mm: arena limit 512 MiB (8192 pages)
 *    ^ seconds since boot, 6 decimals, right-aligned in 5 digits
 *
 * Times are monotonic [ms since boot] from the HAL clock; boot is the moment
 * the Klog is created (it is the first kernel object). When the ring is full
 * the oldest entry is overwritten and `dropped` counts it. Listeners see every
 * entry as it is logged (the kernel uses one to publish warn+ entries on the
 * event bus); a listener that throws is ignored, and entries logged from
 * inside a listener are stored but not re-dispatched (no feedback loops).
 */

import type { Clock, Console } from '../../hal/index.ts';

export const LOG_LEVELS = ['debug', 'info', 'notice', 'warn', 'error', 'panic'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** higher is more severe: debug 0 … panic 5 */
export function levelRank(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level);
}

export interface LogEntry {
  /** per-boot sequence number, starts at 1, no gaps */
  readonly seq: number;
  /** monotonic time [ms since boot] */
  readonly time: number;
  readonly level: LogLevel;
  readonly subsystem: string;
  readonly message: string;
}

export interface LogFilter {
  /** only entries at or above this level */
  readonly level?: LogLevel;
  readonly subsystem?: string;
  /** only the newest `last` entries (after the other filters) */
  readonly last?: number;
}

export type LogLineFormat = 'plain' | 'with-level';

/** "[    0.012345] mm: message" (or "[    0.012345] <warn> mm: message") */
export function formatLogEntry(entry: LogEntry, format: LogLineFormat = 'plain'): string {
  const micros = Math.max(0, Math.round(entry.time * 1000));
  const seconds = Math.floor(micros / 1_000_000).toString().padStart(5, ' ');
  const fraction = (micros % 1_000_000).toString().padStart(6, '0');
  const level = format === 'with-level' ? `<${entry.level}> ` : '';
  return `[${seconds}.${fraction}] ${level}${entry.subsystem}: ${entry.message}`;
}

export interface KlogOptions {
  readonly clock: Clock;
  /** where entries at or above `echoLevel` are written as they happen */
  readonly console?: Console;
  /** entries kept [count]; default 4096 */
  readonly capacity?: number;
  /** console threshold; 'none' echoes nothing; default 'info' */
  readonly echoLevel?: LogLevel | 'none';
}

export type LogListener = (entry: LogEntry) => void;

export class Klog {
  readonly capacity: number;
  /** clock reading at boot [ms]; entry times are relative to it */
  readonly bootTime: number;
  private readonly clock: Clock;
  private readonly console: Console | undefined;
  private echoRank: number;
  /** ring storage; slot of seq s is (s - 1) % capacity */
  private readonly ring: (LogEntry | undefined)[];
  private nextSeq = 1;
  private droppedCount = 0;
  private readonly listeners = new Set<LogListener>();
  private dispatching = false;

  constructor(options: KlogOptions) {
    const capacity = options.capacity ?? 4096;
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error(`klog: capacity ${capacity} must be a positive integer`);
    this.capacity = capacity;
    this.clock = options.clock;
    this.console = options.console;
    this.bootTime = options.clock.now();
    this.echoRank = rankOrNone(options.echoLevel ?? 'info');
    this.ring = new Array<LogEntry | undefined>(capacity).fill(undefined);
  }

  /** monotonic time since boot [ms] */
  uptime(): number {
    return this.clock.now() - this.bootTime;
  }

  setEchoLevel(level: LogLevel | 'none'): void {
    this.echoRank = rankOrNone(level);
  }

  /** entries overwritten because the ring was full */
  get dropped(): number {
    return this.droppedCount;
  }

  /** entries currently held */
  get size(): number {
    return Math.min(this.nextSeq - 1, this.capacity);
  }

  log(level: LogLevel, subsystem: string, message: string): LogEntry {
    const entry: LogEntry = { seq: this.nextSeq++, time: this.uptime(), level, subsystem, message };
    const slot = (entry.seq - 1) % this.capacity;
    if (this.ring[slot] !== undefined) this.droppedCount++;
    this.ring[slot] = entry;
    if (this.console !== undefined && levelRank(level) >= this.echoRank) this.console.write(formatLogEntry(entry) + '\n');
    if (!this.dispatching && this.listeners.size > 0) {
      this.dispatching = true;
      try {
        for (const listener of this.listeners) {
          try {
            listener(entry);
          } catch {
            // a broken listener must not break logging
          }
        }
      } finally {
        this.dispatching = false;
      }
    }
    return entry;
  }

  debug(subsystem: string, message: string): LogEntry {
    return this.log('debug', subsystem, message);
  }
  info(subsystem: string, message: string): LogEntry {
    return this.log('info', subsystem, message);
  }
  notice(subsystem: string, message: string): LogEntry {
    return this.log('notice', subsystem, message);
  }
  warn(subsystem: string, message: string): LogEntry {
    return this.log('warn', subsystem, message);
  }
  error(subsystem: string, message: string): LogEntry {
    return this.log('error', subsystem, message);
  }
  panic(subsystem: string, message: string): LogEntry {
    return this.log('panic', subsystem, message);
  }

  /** call `listener` for every new entry; returns a function that removes it */
  onEntry(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** held entries, oldest first, filtered */
  entries(filter: LogFilter = {}): LogEntry[] {
    const minimum = filter.level === undefined ? 0 : levelRank(filter.level);
    const out: LogEntry[] = [];
    const first = Math.max(1, this.nextSeq - this.capacity);
    for (let seq = first; seq < this.nextSeq; seq++) {
      const entry = this.ring[(seq - 1) % this.capacity]!;
      if (levelRank(entry.level) < minimum) continue;
      if (filter.subsystem !== undefined && entry.subsystem !== filter.subsystem) continue;
      out.push(entry);
    }
    return filter.last === undefined ? out : out.slice(Math.max(0, out.length - filter.last));
  }

  /** formatted lines, as the `dmesg` shell command prints them */
  dmesg(filter: LogFilter & { readonly format?: LogLineFormat } = {}): string[] {
    return this.entries(filter).map((entry) => formatLogEntry(entry, filter.format ?? 'plain'));
  }
}

function rankOrNone(level: LogLevel | 'none'): number {
  return level === 'none' ? Number.POSITIVE_INFINITY : levelRank(level);
}
