/**
 * Area under the ROC curve for anomaly scores, as the Mann–Whitney statistic:
 *
 *   AUROC = (R₊ − n₊(n₊+1)/2) / (n₊·n₋)
 *
 * where R₊ is the sum of the ranks (1-based, ascending score) of the positive
 * (anomalous) samples and tied scores share the average of their ranks. It is
 * the probability that a random anomaly scores above a random normal sample,
 * counting ties as one half — the same number as scikit-learn's
 * `roc_auc_score`. Higher score = more anomalous.
 */

import { fail } from '../common/index.ts';

/** labels: 1 / true = anomaly (positive), 0 / false = normal */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  const count = scores.length;
  if (labels.length !== count) fail('anomaly.data_invalid', `auroc: ${count} scores but ${labels.length} labels`);
  /** (count) sample indices sorted by ascending score */
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    if (Number.isNaN(scores[i]!)) fail('anomaly.data_invalid', `auroc: score ${i} is NaN`);
    order[i] = i;
  }
  order.sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < count; ) {
    let end = start + 1;
    while (end < count && scores[order[end]!] === scores[order[start]!]) end++;
    // ranks start+1 … end share their mean
    const meanRank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) {
      if (isPositive(labels[order[i]!]!)) {
        positives++;
        positiveRankSum += meanRank;
      }
    }
    start = end;
  }
  const negatives = count - positives;
  if (positives === 0 || negatives === 0) {
    fail('anomaly.data_invalid', `auroc needs both classes; got ${positives} anomalies and ${negatives} normal samples`);
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function isPositive(label: number | boolean): boolean {
  if (label === true || label === 1) return true;
  if (label === false || label === 0) return false;
  return fail('anomaly.data_invalid', `auroc: label ${String(label)} is neither 0/false nor 1/true`);
}
