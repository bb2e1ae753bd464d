/**
 * Isolation Forest unit tests: c(n), a slow object-tree twin that must give
 * identical scores, sklearn's conventions (constant features, identical rows,
 * offsets, max_samples), and AUROC against a brute-force pair count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isChimaeraError, Rng } from '../common/index.ts';
import { averagePathLength, IsolationForest, matrix, percentile, type Matrix } from './isolation-forest.ts';
import { auroc } from './auroc.ts';

function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** n normal rows around 0 plus k rows far out; labels mark the far ones */
function blobWithOutliers(n: number, k: number, cols: number, seed: number): { data: Matrix; labels: Uint8Array } {
  const rng = new Rng(seed);
  const values = new Float64Array((n + k) * cols);
  const labels = new Uint8Array(n + k);
  for (let row = 0; row < n + k; row++) {
    const outlier = row >= n;
    labels[row] = outlier ? 1 : 0;
    for (let c = 0; c < cols; c++) values[row * cols + c] = outlier ? 6 + 2 * rng.next() : gaussian(rng);
  }
  return { data: matrix(values, n + k, cols), labels };
}

// ── the slow, obvious twin: object trees, same draw order ──────────────────

type SlowNode = { leaf: true; pathLength: number } | { leaf: false; feature: number; cut: number; left: SlowNode; right: SlowNode };

function slowForestScores(train: Matrix, test: Matrix, trees: number, maxSamples: number, seed: number): number[] {
  const rng = new Rng(seed);
  const height = Math.ceil(Math.log2(Math.max(maxSamples, 2)));
  const pool = Array.from({ length: train.rows }, (_, i) => i);
  const value = (row: number, f: number) => train.data[row * train.cols + f]!;
  const grow = (rows: number[], depth: number): SlowNode => {
    if (depth >= height || rows.length < 2) return { leaf: true, pathLength: depth + averagePathLength(rows.length) };
    const candidates = Array.from({ length: train.cols }, (_, f) => f);
    let remaining = train.cols;
    while (remaining > 0) {
      const pick = rng.int(0, remaining - 1);
      const f = candidates[pick]!;
      const column = rows.map((r) => value(r, f));
      const min = Math.min(...column);
      const max = Math.max(...column);
      if (max - min <= 1e-7) {
        [candidates[pick], candidates[remaining - 1]] = [candidates[remaining - 1]!, f];
        remaining--;
        continue;
      }
      let cut = min + rng.next() * (max - min);
      if (cut >= max) cut = min;
      // same in-place partition order as the fast version
      const order = rows.slice();
      let low = 0;
      let high = order.length - 1;
      while (low <= high) {
        if (value(order[low]!, f) <= cut) low++;
        else {
          [order[low], order[high]] = [order[high]!, order[low]!];
          high--;
        }
      }
      const left = grow(order.slice(0, low), depth + 1);
      const right = grow(order.slice(low), depth + 1);
      return { leaf: false, feature: f, cut, left, right };
    }
    return { leaf: true, pathLength: depth + averagePathLength(rows.length) };
  };
  const forest: SlowNode[] = [];
  for (let t = 0; t < trees; t++) {
    const sample: number[] = [];
    for (let i = 0; i < maxSamples; i++) {
      const j = rng.int(i, pool.length - 1);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
      sample.push(pool[i]!);
    }
    forest.push(grow(sample, 0));
  }
  const scores: number[] = [];
  for (let row = 0; row < test.rows; row++) {
    let sum = 0;
    for (const root of forest) {
      let node = root;
      while (!node.leaf) node = test.data[row * test.cols + node.feature]! <= node.cut ? node.left : node.right;
      sum += node.pathLength;
    }
    scores.push(-Math.pow(2, -sum / (trees * averagePathLength(maxSamples))));
  }
  return scores;
}

// ── tests ──────────────────────────────────────────────────────────────────

test('c(n) follows sklearn _average_path_length: c(0)=c(1)=0, c(2)=1, 2H(n−1) − 2(n−1)/n above', () => {
  assert.equal(averagePathLength(0), 0);
  assert.equal(averagePathLength(1), 0);
  assert.equal(averagePathLength(2), 1);
  assert.ok(Math.abs(averagePathLength(3) - (2 * (Math.log(2) + 0.5772156649) - 4 / 3)) < 1e-9);
  assert.ok(Math.abs(averagePathLength(256) - 10.244770920116851) < 1e-9);
});

test('the flat forest scores exactly like the slow object-tree twin', () => {
  const { data } = blobWithOutliers(300, 10, 4, 7);
  // a few columns made partly constant so the constant-feature path is exercised
  for (let row = 0; row < 150; row++) data.data[row * 4 + 3] = 2;
  for (const [trees, maxSamples] of [[25, 64], [10, 256], [5, 2]] as const) {
    const forest = IsolationForest.fit(data, { trees, maxSamples, seed: 11 });
    const fast = forest.scoreSamples(data);
    const slow = slowForestScores(data, data, trees, maxSamples, 11);
    for (let row = 0; row < data.rows; row++) assert.equal(fast[row], slow[row], `row ${row} (trees ${trees}, maxSamples ${maxSamples})`);
  }
});

test('outliers score higher (−score_samples) than the bulk, and AUROC is near 1', () => {
  const { data, labels } = blobWithOutliers(500, 20, 3, 3);
  const forest = IsolationForest.fit(data, { seed: 1 });
  const scores = forest.anomalyScores(data);
  assert.ok(auroc(scores, labels) > 0.99);
  for (let row = 0; row < data.rows; row++) assert.ok(scores[row]! > 0 && scores[row]! <= 1);
  const sampleScores = forest.scoreSamples(data);
  const decision = forest.decisionFunction(data);
  for (let row = 0; row < data.rows; row++) {
    assert.equal(sampleScores[row], -scores[row]!);
    assert.equal(decision[row], sampleScores[row]! + 0.5, "contamination 'auto' gives offset −0.5");
  }
});

