// LoRA adapters in the forward pass: a model with adapters equals a model
// whose base weights were merged W + scale·B·A (batched and token by token,
// one adapter and two at once), swapping back to [] gives the base logits
// bit for bit, shape mismatches fail typed and leave the active list alone,
// and on the WebAssembly backend the adapter hook gives the TypeScript
// backend's logits bit for bit (reference attention).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError, Rng } from '../../common/index.ts';
import { Arena } from '../../kernel/index.ts';
import { POOL_CONTROL_BYTES, startKernelPool } from '../kernels/index.ts';
import { kernelWasmBytes, wasmMissing } from '../../../tests/helpers/wasm-kernels.ts';
import type { Tensor } from '../tensor.ts';
import { ADAPTER_TARGETS, adapterTargetShape, type AdapterLike, type AdapterMatricesLike, type AdapterTarget } from './adapters.ts';
import { attendTokens } from './backend.ts';
import type { Qwen2Config } from './config.ts';
import { Qwen2Model } from './qwen2.ts';
import { makeTensor, randomQwen2Tensors, tinyConfig, type RandomWeightType } from './random-model.ts';
import type { ScratchAllocator } from './scratch.ts';
import { buildQwen2Weights } from './weights.ts';

/** a random adapter (A and B uniform in ±0.3, B non-zero) on `targets` of every layer */
function randomAdapter(name: string, config: Qwen2Config, rank: number, alpha: number, seed: number, targets: readonly AdapterTarget[] = ADAPTER_TARGETS): AdapterLike {
  const rng = new Rng(seed);
  const byKey = new Map<string, AdapterMatricesLike>();
  const fill = (n: number): Float32Array => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * 0.3);
  for (let layer = 0; layer < config.layerCount; layer++) {
    for (const target of targets) {
      const { nIn, nOut } = adapterTargetShape(config, target);
      byKey.set(`${layer}.${target}`, { nIn, nOut, rank, scale: alpha / rank, a: fill(rank * nIn), b: fill(nOut * rank) });
    }
  }
  return { name, get: (layer, target) => byKey.get(`${layer}.${target}`) };
}

const GGUF_NAMES: Record<AdapterTarget, string> = { q: 'attn_q', k: 'attn_k', v: 'attn_v', o: 'attn_output', gate: 'ffn_gate', up: 'ffn_up', down: 'ffn_down' };

/** the F32 tensors with every adapter merged in: W[o, i] += scale · Σ_r B[o, r] A[r, i] (f64 sums, rounded once) */
function mergedTensors(config: Qwen2Config, base: Map<string, Tensor>, adapters: readonly AdapterLike[]): Map<string, Tensor> {
  const merged = new Map(base);
  for (let layer = 0; layer < config.layerCount; layer++) {
    for (const target of ADAPTER_TARGETS) {
      const name = `blk.${layer}.${GGUF_NAMES[target]}.weight`;
      const tensor = base.get(name)!;
      const original = new Float32Array(tensor.data.buffer.slice(tensor.data.byteOffset, tensor.data.byteOffset + tensor.data.length));
      const { nIn, nOut } = adapterTargetShape(config, target);
      const values = new Float32Array(nIn * nOut);
      for (let o = 0; o < nOut; o++) {
        for (let i = 0; i < nIn; i++) {
          let sum: number = original[o * nIn + i]!;
          for (const adapter of adapters) {
            const m = adapter.get(layer, target);
            if (m === undefined) continue;
            let delta = 0;
            for (let r = 0; r < m.rank; r++) delta += m.b[o * m.rank + r]! * m.a[r * nIn + i]!;
            sum += m.scale * delta;
          }
          values[o * nIn + i] = sum;
        }
      }
      merged.set(name, makeTensor(name, [nIn, nOut], values));
    }
  }
  return merged;
}

const PROMPT = [3, 17, 0, 42, 8, 8, 25, 1, 30, 11, 47, 5];

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** all-position logits in batches of 5, and the same prompt token by token */
function logitsOf(model: Qwen2Model, prompt: readonly number[] = PROMPT): { batched: Float32Array; single: Float32Array } {
  const vocab = model.config.vocabSize;
  const batched = model.createContext(64, { batchSize: 5 }).evaluate(prompt, { logits: 'all' });
  const context = model.createContext(64, { batchSize: 1 });
  const single = new Float32Array(prompt.length * vocab);
  prompt.forEach((token, p) => single.set(context.evaluate([token]), p * vocab));
  return { batched, single };
}

