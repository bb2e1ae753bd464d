// Qwen2Trainer: the training forward reproduces the inference engine's
// logits; full-mode gradients against finite differences of the whole
// model; loss goes down (full from scratch, LoRA on a quantized base with
// the base bit-identical); determinism, gradient accumulation, checkpoints,
// input validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../common/index.ts';
import { Qwen2Model } from '../llm/index.ts';
import { LoraAdapter } from './lora.ts';
import { Qwen2Parameters } from './parameters.ts';
import { randomBase, randomSequences, smallConfig, tensorChecksum } from './test-models.ts';
import { Qwen2Trainer, type TrainingExample } from './trainer.ts';

const SCHEDULE = { peak: 1e-2, warmupSteps: 2, totalSteps: 40 };
const PROMPT = [3, 17, 0, 42, 8, 8, 25, 1, 30, 11, 47, 5, 63, 2];

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

for (const tied of [false, true]) {
  test(`training forward logits equal model.createContext().evaluate within 1e-4 (full and LoRA modes, ${tied ? 'tied' : 'untied'} head)`, () => {
    const base = randomBase(smallConfig({ tiedEmbeddings: tied }), 21);
    const inference = new Qwen2Model(base.config, base.weights).createContext(32, { batchSize: 5 }).evaluate(PROMPT, { logits: 'all' });
    const full = Qwen2Trainer.full(Qwen2Parameters.fromWeights(base.config, base.weights), { maxTokens: 32, schedule: SCHEDULE });
    const fullLogits = full.logits(PROMPT);
    assert.ok(maxDifference(fullLogits, inference) <= 1e-4, `full: ${maxDifference(fullLogits, inference)}`);
    const adapter = LoraAdapter.create('fresh', base.config, { rank: 4, alpha: 8, dropout: 0, targets: ['q', 'v'] }, 1);
    const lora = Qwen2Trainer.lora(base.config, base.weights, [{ adapter, mode: 'train' }], { maxTokens: 32, schedule: SCHEDULE });
    const loraLogits = lora.logits(PROMPT);
    assert.ok(maxDifference(loraLogits, inference) <= 1e-4, `lora (B = 0): ${maxDifference(loraLogits, inference)}`);
    // the logits are not trivially small: the comparison means something
    assert.ok(Math.max(...Array.from(inference, Math.abs)) > 0.5);
  });
}

test('full mode: every tensor kind’s gradient matches finite differences of the whole model’s loss (f32, rel 5e-3)', () => {
  const base = randomBase(smallConfig({ layerCount: 1, vocabSize: 24 }), 22, 'F32', 0.2);
  const parameters = Qwen2Parameters.fromWeights(base.config, base.weights);
  const trainer = Qwen2Trainer.full(parameters, { maxTokens: 16, schedule: SCHEDULE });
  const examples: TrainingExample[] = [{ tokens: [1, 5, 9, 2, 7, 7, 3, 11] }, { tokens: [4, 4, 20, 1, 0], targets: [-1, -1, 3, 8, 23] }];
  trainer.accumulate(examples);
  const step = 1e-2;
  let checked = 0;
  for (const p of trainer.trainable) {
    // the 3 largest-gradient entries of every tensor
    const order = Array.from(p.grad.keys()).sort((a, b) => Math.abs(p.grad[b]!) - Math.abs(p.grad[a]!)).slice(0, 3);
    for (const i of order) {
      const saved = p.value[i]!;
      p.value[i] = saved + step;
      const plus = trainer.evaluate(examples).loss;
      p.value[i] = saved - step;
      const minus = trainer.evaluate(examples).loss;
      p.value[i] = saved;
      const numeric = (plus - minus) / (2 * step);
      const analytic = p.grad[i]!;
      assert.ok(Math.abs(numeric - analytic) <= 5e-3 * Math.abs(numeric) + 1e-4, `${p.name}[${i}]: analytic ${analytic}, numeric ${numeric}`);
      checked++;
    }
  }
  assert.ok(checked >= 3 * 13, `checked ${checked} entries`);
});

