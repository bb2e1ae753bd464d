/**
 * A clock and timer wheel that move only when a test says so, so scheduler,
 * watchdog and timeout tests are exact and instant.
 */

import type { Clock, Timers } from '../clock.ts';

interface PendingTimer {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
}

export class ManualClock implements Clock, Timers {
  private time: number;
  private readonly wallOrigin: number;
  private pending: PendingTimer[] = [];
  private nextId = 1;

  /** @param startMs monotonic start [ms]; @param wallOriginMs wall time at start [ms since epoch] */
  constructor(startMs = 0, wallOriginMs = Date.UTC(2026, 0, 1)) {
    this.time = startMs;
    this.wallOrigin = wallOriginMs - startMs;
  }

  now(): number {
    return this.time;
  }

  wallTime(): number {
    return this.wallOrigin + this.time;
  }

  schedule(delayMs: number, callback: () => void): () => void {
    const timer = { id: this.nextId++, due: this.time + Math.max(0, delayMs), callback };
    this.pending.push(timer);
    return () => {
      this.pending = this.pending.filter((t) => t.id !== timer.id);
    };
  }

  /** move time forward by `ms`, firing due timers in order (ties by creation) */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let next: PendingTimer | undefined;
      for (const t of this.pending) if (t.due <= target && (next === undefined || t.due < next.due || (t.due === next.due && t.id < next.id))) next = t;
      if (next === undefined) break;
      this.pending = this.pending.filter((t) => t !== next);
      this.time = Math.max(this.time, next.due);
      next.callback();
    }
    this.time = target;
  }

  /** number of timers not yet fired */
  get pendingCount(): number {
    return this.pending.length;
  }
}