const CONFIG = tinyConfig({ headCount: 4, kvHeadCount: 2, headDim: 8, hiddenSize: 32, intermediateSize: 40, layerCount: 2 });

test('one adapter on q, k, v, o, gate, up, down equals the merged model W + scale·B·A within 1e-5 (batched and token by token)', (t) => {
  const tensors = randomQwen2Tensors(CONFIG, { seed: 21, scale: 0.3 });
  const adapter = randomAdapter('a', CONFIG, 3, 6, 5);
  const model = new Qwen2Model(CONFIG, buildQwen2Weights(CONFIG, tensors, 'base.gguf'));
  model.setAdapters([adapter]);
  assert.deepEqual(model.adapters.map((x) => x.name), ['a']);
  const merged = new Qwen2Model(CONFIG, buildQwen2Weights(CONFIG, mergedTensors(CONFIG, tensors, [adapter]), 'merged.gguf'));
  const ours = logitsOf(model);
  const theirs = logitsOf(merged);
  for (const key of ['batched', 'single'] as const) {
    const difference = maxDifference(ours[key], theirs[key]);
    assert.ok(difference <= 1e-5, `${key}: max |adapter − merged| = ${difference}`);
    t.diagnostic(`${key}: max |adapter − merged| ${difference.toExponential(2)}`);
  }
  // the adapter matters: the base model is far from both
  const base = logitsOf(new Qwen2Model(CONFIG, buildQwen2Weights(CONFIG, tensors, 'base.gguf')));
  assert.ok(maxDifference(base.batched, theirs.batched) > 0.05, `the adapter barely moved the logits: ${maxDifference(base.batched, theirs.batched)}`);
  t.diagnostic(`max |base − merged| ${maxDifference(base.batched, theirs.batched).toFixed(3)}`);
});

test('two adapters at once (different ranks and targets) add: equal to the model with both merged', (t) => {
  const tensors = randomQwen2Tensors(CONFIG, { seed: 22, scale: 0.3 });
  const first = randomAdapter('attention', CONFIG, 2, 4, 6, ['q', 'v', 'o']);
  const second = randomAdapter('ffn', CONFIG, 5, 5, 7, ['k', 'gate', 'down', 'up']);
  const model = new Qwen2Model(CONFIG, buildQwen2Weights(CONFIG, tensors, 'base.gguf'));
  model.setAdapters([first, second]);
  const merged = new Qwen2Model(CONFIG, buildQwen2Weights(CONFIG, mergedTensors(CONFIG, tensors, [first, second]), 'merged.gguf'));
  const ours = logitsOf(model);
  const theirs = logitsOf(merged);
  for (const key of ['batched', 'single'] as const) {
    const difference = maxDifference(ours[key], theirs[key]);
    assert.ok(difference <= 1e-5, `${key}: max |adapters − merged| = ${difference}`);
    t.diagnostic(`${key}: max |adapters − merged| ${difference.toExponential(2)}`);
  }
});

test('hot swap: adapters in and out on one model (no reload) give the base logits bit for bit, and each adapter its own', () => {
  const tensors = randomQwen2Tensors(CONFIG, { seed: 23, scale: 0.3 });
  const model = new Qwen2Model(CONFIG, buildQwen2Weights(CONFIG, tensors, 'base.gguf'));
  const weightsBefore = model.weights;
  const base = logitsOf(model);
  const one = randomAdapter('one', CONFIG, 4, 8, 8);
  const two = randomAdapter('two', CONFIG, 2, 2, 9, ['o', 'down']);
  model.setAdapters([one]);
  const withOne = logitsOf(model);
  assert.ok(maxDifference(withOne.batched, base.batched) > 0.05);
  model.setAdapters([two]);
  const withTwo = logitsOf(model);
  assert.ok(maxDifference(withTwo.batched, withOne.batched) > 0.05);
  model.setAdapters([]);
  assert.deepEqual(logitsOf(model), base);
  assert.equal(model.adapters.length, 0);
  model.setAdapters([one]);
  assert.deepEqual(logitsOf(model), withOne);
  assert.equal(model.weights, weightsBefore);

  // a context that lives across a swap: reset, then it evaluates under the new adapters
  const context = model.createContext(64, { batchSize: 5 });
  assert.deepEqual(context.evaluate(PROMPT, { logits: 'all' }), withOne.batched);
  model.setAdapters([]);
  context.reset();
  assert.deepEqual(context.evaluate(PROMPT, { logits: 'all' }), base.batched);
});

