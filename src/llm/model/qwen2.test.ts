// The Qwen2 forward pass: against the f64 reference forward, batched vs
// token-by-token, KV-cache reuse, GQA ratios, tied vs untied output, a
// hand-computed 1-layer model, embeddings and input validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../../common/index.ts';
import type { Qwen2Config } from './config.ts';
import { Qwen2Model } from './qwen2.ts';
import { makeTensor, randomQwen2Tensors, tinyConfig, type RandomWeightType } from './random-model.ts';
import { referenceForward } from './reference-forward.ts';
import { buildQwen2Weights } from './weights.ts';
import type { Tensor } from '../tensor.ts';

function randomModel(config: Qwen2Config, seed: number, matrixType: RandomWeightType = 'F32', kvPrecision: 'f32' | 'f16' = 'f32'): Qwen2Model {
  const tensors = randomQwen2Tensors(config, { seed, matrixType });
  return new Qwen2Model(config, buildQwen2Weights(config, tensors, 'random.gguf'), { kvPrecision });
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

const PROMPT = [3, 17, 0, 42, 8, 8, 25, 1, 30, 11, 47, 5];

for (const [heads, kvHeads] of [[4, 4], [4, 2], [7, 1]] as const) {
  test(`all-position logits match the f64 reference forward (${heads} heads, ${kvHeads} KV heads)`, () => {
    const config = tinyConfig({ headCount: heads, kvHeadCount: kvHeads, headDim: 8, hiddenSize: heads * 8 });
    const model = randomModel(config, 100 + heads + kvHeads);
    const context = model.createContext(64, { batchSize: 5 });
    const logits = context.evaluate(PROMPT, { logits: 'all' });
    const reference = referenceForward(config, model.weights, PROMPT).logits;
    for (let p = 0; p < PROMPT.length; p++) {
      const diff = maxDifference(logits.subarray(p * config.vocabSize, (p + 1) * config.vocabSize), reference[p]!);
      assert.ok(diff < 2e-4, `position ${p}: max |diff| ${diff}`);
    }
  });
}

test('batched prompt processing gives the same logits as token-by-token evaluation', () => {
  const config = tinyConfig();
  const model = randomModel(config, 7);
  const batched = model.createContext(64, { batchSize: 64 }).evaluate(PROMPT, { logits: 'all' });
  const oddBatches = model.createContext(64, { batchSize: 5 }).evaluate(PROMPT, { logits: 'all' });
  const single = model.createContext(64, { batchSize: 1 });
  const sequential = new Float32Array(PROMPT.length * config.vocabSize);
  PROMPT.forEach((token, p) => sequential.set(single.evaluate([token]), p * config.vocabSize));
  assert.ok(maxDifference(batched, sequential) <= 1e-5, `batched vs sequential ${maxDifference(batched, sequential)}`);
  assert.ok(maxDifference(oddBatches, sequential) <= 1e-5);
  assert.equal(single.length, PROMPT.length);
});

test('KV-cache reuse: a prompt in two chunks equals one chunk; truncate then re-evaluate reproduces the logits', () => {
  const config = tinyConfig();
  const model = randomModel(config, 8);
  const whole = Float32Array.from(model.createContext(32).evaluate(PROMPT));
  const context = model.createContext(32);
  context.evaluate(PROMPT.slice(0, 7), { logits: 'none' });
  const chunked = Float32Array.from(context.evaluate(PROMPT.slice(7)));
  assert.ok(maxDifference(whole, chunked) <= 1e-5);
  assert.deepEqual(Array.from(context.tokens()), PROMPT);

  context.truncate(4);
  assert.equal(context.length, 4);
  const again = context.evaluate(PROMPT.slice(4));
  assert.ok(maxDifference(whole, again) <= 1e-5);
  context.reset();
  assert.equal(context.length, 0);
});

test('tied output head uses the embedding matrix: equal logits to an untied model whose output.weight copies token_embd', () => {
  const tiedConfig = tinyConfig({ tiedEmbeddings: true });
  const tensors = randomQwen2Tensors(tiedConfig, { seed: 9 });
  assert.equal(tensors.has('output.weight'), false);
  const tied = new Qwen2Model(tiedConfig, buildQwen2Weights(tiedConfig, tensors, 'tied.gguf'));
  assert.equal(tied.weights.tied, true);

  const untiedConfig = tinyConfig({ tiedEmbeddings: false });
  const embedding = tensors.get('token_embd.weight')!;
  const copy = new Map(tensors).set('output.weight', { ...embedding, name: 'output.weight' });
  const untied = new Qwen2Model(untiedConfig, buildQwen2Weights(untiedConfig, copy, 'untied.gguf'));
  assert.equal(untied.weights.tied, false);
  assert.deepEqual(tied.createContext(16).evaluate(PROMPT), untied.createContext(16).evaluate(PROMPT));

  // a different output matrix changes the logits
  const other = randomQwen2Tensors(untiedConfig, { seed: 10 }).get('output.weight')!;
  const changed = new Qwen2Model(untiedConfig, buildQwen2Weights(untiedConfig, new Map(tensors).set('output.weight', other), 'x.gguf'));
  assert.notDeepEqual(tied.createContext(16).evaluate(PROMPT), changed.createContext(16).evaluate(PROMPT));
});

test('F16 and BF16 weights stay close to the reference forward over the same (rounded) weights', () => {
  for (const type of ['F16', 'BF16'] as const) {
    const config = tinyConfig();
    const model = randomModel(config, 11, type, 'f16');
    const logits = model.createContext(32).evaluate(PROMPT, { logits: 'all' });
    const reference = referenceForward(config, model.weights, PROMPT).logits;
    const last = PROMPT.length - 1;
    const diff = maxDifference(logits.subarray(last * config.vocabSize), reference[last]!);
    assert.ok(diff < (type === 'F16' ? 2e-2 : 2e-1), `${type}: ${diff}`);
  }
});

/** a 1-layer, 2-wide model simple enough to follow by hand */
function handModel(): Qwen2Model {
  const config = tinyConfig({ vocabSize: 2, hiddenSize: 2, intermediateSize: 2, layerCount: 1, headCount: 1, kvHeadCount: 1, headDim: 2, rmsNormEps: 1e-9 });
  const t = (name: string, shape: number[], values: number[]): [string, Tensor] => [name, makeTensor(name, shape, Float32Array.from(values))];
  const tensors = new Map<string, Tensor>([
    t('token_embd.weight', [2, 2], [1, -1, /* token 1 */ 2, 2]),
    t('blk.0.attn_norm.weight', [2], [1, 1]),
    // q = k = 0: every attention score is 0, so attention averages the visible values
    t('blk.0.attn_q.weight', [2, 2], [0, 0, 0, 0]),
    t('blk.0.attn_q.bias', [2], [0, 0]),
    t('blk.0.attn_k.weight', [2, 2], [0, 0, 0, 0]),
    t('blk.0.attn_k.bias', [2], [0, 0]),
    t('blk.0.attn_v.weight', [2, 2], [1, 0, 0, 1]), // identity
    t('blk.0.attn_v.bias', [2], [1, 1]),
    t('blk.0.attn_output.weight', [2, 2], [0.5, 0, 0, 0.5]),
    t('blk.0.ffn_norm.weight', [2], [1, 1]),
    t('blk.0.ffn_gate.weight', [2, 2], [1, 0, 0, 1]),
    t('blk.0.ffn_up.weight', [2, 2], [1, 0, 0, 1]),
    t('blk.0.ffn_down.weight', [2, 2], [1, 0, 0, 1]),
    t('output_norm.weight', [2], [1, 1]),
    t('output.weight', [2, 2], [1, 0, /* row 1 */ 1, 1]),
  ]);
  return new Qwen2Model(config, buildQwen2Weights(config, tensors, 'hand.gguf'));
}

const silu = (z: number): number => z / (1 + Math.exp(-z));
/** rms-normalise a 2-vector with unit weights */
const norm2 = (a: number, b: number): [number, number] => { const r = Math.sqrt((a * a + b * b) / 2); return [a / r, b / r]; };

test('hand-computed 1-layer model: one token, then a second token attending to both', () => {
  const context = handModel().createContext(4);
  // token 0: x = [1, -1]; norm → [1, -1]; v = I·h + [1, 1] = [2, 0]; attention over 1 position = v
  // x += 0.5·v → [2, -1]; h = norm([2, -1]); x += silu(h)⊙h
  let [h0, h1] = norm2(2, -1);
  let x = [2 + silu(h0) * h0, -1 + silu(h1) * h1];
  let [n0, n1] = norm2(x[0]!, x[1]!);
  const first = context.evaluate([0]);
  assert.ok(Math.abs(first[0]! - n0) < 1e-5 && Math.abs(first[1]! - (n0 + n1)) < 1e-5, `got ${Array.from(first)}`);

  // token 1 at position 1: x = [2, 2]; norm → [1, 1]; v = [2, 2]; attention = mean([2, 0], [2, 2]) = [2, 1]
  // x += 0.5·[2, 1] → [3, 2.5]
  [h0, h1] = norm2(3, 2.5);
  x = [3 + silu(h0) * h0, 2.5 + silu(h1) * h1];
  [n0, n1] = norm2(x[0]!, x[1]!);
  const second = context.evaluate([1]);
  assert.ok(Math.abs(second[0]! - n0) < 1e-5 && Math.abs(second[1]! - (n0 + n1)) < 1e-5, `got ${Array.from(second)}`);
});

test('embed: mean of the final normed hidden states, and the last one with pooling "last"', () => {
  const config = tinyConfig();
  const model = randomModel(config, 12);
  const context = model.createContext(32, { batchSize: 4 });
  const { hidden } = referenceForward(config, model.weights, PROMPT);
  const mean = context.embed(PROMPT);
  const expectedMean = Array.from({ length: config.hiddenSize }, (_, i) => hidden.reduce((s, h) => s + h[i]!, 0) / hidden.length);
  assert.ok(maxDifference(mean, expectedMean) < 1e-4);
  const last = context.embed(PROMPT, { pooling: 'last' });
  assert.ok(maxDifference(last, hidden[hidden.length - 1]!) < 1e-4);
  assert.equal(context.length, PROMPT.length);
});

test('input validation: bad token ids and context overflow fail before touching the cache', () => {
  const context = randomModel(tinyConfig(), 13).createContext(8);
  context.evaluate([1, 2, 3]);
  assert.throws(() => context.evaluate([4, 48]), (e) => isChimaeraError(e, 'llm.token_invalid'));
  assert.throws(() => context.evaluate([4, -1]), (e) => isChimaeraError(e, 'llm.token_invalid'));
  assert.throws(() => context.evaluate([1, 2, 3, 4, 5, 6]), (e) => isChimaeraError(e, 'llm.context_full') && /3 of 8/.test(e.message));
  assert.equal(context.length, 3);
  assert.throws(() => randomModel(tinyConfig(), 13).createContext(10_000), (e) => isChimaeraError(e, 'arg.invalid'));
});

test('the allocator callback supplies every context buffer', () => {
  const labels: string[] = [];
  const config = tinyConfig();
  const model = new Qwen2Model(config, buildQwen2Weights(config, randomQwen2Tensors(config, { seed: 14 }), 'a.gguf'), {
    allocator: (bytes, label) => { labels.push(label); return new Uint8Array(bytes); },
  });
  const logits = model.createContext(16).evaluate(PROMPT);
  assert.equal(logits.length, config.vocabSize);
  assert.ok(labels.includes('kv-cache keys') && labels.includes('logits') && labels.includes('prepared activations'));
});

test('a q4_k_m-style mix (Q4_K, Q5_K, Q6_K, Q8_0, Q4_0 matrices) tracks the reference forward over the dequantized weights', () => {
  const config = tinyConfig({ hiddenSize: 256, intermediateSize: 256, headCount: 4, kvHeadCount: 2, headDim: 64, vocabSize: 40, layerCount: 1 });
  const mix = (name: string): RandomWeightType | undefined =>
    name.includes('ffn_down') ? 'Q6_K' : name.includes('attn_v') ? 'Q5_K' : name === 'token_embd.weight' ? 'Q8_0' : name.includes('ffn_up') ? 'Q4_0' : undefined;
  const tensors = randomQwen2Tensors(config, { seed: 15, matrixType: 'Q4_K', matrixTypeOf: mix, scale: 0.1 });
  const model = new Qwen2Model(config, buildQwen2Weights(config, tensors, 'mix.gguf'));
  const tokens = [1, 5, 9, 2];
  const logits = model.createContext(16).evaluate(tokens, { logits: 'all' });
  const reference = referenceForward(config, model.weights, tokens).logits;
  for (let p = 0; p < tokens.length; p++) {
    const row = logits.subarray(p * config.vocabSize, (p + 1) * config.vocabSize);
    const diff = maxDifference(row, reference[p]!);
    const spread = Math.max(...reference[p]!) - Math.min(...reference[p]!);
    assert.ok(diff < 0.05 * spread, `position ${p}: diff ${diff}, logit spread ${spread}`);
  }
});
