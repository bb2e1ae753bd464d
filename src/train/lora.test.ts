// LoRA adapters: PEFT-style init, W_eff·x = W·x + scale·B(A·x) against a
// merged model in the inference engine (one adapter, two at once, swapped),
// applyLoraDelta, 'apply' adapters stay frozen, config validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, isChimaeraError } from '../common/index.ts';
import { Qwen2Model, buildQwen2Weights, makeTensor, type Qwen2Config, type Tensor } from '../llm/index.ts';
import { LORA_TARGETS, LoraAdapter, applyAdapters, applyLoraDelta, type LoraTarget } from './lora.ts';
import { randomBase, smallConfig } from './test-models.ts';
import { Qwen2Trainer } from './trainer.ts';

const SCHEDULE = { peak: 1e-2, warmupSteps: 0, totalSteps: 10 };
const PROMPT = [5, 9, 33, 2, 61, 0, 17, 17];
const GGUF_NAME: Record<LoraTarget, string> = { q: 'attn_q', k: 'attn_k', v: 'attn_v', o: 'attn_output', gate: 'ffn_gate', up: 'ffn_up', down: 'ffn_down' };

/** fill every B with random values so the adapter does something */
function randomize(adapter: LoraAdapter, seed: number): LoraAdapter {
  const rng = new Rng(seed);
  for (const m of adapter.matrices) for (let i = 0; i < m.b.length; i++) m.b[i] = (rng.next() * 2 - 1) * 0.3;
  return adapter;
}

