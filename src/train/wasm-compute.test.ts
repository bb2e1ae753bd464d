// The WebAssembly SIMD training engine (WasmTrainCompute over
// wasm/train-f32.ts and wasm/train-attention.ts) against its JavaScript
// twins: the matrix products (ops/matmul.ts) on odd shapes — tokens, rows
// and nIn off the 4/8 tiles, rowStart > 0, both forward modes, with and
// without bias — attention forward and backward (ops/attention.ts) over
// odd lengths, GQA groups and head sizes, and a whole training step (full
// and LoRA) through each engine giving the same loss and gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '../common/index.ts';
import { TRAIN_KERNELS_WASM_PATH, TrainKernels } from '../llm/index.ts';
import { LoraAdapter } from './lora.ts';
import { attentionBackward, attentionForward } from './ops/attention.ts';
import { matmulBackwardWeight, matmulRowsBackwardInput, matmulRowsForward, type ProductMode } from './ops/matmul.ts';
import { JAVASCRIPT_COMPUTE } from './ops/train-compute.ts';
import { Qwen2Parameters } from './parameters.ts';
import { randomBase, randomSequences, smallConfig } from './test-models.ts';
import { Qwen2Trainer } from './trainer.ts';
import { WasmTrainCompute } from './wasm-compute.ts';

const wasmFile = fileURLToPath(new URL(`../../${TRAIN_KERNELS_WASM_PATH}`, import.meta.url));
const skip = existsSync(wasmFile) ? false : `${TRAIN_KERNELS_WASM_PATH} is not built: run node scripts/build-wasm.js`;
const wasmCompute = (): WasmTrainCompute => new WasmTrainCompute(new TrainKernels(readFileSync(wasmFile)));

function random(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.next() * 2 - 1;
  return out;
}

const absolute = (a: Float32Array): Float32Array => a.map(Math.abs);

/** every |fast − twin| ≤ 1e-5 · magnitude (Σ|terms| of that element, from the twin over absolute values) + 1e-30 */
function assertClose(fast: Float32Array, twin: Float32Array, magnitude: Float32Array, what: string): void {
  assert.equal(fast.length, twin.length);
  for (let i = 0; i < fast.length; i++) {
    const bound = 1e-5 * magnitude[i]! + 1e-30;
    if (!(Math.abs(fast[i]! - twin[i]!) <= bound)) assert.fail(`${what}: element ${i}: wasm ${fast[i]} vs javascript ${twin[i]} (bound ${bound})`);
  }
}

// [tokens, nIn, nOut, rowStart, rowCount]
const SHAPES = [[1, 1, 1, 0, 1], [3, 5, 7, 2, 5], [7, 33, 9, 0, 9], [8, 64, 16, 4, 8], [5, 17, 30, 3, 26], [13, 31, 11, 1, 9], [160, 128, 384, 0, 384]] as const;

