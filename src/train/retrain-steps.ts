/**
 * The two long steps of a retrain, written to share the CPU: training a
 * fresh LoRA adapter over the frozen base, and the held-out loss of a list
 * of adapters. Both call `pause()` (the kernel task giving up the CPU) after every
 * micro-batch or example, so interactive work (the LLM service's requests,
 * the shell) runs in between; one micro-batch is the longest stretch the
 * retrain holds the CPU.
 *
 * Held-out loss of adapters that are not being trained: the trainer needs
 * one adapter in mode 'train', so the evaluator adds a probe — a rank-1
 * adapter on q whose B is zero, i.e. a delta of exactly zero — and puts the
 * adapters to measure in mode 'apply'. The loss is the mean over all
 * counted tokens of the set (examples weighted by their token counts).
 */

import { Rng } from '../common/index.ts';
import type { Qwen2Config, Qwen2Weights } from '../llm/index.ts';
import { LoraAdapter, type LoraConfig } from './lora.ts';
import { Qwen2Trainer, type TrainingExample } from './trainer.ts';

/** cooperative point between micro-batches (the kernel task's sleep(0) in the retrain cycle) */
export type Pause = () => Promise<void>;

export interface AdapterTrainingPlan {
  readonly lora: LoraConfig;
  /** passes over the training examples */
  readonly epochs: number;
  readonly examplesPerMicroBatch: number;
  /** micro-batches accumulated per optimizer step */
  readonly microBatchesPerStep: number;
  /** peak learning rate (linear warmup over the first 10 % of steps, cosine to 10 % of peak) */
  readonly learningRate: number;
  readonly maxTokens: number;
  /** seeds the adapter's init, the example order and the dropout */
  readonly seed: number;
}

export interface TrainedAdapter {
  readonly adapter: LoraAdapter;
  /** the trainer that trained it (its evaluate() sees the new adapter) */
  readonly trainer: Qwen2Trainer;
  readonly steps: number;
  /** mean training loss of the last epoch [nats] */
  readonly lastEpochLoss: number;
}

export interface TrainingProgress {
  readonly microBatch: number;
  readonly microBatches: number;
  readonly step: number;
  readonly loss: number;
}

/** train a fresh adapter named `name` on `examples`, pausing after every micro-batch */
export async function trainAdapter(
  name: string, config: Qwen2Config, base: Qwen2Weights, examples: readonly TrainingExample[], plan: AdapterTrainingPlan,
  pause: Pause, onProgress?: (progress: TrainingProgress) => void,
): Promise<TrainedAdapter> {
  const adapter = LoraAdapter.create(name, config, plan.lora, plan.seed);
  const rng = new Rng(plan.seed ^ 0x5eed);
  const batches: TrainingExample[][] = [];
  for (let epoch = 0; epoch < plan.epochs; epoch++) {
    const order = shuffled(examples.length, rng);
    for (let i = 0; i < order.length; i += plan.examplesPerMicroBatch) batches.push(order.slice(i, i + plan.examplesPerMicroBatch).map((k) => examples[k]!));
  }
  const totalSteps = Math.max(1, Math.ceil(batches.length / plan.microBatchesPerStep));
  const trainer = Qwen2Trainer.lora(config, base, [{ adapter, mode: 'train' }], {
    maxTokens: plan.maxTokens,
    schedule: { peak: plan.learningRate, warmupSteps: Math.floor(totalSteps / 10), totalSteps },
    seed: plan.seed,
  });
  const perEpoch = Math.ceil(examples.length / plan.examplesPerMicroBatch);
  let epochLoss = 0;
  let epochTokens = 0;
  for (let b = 0; b < batches.length; b++) {
    if (b % perEpoch === 0) {
      epochLoss = 0;
      epochTokens = 0;
    }
    const report = trainer.accumulate(batches[b]!);
    epochLoss += report.loss * report.tokens;
    epochTokens += report.tokens;
    if ((b + 1) % plan.microBatchesPerStep === 0 || b === batches.length - 1) trainer.step();
    onProgress?.({ microBatch: b + 1, microBatches: batches.length, step: trainer.stepCount, loss: report.loss });
    await pause();
  }
  return { adapter, trainer, steps: trainer.stepCount, lastEpochLoss: epochTokens === 0 ? Number.NaN : epochLoss / epochTokens };
}

/** mean held-out loss of `trainer`'s model (whatever adapters it holds), one example at a time */
export async function evaluateWith(trainer: Qwen2Trainer, examples: readonly TrainingExample[], pause: Pause): Promise<{ loss: number; tokens: number }> {
  let total = 0;
  let tokens = 0;
  for (const example of examples) {
    const report = trainer.evaluate([example]);
    total += report.loss * report.tokens;
    tokens += report.tokens;
    await pause();
  }
  return { loss: tokens === 0 ? Number.NaN : total / tokens, tokens };
}

/** mean held-out loss of the base with `adapters` applied ([] = the plain base) */
export async function heldOutLoss(
  config: Qwen2Config, base: Qwen2Weights, adapters: readonly LoraAdapter[], examples: readonly TrainingExample[], maxTokens: number, pause: Pause,
): Promise<{ loss: number; tokens: number }> {
  const probe = LoraAdapter.create('held-out-probe', config, { rank: 1, alpha: 1, dropout: 0, targets: ['q'] }, 0);
  const trainer = Qwen2Trainer.lora(config, base, [{ adapter: probe, mode: 'train' }, ...adapters.map((adapter) => ({ adapter, mode: 'apply' as const }))], {
    maxTokens, schedule: { peak: 1e-3, warmupSteps: 0, totalSteps: 1 },
  });
  return evaluateWith(trainer, examples, pause);
}

/** a permutation of 0 … n−1 (Fisher–Yates) */
function shuffled(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
