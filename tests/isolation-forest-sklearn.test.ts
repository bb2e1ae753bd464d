/**
 * Our Isolation Forest against scikit-learn's (Debian python3-sklearn, run
 * with /usr/bin/python3): six labelled datasets generated here, the same
 * n_estimators / max_samples / contamination on both sides, AUROC averaged
 * over five seeds each (the random draws differ, so scores are compared in
 * distribution, through AUROC). Pass: |AUROC_ours − AUROC_sklearn| ≤ 0.02 on
 * every dataset. Where a contamination fraction is set, the mean offsets
 * (the training-score percentile) must agree within 0.01 too, and our AUROC
 * function must equal sklearn's roc_auc_score on the same scores.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/common/index.ts';
import { auroc } from '../src/anomaly/auroc.ts';
import { formatNumericCsv } from '../src/anomaly/csv.ts';
import { IsolationForest, matrix, type Matrix } from '../src/anomaly/isolation-forest.ts';

const PYTHON = '/usr/bin/python3';
const SEEDS = [0, 1, 2, 3, 4];

interface Dataset {
  name: string;
  data: Matrix;
  /** (rows) 1 = anomaly */
  labels: Uint8Array;
  trees: number;
  maxSamples: 'auto' | number;
  contamination: 'auto' | number;
}

// ── dataset generators ─────────────────────────────────────────────────────

function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

function build(name: string, cols: number, rows: Array<{ values: number[]; anomaly: boolean }>, params: Omit<Dataset, 'name' | 'data' | 'labels'>): Dataset {
  const values = new Float64Array(rows.length * cols);
  const labels = new Uint8Array(rows.length);
  rows.forEach((row, i) => {
    values.set(row.values, i * cols);
    labels[i] = row.anomaly ? 1 : 0;
  });
  return { name, data: matrix(values, rows.length, cols), labels, ...params };
}