for (const [tokens, nIn, nOut, rowStart, rowCount] of SHAPES) {
  test(`wasm forward equals matmulRowsForward (tokens ${tokens}, nIn ${nIn}, rows ${rowStart}…+${rowCount} of ${nOut}; overwrite/accumulate, bias/none)`, { skip }, () => {
    const wasm = wasmCompute();
    const rng = new Rng(tokens * 7919 + nIn * 31 + nOut);
    const x = random(rng, tokens * nIn), weight = random(rng, nOut * nIn), bias = random(rng, nOut), prior = random(rng, tokens * nOut);
    const rows = weight.subarray(rowStart * nIn, (rowStart + rowCount) * nIn);
    for (const mode of ['overwrite', 'accumulate'] as ProductMode[]) {
      for (const withBias of [bias, null]) {
        const fast = Float32Array.from(prior), twin = Float32Array.from(prior), magnitude = absolute(prior);
        wasm.forward(fast, x, tokens, nIn, nOut, rows, rowStart, rowCount, withBias, mode);
        matmulRowsForward(twin, x, tokens, nIn, nOut, rows, rowStart, rowCount, withBias, mode);
        matmulRowsForward(magnitude, absolute(x), tokens, nIn, nOut, absolute(rows), rowStart, rowCount, withBias === null ? null : absolute(withBias), mode);
        assertClose(fast, twin, magnitude, `forward ${mode} ${withBias === null ? 'no bias' : 'bias'}`);
        // columns outside the row block are untouched
        for (let t = 0; t < tokens; t++) {
          for (let o = 0; o < nOut; o++) if (o < rowStart || o >= rowStart + rowCount) assert.equal(fast[t * nOut + o], prior[t * nOut + o]);
        }
      }
    }
  });

  test(`wasm backward input and weight equal their twins (tokens ${tokens}, nIn ${nIn}, rows ${rowStart}…+${rowCount} of ${nOut})`, { skip }, () => {
    const wasm = wasmCompute();
    const rng = new Rng(tokens * 104729 + nIn * 17 + nOut);
    const x = random(rng, tokens * nIn), weight = random(rng, nOut * nIn), dy = random(rng, tokens * nOut);
    const priorDx = random(rng, tokens * nIn), priorDw = random(rng, nOut * nIn);
    const rows = weight.subarray(rowStart * nIn, (rowStart + rowCount) * nIn);
    const fastDx = Float32Array.from(priorDx), twinDx = Float32Array.from(priorDx), magnitudeDx = absolute(priorDx);
    wasm.backwardInput(fastDx, dy, tokens, nIn, nOut, rows, rowStart, rowCount);
    matmulRowsBackwardInput(twinDx, dy, tokens, nIn, nOut, rows, rowStart, rowCount);
    matmulRowsBackwardInput(magnitudeDx, absolute(dy), tokens, nIn, nOut, absolute(rows), rowStart, rowCount);
    assertClose(fastDx, twinDx, magnitudeDx, 'backward input');
    const fastDw = Float32Array.from(priorDw), twinDw = Float32Array.from(priorDw), magnitudeDw = absolute(priorDw);
    wasm.backwardWeight(fastDw, dy, x, tokens, nIn, nOut);
    matmulBackwardWeight(twinDw, dy, x, tokens, nIn, nOut);
    matmulBackwardWeight(magnitudeDw, absolute(dy), absolute(x), tokens, nIn, nOut);
    assertClose(fastDw, twinDw, magnitudeDw, 'backward weight');
    // the products did something: the results moved away from the priors
    assert.notDeepEqual(fastDx, priorDx);
    assert.notDeepEqual(fastDw, priorDw);
  });
}

test('wasm products hand Float64Array operands to the JavaScript kernels (bit-identical)', { skip }, () => {
  const wasm = wasmCompute();
  const rng = new Rng(5);
  const x = Float64Array.from(random(rng, 3 * 5)), rows = Float64Array.from(random(rng, 7 * 5));
  const fast = new Float64Array(3 * 7), twin = new Float64Array(3 * 7);
  wasm.forward(fast, x, 3, 5, 7, rows, 0, 7, null, 'overwrite');
  JAVASCRIPT_COMPUTE.forward(twin, x, 3, 5, 7, rows, 0, 7, null, 'overwrite');
  assert.deepEqual(fast, twin);
});

function relativeGap(a: Float32Array, b: Float32Array): number {
  let difference = 0, norm = 0;
  for (let i = 0; i < a.length; i++) {
    difference = Math.max(difference, Math.abs(a[i]! - b[i]!));
    norm = Math.max(norm, Math.abs(b[i]!));
  }
  return norm === 0 ? difference : difference / norm;
}

// [tokens, heads, kvHeads, headDim]
for (const [tokens, headCount, kvHeadCount, headDim] of [[1, 1, 1, 4], [5, 4, 2, 8], [13, 6, 3, 20], [37, 4, 1, 32], [160, 4, 2, 32]] as const) {
  test(`wasm attention forward and backward equal the twin (tokens ${tokens}, ${headCount} heads / ${kvHeadCount} KV, headDim ${headDim}; rel 1e-5 / 1e-4)`, { skip }, () => {
    const wasm = wasmCompute();
    const shape = { headCount, kvHeadCount, headDim };
    const rng = new Rng(tokens * 31 + headCount * 7 + headDim);
    const qFloats = tokens * headCount * headDim, kvFloats = tokens * kvHeadCount * headDim;
    const scaled = (n: number): Float32Array => random(rng, n).map((value) => 2 * value);
    const q = scaled(qFloats), k = scaled(kvFloats), v = random(rng, kvFloats), dOut = random(rng, qFloats);
    const outFast = new Float32Array(qFloats), outTwin = new Float32Array(qFloats);
    const pFast = new Float32Array(headCount * tokens * tokens), pTwin = new Float32Array(headCount * tokens * tokens);
    wasm.attentionForward(outFast, pFast, q, k, v, tokens, shape);
    attentionForward(outTwin, pTwin, q, k, v, tokens, shape);
    assert.ok(relativeGap(outFast, outTwin) <= 1e-5, `out: ${relativeGap(outFast, outTwin)}`);
    for (let h = 0; h < headCount; h++) {
      for (let i = 0; i < tokens; i++) {
        for (let j = 0; j <= i; j++) {
          const at = (h * tokens + i) * tokens + j;
          assert.ok(Math.abs(pFast[at]! - pTwin[at]!) <= 1e-6, `P[${h}, ${i}, ${j}]: ${pFast[at]} vs ${pTwin[at]}`);
        }
      }
    }
    const priors = [random(rng, qFloats), random(rng, kvFloats), random(rng, kvFloats)] as const;
    const fast = priors.map((a) => Float32Array.from(a)), twin = priors.map((a) => Float32Array.from(a));
    wasm.attentionBackward(fast[0]!, fast[1]!, fast[2]!, dOut, pTwin, q, k, v, tokens, shape, new Float32Array(tokens));
    attentionBackward(twin[0]!, twin[1]!, twin[2]!, dOut, pTwin, q, k, v, tokens, shape, new Float32Array(tokens));
    ['dq', 'dk', 'dv'].forEach((name, n) => {
      const gap = relativeGap(fast[n]!, twin[n]!);
      assert.ok(gap <= 1e-4, `${name}: gap ${gap}`);
      // one token: softmax over one key has no gradient, so only dv moves
      if (tokens > 1 || name === 'dv') assert.notDeepEqual(fast[n], priors[n]);
    });
  });
}

