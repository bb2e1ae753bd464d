/**
 * ChannelNovelty and RunningQuantile: the two small running statistics the
 * detector adds to its channel z-scores (first-seen channels, and the scale
 * of what is ordinary).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChannelNovelty } from './channel-novelty.ts';
import { RunningQuantile } from './running-quantile.ts';

test('novelty: 1 for a never-seen channel, 1/3 after one window, 1/5 after two; silent channels do not count', () => {
  const novelty = new ChannelNovelty(3, 1e9);
  const top = { channel: -1 };
  assert.equal(novelty.score([0, 0, 0], top), 0);
  assert.equal(top.channel, -1);
  assert.equal(novelty.score([0, 2, 0], top), 1);
  assert.equal(top.channel, 1);
  novelty.update([0, 2, 0]);
  assert.ok(Math.abs(novelty.score([0, 1, 0], top) - 1 / 3) < 1e-9);
  novelty.update([0, 1, 0]);
  assert.ok(Math.abs(novelty.score([0, 1, 0], top) - 1 / 5) < 1e-9);
  assert.equal(novelty.score([0, 1, 1], top), 1, 'the never-seen channel wins');
  assert.equal(top.channel, 2);
});

test('novelty: counts decay with the half-life, so a channel silent for many half-lives is new again', () => {
  const novelty = new ChannelNovelty(1, 10);
  const top = { channel: -1 };
  novelty.update([1]);
  assert.ok(Math.abs(novelty.seen[0]! - 1) < 1e-12);
  for (let i = 0; i < 10; i++) novelty.update([0]);
  assert.ok(Math.abs(novelty.seen[0]! - 0.5) < 1e-9, 'one half-life halves the count');
  for (let i = 0; i < 200; i++) novelty.update([0]);
  assert.ok(novelty.score([1], top) > 0.99);
});

test('running quantile: within one bin (~9%) of the exact sample quantile, never below it by more', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 50, maxLength: 400 }), fc.constantFrom(0.5, 0.9, 0.99), (values, q) => {
      // no decay (half-life ∞): every observation weighs 1, so the histogram's quantile is the plain sample quantile
      // (a finite half-life, even 1e12, weighs older values a hair less and can move a 99% cut across a bin)
      const running = new RunningQuantile(1000, Infinity);
      for (const v of values) running.add(v);
      const sorted = [...values].sort((a, b) => a - b);
      const exact = sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
      const estimate = running.quantile(q);
      // upper edge of the bin holding the exact quantile: (1 + exact)·2^(1/8) − 1 at most
      return estimate >= exact - 1e-9 && estimate <= (1 + exact) * Math.pow(2, 1 / 8) - 1 + 1e-9;
    }),
  );
});

test('running quantile: old observations fade with the half-life', () => {
  const running = new RunningQuantile(1000, 100);
  for (let i = 0; i < 1000; i++) running.add(50);
  assert.ok(running.quantile(0.999) >= 50);
  for (let i = 0; i < 2000; i++) running.add(1);
  assert.ok(running.quantile(0.999) < 2, `quantile ${running.quantile(0.999)}`);
  assert.equal(new RunningQuantile(10, 5).quantile(0.5), 0, 'empty');
});
