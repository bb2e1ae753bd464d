// The copy circuit: the previous-token head attends to position p − 1 from
// every position p whatever the tokens (its q and k are biases, turned by
// the engine's own RoPE); each KV head's output projection after its value
// projection is the stated gain times the identity on its residual slice
// (the previous-token head: from dims [0, hd) into [2hd, 3hd)); the rest of
// the init is untouched; shapes it cannot fit are a typed error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../common/index.ts';
import { ropeAngles, ropeNeox, type Qwen2Config } from '../llm/index.ts';
import { Qwen2Parameters } from './parameters.ts';

const CONFIG: Qwen2Config = {
  vocabSize: 64, hiddenSize: 128, intermediateSize: 96, layerCount: 3, headCount: 4, kvHeadCount: 2, headDim: 32,
  ropeTheta: 10000, rmsNormEps: 1e-6, maxContext: 256, tiedEmbeddings: true,
};

test('the previous-token head puts more than 99% of its attention on the previous position at every position up to 255', () => {
  const p = Qwen2Parameters.initialize(CONFIG, 3, { copyCircuit: {} });
  const hd = CONFIG.headDim;
  const rotated = (bias: Float32Array, position: number): Float32Array => {
    const x = bias.slice(0, hd);
    const cos = new Float32Array(hd / 2);
    const sin = new Float32Array(hd / 2);
    ropeAngles(cos, sin, 0, position, hd, CONFIG.ropeTheta);
    ropeNeox(x, 0, 1, hd, cos, sin, 0);
    return x;
  };
  // W_q and W_k are zero for these heads, so q and k are their biases at every position
  for (const head of [0, 1]) assert.ok(p.values('blk.0.attn_q.weight').subarray(head * hd * 128, (head + 1) * hd * 128).every((w) => w === 0));
  assert.ok(p.values('blk.0.attn_k.weight').subarray(0, hd * 128).every((w) => w === 0));
  const queryBias = p.values('blk.0.attn_q.bias');
  const keyBias = p.values('blk.0.attn_k.bias');
  assert.deepEqual(queryBias.subarray(0, hd), queryBias.subarray(hd, 2 * hd), 'both query heads of KV head 0');
  const keys = Array.from({ length: CONFIG.maxContext }, (_, s) => rotated(keyBias, s));
  for (let position = 1; position < CONFIG.maxContext; position++) {
    const q = rotated(queryBias, position);
    const scores = keys.slice(0, position + 1).map((k) => k.reduce((sum, kk, i) => sum + kk * q[i]!, 0) / Math.sqrt(hd));
    const top = Math.max(...scores);
    const weights = scores.map((s) => Math.exp(s - top));
    const total = weights.reduce((a, b) => a + b, 0);
    assert.ok(weights[position - 1]! / total > 0.99, `position ${position}: ${weights[position - 1]! / total}`);
  }
});

test('each KV head maps its residual slice through value and output as gain × identity', () => {
  const p = Qwen2Parameters.initialize(CONFIG, 3, { copyCircuit: { copyGain: 0.04, previousTokenGain: 0.2 } });
  const { hiddenSize: d, headDim: hd, headCount, kvHeadCount } = CONFIG;
  const perKv = headCount / kvHeadCount;
  for (let l = 0; l < CONFIG.layerCount; l++) {
    const value = p.values(`blk.${l}.attn_v.weight`);
    const output = p.values(`blk.${l}.attn_output.weight`);
    for (let g = 0; g < kvHeadCount; g++) {
      const previousToken = l === 0 && g === 0;
      const from = previousToken ? 0 : ((g + l * kvHeadCount) * hd) % d;
      const to = previousToken ? 2 * hd : from;
      const gain = previousToken ? 0.2 : 0.04;
      // the heads of group g see the same values, so O·V for the group is Σ_h O[:, h] · V_g: [d out, d in]
      for (let out = 0; out < d; out++) {
        for (let input = 0; input < d; input++) {
          let sum = 0;
          for (let h = g * perKv; h < (g + 1) * perKv; h++) {
            for (let r = 0; r < hd; r++) sum += output[out * headCount * hd + h * hd + r]! * value[(g * hd + r) * d + input]!;
          }
          const expected = out - to === input - from && input >= from && input < from + hd ? gain : 0;
          assert.ok(Math.abs(sum - expected) < 1e-7, `layer ${l} KV head ${g}: (O·V)[${out}, ${input}] = ${sum}, expected ${expected}`);
        }
      }
    }
  }
});

test('the copy circuit leaves every other tensor as the plain init draws it', () => {
  const plain = Qwen2Parameters.initialize(CONFIG, 5);
  const circuit = Qwen2Parameters.initialize(CONFIG, 5, { copyCircuit: {} });
  const changed = plain.tensors.filter((t) => !t.values.every((v, i) => v === circuit.values(t.name)[i])).map((t) => t.name);
  assert.deepEqual(changed.sort(), [
    'blk.0.attn_k.bias', 'blk.0.attn_k.weight', 'blk.0.attn_output.weight', 'blk.0.attn_q.bias', 'blk.0.attn_q.weight', 'blk.0.attn_v.weight',
    'blk.1.attn_output.weight', 'blk.1.attn_v.weight', 'blk.2.attn_output.weight', 'blk.2.attn_v.weight',
  ]);
});

test('a hidden size under three heads is a typed error', () => {
  const narrow = { ...CONFIG, hiddenSize: 64, headCount: 2, kvHeadCount: 1 };
  assert.throws(() => Qwen2Parameters.initialize(narrow, 1, { copyCircuit: {} }), (e: unknown) => isChimaeraError(e) && e.code === 'train.config_invalid');
});
