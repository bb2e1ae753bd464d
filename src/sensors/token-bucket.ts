/**
 * A token bucket rate limiter (one per sensor): `ratePerSecond` tokens flow
 * in continuously up to `burst`; each published event takes one; an event
 * that finds the bucket empty is dropped and counted by the driver.
 * Time comes from the caller (event time [ms]), so replays limit exactly as
 * live capture does; time going backwards refills nothing.
 */

import { fail } from '../common/index.ts';

export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  private tokens: number;
  /** [ms] of the last refill */
  private lastMs: number | undefined;

  constructor(ratePerSecond: number, burst: number) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) fail('sensors.config_invalid', `rate limit ${ratePerSecond}/s must be a positive number`);
    if (!(burst >= 1) || !Number.isFinite(burst)) fail('sensors.config_invalid', `rate limit burst ${burst} must be at least 1`);
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.tokens = burst;
  }

  /** take one token at time `nowMs` [ms]; false when none is left */
  take(nowMs: number): boolean {
    if (this.lastMs === undefined) this.lastMs = nowMs;
    else if (nowMs > this.lastMs) {
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastMs) * this.ratePerSecond) / 1000);
      this.lastMs = nowMs;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** a full bucket again (capture restarted) */
  reset(): void {
    this.tokens = this.burst;
    this.lastMs = undefined;
  }
}
