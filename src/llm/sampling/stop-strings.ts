/**
 * Stop strings across token boundaries. Generated text arrives in pieces
 * (one per token); a stop string may be split over several. The matcher
 * releases text only once it cannot be the start of a stop string, so a
 * caller streaming the released text never shows part of one.
 *
 *   push(piece) → { released, stopped }   released: text now safe to show
 *   finish()    → the held-back rest, at the end of generation
 *
 * The text before the first stop string is the released text when stopped.
 */

export interface StopCheck {
  /** text that became safe to show (possibly '') */
  readonly released: string;
  /** a stop string completed; `released` ends just before it */
  readonly stopped: boolean;
}

export class StopStringMatcher {
  private readonly stops: readonly string[];
  /** text received but not released: always a possible stop-string prefix */
  private pending = '';
  private done = false;

  constructor(stops: readonly string[]) {
    this.stops = stops.filter((s) => s.length > 0);
  }

  push(piece: string): StopCheck {
    if (this.done) return { released: '', stopped: true };
    this.pending += piece;
    let first = -1;
    for (const stop of this.stops) {
      const at = this.pending.indexOf(stop);
      if (at >= 0 && (first < 0 || at < first)) first = at;
    }
    if (first >= 0) {
      this.done = true;
      const released = this.pending.slice(0, first);
      this.pending = '';
      return { released, stopped: true };
    }
    const hold = this.longestStopPrefixSuffix();
    const released = this.pending.slice(0, this.pending.length - hold);
    this.pending = this.pending.slice(this.pending.length - hold);
    return { released, stopped: false };
  }

  /** release whatever is held back (generation ended without a stop string) */
  finish(): string {
    const rest = this.done ? '' : this.pending;
    this.pending = '';
    return rest;
  }

  /** length of the longest suffix of pending that is a proper prefix of some stop string */
  private longestStopPrefixSuffix(): number {
    let best = 0;
    for (const stop of this.stops) {
      const limit = Math.min(stop.length - 1, this.pending.length);
      for (let k = limit; k > best; k--) {
        if (this.pending.endsWith(stop.slice(0, k))) {
          best = k;
          break;
        }
      }
    }
    return best;
  }
}
