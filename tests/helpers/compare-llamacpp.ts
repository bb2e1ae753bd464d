/**
 * Our engine against llama.cpp on one synthetic model file: for every
 * prompt, greedy-decode 64 tokens with both; while the token streams agree,
 * the log-probabilities of llama.cpp's top 5 tokens must agree within
 * `tolerance.max` at every step and within `tolerance.typical` at the
 * median step; where the streams diverge, llama.cpp's top two candidates at
 * that step must be closer than `tolerance.tie` or than our measured error
 * at that step (a genuine near-tie, explained by the logit error) — the
 * comparison of that prompt ends there and the divergence is reported.
 *
 * Why two bounds for quantized files: activations are quantized to 8 bits
 * before each matmul (as llama.cpp does). Upstream floats that differ in the
 * last bit (llama.cpp's vectorised exp/silu/sum order vs ours) now and then
 * round one activation to the neighbouring int8, a discrete step that moves
 * later logits by up to a few tenths, and the perturbed KV cache carries
 * that into the rest of the sequence. Most steps agree to ~1e-5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildQwen2Weights, ggufTensor, Qwen2Model, readGguf, syntheticQwen2Gguf, type QuantizeTarget, type Qwen2Config } from '../../src/llm/index.ts';
import { loadReference } from './llamacpp.ts';
import { ourGreedy, PROMPTS, smallQwenTokenizer, testShapes } from './synthetic-models.ts';

export interface ComparisonReport {
  readonly label: string;
  readonly prompts: number;
  readonly steps: number;
  /** steps compared (up to and including each prompt's first divergence) */
  readonly comparedSteps: number;
  /** prompts whose 64 tokens were identical */
  readonly identical: number;
  /** per divergence: prompt index, step, llama.cpp's top-2 log-prob gap */
  readonly divergences: { prompt: number; step: number; gap: number }[];
  /** largest |Δ log-prob| over llama.cpp's top-5 tokens at compared steps */
  readonly maxLogProbError: number;
  /** 50th and 99th percentile of the per-step largest |Δ log-prob| */
  readonly p50LogProbError: number;
  readonly p99LogProbError: number;
  /** prompts whose llama.cpp tokenization differs from ours */
  readonly tokenizationMismatches: number;
  readonly problems: string[];
}

export interface Tolerance {
  /** |Δ log-prob| no step may exceed */
  readonly max: number;
  /** |Δ log-prob| the median step stays within */
  readonly typical: number;
  /** a top-2 gap below this is a near-tie */
  readonly tie: number;
}

