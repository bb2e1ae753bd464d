/**
 * Isolation Forest (Liu, Ting & Zhou, "Isolation Forest", ICDM 2008), with the
 * semantics of scikit-learn's `sklearn.ensemble.IsolationForest` (1.2).
 *
 * Idea: anomalies are few and different, so random axis-parallel cuts isolate
 * them in fewer steps than normal points. Each tree is grown on a random
 * subsample without replacement; a node picks a random feature that is not
 * constant in the node, cuts it uniformly between the node's min and max, and
 * sends `x <= cut` left. Growth stops at one sample or at the height limit
 * ceil(log2(max_samples)). A point's path length in a tree is the depth of its
 * leaf plus c(size of the leaf), the expected extra depth of an unbuilt
 * subtree. With h̄ the mean over trees:
 *
 *   s(x) = 2^(−h̄(x) / c(max_samples))         (the paper's anomaly score, 0..1)
 *   scoreSamples(x) = −s(x)                    (sklearn's score_samples: lower = more anomalous)
 *   decisionFunction(x) = scoreSamples(x) − offset   (< 0 is an outlier)
 *   predict(x) = −1 if decisionFunction(x) < 0 else +1
 *
 * Knobs (sklearn names in brackets):
 * - `trees` [n_estimators]: number of trees, default 100 (≥ 1). Scores
 *   converge by about 100; more trees cost linearly.
 * - `maxSamples` [max_samples]: subsample per tree. 'auto' = min(256, rows);
 *   a whole number ≥ 1 is a count (clamped to rows, as sklearn does with a
 *   warning); a value in (0, 1) is a fraction of the rows (sklearn's float;
 *   floor(fraction·rows), at least 1). Small subsamples reduce swamping and
 *   masking (the paper's §3); 256 is the paper's default.
 * - `contamination`: 'auto' gives offset −0.5 (the paper's threshold s = 0.5);
 *   a fraction in (0, 0.5] puts the offset at that percentile of the training
 *   scores (numpy's linear interpolation), so that fraction is flagged.
 * - `seed` [random_state]: seeds our xoshiro128** `Rng`. Draws differ from
 *   numpy's, so scores match sklearn in distribution, not bit for bit.
 * - max_features is 1.0 and bootstrap is false (sklearn's defaults), fixed.
 *
 * Conventions copied from sklearn's tree code (facts, not code): a feature
 * counts as constant in a node when max − min ≤ 1e-7 (FEATURE_THRESHOLD); a
 * cut drawn equal to the max is moved to the min; c(n) = 2(ln(n−1) + γ) −
 * 2(n−1)/n for n > 2, c(2) = 1, c(n ≤ 1) = 0 (`_average_path_length`). sklearn
 * fits and scores in float32; we keep float64 (differences are in the 7th
 * digit of a cut).
 *
 * Blind spots (of the algorithm, shared with sklearn; the detector and the
 * benchmark rely on other signals for them): a feature constant in training
 * is never split on, so any later value of it is invisible (a first USB
 * arrival); a point beyond the training range follows the cut towards the
 * training extreme and scores like an edge point; with many irrelevant
 * features the height limit is reached before a relevant one is drawn.
 *
 * Data is a row-major `Float64Array` with `rows` and `cols`. Fitting
 * allocates the trees once; scoring allocates nothing per row.
 */

import { fail, Rng } from '../common/index.ts';

// ── data shapes ────────────────────────────────────────────────────────────

