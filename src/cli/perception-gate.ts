/**
 * The privacy gate of the sensor drivers, backed by the consent broker:
 * a sense may capture iff a live (unrevoked, unexpired, uses left) grant of
 * the right `sense` covers the resource {kind: 'sensor', name: <kind>} —
 * "kbd", or "*" for every sense. Nothing is captured until such a grant
 * exists (default deny).
 *
 * allows() asks the broker each time, so a driver that follows the gate
 * sees the truth. Listeners hear about changes when refresh() notices one:
 * the perception wiring calls it after every allow/deny it makes and once a
 * second from a kernel task, which catches expiry and revocations made
 * elsewhere (the shell's `revoke`), so capture stops within a second.
 */

import { SENSOR_KINDS, type SensorKind } from '../common/index.ts';
import { patternMatches, type Grant } from '../consent/index.ts';
import type { SenseGate } from '../sensors/index.ts';

/** what the gate needs of the broker */
export interface SenseGrantSource {
  /** live grants */
  grants(): readonly Grant[];
}

export class BrokerSenseGate implements SenseGate {
  private readonly broker: SenseGrantSource;
  private readonly listeners = new Set<() => void>();
  /** the senses allowed at the last refresh */
  private allowed: ReadonlySet<SensorKind>;

  constructor(broker: SenseGrantSource) {
    this.broker = broker;
    this.allowed = this.compute();
  }

  allows(kind: SensorKind): boolean {
    return this.compute().has(kind);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** the senses allowed now */
  allowedKinds(): SensorKind[] {
    return [...this.compute()];
  }

  /** re-read the grants; tell the listeners if the allowed set changed; returns whether it did */
  refresh(): boolean {
    const now = this.compute();
    const changed = now.size !== this.allowed.size || [...now].some((kind) => !this.allowed.has(kind));
    this.allowed = now;
    if (changed) for (const listener of [...this.listeners]) listener();
    return changed;
  }

  private compute(): Set<SensorKind> {
    const allowed = new Set<SensorKind>();
    let grants: readonly Grant[];
    try {
      grants = this.broker.grants();
    } catch {
      return allowed; // a broker that cannot answer allows nothing (fail closed)
    }
    for (const grant of grants) {
      if (grant.right !== 'sense' || grant.resource.kind !== 'sensor') continue;
      for (const kind of SENSOR_KINDS) {
        try {
          if (patternMatches(grant.resource, { kind: 'sensor', name: kind })) allowed.add(kind);
        } catch {
          // a malformed pattern covers nothing
        }
      }
    }
    return allowed;
  }
}
