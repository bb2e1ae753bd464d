// Every training op's backward against central finite differences of its
// forward, run over Float64Array (the ops' f64 twins): for a random
// upstream gradient g, the objective L = Σ g ⊙ f(inputs) has ∂L/∂input
// equal to what the backward returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../common/index.ts';
import { ropeAngles } from '../../llm/index.ts';
import { attentionBackward, attentionForward, type AttentionShape } from './attention.ts';
import { crossEntropyForwardBackward, crossEntropyLoss } from './cross-entropy.ts';
import { embeddingBackward, embeddingForward } from './embedding.ts';
import { biasBackward, matmulBackwardWeight, matmulRowsBackwardInput, matmulRowsForward } from './matmul.ts';
import { rmsNormBackward, rmsNormForward } from './rms-norm.ts';
import { ropeBackward, ropeForward } from './rope.ts';
import { residualBackward, residualForward, swigluBackward, swigluForward } from './swiglu.ts';

const STEP = 1e-5;

function random(rng: Rng, n: number, scale = 1, center = 0): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = center + (rng.next() * 2 - 1) * scale;
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** compare analytic[i] with (L(x+h e_i) − L(x−h e_i)) / 2h for every element of x; returns the worst error */
function checkAgainstFiniteDifferences(label: string, x: Float64Array, analytic: Float64Array, objective: () => number): number {
  assert.equal(x.length, analytic.length);
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const saved = x[i]!;
    x[i] = saved + STEP;
    const plus = objective();
    x[i] = saved - STEP;
    const minus = objective();
    x[i] = saved;
    const numeric = (plus - minus) / (2 * STEP);
    const error = Math.abs(numeric - analytic[i]!) / Math.max(1, Math.abs(numeric));
    worst = Math.max(worst, error);
    assert.ok(error < 1e-6, `${label}[${i}]: analytic ${analytic[i]} vs numeric ${numeric}`);
  }
  // a gradient of all zeros would pass trivially: make sure the check saw real values
  assert.ok(analytic.some((v) => Math.abs(v) > 1e-3), `${label}: gradient is (near) zero everywhere`);
  return worst;
}

test('linear x·Wᵀ + b: input, weight and bias gradients (odd sizes exercise every tile remainder; rows in two blocks)', () => {
  const rng = new Rng(1);
  const [tokens, nIn, nOut] = [5, 7, 11];
  const x = random(rng, tokens * nIn), weight = random(rng, nOut * nIn), bias = random(rng, nOut), upstream = random(rng, tokens * nOut);
  const out = new Float64Array(tokens * nOut);
  const forward = (): number => {
    // rows 0..5 and 6..10 as two blocks, the way a dequantized base is read
    matmulRowsForward(out, x, tokens, nIn, nOut, weight.subarray(0, 6 * nIn), 0, 6, bias, 'overwrite');
    matmulRowsForward(out, x, tokens, nIn, nOut, weight.subarray(6 * nIn), 6, 5, bias, 'overwrite');
    return dot(out, upstream);
  };
  forward();
  const dx = new Float64Array(tokens * nIn), dW = new Float64Array(nOut * nIn), dBias = new Float64Array(nOut);
  matmulRowsBackwardInput(dx, upstream, tokens, nIn, nOut, weight.subarray(0, 6 * nIn), 0, 6);
  matmulRowsBackwardInput(dx, upstream, tokens, nIn, nOut, weight.subarray(6 * nIn), 6, 5);
  matmulBackwardWeight(dW, upstream, x, tokens, nIn, nOut);
  biasBackward(dBias, upstream, tokens, nOut);
  checkAgainstFiniteDifferences('dx', x, dx, forward);
  checkAgainstFiniteDifferences('dW', weight, dW, forward);
  checkAgainstFiniteDifferences('dBias', bias, dBias, forward);
});

test('embedding gather: the backward scatter-adds, so a repeated token collects every position', () => {
  const rng = new Rng(2);
  const [vocab, d] = [6, 4];
  const tokens = [2, 5, 2, 0, 2];
  const table = random(rng, vocab * d), upstream = random(rng, tokens.length * d);
  const out = new Float64Array(tokens.length * d);
  const forward = (): number => { embeddingForward(out, table, tokens, tokens.length, d); return dot(out, upstream); };
  const grad = new Float64Array(vocab * d);
  embeddingBackward(grad, upstream, tokens, tokens.length, d);
  checkAgainstFiniteDifferences('dTable', table, grad, forward);
  // rows of unused tokens get nothing
  assert.deepEqual(Array.from(grad.subarray(1 * d, 2 * d)), [0, 0, 0, 0]);
});

test('RMSNorm: input and weight gradients', () => {
  const rng = new Rng(3);
  const [tokens, n, eps] = [3, 8, 1e-6];
  const x = random(rng, tokens * n), weight = random(rng, n, 0.5, 1), upstream = random(rng, tokens * n);
  const out = new Float64Array(tokens * n), inverse = new Float64Array(tokens);
  const forward = (): number => { rmsNormForward(out, inverse, x, weight, tokens, n, eps); return dot(out, upstream); };
  forward();
  const dx = new Float64Array(tokens * n), dWeight = new Float64Array(n);
  rmsNormBackward(dx, dWeight, upstream, x, inverse, weight, tokens, n);
  checkAgainstFiniteDifferences('dx', x, dx, forward);
  checkAgainstFiniteDifferences('dWeight', weight, dWeight, forward);
});