test('full mode from scratch: a tiny model learns a repeating pattern (loss falls below 25% of its start)', () => {
  const config = smallConfig({ vocabSize: 16, layerCount: 1 });
  const parameters = Qwen2Parameters.initialize(config, 5);
  const trainer = Qwen2Trainer.full(parameters, { maxTokens: 24, schedule: { peak: 3e-2, warmupSteps: 3, totalSteps: 60 }, adamW: { weightDecay: 0 } });
  const pattern = [1, 4, 9, 2, 7, 3];
  const examples = [0, 2, 4].map((shift) => ({ tokens: Array.from({ length: 18 }, (_, i) => pattern[(i + shift) % pattern.length]!) }));
  const start = trainer.evaluate(examples).loss;
  for (let i = 0; i < 60; i++) trainer.trainStep(examples);
  const end = trainer.evaluate(examples).loss;
  assert.ok(Math.abs(start - Math.log(16)) < 0.1, `start ${start} ≈ ln 16`);
  assert.ok(end < 0.25 * start, `loss ${start} → ${end}`);
});

test('LoRA on a Q8_0 base learns a synthetic task (loss at most 15% of its start); the base stays bit-identical', () => {
  const base = randomBase(smallConfig(), 23, 'Q8_0');
  const before = tensorChecksum(base.tensors);
  const adapter = LoraAdapter.create('task', base.config, { rank: 8, alpha: 16, dropout: 0.05, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] }, 2);
  const trainer = Qwen2Trainer.lora(base.config, base.weights, [{ adapter, mode: 'train' }], {
    maxTokens: 16, schedule: { peak: 2e-2, warmupSteps: 2, totalSteps: 50 }, seed: 9,
  });
  // task: after the prompt [a, b, 60], answer b, a (a reversal the random base does not know)
  const examples = randomSequences(3, 8, 2, 60).map(([a, b]) => ({ tokens: [a!, b!, 60, b!, a!], targets: [-1, -1, b!, a!, -1] }));
  const start = trainer.evaluate(examples).loss;
  for (let i = 0; i < 50; i++) trainer.trainStep(examples);
  const end = trainer.evaluate(examples).loss;
  assert.ok(end < 0.15 * start, `loss ${start} → ${end}`);
  assert.equal(tensorChecksum(base.tensors), before);
  assert.ok(adapter.matrices.some((m) => m.b.some((v) => v !== 0)), 'B moved off zero');
});

test('same seed, same data: two runs with dropout end bit-identical; another seed differs', () => {
  const base = randomBase(smallConfig(), 24);
  const run = (seed: number): Float32Array[] => {
    const adapter = LoraAdapter.create('a', base.config, { rank: 4, alpha: 4, dropout: 0.2, targets: ['q', 'down'] }, 7);
    const trainer = Qwen2Trainer.lora(base.config, base.weights, [{ adapter, mode: 'train' }], { maxTokens: 16, schedule: SCHEDULE, seed });
    for (let i = 0; i < 3; i++) trainer.trainStep([{ tokens: PROMPT.slice(0, 10) }]);
    return adapter.matrices.flatMap((m) => [m.a, m.b]);
  };
  const first = run(1);
  assert.deepEqual(run(1), first);
  assert.notDeepEqual(run(2), first);
});

test('gradient accumulation: two micro-batches of one example equal one batch of both (equal token counts)', () => {
  const base = randomBase(smallConfig(), 25);
  const examples = randomSequences(4, 2, 9, 64).map((tokens) => ({ tokens }));
  const run = (mode: 'accumulate' | 'batch'): Float32Array => {
    const parameters = Qwen2Parameters.fromWeights(base.config, base.weights);
    const trainer = Qwen2Trainer.full(parameters, { maxTokens: 16, schedule: SCHEDULE, clipNorm: 'none' });
    if (mode === 'batch') trainer.trainStep(examples);
    else {
      trainer.accumulate([examples[0]!]);
      trainer.accumulate([examples[1]!]);
      trainer.step();
    }
    return Float32Array.from(parameters.values('blk.1.ffn_down.weight'));
  };
  const a = run('accumulate');
  const b = run('batch');
  assert.ok(maxDifference(a, b) < 1e-6, `${maxDifference(a, b)}`);
  assert.ok(maxDifference(a, Qwen2Parameters.fromWeights(base.config, base.weights).values('blk.1.ffn_down.weight')) > 1e-4, 'the step moved the weights');
});

