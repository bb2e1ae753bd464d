/**
 * Novelty of input channels: how rarely each channel's error neurons have
 * been active, so that a first-seen event type (a USB device class never
 * plugged in before, a traffic level never reached, a folder never renamed
 * in) stands out even when it makes only one or two error spikes.
 *
 * Each channel keeps a recency-weighted count k_c of the windows in which it
 * was active (count > 0); every window multiplies all counts by
 * 2^(−1/halfLifeWindows) before adding this window's activity. A window's
 * novelty is the largest, over its active channels, of
 *
 *   firstSeen_c = 0.5 / (k_c + 0.5)        (1 = never seen, 1/3 = seen once, 1/21 = ten times)
 *
 * — the Krichevsky–Trofimov add-½ estimate of "this channel is new", which
 * does not depend on how long the detector has run. With the decay, a
 * channel that has been silent for many half-lives becomes new again ("a
 * USB arrival when none was seen for hours").
 */

export class ChannelNovelty {
  /** (channels) recency-weighted count of windows with activity */
  readonly seen: Float64Array;
  /** windows folded in so far */
  windows = 0;
  private readonly decay: number;

  constructor(
    readonly channels: number,
    /** half-life of the counts [windows], ≥ 1 */
    halfLifeWindows: number,
  ) {
    this.seen = new Float64Array(channels);
    this.decay = Math.pow(2, -1 / halfLifeWindows);
  }

  /** firstSeen of the most novel active channel (0 when none is active); its index into `top.channel` (−1 when none) */
  score(counts: ArrayLike<number>, top: { channel: number }): number {
    let best = 0;
    top.channel = -1;
    for (let c = 0; c < this.channels; c++) {
      if (!(counts[c]! > 0)) continue;
      const firstSeen = 0.5 / (this.seen[c]! + 0.5);
      if (firstSeen > best) {
        best = firstSeen;
        top.channel = c;
      }
    }
    return best;
  }

  /** fold one window in */
  update(counts: ArrayLike<number>): void {
    this.windows++;
    for (let c = 0; c < this.channels; c++) this.seen[c] = this.seen[c]! * this.decay + (counts[c]! > 0 ? 1 : 0);
  }
}
