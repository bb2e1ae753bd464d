/**
 * The privacy gate a sensor driver sits behind. The consent broker (a
 * higher layer) implements it from its `sense:<kind>` grants and injects it;
 * a driver captures nothing — its source is not even started — while
 * `allows(kind)` is false, and stops capture as soon as a change says so.
 */

import type { SensorKind } from '../common/index.ts';

export interface SenseGate {
  /** may this sense capture now? */
  allows(kind: SensorKind): boolean;
  /** call `listener` after any grant changes; returns the unsubscribe function */
  onChange(listener: () => void): () => void;
}

/** a gate set by hand: for tests, tools like the recorder, and boots without a broker */
export class StaticSenseGate implements SenseGate {
  private readonly allowed = new Set<SensorKind>();
  private readonly listeners = new Set<() => void>();

  constructor(allowed: Iterable<SensorKind> = []) {
    for (const kind of allowed) this.allowed.add(kind);
  }

  allows(kind: SensorKind): boolean {
    return this.allowed.has(kind);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  set(kind: SensorKind, decision: 'allow' | 'deny'): void {
    const before = this.allowed.has(kind);
    if (decision === 'allow') this.allowed.add(kind);
    else this.allowed.delete(kind);
    if (before !== this.allowed.has(kind)) for (const listener of [...this.listeners]) listener();
  }
}
