/**
 * Our GGUF LoRA export against llama.cpp (node-llama-cpp 3.21.1): a random
 * Qwen2 (shape A of helpers/synthetic-models.ts, F32 weights) and a random
 * rank-8 adapter on q, k, v, o, gate, up and down (non-zero B), exported by
 * src/train/gguf-lora.ts. llama.cpp loads the base GGUF with the adapter
 * applied (scale 1) and greedy-decodes each prompt, reporting its top-5
 * log-probabilities per step; our engine, with the same adapter set on the
 * model, evaluates the same token sequence (teacher-forced) and must give
 * the same log-probabilities within the F32 comparison tolerance of
 * helpers/compare-llamacpp.ts (llama.cpp sums in another order; nothing
 * else differs), pick the same greedy token except at near-ties, and be far
 * from our base model on that sequence — so an adapter ignored by either
 * side would fail. The F16 export is checked the same way against our
 * engine with the f16-rounded adapter it reads back, under a wider bound:
 * llama.cpp multiplies F16 matrices by activations rounded to f16 (the
 * F16 vec-dot type), so x and A·x lose bits there that our f32 adapter
 * path keeps — a few 1e-3 in log-probability, still ~500× below the
 * adapter's own effect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Token } from 'node-llama-cpp';
import { Rng } from '../src/common/index.ts';
import { buildQwen2Weights, ggufTensor, Qwen2Model, readGguf, syntheticQwen2Gguf, type Qwen2Config } from '../src/llm/index.ts';
import { adapterFromGgufLora, adapterToGgufLora, LORA_TARGETS, LoraAdapter, type GgufLoraDtype } from '../src/train/index.ts';
import { TOLERANCE } from './helpers/compare-llamacpp.ts';
import { reference } from './helpers/llamacpp.ts';
import { logSoftmax, PROMPTS, smallQwenTokenizer, testShapes } from './helpers/synthetic-models.ts';

const STEPS = 16;
const PROMPT_COUNT = 8;

interface Step {
  readonly token: number;
  readonly top: [token: number, logProb: number][];
}

/** llama.cpp's greedy run of every prompt with the GGUF LoRA at `loraPath` applied */
async function llamaCppWithLora(modelPath: string, loraPath: string, prompts: number[][]): Promise<Step[][]> {
  const llama = await reference();
  const model = await llama.loadModel({ modelPath, gpuLayers: 0, useMmap: true });
  try {
    const context = await model.createContext({
      contextSize: 256, batchSize: 256, threads: 1, flashAttention: false, sequences: 1,
      experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32',
      lora: { adapters: [{ filePath: loraPath, scale: 1 }] },
    });
    try {
      const runs: Step[][] = [];
      for (const prompt of prompts) {
        const sequence = context.getSequence();
        const steps: Step[] = [];
        try {
          for await (const output of sequence.evaluateWithMetadata(prompt as Token[], { probabilities: true }, { temperature: 0, yieldEogToken: true })) {
            const top: [number, number][] = [];
            for (const [token, p] of output.probabilities) {
              top.push([token, Math.log(p)]);
              if (top.length === 5) break;
            }
            steps.push({ token: output.token, top });
            if (steps.length === STEPS) break;
          }
        } finally {
          sequence.dispose();
        }
        runs.push(steps);
      }
      return runs;
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}

/** our log-probabilities at each step of llama.cpp's sequence (prompt + its tokens, teacher-forced) [steps][vocab] */
function ourLogProbs(model: Qwen2Model, prompt: number[], steps: Step[]): Float32Array[] {
  const vocab = model.config.vocabSize;
  const tokens = [...prompt, ...steps.slice(0, -1).map((s) => s.token)];
  const logits = model.createContext(256).evaluate(tokens, { logits: 'all' });
  return steps.map((_, step) => {
    const row = prompt.length - 1 + step;
    return logSoftmax(logits.subarray(row * vocab, (row + 1) * vocab));
  });
}

interface Comparison {
  /** per-step max |Δ log-prob| over llama.cpp's top 5, sorted */
  readonly errors: number[];
  /** steps where our argmax differs from llama.cpp's token, with llama.cpp's top-2 gap */
  readonly disagreements: { prompt: number; step: number; gap: number; error: number }[];
}

function compare(model: Qwen2Model, prompts: number[][], runs: Step[][]): Comparison {
  const errors: number[] = [];
  const disagreements: Comparison['disagreements'] = [];
  runs.forEach((steps, p) => {
    const ours = ourLogProbs(model, prompts[p]!, steps);
    steps.forEach((step, s) => {
      const mine = ours[s]!;
      let error = 0;
      for (const [token, logProb] of step.top) error = Math.max(error, Math.abs(mine[token]! - logProb));
      errors.push(error);
      let best = 0;
      for (let t = 1; t < mine.length; t++) if (mine[t]! > mine[best]!) best = t;
      if (best !== step.token) disagreements.push({ prompt: p, step: s, gap: step.top[0]![1] - (step.top[1]?.[1] ?? -Infinity), error });
    });
  });
  errors.sort((a, b) => a - b);
  return { errors, disagreements };
}

/** F16 adapter tensors: llama.cpp rounds the adapter's input and inner activations to f16 (see header) */
const F16_TOLERANCE = { max: 2e-2, typical: 2e-3, tie: 2e-2 } as const;

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;

/** a rank-8 adapter on every target with A as PEFT initialises it and B uniform in ±0.05 */
function randomAdapter(config: Qwen2Config): LoraAdapter {
  const adapter = LoraAdapter.create('llamacpp-check', config, { rank: 8, alpha: 16, dropout: 0, targets: [...LORA_TARGETS] }, 77);
  const rng = new Rng(78);
  for (const m of adapter.matrices) for (let i = 0; i < m.b.length; i++) m.b[i] = (rng.next() * 2 - 1) * 0.05;
  return adapter;
}

for (const dtype of ['F32', 'F16'] as GgufLoraDtype[]) {
  test(`GGUF LoRA (${dtype}) applied by llama.cpp gives our engine's log-probabilities with the same adapter, and moves them far from the base`, async (t) => {
    const { tokenizer } = smallQwenTokenizer();
    const config = testShapes(tokenizer.vocabSize).A;
    const baseBytes = syntheticQwen2Gguf({ config, tokenizer, seed: 7, target: 'f32' });
    const adapter = randomAdapter(config);
    const loraBytes = adapterToGgufLora(adapter, { dtype });
    const dir = mkdtempSync(join(tmpdir(), 'chimaera-lora-'));
    try {
      const modelPath = join(dir, 'base.gguf');
      const loraPath = join(dir, 'adapter.gguf');
      writeFileSync(modelPath, baseBytes);
      writeFileSync(loraPath, loraBytes);
      const file = readGguf(baseBytes, modelPath);
      const tensors = new Map(file.tensors.map((info) => [info.name, ggufTensor(info, baseBytes)]));
      const ours = new Qwen2Model(config, buildQwen2Weights(config, tensors, modelPath));
      // what llama.cpp reads: the exported values (f16-rounded for F16)
      ours.setAdapters([adapterFromGgufLora(loraBytes, config, 'exported')]);
      const base = new Qwen2Model(config, ours.weights);

      const prompts = PROMPTS.slice(0, PROMPT_COUNT).map((text) => tokenizer.encode(text));
      const runs = await llamaCppWithLora(modelPath, loraPath, prompts);
      for (const steps of runs) assert.equal(steps.length, STEPS);

      const adapted = compare(ours, prompts, runs);
      const plain = compare(base, prompts, runs);
      const max = adapted.errors.at(-1)!;
      const median = quantile(adapted.errors, 0.5);
      const baseMedian = quantile(plain.errors, 0.5);
      t.diagnostic(`${dtype}: with the adapter |Δ log-prob| median ${median.toExponential(1)}, p99 ${quantile(adapted.errors, 0.99).toExponential(1)}, max ${max.toExponential(1)} over ${adapted.errors.length} steps; greedy disagreements ${adapted.disagreements.length}`);
      t.diagnostic(`${dtype}: our base model on llama.cpp's adapted sequence: |Δ log-prob| median ${baseMedian.toFixed(3)}, max ${plain.errors.at(-1)!.toFixed(3)}; greedy disagreements ${plain.disagreements.length} of ${plain.errors.length}`);

      const tolerance = dtype === 'F32' ? TOLERANCE.f32 : F16_TOLERANCE;
      assert.ok(max <= tolerance.max, `max |Δ log-prob| ${max} exceeds ${tolerance.max}`);
      assert.ok(median <= tolerance.typical, `median |Δ log-prob| ${median} exceeds ${tolerance.typical}`);
      for (const d of adapted.disagreements) {
        assert.ok(d.gap < tolerance.tie || d.gap <= 2 * d.error, `prompt ${d.prompt} step ${d.step}: greedy tokens differ at a top-2 gap of ${d.gap} (no near-tie)`);
      }
      // an ignored adapter (on either side) would leave these near zero
      assert.ok(baseMedian > 0.25 && baseMedian > 100 * median, `the adapter barely changes the log-probabilities (base median ${baseMedian}, adapted median error ${median})`);
      assert.ok(plain.disagreements.length > plain.errors.length / 10, `the base model mostly picks llama.cpp's adapted tokens (${plain.disagreements.length} disagreements)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
