/**
 * Time for the kernel: a monotonic clock (for timestamps, timeouts and the
 * scheduler) and a wall clock (for file times), plus one-shot timers.
 * Hosted: performance.now / Date.now / setTimeout. Tests: a manual clock
 * that only moves when told to (hal/memory).
 */

export interface Clock {
  /** monotonic time [ms], never goes backwards; origin is arbitrary but fixed */
  now(): number;
  /** wall-clock time [ms since the Unix epoch, UTC] */
  wallTime(): number;
}

export interface Timers {
  /** call `callback` once after `delayMs` [ms]; returns a function that cancels it */
  schedule(delayMs: number, callback: () => void): () => void;
}