test('contamination puts the offset at that percentile of the training scores, so predict flags that share', () => {
  const { data } = blobWithOutliers(980, 20, 2, 5);
  const forest = IsolationForest.fit(data, { contamination: 0.05, seed: 2 });
  assert.equal(forest.offset, percentile(forest.scoreSamples(data), 5));
  const flagged = forest.predict(data).reduce((sum, label) => sum + (label === -1 ? 1 : 0), 0);
  assert.ok(flagged >= 45 && flagged <= 50, `flagged ${flagged} of 1000`);
});

test('maxSamples: auto is min(256, rows), counts are clamped, fractions floor', () => {
  const { data } = blobWithOutliers(100, 0, 2, 1);
  assert.equal(IsolationForest.fit(data, { trees: 2 }).maxSamples, 100);
  assert.equal(IsolationForest.fit(data, { trees: 2, maxSamples: 500 }).maxSamples, 100);
  assert.equal(IsolationForest.fit(data, { trees: 2, maxSamples: 0.37 }).maxSamples, 37);
  assert.equal(IsolationForest.fit(data, { trees: 2, maxSamples: 16 }).maxSamples, 16);
  const big = blobWithOutliers(1000, 0, 2, 1).data;
  assert.equal(IsolationForest.fit(big, { trees: 2 }).maxSamples, 256);
  for (const bad of [0, -3, 1.5, Number.NaN]) {
    assert.throws(() => IsolationForest.fit(data, { maxSamples: bad }), (e) => isChimaeraError(e, 'anomaly.params_invalid'));
  }
  for (const bad of [0, 0.6, -0.1]) {
    assert.throws(() => IsolationForest.fit(data, { contamination: bad }), (e) => isChimaeraError(e, 'anomaly.params_invalid'));
  }
  assert.throws(() => IsolationForest.fit(data, { trees: 0 }), (e) => isChimaeraError(e, 'anomaly.params_invalid'));
});

test('identical rows give one-leaf trees: every score is −2^(−c(m)/c(m)) = −0.5', () => {
  const data = matrix(new Float64Array(50 * 3).fill(4.25), 50, 3);
  const forest = IsolationForest.fit(data, { trees: 7, seed: 3 });
  assert.equal(forest.nodeCount, 7);
  for (const score of forest.scoreSamples(data)) assert.equal(score, -0.5);
  const single = IsolationForest.fit(matrix(new Float64Array([1, 2]), 1, 2), { trees: 3 });
  assert.deepEqual([...single.scoreSamples(matrix(new Float64Array([5, 5]), 1, 2))], [-1], 'one training sample: sklearn scores 1');
});

test('same seed → same scores; another seed → different trees', () => {
  const { data } = blobWithOutliers(200, 5, 3, 9);
  const a = IsolationForest.fit(data, { seed: 42 }).scoreSamples(data);
  const b = IsolationForest.fit(data, { seed: 42 }).scoreSamples(data);
  const c = IsolationForest.fit(data, { seed: 43 }).scoreSamples(data);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('typed errors: width mismatch, non-finite cells, empty training data', () => {
  const { data } = blobWithOutliers(50, 0, 3, 1);
  const forest = IsolationForest.fit(data, { trees: 5 });
  assert.throws(() => forest.scoreSamples(matrix(new Float64Array(4), 2, 2)), (e) => isChimaeraError(e, 'anomaly.width_mismatch'));
  assert.throws(() => matrix(new Float64Array([1, 2, Number.POSITIVE_INFINITY, 4]), 2, 2), (e) => isChimaeraError(e, 'anomaly.data_invalid') && /row 2, column 1/.test(e.message));
  assert.throws(() => IsolationForest.fit({ data: new Float64Array(0), rows: 0, cols: 3 }), (e) => isChimaeraError(e, 'anomaly.data_invalid'));
});

test('percentile matches numpy linear interpolation', () => {
  assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  assert.equal(percentile([10, 0, 5], 10), 1);
  assert.equal(percentile([3], 73), 3);
  assert.equal(percentile([1, 2, 3, 4, 5], 100), 5);
});

test('auroc: hand cases with ties, and equal to the pairwise count (ties ½) on random data', () => {
  assert.equal(auroc([0.1, 0.2, 0.9, 0.8], [0, 0, 1, 1]), 1);
  assert.equal(auroc([0.9, 0.8, 0.1, 0.2], [0, 0, 1, 1]), 0);
  assert.equal(auroc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]), 0.5);
  assert.equal(auroc([0.1, 0.5, 0.5, 0.9], [0, 0, 1, 1]), 0.875);
  assert.throws(() => auroc([1, 2], [1, 1]), (e) => isChimaeraError(e, 'anomaly.data_invalid'));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.boolean()), { minLength: 2, maxLength: 40 }), (pairs) => {
      const positives = pairs.filter(([, label]) => label);
      const negatives = pairs.filter(([, label]) => !label);
      if (positives.length === 0 || negatives.length === 0) return;
      let wins = 0;
      for (const [p] of positives) for (const [n] of negatives) wins += p > n ? 1 : p === n ? 0.5 : 0;
      const expected = wins / (positives.length * negatives.length);
      const got = auroc(pairs.map(([s]) => s), pairs.map(([, l]) => l));
      assert.ok(Math.abs(got - expected) < 1e-12, `${got} vs ${expected}`);
    }),
  );
});
