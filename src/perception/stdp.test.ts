/**
 * Plasticity units (PERCEPTION.md §5.1): trace-pair STDP signs and sizes on a
 * single synapse, bounds under random pairings, depression on average for
 * uncorrelated firing; the U delta rule's signs, and that U moves only where
 * error units spiked.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Rng } from '../common/index.ts';
import { PcSnn } from './network.ts';
import { deltaRule } from './prediction.ts';
import { poissonSpikes, toBatches } from './spike-patterns.ts';
import { ActiveSet } from './state.ts';
import { depress, normaliseColumns, potentiate } from './stdp.ts';

const A_PLUS = 0.05;
const A_MINUS = 0.0525;
const TAU = 50;
/** per-tick trace decay exactly as the network computes it (dt 1 ms) */
const ALPHA = Math.fround(Math.exp(-1 / TAU));

/** a trace that jumped to 1 and then decayed for `ticks` ticks, f32 as in the network */
function decayedTrace(ticks: number): number {
  let x = 1;
  for (let t = 0; t < ticks; t++) x = Math.fround(ALPHA * x);
  return x;
}

/** one synapse: W is (1 pre, 1 post) */
function single(weight: number): { weights: Float32Array; pre: ActiveSet; post: ActiveSet } {
  const pre = new ActiveSet(1);
  const post = new ActiveSet(1);
  pre.add(0);
  post.add(0);
  return { weights: Float32Array.of(weight), pre, post };
}

test('pre before post at Δt = 5 ms potentiates by A₊·e^{−5/τ₊}·(w_max − w)', () => {
  for (const w0 of [0, 0.1, 0.5, 0.9]) {
    const { weights, pre } = single(w0);
    const preTrace = Float32Array.of(decayedTrace(5));
    potentiate(weights, 1, 0, preTrace, pre, A_PLUS, 0, 1);
    const expected = A_PLUS * Math.exp(-5 / TAU) * (1 - Math.fround(w0));
    assert.ok(Math.abs(weights[0]! - Math.fround(w0) - expected) < 1e-6, `w0 ${w0}: Δw ${weights[0]! - w0} vs ${expected}`);
  }
});

test('post before pre at Δt = 5 ms depresses by A₋·e^{−5/τ₋}·(w − w_min)', () => {
  for (const w0 of [0.1, 0.5, 1]) {
    const { weights, post } = single(w0);
    const postTrace = Float32Array.of(decayedTrace(5));
    depress(weights, 1, 0, postTrace, Float32Array.of(1), post, A_MINUS, 0, 1);
    const expected = -A_MINUS * Math.exp(-5 / TAU) * Math.fround(w0);
    assert.ok(Math.abs(weights[0]! - Math.fround(w0) - expected) < 1e-6, `w0 ${w0}: Δw ${weights[0]! - w0} vs ${expected}`);
  }
});

test('pairs 5τ apart change the weight by under 1% of a close pair', () => {
  const near = single(0.5);
  potentiate(near.weights, 1, 0, Float32Array.of(decayedTrace(5)), near.pre, A_PLUS, 0, 1);
  const far = single(0.5);
  potentiate(far.weights, 1, 0, Float32Array.of(decayedTrace(5 * TAU)), far.pre, A_PLUS, 0, 1);
  assert.ok(Math.abs(far.weights[0]! - 0.5) < 0.01 * Math.abs(near.weights[0]! - 0.5));
  const farDown = single(0.5);
  depress(farDown.weights, 1, 0, Float32Array.of(decayedTrace(5 * TAU)), Float32Array.of(1), farDown.post, A_MINUS, 0, 1);
  assert.ok(0.5 - farDown.weights[0]! < 0.01 * A_MINUS * Math.exp(-5 / TAU) * 0.5);
});

/** simulate one synapse tick by tick with the network's trace rules; returns the final weight */
function simulatePairing(events: ReadonlyArray<{ tick: number; side: 'pre' | 'post' }>, w0: number, scale = 1): number {
  const { weights, pre, post } = single(w0);
  const x = new Float32Array(1);
  const y = new Float32Array(1);
  const rate = Float32Array.of(1);
  const end = events.length === 0 ? 0 : events[events.length - 1]!.tick + 1;
  let next = 0;
  for (let tick = 0; tick < end; tick++) {
    y[0] = Math.fround(ALPHA * y[0]!); // R pass: post trace decays first
    let preSpike = false;
    for (; next < events.length && events[next]!.tick === tick; next++) {
      if (events[next]!.side === 'post') {
        y[0] = Math.fround(y[0]! + 1);
        potentiate(weights, 1, 0, x, pre, A_PLUS * scale, 0, 1);
      } else preSpike = true;
    }
    if (preSpike) {
      x[0] = Math.fround(x[0]! + 1);
      depress(weights, 1, 0, y, rate, post, A_MINUS * scale, 0, 1);
    }
    x[0] = Math.fround(ALPHA * x[0]!); // E pass: pre trace decays last
  }
  return weights[0]!;
}