test('checkpoints: save, restore into a fresh trainer, and training continues bit-identically; damage and mismatches fail typed', () => {
  const base = randomBase(smallConfig(), 26);
  const examples = randomSequences(5, 2, 8, 64).map((tokens) => ({ tokens }));
  const make = (): { trainer: Qwen2Trainer; parameters: Qwen2Parameters } => {
    const parameters = Qwen2Parameters.fromWeights(base.config, base.weights);
    return { parameters, trainer: Qwen2Trainer.full(parameters, { maxTokens: 16, schedule: SCHEDULE }) };
  };
  const original = make();
  for (let i = 0; i < 2; i++) original.trainer.trainStep(examples);
  const bytes = original.trainer.saveCheckpoint();
  for (let i = 0; i < 2; i++) original.trainer.trainStep(examples);

  const restored = make();
  restored.trainer.loadCheckpoint(bytes);
  assert.equal(restored.trainer.stepCount, 2);
  for (let i = 0; i < 2; i++) restored.trainer.trainStep(examples);
  for (const tensor of original.parameters.tensors) assert.deepEqual(restored.parameters.values(tensor.name), tensor.values, tensor.name);

  const damaged = Uint8Array.from(bytes);
  damaged[damaged.length - 5] ^= 0x40;
  assert.throws(() => make().trainer.loadCheckpoint(damaged), (e) => isChimaeraError(e, 'train.checkpoint_invalid') && /CRC/.test(e.message));
  assert.throws(() => make().trainer.loadCheckpoint(new Uint8Array(12)), (e) => isChimaeraError(e, 'train.checkpoint_invalid'));
  const other = randomBase(smallConfig({ intermediateSize: 32 }), 26);
  const otherTrainer = Qwen2Trainer.full(Qwen2Parameters.fromWeights(other.config, other.weights), { maxTokens: 16, schedule: SCHEDULE });
  assert.throws(() => otherTrainer.loadCheckpoint(bytes), (e) => isChimaeraError(e, 'train.checkpoint_mismatch'));
  const adapter = LoraAdapter.create('a', base.config, { rank: 2, alpha: 2, dropout: 0, targets: ['q'] }, 1);
  const loraTrainer = Qwen2Trainer.lora(base.config, base.weights, [{ adapter, mode: 'train' }], { maxTokens: 16, schedule: SCHEDULE });
  assert.throws(() => loraTrainer.loadCheckpoint(bytes), (e) => isChimaeraError(e, 'train.checkpoint_mismatch'));
});

test('input validation: bad ids, lengths, targets and empty batches fail train.batch_invalid before any state changes', () => {
  const base = randomBase(smallConfig(), 27);
  const parameters = Qwen2Parameters.fromWeights(base.config, base.weights);
  const trainer = Qwen2Trainer.full(parameters, { maxTokens: 8, schedule: SCHEDULE });
  const bad: TrainingExample[][] = [
    [], [{ tokens: [1, 64] }], [{ tokens: [1, -1] }], [{ tokens: [1, 2.5] }], [{ tokens: Array(9).fill(1) }],
    [{ tokens: [1, 2], targets: [3] }], [{ tokens: [1, 2], targets: [64, 1] }], [{ tokens: [1] }], [{ tokens: [1, 2], targets: [-1, -1] }],
  ];
  for (const batch of bad) assert.throws(() => trainer.accumulate(batch), (e) => isChimaeraError(e, 'train.batch_invalid'), JSON.stringify(batch));
  assert.throws(() => trainer.step(), (e) => isChimaeraError(e, 'train.config_invalid'));
  assert.throws(() => Qwen2Trainer.full(parameters, { maxTokens: 1, schedule: SCHEDULE }), (e) => isChimaeraError(e, 'train.config_invalid'));
  assert.throws(() => Qwen2Trainer.full(parameters, { maxTokens: 8, schedule: { ...SCHEDULE, peak: -1 } }), (e) => isChimaeraError(e, 'train.config_invalid'));
  assert.throws(() => Qwen2Trainer.lora(base.config, base.weights, [], { maxTokens: 8, schedule: SCHEDULE }), (e) => isChimaeraError(e, 'train.config_invalid'));
});