function datasets(): Dataset[] {
  const rng = new Rng(2024);
  const list: Dataset[] = [];

  // three Gaussian blobs, outliers uniform over a wide box (some land inside the blobs)
  const blobs = [];
  const centres = [[0, 0], [6, 6], [-5, 7]];
  for (let i = 0; i < 900; i++) {
    const c = centres[i % 3]!;
    blobs.push({ values: [c[0]! + gaussian(rng), c[1]! + 0.6 * gaussian(rng)], anomaly: false });
  }
  for (let i = 0; i < 60; i++) blobs.push({ values: [-12 + 24 * rng.next(), -6 + 20 * rng.next()], anomaly: true });
  list.push(build('blobs+uniform', 2, blobs, { trees: 100, maxSamples: 'auto', contamination: 'auto' }));

  // a noisy ring: anomalies at the centre and scattered outside
  const ring = [];
  for (let i = 0; i < 800; i++) {
    const angle = 2 * Math.PI * rng.next();
    const radius = 5 + 0.3 * gaussian(rng);
    ring.push({ values: [radius * Math.cos(angle), radius * Math.sin(angle)], anomaly: false });
  }
  for (let i = 0; i < 40; i++) {
    const angle = 2 * Math.PI * rng.next();
    const radius = i % 2 === 0 ? 1.5 * rng.next() : 7 + 2 * rng.next();
    ring.push({ values: [radius * Math.cos(angle), radius * Math.sin(angle)], anomaly: true });
  }
  list.push(build('ring', 2, ring, { trees: 100, maxSamples: 128, contamination: 0.05 }));

  // 20 features; anomalies shifted by 2.5σ in 3 random features of the 20
  const wide = [];
  for (let i = 0; i < 1000; i++) {
    const anomaly = i >= 960;
    const values = Array.from({ length: 20 }, () => gaussian(rng));
    if (anomaly) for (let k = 0; k < 3; k++) values[rng.int(0, 19)]! += 2.5 * (rng.chance(0.5) ? 1 : -1);
    wide.push({ values, anomaly });
  }
  list.push(build('20-dim, 3 shifted dims', 20, wide, { trees: 100, maxSamples: 'auto', contamination: 'auto' }));

  // a dense cluster inside a uniform background; the background points are the anomalies
  const dense = [];
  for (let i = 0; i < 700; i++) dense.push({ values: [5 + 0.5 * gaussian(rng), 5 + 0.5 * gaussian(rng), 5 + 0.5 * gaussian(rng)], anomaly: false });
  for (let i = 0; i < 100; i++) dense.push({ values: [10 * rng.next(), 10 * rng.next(), 10 * rng.next()], anomaly: true });
  list.push(build('uniform background + dense cluster', 3, dense, { trees: 100, maxSamples: 0.5, contamination: 0.1 }));

  // mixed scales and heavy tails: Student-t-like (Gaussian / sqrt(chi²/3)) columns at 1e-3, 1 and 1e3
  const heavy = [];
  const student = () => gaussian(rng) / Math.sqrt((gaussian(rng) ** 2 + gaussian(rng) ** 2 + gaussian(rng) ** 2) / 3);
  for (let i = 0; i < 1200; i++) {
    const anomaly = i >= 1150;
    const values = [1e-3 * student(), student(), 1e3 * student(), 50 * rng.next()];
    if (anomaly) {
      values[0]! += 4e-3;
      values[2]! -= 4e3;
    }
    heavy.push({ values, anomaly });
  }
  list.push(build('heavy tails, mixed scales', 4, heavy, { trees: 100, maxSamples: 256, contamination: 'auto' }));

  // Poisson-like event counts with many zeros and ties (like the perception features); anomalies are bursts
  const counts = [];
  const poisson = (mean: number) => {
    let k = 0;
    for (let p = rng.next(), limit = Math.exp(-mean); p > limit; p *= rng.next()) k++;
    return k;
  };
  const means = [0.2, 0.5, 1, 2, 4, 8];
  for (let i = 0; i < 900; i++) {
    const anomaly = i >= 870;
    const values = means.map((m) => Math.log1p(poisson(m)));
    if (anomaly) values[rng.int(0, 5)] = Math.log1p(10 + poisson(10));
    counts.push({ values, anomaly });
  }
  list.push(build('sparse counts with bursts', 6, counts, { trees: 50, maxSamples: 'auto', contamination: 'auto' }));
  return list;
}

// ── the sklearn side ───────────────────────────────────────────────────────

const SKLEARN_SCRIPT = String.raw`
import json, sys
import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
spec = json.load(open(sys.argv[1]))
out = {}
for d in spec["datasets"]:
    X = np.loadtxt(d["csv"], delimiter=",", skiprows=1, ndmin=2)
    y = np.loadtxt(d["labels"], dtype=int)
    aurocs, offsets = [], []
    for seed in spec["seeds"]:
        model = IsolationForest(n_estimators=d["trees"], max_samples=d["max_samples"], contamination=d["contamination"], random_state=seed).fit(X)
        aurocs.append(roc_auc_score(y, -model.score_samples(X)))
        offsets.append(float(model.offset_))
    ours = np.loadtxt(d["our_scores"])
    out[d["name"]] = {"auroc": float(np.mean(aurocs)), "offset": float(np.mean(offsets)), "auroc_of_our_scores": float(roc_auc_score(y, ours))}
print(json.dumps(out))
`;

function requireSklearn(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import sklearn.ensemble, sklearn.metrics; print(sklearn.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    assert.fail(
      `scikit-learn is needed for this test but "${PYTHON} -c 'import sklearn'" failed ` +
        `(${probe.error?.message ?? probe.stderr.trim().split('\n').at(-1)}). Install Debian's python3-sklearn (apt-get install python3-sklearn); scripts/ensure-host-tools.sh does it.`,
    );
  }
}