test('10⁴ random pairings keep the weight inside [0, 1]', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.double({ min: 0, max: 1, noNaN: true }), (seed, w0) => {
      const rng = new Rng(seed);
      const events: { tick: number; side: 'pre' | 'post' }[] = [];
      let tick = 0;
      for (let k = 0; k < 500; k++) {
        tick += rng.int(0, 20);
        events.push({ tick, side: rng.chance(0.5) ? 'pre' : 'post' });
      }
      const w = simulatePairing(events, w0, 20); // exaggerated rates stress the bounds
      return w >= 0 && w <= 1;
    }),
    { numRuns: 20 },
  );
});

test('uncorrelated 10 Hz Poisson pre and post for 100 s: mean Δw ≤ 0', () => {
  const rng = new Rng(7);
  let total = 0;
  const trials = 4;
  for (let trial = 0; trial < trials; trial++) {
    const spikes = poissonSpikes(rng, 2, 10, 0, 100_000);
    const events = spikes.map((s) => ({ tick: s.tick, side: s.channel === 0 ? ('pre' as const) : ('post' as const) })).sort((a, b) => a.tick - b.tick);
    total += simulatePairing(events, 0.5) - 0.5;
  }
  assert.ok(total / trials <= 0, `mean Δw ${total / trials}`);
});

test('normalisation sets each column L1 to the target and leaves empty columns alone', () => {
  const weights = Float32Array.of(0.1, 0, 0.3, 0, 0.2, 0); // (3 pre, 2 post)
  normaliseColumns(weights, 3, 2, 1.2, 0, 1, new Float64Array(2));
  assert.ok(Math.abs(weights[0]! + weights[2]! + weights[4]! - 1.2) < 1e-6);
  assert.deepEqual([weights[1], weights[3], weights[5]], [0, 0, 0]);
});

test('delta rule: E⁺ raises U, E⁻ lowers it, by η·x_k, clipped to [0, U_max]', () => {
  const above = new ActiveSet(2);
  above.add(0);
  above.add(1);
  const trace = Float32Array.of(0.5, 0); // unit 1 has no trace: its U must not move
  const weights = new Float32Array(2 * 3); // (2 above, 3 below)
  weights[1 * 3 + 2] = 7;
  const prediction = new Float32Array(3);
  deltaRule(weights, 3, 2, 1, trace, Float32Array.of(1, 1), above, 2.5, 20, prediction);
  assert.equal(weights[0 * 3 + 2], 1.25);
  assert.equal(weights[1 * 3 + 2], 7);
  assert.equal(prediction[2], Math.fround(1.25 * 0.5));
  deltaRule(weights, 3, 2, -1, trace, Float32Array.of(1, 1), above, 2.5, 20, prediction);
  deltaRule(weights, 3, 2, -1, trace, Float32Array.of(1, 1), above, 2.5, 20, prediction);
  assert.equal(weights[0 * 3 + 2], 0, 'clipped at 0');
  assert.equal(prediction[2], 0);
  for (let k = 0; k < 20; k++) deltaRule(weights, 3, 2, 1, trace, Float32Array.of(1, 1), above, 2.5, 20, prediction);
  assert.equal(weights[0 * 3 + 2], 20, 'clipped at U_max');
});

test('in a running network U changes only in columns whose error units spiked', () => {
  const network = new PcSnn({ inputChannels: 32, representationSizes: [32, 16, 8], seed: 3 });
  const spikes = poissonSpikes(new Rng(11), 8, 5, 0, 3000); // only channels 0..7 get input
  const before = network.state.prediction.map((u) => u.slice());
  const spiked = [new Set<number>(), new Set<number>(), new Set<number>()];
  network.observeSpikes((_tick, population, unit) => {
    const level = { 'E0+': 0, 'E0-': 0, 'E1+': 1, 'E1-': 1, 'E2+': 2, 'E2-': 2 }[population as string];
    if (level !== undefined) spiked[level]!.add(unit);
  });
  network.step(3000, toBatches(spikes));
  assert.ok(spiked[0]!.size > 0, 'the input made error spikes');
  let changedColumns = 0;
  network.state.prediction.forEach((u, level) => {
    const below = network.state.errors[level]!.size;
    for (let index = 0; index < u.length; index++) {
      if (u[index] === before[level]![index]) continue;
      const column = index % below;
      assert.ok(spiked[level]!.has(column), `U_${level}[${Math.floor(index / below)}, ${column}] moved without an error spike`);
      changedColumns++;
    }
  });
  assert.ok(changedColumns > 0, 'U learned something');
});
