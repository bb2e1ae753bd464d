/**
 * Running per-channel statistics of error-neuron counts, and the z-score of a
 * new window against them — the "error-neuron summary" half of the detector.
 *
 * Each channel keeps an exponentially weighted mean m and variance v of its
 * per-window count (West 1979 / Finch 2009 incremental form). The first
 * `warmup` windows use the plain running average (rate 1/n), so the
 * statistics are usable after a few windows; then the rate settles at
 * 1/halfLifeWindows·ln 2 (an EMA with that half-life, in windows).
 *
 * Counts are spiky and mostly small, so the spread used in the z-score is
 * floored by the Poisson variance and one spike:
 *
 *   z_c = (x_c − m_c) / sqrt(max(v_c, m_c) + 1)
 *
 * A channel that is always silent thus needs about z spikes in one window to
 * reach z, and a busy channel's normal jitter stays near |z| ≤ 3.
 */

export class ChannelStats {
  /** (channels) running mean count per window */
  readonly mean: Float64Array;
  /** (channels) running variance of the count per window */
  readonly variance: Float64Array;
  /** windows folded in so far */
  windows = 0;
  private readonly settledRate: number;

  constructor(
    readonly channels: number,
    /** EMA half-life [windows], ≥ 1 */
    halfLifeWindows: number,
    /** windows averaged plainly before the EMA takes over */
    readonly warmup: number,
  ) {
    this.mean = new Float64Array(channels);
    this.variance = new Float64Array(channels);
    this.settledRate = Math.min(1, Math.LN2 / halfLifeWindows);
  }

  /** true once `warmup` windows have been folded in */
  get ready(): boolean {
    return this.windows >= this.warmup;
  }

  /** z-scores of `counts` into `out`; returns the index of the largest z (−1 when channels = 0) */
  score(counts: ArrayLike<number>, out: Float64Array): number {
    let best = -1;
    let bestZ = -Infinity;
    for (let c = 0; c < this.channels; c++) {
      const mean = this.mean[c]!;
      const spread = Math.sqrt(Math.max(this.variance[c]!, mean) + 1);
      const z = (counts[c]! - mean) / spread;
      out[c] = z;
      if (z > bestZ) {
        bestZ = z;
        best = c;
      }
    }
    return best;
  }

  /** fold one window in; `gain` in (0, 1] slows learning (the detector uses 0.1 during an alarm) */
  update(counts: ArrayLike<number>, gain: number): void {
    this.windows++;
    const rate = Math.max(this.settledRate, 1 / this.windows) * gain;
    for (let c = 0; c < this.channels; c++) {
      const delta = counts[c]! - this.mean[c]!;
      const step = rate * delta;
      this.mean[c] = this.mean[c]! + step;
      // incremental exponentially weighted variance: v ← (1 − r)(v + r·δ²)
      this.variance[c] = (1 - rate) * (this.variance[c]! + step * delta);
    }
  }
}
