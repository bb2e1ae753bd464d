/**
 * `chimaera anomaly` — the anomaly tools from the host.
 *
 *   score --train A.csv --test B.csv [--trees N] [--max-samples M] [--seed S] [--contamination C]
 *
 * Fits an Isolation Forest (src/anomaly, scikit-learn semantics) on the rows
 * of A and prints one anomaly score per row of B: −score_samples, the paper's
 * s(x) in (0, 1], higher = more anomalous, 0.5 the usual border. With
 * --contamination a second column gives sklearn's predict (−1 outlier, 1
 * inlier). CSV: numbers only, an optional header row, same columns in A and B.
 */

import * as nodeFs from 'node:fs';
import { fail } from '../common/index.ts';
import { IsolationForest, parseNumericCsv, type CsvMatrix } from '../anomaly/index.ts';
import { expectPositional, parseArgs, type FlagSpec } from './args.ts';

export const ANOMALY_USAGE = `  chimaera anomaly score --train A.csv --test B.csv [--trees N] [--max-samples M] [--seed S] [--contamination C]
                      fit an Isolation Forest on A, print one score per row of B (−score_samples: higher = more
                      anomalous); N trees (default 100), M = auto | count | fraction (default auto = min(256, rows)),
                      C = auto | fraction in (0, 0.5] (adds a column: −1 outlier, 1 inlier)`;

const FLAGS: Record<string, FlagSpec> = {
  train: { kind: 'value' },
  test: { kind: 'value' },
  trees: { kind: 'value' },
  'max-samples': { kind: 'value' },
  seed: { kind: 'value' },
  contamination: { kind: 'value' },
};

export interface AnomalyOutput {
  out(text: string): void;
}

/** run one anomaly subcommand; returns the exit status */
export function anomalyCommand(argv: readonly string[], output: AnomalyOutput): number {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help') {
    output.out(`usage:\n${ANOMALY_USAGE}\n`);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'score') fail('cli.usage', `unknown anomaly command "${sub}"\n  usage:\n${ANOMALY_USAGE}`);
  const args = parseArgs(rest, FLAGS);
  expectPositional(args, [], 'chimaera anomaly score --train A.csv --test B.csv [...]');
  const trainPath = args.values.get('train') ?? fail('cli.usage', 'chimaera anomaly score needs --train A.csv');
  const testPath = args.values.get('test') ?? fail('cli.usage', 'chimaera anomaly score needs --test B.csv');
  const trees = parseWhole(args.values.get('trees') ?? '100', '--trees');
  const seed = parseWhole(args.values.get('seed') ?? '0', '--seed');
  const maxSamples = parseAutoOrNumber(args.values.get('max-samples') ?? 'auto', '--max-samples');
  const contaminationText = args.values.get('contamination');
  const contamination = parseAutoOrNumber(contaminationText ?? 'auto', '--contamination');

  const train = readCsv(trainPath);
  const test = readCsv(testPath);
  if (train.cols !== test.cols) {
    fail('anomaly.width_mismatch', `${trainPath} has ${train.cols} columns but ${testPath} has ${test.cols}`, { train: train.cols, test: test.cols });
  }
  const forest = IsolationForest.fit(train, { trees, maxSamples, contamination, seed });
  const scores = forest.anomalyScores(test);
  const labels = contaminationText === undefined ? null : forest.predict(test);
  const lines: string[] = [];
  for (let row = 0; row < test.rows; row++) {
    const score = scores[row]!.toFixed(6);
    lines.push(labels === null ? score : `${score},${labels[row]}`);
  }
  output.out(`${lines.join('\n')}\n`);
  return 0;
}

function readCsv(path: string): CsvMatrix {
  let text: string;
  try {
    text = nodeFs.readFileSync(path, 'utf8');
  } catch (e) {
    fail('cli.host_io', `${path}: ${(e as Error).message}`);
  }
  return parseNumericCsv(text, path);
}

function parseWhole(text: string, what: string): number {
  if (!/^-?\d+$/.test(text.trim())) fail('arg.invalid', `${what}: "${text}" is not a whole number`);
  return Number(text);
}

function parseAutoOrNumber(text: string, what: string): 'auto' | number {
  if (text === 'auto') return 'auto';
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) fail('arg.invalid', `${what}: "${text}" is neither "auto" nor a number`);
  return value;
}
