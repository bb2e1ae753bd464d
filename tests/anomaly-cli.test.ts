/**
 * `chimaera anomaly score` as a user runs it: CSV files in, one score per
 * test row out (higher = more anomalous), the same numbers as the library,
 * and typed errors that name the bad cell.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/common/index.ts';
import { IsolationForest, parseNumericCsv } from '../src/anomaly/index.ts';

const root = new URL('..', import.meta.url).pathname;
const launcher = join(root, 'bin/chimaera.js');

function chimaera(args: string[]) {
  const r = spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function withFiles(files: Record<string, string>, body: (path: (name: string) => string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'chimaera-anomaly-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    body((name) => join(dir, name));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 300 rows of 3 features around (0, 10, 100), with a header */
function trainingCsv(): string {
  const rng = new Rng(5);
  const lines = ['cpu,disk writes,net bytes'];
  for (let i = 0; i < 300; i++) lines.push(`${(rng.next() - 0.5).toFixed(4)},${(10 + rng.next()).toFixed(4)},${(100 + 5 * rng.next()).toFixed(3)}`);
  return `${lines.join('\r\n')}\r\n`;
}

test('score prints one score per test row; the far row scores highest; numbers equal the library', () => {
  const testCsv = '0.1,10.5,102\n-0.2,10.2,101.5\n8,30,400\n0,10.9,104.9\n';
  withFiles({ 'a.csv': trainingCsv(), 'b.csv': testCsv }, (path) => {
    const run = chimaera(['anomaly', 'score', '--train', path('a.csv'), '--test', path('b.csv'), '--trees', '50', '--seed', '7']);
    assert.equal(run.code, 0, run.err);
    const scores = run.out.trim().split('\n').map(Number);
    assert.equal(scores.length, 4);
    assert.equal(Math.max(...scores), scores[2], 'the row far from the training data is the most anomalous');
    assert.ok(scores[2]! > 0.6 && scores[0]! < 0.55, run.out);

    const forest = IsolationForest.fit(parseNumericCsv(trainingCsv(), 'a'), { trees: 50, seed: 7 });
    const expected = forest.anomalyScores(parseNumericCsv(testCsv, 'b'));
    assert.deepEqual(run.out.trim().split('\n'), [...expected].map((s) => s.toFixed(6)));

    const labelled = chimaera(['anomaly', 'score', '--train', path('a.csv'), '--test', path('b.csv'), '--max-samples', '0.5', '--contamination', '0.1']);
    assert.equal(labelled.code, 0, labelled.err);
    const rows = labelled.out.trim().split('\n').map((line) => line.split(','));
    assert.deepEqual(rows.map((cells) => cells.length), [2, 2, 2, 2]);
    assert.equal(rows[2]![1], '-1', 'contamination adds sklearn predict: the far row is an outlier');
    assert.equal(rows[0]![1], '1');
  });
});

test('a bad cell is a typed error naming file, line and column; width mismatch and missing flags too', () => {
  withFiles({ 'a.csv': trainingCsv(), 'bad.csv': '1,2,3\n4,five,6\n', 'narrow.csv': '1,2\n3,4\n' }, (path) => {
    const bad = chimaera(['anomaly', 'score', '--train', path('a.csv'), '--test', path('bad.csv')]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /anomaly\.csv_invalid: .*bad\.csv: line 2, column 2: "five" is not a finite number/);
    assert.match(bad.err, /hint: /);

    const narrow = chimaera(['anomaly', 'score', '--train', path('a.csv'), '--test', path('narrow.csv')]);
    assert.equal(narrow.code, 1);
    assert.match(narrow.err, /anomaly\.width_mismatch: .*3 columns .* 2/);

    const missing = chimaera(['anomaly', 'score', '--train', path('a.csv')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cli\.usage: .*--test/);
  });
});