export async function compareWithLlamaCpp(label: string, config: Qwen2Config, target: QuantizeTarget, tolerance: Tolerance, steps = 64): Promise<ComparisonReport> {
  const { tokenizer } = smallQwenTokenizer();
  const bytes = syntheticQwen2Gguf({ config, tokenizer, seed: 7, target });
  const dir = mkdtempSync(join(tmpdir(), 'chimaera-cmp-'));
  const path = join(dir, `${label}.gguf`);
  writeFileSync(path, bytes);
  const file = readGguf(bytes, path);
  const tensors = new Map(file.tensors.map((info) => [info.name, ggufTensor(info, bytes)]));
  const ours = new Qwen2Model(config, buildQwen2Weights(config, tensors, path));
  const context = ours.createContext(256);
  const reference = await loadReference(path, { contextSize: 256 });
  const report = { label, prompts: PROMPTS.length, steps, comparedSteps: 0, identical: 0, divergences: [] as ComparisonReport['divergences'], maxLogProbError: 0, p50LogProbError: 0, p99LogProbError: 0, tokenizationMismatches: 0, problems: [] as string[] };
  const stepErrors: number[] = [];
  try {
    for (const [index, text] of PROMPTS.entries()) {
      const prompt = tokenizer.encode(text);
      if (reference.tokenize(text).join() !== prompt.join()) report.tokenizationMismatches++;
      const theirs = await reference.greedy(prompt, steps, 5);
      const mine = ourGreedy(context, prompt, steps);
      let diverged = false;
      for (let step = 0; step < Math.min(theirs.length, mine.length); step++) {
        report.comparedSteps++;
        const t = theirs[step]!;
        const m = mine[step]!;
        let stepError = 0;
        for (const [token, logProb] of t.top) stepError = Math.max(stepError, Math.abs(m.logProbs[token]! - logProb));
        stepErrors.push(stepError);
        if (stepError > tolerance.max) report.problems.push(`prompt ${index} step ${step}: log-probs differ by ${stepError.toFixed(4)}`);
        if (m.token !== t.token) {
          const gap = t.top[0]![1] - (t.top[1]?.[1] ?? -Infinity);
          // our own gap between the two candidates, with its sign: negative means we prefer the other one
          const ourGap = m.logProbs[t.token]! - m.logProbs[m.token]!;
          report.divergences.push({ prompt: index, step, gap });
          if (gap >= tolerance.tie && gap > 2 * stepError) {
            report.problems.push(`prompt ${index} step ${step}: we chose ${m.token}, llama.cpp ${t.token}; its top-2 gap ${gap.toFixed(4)} is no near-tie (our gap ${ourGap.toFixed(4)}, step error ${stepError.toFixed(4)})`);
          }
          diverged = true;
          break;
        }
      }
      if (theirs.length !== steps) report.problems.push(`prompt ${index}: llama.cpp produced ${theirs.length} tokens`);
      if (!diverged) report.identical++;
    }
    const sorted = stepErrors.sort((a, b) => a - b);
    report.maxLogProbError = sorted.at(-1) ?? 0;
    report.p50LogProbError = sorted[Math.floor(sorted.length * 0.5)] ?? 0;
    report.p99LogProbError = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
    if (report.p50LogProbError > tolerance.typical) report.problems.push(`median |Δ log-prob| ${report.p50LogProbError.toExponential(2)} exceeds ${tolerance.typical}`);
  } finally {
    await reference.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  return report;
}

export function describeReport(r: ComparisonReport): string {
  return `${r.label}: ${r.identical}/${r.prompts} prompts identical for ${r.steps} tokens, ${r.divergences.length} near-tie divergences${r.divergences.length > 0 ? ` (gaps ${r.divergences.map((d) => d.gap.toFixed(4)).join(', ')})` : ''}, |Δ log-prob| median ${r.p50LogProbError.toExponential(1)}, p99 ${r.p99LogProbError.toExponential(1)}, max ${r.maxLogProbError.toExponential(1)} over ${r.comparedSteps} steps, tokenization mismatches ${r.tokenizationMismatches}`;
}

/**
 * |Δ log-prob| allowed. F32: llama.cpp's
 * SIMD sums in another order than our reference kernels; that is all.
 * Quantized: activations are rounded to int8 before each matmul, so those
 * last-bit differences now and then flip an activation to the neighbouring
 * int8 — a discrete step worth up to a few tenths of a log-prob. How often
 * depends on the shape (measured: rare for head ratios 1 and 7, frequent
 * for ratio 2, where llama.cpp's broadcast attention sums in yet another
 * order); every divergence must still be a near-tie under `tie`.
 */
export const TOLERANCE = {
  f32: { max: 2e-3, typical: 1e-4, tie: 2e-3 },
  q8_0: { max: 1, typical: 0.1, tie: 0.25 },
  q4_k: { max: 1, typical: 0.1, tie: 0.25 },
} as const;

/** register the comparison tests of one shape in F32, Q8_0 and Q4_K */
export function comparisonTests(shape: 'A' | 'B' | 'C'): void {
  for (const target of ['f32', 'q8_0', 'q4_k'] as const) {
    test(`shape ${shape}, ${target}: greedy tokens and log-probs match llama.cpp`, async (t) => {
      const config = testShapes(smallQwenTokenizer().tokenizer.vocabSize)[shape];
      const report = await compareWithLlamaCpp(`${shape}-${target}`, config, target, TOLERANCE[target]);
      t.diagnostic(describeReport(report));
      assert.deepEqual(report.problems, []);
      assert.equal(report.tokenizationMismatches, 0);
      if (target === 'f32') assert.ok(report.identical >= 20, describeReport(report));
    });
  }
}