test('Isolation Forest AUROC within 0.02 of scikit-learn on six datasets', () => {
  requireSklearn();
  const dir = mkdtempSync(join(tmpdir(), 'chimaera-iforest-'));
  try {
    const sets = datasets();
    const ours = new Map<string, { auroc: number; offset: number; firstScores: Float64Array }>();
    const spec = { seeds: SEEDS, datasets: [] as object[] };
    sets.forEach((set, index) => {
      let aurocSum = 0;
      let offsetSum = 0;
      let firstScores: Float64Array = new Float64Array(0);
      for (const seed of SEEDS) {
        const forest = IsolationForest.fit(set.data, { trees: set.trees, maxSamples: set.maxSamples, contamination: set.contamination, seed });
        const scores = forest.anomalyScores(set.data);
        if (seed === SEEDS[0]) firstScores = scores;
        aurocSum += auroc(scores, set.labels);
        offsetSum += forest.offset;
      }
      ours.set(set.name, { auroc: aurocSum / SEEDS.length, offset: offsetSum / SEEDS.length, firstScores });
      const csv = join(dir, `d${index}.csv`);
      const header = Array.from({ length: set.data.cols }, (_, c) => `f${c}`);
      writeFileSync(csv, formatNumericCsv(set.data, header));
      writeFileSync(join(dir, `d${index}.labels`), `${[...set.labels].join('\n')}\n`);
      writeFileSync(join(dir, `d${index}.ours`), `${[...firstScores].join('\n')}\n`);
      spec.datasets.push({
        name: set.name,
        csv,
        labels: join(dir, `d${index}.labels`),
        our_scores: join(dir, `d${index}.ours`),
        trees: set.trees,
        max_samples: set.maxSamples,
        contamination: set.contamination,
      });
    });
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    writeFileSync(join(dir, 'compare.py'), SKLEARN_SCRIPT);
    const run = spawnSync(PYTHON, [join(dir, 'compare.py'), join(dir, 'spec.json')], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 0, `sklearn script failed: ${run.stderr}`);
    const theirs = JSON.parse(run.stdout) as Record<string, { auroc: number; offset: number; auroc_of_our_scores: number }>;

    const table = ['dataset                              rows  cols  AUROC ours  AUROC sklearn   Δ       offset ours  offset sklearn'];
    const failures: string[] = [];
    for (const set of sets) {
      const mine = ours.get(set.name)!;
      const reference = theirs[set.name]!;
      const delta = mine.auroc - reference.auroc;
      const offsets = set.contamination === 'auto' ? '     -0.5           -0.5' : `${mine.offset.toFixed(4).padStart(9)}  ${reference.offset.toFixed(4).padStart(14)}`;
      table.push(
        `${set.name.padEnd(35)} ${String(set.data.rows).padStart(5)} ${String(set.data.cols).padStart(5)}  ${mine.auroc.toFixed(4).padStart(10)}  ${reference.auroc.toFixed(4).padStart(13)}  ${delta >= 0 ? '+' : ''}${delta.toFixed(4)}  ${offsets}`,
      );
      if (Math.abs(delta) > 0.02) failures.push(`${set.name}: AUROC ${mine.auroc.toFixed(4)} vs sklearn ${reference.auroc.toFixed(4)}`);
      if (set.contamination !== 'auto' && Math.abs(mine.offset - reference.offset) > 0.01) {
        failures.push(`${set.name}: offset ${mine.offset.toFixed(4)} vs sklearn ${reference.offset.toFixed(4)}`);
      }
      const ourAuroc = auroc(mine.firstScores, set.labels);
      if (Math.abs(ourAuroc - reference.auroc_of_our_scores) > 1e-12) {
        failures.push(`${set.name}: auroc() ${ourAuroc} but roc_auc_score ${reference.auroc_of_our_scores} on the same scores`);
      }
    }
    console.log(table.join('\n'));
    assert.deepEqual(failures, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