test('an adapter that does not fit fails llm.adapter_mismatch and the active adapters stay', () => {
  const tensors = randomQwen2Tensors(CONFIG, { seed: 24, scale: 0.3 });
  const model = new Qwen2Model(CONFIG, buildQwen2Weights(CONFIG, tensors, 'base.gguf'));
  const good = randomAdapter('good', CONFIG, 2, 2, 10);
  model.setAdapters([good]);
  const mismatch = (error: unknown): boolean => isChimaeraError(error) && error.code === 'llm.adapter_mismatch';
  const wider = randomAdapter('wider', { ...CONFIG, hiddenSize: 48 }, 2, 2, 11);
  assert.throws(() => model.setAdapters([wider]), (e) => mismatch(e) && /wider: layer 0 q is 32×48/.test((e as Error).message));
  const deeper = randomAdapter('deeper', { ...CONFIG, layerCount: 3 }, 2, 2, 12);
  assert.throws(() => model.setAdapters([good, deeper]), (e) => mismatch(e) && /adapts layer 2/.test((e as Error).message));
  const short = randomAdapter('short', CONFIG, 2, 2, 13, ['up']);
  const broken: AdapterLike = { name: 'short', get: (layer, target) => { const m = short.get(layer, target); return m && { ...m, rank: 3 }; } };
  assert.throws(() => model.setAdapters([broken]), (e) => mismatch(e) && /rank 3 needs/.test((e as Error).message));
  assert.deepEqual(model.adapters, [good]);
});

const skip = wasmMissing;
const MiB = 1 << 20;

function wasmOptions(): { allocator: ScratchAllocator; pool: ReturnType<typeof startKernelPool> } {
  const arena = new Arena({ limitBytes: 32 * MiB });
  const allocator: ScratchAllocator = (bytes, label) => arena.view(arena.alloc(bytes, label));
  const control = arena.alloc(POOL_CONTROL_BYTES, 'kernel pool');
  return { allocator, pool: startKernelPool(kernelWasmBytes(), arena.memory, control.offset, { workers: 0 }) };
}

test('wasm backend: with adapters, the forward equals the TypeScript forward bit for bit (Q8_0, reference attention) and the F32 merged model within 2e-5 of the spread', { skip }, () => {
  const config = tinyConfig({ hiddenSize: 64, intermediateSize: 96, headCount: 4, kvHeadCount: 2, headDim: 16, layerCount: 2 });
  const adapter = randomAdapter('a', config, 3, 6, 14);
  for (const type of ['Q8_0', 'F32'] as RandomWeightType[]) {
    const tensors = randomQwen2Tensors(config, { seed: 25, matrixType: type, scale: 0.3 });
    const wasm = new Qwen2Model(config, buildQwen2Weights(config, tensors, `${type}.gguf`), wasmOptions());
    assert.equal(wasm.kernels, 'wasm');
    (wasm.backend as { attend: typeof attendTokens }).attend = attendTokens;
    const base = logitsOf(wasm);
    wasm.setAdapters([adapter]);
    const adapted = logitsOf(wasm);
    assert.ok(maxDifference(adapted.batched, base.batched) > 0.05, `${type}: the adapter did not reach the wasm forward`);
    if (type === 'Q8_0') {
      const typescript = new Qwen2Model(config, buildQwen2Weights(config, tensors, `${type}.gguf`));
      typescript.setAdapters([adapter]);
      assert.deepEqual(adapted, logitsOf(typescript));
    } else {
      const merged = logitsOf(new Qwen2Model(config, buildQwen2Weights(config, mergedTensors(config, tensors, [adapter]), 'merged.gguf')));
      let spread = 0;
      for (const v of merged.batched) spread = Math.max(spread, Math.abs(v));
      for (const key of ['batched', 'single'] as const) {
        const relative = maxDifference(adapted[key], merged[key]) / spread;
        assert.ok(relative <= 2e-5, `F32 ${key}: max |wasm adapter − merged| / spread = ${relative}`);
      }
    }
    wasm.setAdapters([]);
    assert.deepEqual(logitsOf(wasm), base);
  }
});