/** a row-major matrix of finite numbers */
export interface Matrix {
  /** (rows, cols) f64, row-major */
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

export interface IsolationForestOptions {
  /** number of trees [n_estimators], default 100 */
  readonly trees?: number;
  /** subsample size per tree [max_samples]: 'auto', a count ≥ 1, or a fraction in (0, 1); default 'auto' */
  readonly maxSamples?: 'auto' | number;
  /** 'auto' (offset −0.5) or the expected outlier fraction in (0, 0.5]; default 'auto' */
  readonly contamination?: 'auto' | number;
  /** seed of the random draws [random_state], default 0 */
  readonly seed?: number;
}

/** Euler–Mascheroni constant γ */
const EULER_GAMMA = 0.5772156649015329;
/** a feature whose node range is at most this is constant there (sklearn FEATURE_THRESHOLD) */
const FEATURE_CONSTANT_RANGE = 1e-7;

/**
 * c(n): the average path length of an unsuccessful search in a binary search
 * tree of n keys, i.e. the expected depth still to go below a leaf holding n
 * training samples. c(0) = c(1) = 0, c(2) = 1.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/** a Matrix over `data`, checking the shape and that every value is finite */
export function matrix(data: Float64Array, rows: number, cols: number, what = 'data'): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 1 || data.length !== rows * cols) {
    fail('anomaly.data_invalid', `${what}: shape ${rows}×${cols} does not match ${data.length} values`, { rows, cols, length: data.length });
  }
  for (let i = 0; i < data.length; i++) {
    const value = data[i]!;
    if (!Number.isFinite(value)) {
      const row = Math.floor(i / cols);
      fail('anomaly.data_invalid', `${what}: row ${row + 1}, column ${(i % cols) + 1} is ${value}; the forest needs finite numbers`, { row, column: i % cols });
    }
  }
  return { data, rows, cols };
}

// ── the forest ─────────────────────────────────────────────────────────────

interface ResolvedOptions {
  trees: number;
  maxSamples: number;
  contamination: 'auto' | number;
  seed: number;
}

function resolveOptions(options: IsolationForestOptions, rows: number): ResolvedOptions {
  const trees = options.trees ?? 100;
  if (!Number.isInteger(trees) || trees < 1 || trees > 100_000) {
    fail('anomaly.params_invalid', `trees must be a whole number from 1 to 100000, got ${trees}`, { trees });
  }
  const requested = options.maxSamples ?? 'auto';
  let maxSamples: number;
  if (requested === 'auto') maxSamples = Math.min(256, rows);
  else if (Number.isInteger(requested) && requested >= 1) maxSamples = Math.min(requested, rows);
  else if (requested > 0 && requested < 1) maxSamples = Math.max(1, Math.floor(requested * rows));
  else fail('anomaly.params_invalid', `maxSamples must be 'auto', a whole number ≥ 1 or a fraction in (0, 1), got ${requested}`, { maxSamples: requested });
  const contamination = options.contamination ?? 'auto';
  if (contamination !== 'auto' && !(contamination > 0 && contamination <= 0.5)) {
    fail('anomaly.params_invalid', `contamination must be 'auto' or a fraction in (0, 0.5], got ${contamination}`, { contamination });
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) fail('anomaly.params_invalid', `seed must be a whole number, got ${seed}`, { seed });
  return { trees, maxSamples, contamination, seed };
}

export class IsolationForest {
  /** number of trees */
  readonly trees: number;
  /** subsample size each tree was grown on [max_samples_] */
  readonly maxSamples: number;
  /** number of features the forest was fitted on */
  readonly cols: number;
  /** decisionFunction = scoreSamples − offset [offset_] */
  readonly offset: number;

  /** (trees) index of each tree's root node */
  private readonly roots: Int32Array;
  /** (nodes) split feature, −1 at a leaf */
  private readonly feature: Int32Array;
  /** (nodes) cut value: x[feature] <= cut goes left */
  private readonly cut: Float64Array;
  /** (nodes) left child index; right child in `right` */
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  /** (nodes) at a leaf: depth + c(training samples in the leaf) [edges] */
  private readonly leafPathLength: Float64Array;
  /** trees · c(maxSamples): the normaliser of the summed path length */
  private readonly denominator: number;

  private constructor(built: BuiltForest, options: ResolvedOptions, cols: number, offset: number) {
    this.trees = options.trees;
    this.maxSamples = options.maxSamples;
    this.cols = cols;
    this.roots = built.roots;
    this.feature = built.feature;
    this.cut = built.cut;
    this.left = built.left;
    this.right = built.right;
    this.leafPathLength = built.leafPathLength;
    this.denominator = options.trees * averagePathLength(options.maxSamples);
    this.offset = offset;
  }

  /** grow a forest on the rows of `train` */
  static fit(train: Matrix, options: IsolationForestOptions = {}): IsolationForest {
    if (train.rows < 1) fail('anomaly.data_invalid', 'cannot fit an isolation forest on zero rows');
    matrix(train.data, train.rows, train.cols, 'training data');
    const resolved = resolveOptions(options, train.rows);
    const built = growForest(train, resolved);
    const provisional = new IsolationForest(built, resolved, train.cols, -0.5);
    if (resolved.contamination === 'auto') return provisional;
    const trainScores = provisional.scoreSamples(train);
    const offset = percentile(trainScores, 100 * resolved.contamination);
    return new IsolationForest(built, resolved, train.cols, offset);
  }

