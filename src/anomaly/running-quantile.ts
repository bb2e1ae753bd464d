/**
 * An upper quantile of a non-negative score's recent history, from a
 * histogram with exponentially decaying counts — so the detector can scale a
 * score by what is ordinary on this machine (the error-neuron z-scores of a
 * compile or an npm install reach 20–40 here, Poisson noise only ~5).
 *
 * Bins are log-spaced: value v falls in bin floor(BINS_PER_DOUBLING · log2(1 + v)),
 * the last bin open-ended; 8 bins per doubling resolve the quantile to ~9%.
 * The quantile reported is the upper edge of the bin where the cumulative
 * weight reaches q (conservative: never below the true sample quantile by
 * more than a bin). O(bins) per query, no allocation.
 */

const BINS_PER_DOUBLING = 8;

export class RunningQuantile {
  /** (bins) decayed weight per bin */
  private readonly weights: Float64Array;
  private total = 0;
  private readonly decay: number;

  constructor(
    /** values above this land in the last bin */
    readonly maxValue: number,
    /** half-life of the history [observations], ≥ 1; Infinity keeps every observation at weight 1 */
    halfLife: number,
  ) {
    this.weights = new Float64Array(Math.ceil(BINS_PER_DOUBLING * Math.log2(1 + maxValue)) + 1);
    this.decay = Math.pow(2, -1 / halfLife);
  }

  /** observations folded in (decayed weight) */
  get weight(): number {
    return this.total;
  }

  /** fold one observation in with weight `gain` in (0, 1] (the detector uses 0.1 during an alarm) */
  add(value: number, gain = 1): void {
    const bin = Math.min(this.weights.length - 1, Math.max(0, Math.floor(BINS_PER_DOUBLING * Math.log2(1 + Math.max(0, value)))));
    for (let b = 0; b < this.weights.length; b++) this.weights[b] = this.weights[b]! * this.decay;
    this.weights[bin] = this.weights[bin]! + gain;
    this.total = this.total * this.decay + gain;
  }

  /** the q-quantile (0 < q < 1), as the upper edge of its bin; 0 before any observation */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const target = q * this.total;
    let cumulative = 0;
    for (let b = 0; b < this.weights.length; b++) {
      cumulative += this.weights[b]!;
      if (cumulative >= target) return Math.min(this.maxValue, Math.pow(2, (b + 1) / BINS_PER_DOUBLING) - 1);
    }
    return this.maxValue;
  }
}