test('one full training step: wasm and javascript engines give the same loss and gradients (rel 1e-4)', { skip }, () => {
  const config = smallConfig({ hiddenSize: 36, headCount: 4, kvHeadCount: 2, headDim: 12, intermediateSize: 70, vocabSize: 61 });
  const examples = randomSequences(9, 3, 19, config.vocabSize).map((tokens) => ({ tokens }));
  const run = (engine: 'javascript' | 'wasm'): Qwen2Trainer => {
    const trainer = Qwen2Trainer.full(Qwen2Parameters.initialize(config, 4, { std: 0.2 }), {
      maxTokens: 24, schedule: { peak: 1e-2, warmupSteps: 0, totalSteps: 10 }, compute: engine === 'wasm' ? wasmCompute() : JAVASCRIPT_COMPUTE,
    });
    const report = trainer.accumulate(examples);
    assert.ok(report.loss > 1, `loss ${report.loss} is a real cross-entropy`);
    return Object.assign(trainer, { lastLoss: report.loss });
  };
  const javascript = run('javascript') as Qwen2Trainer & { lastLoss: number };
  const wasm = run('wasm') as Qwen2Trainer & { lastLoss: number };
  assert.ok(Math.abs(wasm.lastLoss - javascript.lastLoss) <= 1e-5 * javascript.lastLoss, `loss ${wasm.lastLoss} vs ${javascript.lastLoss}`);
  for (let p = 0; p < javascript.trainable.length; p++) {
    const twin = javascript.trainable[p]!, fast = wasm.trainable[p]!;
    const gap = relativeGap(fast.grad, twin.grad);
    assert.ok(gap <= 1e-4, `${twin.name}: gradient gap ${gap}`);
  }
});

test('one LoRA step on a Q8_0 base (dequantized row blocks, dropout): wasm and javascript engines agree (rel 1e-4)', { skip }, () => {
  const base = randomBase(smallConfig(), 31, 'Q8_0');
  const examples = randomSequences(10, 2, 23, base.config.vocabSize).map((tokens) => ({ tokens }));
  const run = (engine: 'javascript' | 'wasm'): { loss: number; trainer: Qwen2Trainer } => {
    const adapter = LoraAdapter.create('a', base.config, { rank: 5, alpha: 10, dropout: 0.1, targets: ['q', 'v', 'o', 'down'] }, 3);
    for (const m of adapter.matrices) for (let i = 0; i < m.b.length; i++) m.b[i] = 0.05 * Math.sin(i + m.layer);
    const trainer = Qwen2Trainer.lora(base.config, base.weights, [{ adapter, mode: 'train' }], {
      maxTokens: 32, seed: 2, schedule: { peak: 1e-3, warmupSteps: 0, totalSteps: 10 }, compute: engine === 'wasm' ? wasmCompute() : JAVASCRIPT_COMPUTE,
    });
    return { loss: trainer.accumulate(examples).loss, trainer };
  };
  const javascript = run('javascript');
  const wasm = run('wasm');
  assert.ok(Math.abs(wasm.loss - javascript.loss) <= 1e-5 * javascript.loss, `loss ${wasm.loss} vs ${javascript.loss}`);
  for (let p = 0; p < javascript.trainer.trainable.length; p++) {
    const twin = javascript.trainer.trainable[p]!, fast = wasm.trainer.trainable[p]!;
    assert.ok(relativeGap(fast.grad, twin.grad) <= 1e-4, `${twin.name}: gradient gap ${relativeGap(fast.grad, twin.grad)}`);
  }
});
