/**
 * Keyboard encoding (channels 0–15): a population code of the inter-key
 * interval plus the key class, two spikes per key at most.
 *
 *   interval bin i = floor(12·ln(Δt/30 ms)/ln(100)), clamped to 0..11:
 *     log-spaced bins from 30 ms to 3 s (bin 0 also takes faster keys,
 *     bin 11 every pause of 3 s and more); no interval (first key) → no bin spike
 *   class channel 12 printable, 13 modifier, 14 navigation, 15 edit (enter, backspace)
 *
 * Key identity never reaches this far. Stateless (the interval is measured
 * by the driver).
 */

import type { KeyClass, SensorEvent } from '../../common/index.ts';
import { KBD_INTERVAL_BINS, KBD_START } from './channel-layout.ts';
import type { KindEncoder } from './kind-encoder.ts';

const CLASS_CHANNEL: Record<KeyClass, number> = { printable: 12, modifier: 13, navigation: 14, enter: 15, backspace: 15 };
const SHORTEST_MS = 30;
const LONGEST_MS = 3000;

export function intervalBin(intervalMs: number): number {
  if (!(intervalMs > SHORTEST_MS)) return 0;
  const bin = Math.floor((KBD_INTERVAL_BINS * Math.log(intervalMs / SHORTEST_MS)) / Math.log(LONGEST_MS / SHORTEST_MS));
  return Math.min(KBD_INTERVAL_BINS - 1, bin);
}

export class KeyboardEncoder implements KindEncoder {
  readonly stateLength = 0;

  encode(event: SensorEvent, out: Int32Array): number {
    let count = 0;
    if (event.value !== undefined) out[count++] = KBD_START + intervalBin(event.value);
    if (event.keyClass !== undefined) out[count++] = KBD_START + CLASS_CHANNEL[event.keyClass];
    return count;
  }

  writeState(): void {}
  readState(): void {}
  reset(): void {}
}
