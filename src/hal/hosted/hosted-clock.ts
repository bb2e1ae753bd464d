/** Host time: performance.now for the monotonic clock, Date.now for the wall clock, setTimeout for timers. */

import type { Clock, Timers } from '../clock.ts';

export class HostedClock implements Clock, Timers {
  now(): number {
    return performance.now();
  }

  wallTime(): number {
    return Date.now();
  }

  schedule(delayMs: number, callback: () => void): () => void {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    timer.unref?.();
    return () => clearTimeout(timer);
  }
}