/** F32 tensors with W + Σ scale·B·A merged in (the obvious twin of applying adapters) */
function merged(config: Qwen2Config, tensors: Map<string, Tensor>, adapters: LoraAdapter[]): Qwen2Model {
  const out = new Map(tensors);
  for (const adapter of adapters) {
    for (const m of adapter.matrices) {
      const name = `blk.${m.layer}.${GGUF_NAME[m.target]}.weight`;
      const tensor = out.get(name)!;
      const values = new Float32Array(tensor.data.buffer.slice(tensor.data.byteOffset, tensor.data.byteOffset + tensor.data.byteLength));
      for (let o = 0; o < m.nOut; o++) {
        for (let i = 0; i < m.nIn; i++) {
          let sum = 0;
          for (let r = 0; r < m.rank; r++) sum += m.b[o * m.rank + r]! * m.a[r * m.nIn + i]!;
          values[o * m.nIn + i] = values[o * m.nIn + i]! + m.scale * sum;
        }
      }
      out.set(name, makeTensor(name, tensor.shape, values));
    }
  }
  return new Qwen2Model(config, buildQwen2Weights(config, out, 'merged.gguf'));
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

test('PEFT init: A uniform in ±1/√nIn with the right shapes, B zero; scale = alpha / rank', () => {
  const config = smallConfig();
  const adapter = LoraAdapter.create('x', config, { rank: 4, alpha: 16, dropout: 0, targets: ['o', 'down'] }, 3);
  assert.equal(adapter.matrices.length, 2 * config.layerCount);
  const down = adapter.get(1, 'down')!;
  assert.deepEqual([down.nIn, down.nOut, down.rank, down.scale], [64, 32, 4, 4]);
  assert.equal(down.a.length, 4 * 64);
  const bound = 1 / Math.sqrt(64);
  assert.ok(down.a.every((v) => Math.abs(v) <= bound) && Math.max(...down.a.map(Math.abs)) > 0.8 * bound);
  assert.ok(down.b.every((v) => v === 0));
  assert.equal(adapter.get(0, 'q'), undefined);
  assert.equal(adapter.parameterCount, config.layerCount * (4 * (32 + 32) + 4 * (64 + 32)));
});

test('trainer logits with one adapter, two adapters (sum) and a swapped adapter equal the inference engine on merged weights', () => {
  const base = randomBase(smallConfig(), 31);
  const first = randomize(LoraAdapter.create('first', base.config, { rank: 4, alpha: 8, dropout: 0.1, targets: [...LORA_TARGETS] }, 1), 11);
  const second = randomize(LoraAdapter.create('second', base.config, { rank: 2, alpha: 2, dropout: 0, targets: ['v', 'up'] }, 2), 12);
  const cases: [string, LoraAdapter[]][] = [['first', [first]], ['first + second', [first, second]], ['second', [second]]];
  for (const [label, adapters] of cases) {
    const trainer = Qwen2Trainer.lora(base.config, base.weights, adapters.map((adapter, i) => ({ adapter, mode: i === 0 ? 'train' : 'apply' })), { maxTokens: 16, schedule: SCHEDULE });
    const ours = trainer.logits(PROMPT);
    const reference = merged(base.config, base.tensors, adapters).createContext(16).evaluate(PROMPT, { logits: 'all' });
    const plain = new Qwen2Model(base.config, base.weights).createContext(16).evaluate(PROMPT, { logits: 'all' });
    assert.ok(maxDifference(ours, reference) < 1e-4, `${label}: ${maxDifference(ours, reference)}`);
    assert.ok(maxDifference(ours, plain) > 1e-2, `${label}: the adapters change the logits`);
  }
});

test('applyLoraDelta / applyAdapters: out += scale·B(A·x), the same as multiplying by the merged matrix', () => {
  const config = smallConfig();
  const adapters = [1, 2].map((seed) => randomize(LoraAdapter.create(`a${seed}`, config, { rank: 3, alpha: 6, dropout: 0, targets: ['gate'] }, seed), seed + 10));
  const tokens = 3;
  const rng = new Rng(4);
  const x = Float32Array.from({ length: tokens * 32 }, () => rng.next() - 0.5);
  const out = new Float32Array(tokens * 64).fill(1);
  applyAdapters(out, x, tokens, adapters, 1, 'gate', new Float32Array(tokens * 3));
  for (let t = 0; t < tokens; t++) {
    for (let o = 0; o < 64; o++) {
      let expected = 1;
      for (const adapter of adapters) {
        const m = adapter.get(1, 'gate')!;
        for (let i = 0; i < 32; i++) {
          let w = 0;
          for (let r = 0; r < 3; r++) w += m.b[o * 3 + r]! * m.a[r * 32 + i]!;
          expected += m.scale * w * x[t * 32 + i]!;
        }
      }
      assert.ok(Math.abs(out[t * 64 + o]! - expected) < 1e-5);
    }
  }
  // a single adapter through applyLoraDelta adds only its own share
  const single = new Float32Array(tokens * 64);
  applyLoraDelta(single, x, tokens, adapters[0]!.get(1, 'gate')!, new Float32Array(tokens * 3));
  assert.ok(single.some((v) => Math.abs(v) > 1e-3));
});

test('an adapter in mode "apply" is not changed by training; the trained one is', () => {
  const base = randomBase(smallConfig(), 32);
  const trained = LoraAdapter.create('trained', base.config, { rank: 2, alpha: 4, dropout: 0, targets: ['q', 'down'] }, 1);
  const applied = randomize(LoraAdapter.create('applied', base.config, { rank: 2, alpha: 4, dropout: 0, targets: ['q', 'down'] }, 2), 5);
  const snapshot = applied.matrices.map((m) => [Float32Array.from(m.a), Float32Array.from(m.b)]);
  const trainer = Qwen2Trainer.lora(base.config, base.weights, [{ adapter: trained, mode: 'train' }, { adapter: applied, mode: 'apply' }], { maxTokens: 16, schedule: SCHEDULE });
  assert.equal(trainer.trainable.length, 2 * 2 * base.config.layerCount);
  for (let i = 0; i < 2; i++) trainer.trainStep([{ tokens: PROMPT }]);
  assert.deepEqual(applied.matrices.map((m) => [m.a, m.b]), snapshot);
  assert.ok(trained.matrices.some((m) => m.b.some((v) => v !== 0)));
});

test('validation: rank, alpha, dropout, targets; an adapter for another shape fails train.adapter_mismatch', () => {
  const config = smallConfig();
  const good = { rank: 4, alpha: 8, dropout: 0.1, targets: ['q'] as LoraTarget[] };
  for (const bad of [{ rank: 0 }, { rank: 2.5 }, { alpha: 0 }, { dropout: 1 }, { dropout: -0.1 }, { targets: [] }, { targets: ['q', 'q'] }, { targets: ['lm_head'] }]) {
    assert.throws(() => LoraAdapter.create('x', config, { ...good, ...bad } as never, 1), (e) => isChimaeraError(e, 'train.config_invalid'), JSON.stringify(bad));
  }
  const wide = LoraAdapter.create('wide', smallConfig({ intermediateSize: 96 }), { ...good, targets: ['down'] }, 1);
  const base = randomBase(config, 33);
  assert.throws(() => Qwen2Trainer.lora(config, base.weights, [{ adapter: wide, mode: 'train' }], { maxTokens: 8, schedule: SCHEDULE }), (e) => isChimaeraError(e, 'train.adapter_mismatch'));
  assert.throws(() => LoraAdapter.fromValues('v', config, good, () => [new Float32Array(3), new Float32Array(3)]), (e) => isChimaeraError(e, 'train.adapter_mismatch'));
});