  /** number of nodes over all trees */
  get nodeCount(): number {
    return this.feature.length;
  }

  /**
   * sklearn's score_samples of one row starting at `data[start]`: −2^(−h̄/c),
   * in [−1, 0); lower = more anomalous. Allocates nothing.
   */
  scoreRow(data: Float64Array, start: number): number {
    let sum = 0;
    const { feature, cut, left, right, roots } = this;
    for (let tree = 0; tree < roots.length; tree++) {
      let node = roots[tree]!;
      let split = feature[node]!;
      while (split >= 0) {
        node = data[start + split]! <= cut[node]! ? left[node]! : right[node]!;
        split = feature[node]!;
      }
      sum += this.leafPathLength[node]!;
    }
    // one training sample per tree: depth and denominator are 0, sklearn sets the score to 1
    return this.denominator === 0 ? -1 : -Math.pow(2, -sum / this.denominator);
  }

  /** sklearn's score_samples for every row of `samples` (lower = more anomalous) */
  scoreSamples(samples: Matrix, out: Float64Array = new Float64Array(samples.rows)): Float64Array {
    this.checkSamples(samples, out);
    for (let row = 0; row < samples.rows; row++) out[row] = this.scoreRow(samples.data, row * samples.cols);
    return out;
  }

  /** −scoreSamples: the paper's score s(x) in (0, 1], higher = more anomalous (what `chimaera anomaly score` prints) */
  anomalyScores(samples: Matrix, out: Float64Array = new Float64Array(samples.rows)): Float64Array {
    this.scoreSamples(samples, out);
    for (let row = 0; row < samples.rows; row++) out[row] = -out[row]!;
    return out;
  }

  /** scoreSamples − offset: negative for outliers */
  decisionFunction(samples: Matrix, out: Float64Array = new Float64Array(samples.rows)): Float64Array {
    this.scoreSamples(samples, out);
    for (let row = 0; row < samples.rows; row++) out[row] = out[row]! - this.offset;
    return out;
  }

  /** +1 for inliers, −1 for outliers (decisionFunction < 0) */
  predict(samples: Matrix, out: Int8Array = new Int8Array(samples.rows)): Int8Array {
    this.checkSamples(samples, out);
    for (let row = 0; row < samples.rows; row++) {
      out[row] = this.scoreRow(samples.data, row * samples.cols) - this.offset < 0 ? -1 : 1;
    }
    return out;
  }

  private checkSamples(samples: Matrix, out: { length: number }): void {
    if (samples.cols !== this.cols) {
      fail('anomaly.width_mismatch', `the forest was fitted on ${this.cols} features but the samples have ${samples.cols}`, { expected: this.cols, actual: samples.cols });
    }
    if (out.length < samples.rows) throw new RangeError(`output holds ${out.length} values, ${samples.rows} needed`);
    matrix(samples.data, samples.rows, samples.cols, 'samples');
  }
}

// ── growing the trees ──────────────────────────────────────────────────────

interface BuiltForest {
  roots: Int32Array;
  feature: Int32Array;
  cut: Float64Array;
  left: Int32Array;
  right: Int32Array;
  leafPathLength: Float64Array;
}

