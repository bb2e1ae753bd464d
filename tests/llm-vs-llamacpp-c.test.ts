/**
 * Our engine vs llama.cpp (node-llama-cpp 3.21.1), shape C of
 * tests/helpers/synthetic-models.ts, in F32, Q8_0 and Q4_K: 24 prompts,
 * 64 greedy tokens each (see helpers/compare-llamacpp.ts for the rules).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareWithLlamaCpp, describeReport } from './helpers/compare-llamacpp.ts';
import { smallQwenTokenizer, testShapes } from './helpers/synthetic-models.ts';

/**
 * |Δ log-prob| allowed (see helpers/compare-llamacpp.ts). F32: llama.cpp's
 * SIMD sums in another order than our reference kernels. Quantized: the same,
 * plus rare int8 rounding flips of an activation, bounded by `max`.
 */
const TOLERANCE = {
  f32: { max: 2e-3, typical: 1e-3, tie: 2e-3 },
  q8_0: { max: 1, typical: 2e-2, tie: 0.05 },
  q4_k: { max: 1, typical: 2e-2, tie: 0.05 },
} as const;

for (const target of ['f32', 'q8_0', 'q4_k'] as const) {
  test(`shape C, ${target}: greedy tokens and log-probs match llama.cpp`, async (t) => {
    const config = testShapes(smallQwenTokenizer().tokenizer.vocabSize).C;
    const report = await compareWithLlamaCpp(`C-${target}`, config, target, TOLERANCE[target]);
    t.diagnostic(describeReport(report));
    assert.deepEqual(report.problems, []);
    assert.equal(report.tokenizationMismatches, 0);
    assert.ok(report.identical >= report.prompts - 4, describeReport(report));
  });
}
