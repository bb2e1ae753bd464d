// The tiled matmul kernels against their triple-loop twins in f32, over
// sizes that hit every tile remainder, in both forward modes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../common/index.ts';
import { biasBackward, matmulBackwardReference, matmulBackwardWeight, matmulForwardReference, matmulRowsBackwardInput, matmulRowsForward } from './matmul.ts';

function random(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.next() * 2 - 1;
  return out;
}

function maxRelativeDifference(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

for (const [tokens, nIn, nOut] of [[1, 1, 1], [2, 3, 4], [7, 33, 9], [8, 64, 16], [5, 17, 30]] as const) {
  test(`tiled kernels equal the reference (tokens ${tokens}, nIn ${nIn}, nOut ${nOut})`, () => {
    const rng = new Rng(tokens * 1000 + nIn * 10 + nOut);
    const x = random(rng, tokens * nIn), weight = random(rng, nOut * nIn), bias = random(rng, nOut), dy = random(rng, tokens * nOut);
    const fast = new Float32Array(tokens * nOut), slow = new Float32Array(tokens * nOut);
    matmulRowsForward(fast, x, tokens, nIn, nOut, weight, 0, nOut, bias, 'overwrite');
    matmulForwardReference(slow, x, tokens, nIn, nOut, weight, bias);
    assert.ok(maxRelativeDifference(fast, slow) < 1e-6);
    // accumulate adds the product (and bias) on top of what is there
    const twice = Float32Array.from(fast);
    matmulRowsForward(twice, x, tokens, nIn, nOut, weight, 0, nOut, bias, 'accumulate');
    assert.ok(maxRelativeDifference(twice, slow.map((v) => 2 * v)) < 1e-6);

    const dxFast = new Float32Array(tokens * nIn).fill(0.5), dxSlow = new Float32Array(tokens * nIn).fill(0.5);
    const dWFast = new Float32Array(nOut * nIn).fill(-0.25), dWSlow = new Float32Array(nOut * nIn).fill(-0.25);
    matmulRowsBackwardInput(dxFast, dy, tokens, nIn, nOut, weight, 0, nOut);
    matmulBackwardWeight(dWFast, dy, x, tokens, nIn, nOut);
    matmulBackwardReference(dxSlow, dWSlow, dy, x, tokens, nIn, nOut, weight);
    assert.ok(maxRelativeDifference(dxFast, dxSlow) < 1e-6);
    assert.ok(maxRelativeDifference(dWFast, dWSlow) < 1e-6);

    const dBias = new Float32Array(nOut);
    biasBackward(dBias, dy, tokens, nOut);
    for (let o = 0; o < nOut; o++) {
      let sum = 0;
      for (let t = 0; t < tokens; t++) sum += dy[t * nOut + o]!;
      assert.ok(Math.abs(dBias[o]! - sum) < 1e-6);
    }
  });
}