test('RoPE (NeoX pairs i, i + d/2): the backward is the inverse rotation', () => {
  const rng = new Rng(4);
  const [tokens, heads, headDim] = [4, 3, 8];
  const half = headDim / 2;
  const cos32 = new Float32Array(tokens * half), sin32 = new Float32Array(tokens * half);
  for (let t = 0; t < tokens; t++) ropeAngles(cos32, sin32, t * half, t + 3, headDim, 10000);
  const cos = Float64Array.from(cos32), sin = Float64Array.from(sin32);
  const x = random(rng, tokens * heads * headDim), upstream = random(rng, x.length);
  const work = new Float64Array(x.length);
  const forward = (): number => { work.set(x); ropeForward(work, tokens, heads, headDim, cos, sin); return dot(work, upstream); };
  const dx = Float64Array.from(upstream);
  ropeBackward(dx, tokens, heads, headDim, cos, sin);
  checkAgainstFiniteDifferences('dx', x, dx, forward);
});

for (const [headCount, kvHeadCount] of [[4, 2], [2, 2], [3, 1]] as const) {
  test(`causal GQA attention (${headCount} heads, ${kvHeadCount} KV heads): q, k and v gradients; future positions have no effect`, () => {
    const rng = new Rng(5 + headCount);
    const shape: AttentionShape = { headCount, kvHeadCount, headDim: 4 };
    const tokens = 5;
    const q = random(rng, tokens * headCount * 4), k = random(rng, tokens * kvHeadCount * 4), v = random(rng, tokens * kvHeadCount * 4);
    const upstream = random(rng, q.length);
    const out = new Float64Array(q.length), probabilities = new Float64Array(headCount * tokens * tokens);
    const forward = (): number => { attentionForward(out, probabilities, q, k, v, tokens, shape); return dot(out, upstream); };
    forward();
    const dq = new Float64Array(q.length), dk = new Float64Array(k.length), dv = new Float64Array(v.length);
    attentionBackward(dq, dk, dv, upstream, probabilities, q, k, v, tokens, shape, new Float64Array(tokens));
    checkAgainstFiniteDifferences('dq', q, dq, forward);
    checkAgainstFiniteDifferences('dk', k, dk, forward);
    checkAgainstFiniteDifferences('dv', v, dv, forward);
    // causality: the first output row depends on position 0 only
    const first = Float64Array.from(out.subarray(0, headCount * 4));
    v[v.length - 1] += 10;
    k[k.length - 1] -= 10;
    forward();
    assert.deepEqual(Array.from(out.subarray(0, headCount * 4)), Array.from(first));
  });
}

test('SwiGLU silu(gate)·up and the residual add: gradients of both inputs', () => {
  const rng = new Rng(6);
  const n = 13;
  const gate = random(rng, n, 4), up = random(rng, n, 2), upstream = random(rng, n);
  const act = new Float64Array(n);
  const forward = (): number => { swigluForward(act, gate, up, n); return dot(act, upstream); };
  const dGate = new Float64Array(n), dUp = new Float64Array(n);
  swigluBackward(dGate, dUp, upstream, gate, up, n);
  checkAgainstFiniteDifferences('dGate', gate, dGate, forward);
  checkAgainstFiniteDifferences('dUp', up, dUp, forward);

  const x = random(rng, n), delta = random(rng, n);
  const sum = new Float64Array(n);
  const residual = (): number => { sum.set(x); residualForward(sum, delta, n); return dot(sum, upstream); };
  const dx = new Float64Array(n), dDelta = new Float64Array(n);
  residualBackward(dx, dDelta, upstream, n);
  checkAgainstFiniteDifferences('residual dx', x, dx, residual);
  checkAgainstFiniteDifferences('residual dDelta', delta, dDelta, residual);
});

test('cross-entropy: mean over counted tokens, ignored positions get zero gradient and add no loss', () => {
  const rng = new Rng(7);
  const [tokens, vocab] = [5, 9];
  const logits = random(rng, tokens * vocab, 3);
  const targets = Int32Array.from([4, -1, 0, 8, -100]);
  const counted = 3;
  const mean = (): number => crossEntropyLoss(logits, targets, tokens, vocab) / counted;
  const dLogits = new Float64Array(logits.length);
  const sum = crossEntropyForwardBackward(dLogits, logits, targets, tokens, vocab, 1 / counted);
  assert.ok(Math.abs(sum / counted - mean()) < 1e-12);
  checkAgainstFiniteDifferences('dLogits', logits, dLogits, mean);
  for (const ignored of [1, 4]) assert.ok(dLogits.subarray(ignored * vocab, (ignored + 1) * vocab).every((v) => v === 0));
  // uniform logits: loss is log(vocab) per counted token
  const uniform = new Float64Array(tokens * vocab);
  assert.ok(Math.abs(crossEntropyLoss(uniform, targets, tokens, vocab) - counted * Math.log(vocab)) < 1e-12);
});
