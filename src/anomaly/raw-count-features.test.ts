/** Raw count features: windows, columns and log1p of counts and totals. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SensorEvent } from '../common/index.ts';
import { RAW_COUNT_FEATURE_NAMES, rawCountFeatures } from './raw-count-features.ts';

test('events land in their window and column; totals and distinct fs buckets are log1p-scaled', () => {
  const events: SensorEvent[] = [
    { kind: 'kbd', type: 'key', atMs: 100, value: 120 },
    { kind: 'kbd', type: 'key', atMs: 900 },
    { kind: 'fs', type: 'modify', atMs: 1500, bucket: 3 },
    { kind: 'fs', type: 'modify', atMs: 1600, bucket: 3 },
    { kind: 'fs', type: 'rename', atMs: 1700, bucket: 5 },
    { kind: 'net', type: 'counters', atMs: 2100, rxBytes: 1000, txBytes: 20, rxPackets: 3, txPackets: 1 },
    { kind: 'usb', type: 'add', atMs: 2999, deviceClass: 8, bucket: 1 },
    { kind: 'usb', type: 'add', atMs: 3000 }, // at endMs: outside
  ];
  const features = rawCountFeatures(events, 1000, 0, 3000);
  assert.deepEqual([features.rows, features.cols], [3, RAW_COUNT_FEATURE_NAMES.length]);
  const at = (row: number, name: (typeof RAW_COUNT_FEATURE_NAMES)[number]) => features.data[row * features.cols + RAW_COUNT_FEATURE_NAMES.indexOf(name)];
  assert.equal(at(0, 'kbd.key'), Math.log1p(2));
  assert.equal(at(1, 'fs.modify'), Math.log1p(2));
  assert.equal(at(1, 'fs.rename'), Math.log1p(1));
  assert.equal(at(1, 'fs.buckets'), Math.log1p(2));
  assert.equal(at(2, 'net.rxBytes'), Math.log1p(1000));
  assert.equal(at(2, 'net.txPackets'), Math.log1p(1));
  assert.equal(at(2, 'usb.add'), Math.log1p(1));
  const total = features.data.reduce((sum, v) => sum + v, 0);
  const expected = 2 * Math.log1p(2) + 3 * Math.log1p(1) + Math.log1p(1000) + Math.log1p(20) + Math.log1p(3) + Math.log1p(2);
  assert.ok(Math.abs(total - expected) < 1e-12, 'nothing else was counted');
});
