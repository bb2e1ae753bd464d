/**
 * Raw count features: the baseline the perception benchmark compares the
 * PC-SNN against. Per fixed window, log1p of how many sensor events of each
 * kind and type arrived, of the network byte and packet totals, and of the
 * number of distinct file path-class buckets touched. No learning, no
 * spikes: what an Isolation Forest sees without the perception layer.
 */

import type { SensorEvent } from '../common/index.ts';
import type { Matrix } from './isolation-forest.ts';

/** column names of `rawCountFeatures`, in order */
export const RAW_COUNT_FEATURE_NAMES = [
  'kbd.key',
  'mic.frame',
  'usb.add',
  'usb.remove',
  'fs.create',
  'fs.modify',
  'fs.delete',
  'fs.rename',
  'fs.buckets',
  'net.open',
  'net.close',
  'net.rxBytes',
  'net.txBytes',
  'net.rxPackets',
  'net.txPackets',
] as const;

const COLUMN_OF_EVENT: Partial<Record<`${SensorEvent['kind']}.${SensorEvent['type']}`, number>> = {
  'kbd.key': 0,
  'mic.frame': 1,
  'usb.add': 2,
  'usb.remove': 3,
  'fs.create': 4,
  'fs.modify': 5,
  'fs.delete': 6,
  'fs.rename': 7,
  'net.open': 9,
  'net.close': 10,
};
const FS_BUCKETS_COLUMN = 8;
const NET_TOTALS_COLUMN = 11;

/**
 * One row per window [startMs + k·windowMs, startMs + (k+1)·windowMs) up to
 * endMs; events outside [startMs, endMs) are ignored. Events need not be
 * sorted.
 */
export function rawCountFeatures(events: readonly SensorEvent[], windowMs: number, startMs: number, endMs: number): Matrix {
  const cols = RAW_COUNT_FEATURE_NAMES.length;
  const rows = Math.max(0, Math.ceil((endMs - startMs) / windowMs));
  /** (rows, cols) raw sums, log1p applied at the end */
  const data = new Float64Array(rows * cols);
  /** (rows) bit set of fs buckets 0..15 touched */
  const fsBuckets = new Uint16Array(rows);
  for (const event of events) {
    if (event.atMs < startMs || event.atMs >= endMs) continue;
    const row = Math.floor((event.atMs - startMs) / windowMs);
    const base = row * cols;
    const column = COLUMN_OF_EVENT[`${event.kind}.${event.type}`];
    if (column !== undefined) data[base + column]!++;
    if (event.kind === 'fs' && event.bucket !== undefined) fsBuckets[row] = fsBuckets[row]! | (1 << event.bucket);
    if (event.kind === 'net' && event.type === 'counters') {
      data[base + NET_TOTALS_COLUMN] = data[base + NET_TOTALS_COLUMN]! + (event.rxBytes ?? 0);
      data[base + NET_TOTALS_COLUMN + 1] = data[base + NET_TOTALS_COLUMN + 1]! + (event.txBytes ?? 0);
      data[base + NET_TOTALS_COLUMN + 2] = data[base + NET_TOTALS_COLUMN + 2]! + (event.rxPackets ?? 0);
      data[base + NET_TOTALS_COLUMN + 3] = data[base + NET_TOTALS_COLUMN + 3]! + (event.txPackets ?? 0);
    }
  }
  for (let row = 0; row < rows; row++) {
    let bits = fsBuckets[row]!;
    let distinct = 0;
    for (; bits !== 0; bits &= bits - 1) distinct++;
    data[row * cols + FS_BUCKETS_COLUMN] = distinct;
  }
  for (let i = 0; i < data.length; i++) data[i] = Math.log1p(data[i]!);
  return { data, rows, cols };
}