/** the trees, stored one after another in flat node arrays, preorder within a tree */
function growForest(train: Matrix, options: ResolvedOptions): BuiltForest {
  const { trees, maxSamples } = options;
  const nodesPerTree = 2 * maxSamples - 1;
  const capacity = trees * nodesPerTree;
  const forest: BuiltForest = {
    roots: new Int32Array(trees),
    feature: new Int32Array(capacity),
    cut: new Float64Array(capacity),
    left: new Int32Array(capacity),
    right: new Int32Array(capacity),
    leafPathLength: new Float64Array(capacity),
  };
  const rng = new Rng(options.seed);
  const grower = new TreeGrower(train, forest, rng, Math.ceil(Math.log2(Math.max(maxSamples, 2))));
  /** (rows) row indices; the first maxSamples after a partial shuffle are the subsample */
  const pool = new Int32Array(train.rows);
  for (let i = 0; i < pool.length; i++) pool[i] = i;
  /** (maxSamples) the current tree's sample rows, partitioned in place while growing */
  const sample = new Int32Array(maxSamples);
  let next = 0;
  for (let tree = 0; tree < trees; tree++) {
    // sample without replacement: partial Fisher–Yates over the pool
    for (let i = 0; i < maxSamples; i++) {
      const j = rng.int(i, pool.length - 1);
      const chosen = pool[j]!;
      pool[j] = pool[i]!;
      pool[i] = chosen;
      sample[i] = chosen;
    }
    forest.roots[tree] = next;
    next = grower.grow(sample, next);
  }
  return {
    roots: forest.roots,
    feature: forest.feature.slice(0, next),
    cut: forest.cut.slice(0, next),
    left: forest.left.slice(0, next),
    right: forest.right.slice(0, next),
    leafPathLength: forest.leafPathLength.slice(0, next),
  };
}

class TreeGrower {
  /** (cols) features not yet known constant in the current node; reordered as they are ruled out */
  private readonly candidates: Int32Array;
  private nextNode = 0;
  private sample: Int32Array = new Int32Array(0);

  constructor(
    private readonly train: Matrix,
    private readonly forest: BuiltForest,
    private readonly rng: Rng,
    /** height limit ceil(log2(maxSamples)) [edges] */
    private readonly heightLimit: number,
  ) {
    this.candidates = new Int32Array(train.cols);
  }

  /** grow one tree over `sample` starting at node `firstNode`; returns the next free node */
  grow(sample: Int32Array, firstNode: number): number {
    this.sample = sample;
    this.nextNode = firstNode;
    this.growNode(0, sample.length, 0);
    return this.nextNode;
  }

  /** node over sample[start, end) at `depth`; returns its index */
  private growNode(start: number, end: number, depth: number): number {
    const node = this.nextNode++;
    const size = end - start;
    const forest = this.forest;
    if (depth >= this.heightLimit || size < 2 || !this.chooseSplit(start, end, node)) {
      forest.feature[node] = -1;
      forest.leafPathLength[node] = depth + averagePathLength(size);
      return node;
    }
    // partition sample[start, end): x <= cut first
    const { data, cols } = this.train;
    const split = forest.feature[node]!;
    const cut = forest.cut[node]!;
    const sample = this.sample;
    let low = start;
    let high = end - 1;
    while (low <= high) {
      if (data[sample[low]! * cols + split]! <= cut) low++;
      else {
        const swap = sample[low]!;
        sample[low] = sample[high]!;
        sample[high] = swap;
        high--;
      }
    }
    forest.left[node] = this.growNode(start, low, depth + 1);
    forest.right[node] = this.growNode(low, end, depth + 1);
    return node;
  }

  /**
   * Pick a random feature that is not constant over sample[start, end) and a
   * uniform cut in [min, max); false when every feature is constant.
   */
  private chooseSplit(start: number, end: number, node: number): boolean {
    const { data, cols } = this.train;
    const candidates = this.candidates;
    for (let f = 0; f < cols; f++) candidates[f] = f;
    let remaining = cols;
    while (remaining > 0) {
      const pick = this.rng.int(0, remaining - 1);
      const split = candidates[pick]!;
      let min = Infinity;
      let max = -Infinity;
      for (let i = start; i < end; i++) {
        const value = data[this.sample[i]! * cols + split]!;
        if (value < min) min = value;
        if (value > max) max = value;
      }
      if (max - min <= FEATURE_CONSTANT_RANGE) {
        candidates[pick] = candidates[remaining - 1]!;
        candidates[remaining - 1] = split;
        remaining--;
        continue;
      }
      let cut = min + this.rng.next() * (max - min);
      if (cut >= max) cut = min;
      this.forest.feature[node] = split;
      this.forest.cut[node] = cut;
      return true;
    }
    return false;
  }
}

// ── small statistics ───────────────────────────────────────────────────────

/** numpy.percentile(values, q) with the default linear interpolation; q in [0, 100] */
export function percentile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) fail('anomaly.data_invalid', 'percentile of an empty list');
  const sorted = Float64Array.from(values).sort();
  const position = ((sorted.length - 1) * q) / 100;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const fraction = position - below;
  return sorted[below]! + (sorted[above]! - sorted[below]!) * fraction;
}
