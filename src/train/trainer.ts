/**
 * Qwen2Trainer: next-token training of a Qwen2 model, in two modes
 *
 *   Qwen2Trainer.full(parameters, options)        every weight learns (small models from scratch)
 *   Qwen2Trainer.lora(config, base, adapters, o)  the base (any ggml type) is frozen and stays
 *                                                 bit-identical; adapters marked 'train' learn,
 *                                                 adapters marked 'apply' only add their delta
 *
 * A step is: accumulate(examples) one or more times (gradient accumulation:
 * each call is a micro-batch whose loss is the mean over its counted target
 * tokens; step() averages over the micro-batches), then step(): clip to the
 * global norm, AdamW with the scheduled learning rate, zero the gradients.
 * Each example is run as its own sequence from position 0 (sequence-pass.ts);
 * the output head runs only at positions with a counted target.
 * Dropout masks come from an Rng seeded by (seed, step, micro-batch), so a
 * run is reproducible and a restored checkpoint continues identically.
 */

import { Rng, fail } from '../common/index.ts';
import type { Qwen2Config, Qwen2Weights } from '../llm/index.ts';
import { decodeCheckpointInto, encodeCheckpoint, type CheckpointState } from './checkpoint.ts';
import type { LoraAdapter } from './lora.ts';
import type { TrainCompute } from './ops/train-compute.ts';
import { crossEntropyForwardBackward, crossEntropyLoss } from './ops/cross-entropy.ts';
import { AdamW, clipGradients, gradientNorm, learningRateAt, scaleGradients, validateSchedule, type AdamWOptions, type LearningRateSchedule } from './optimizer.ts';
import type { Qwen2Parameters } from './parameters.ts';
import { backwardSequence, forwardSequence } from './sequence-pass.ts';
import { frozenTrainModel, fullTrainModel, type TrainableParameter, type TrainModel } from './train-model.ts';
import { SequenceWorkspace } from './workspace.ts';

export interface TrainingExample {
  /** input token ids [T] */
  readonly tokens: ArrayLike<number>;
  /**
   * [T]: the id to predict after tokens[0 … t]; negative = not counted
   * (prompt positions, padding). Default: the next token, the last position not counted.
   */
  readonly targets?: ArrayLike<number>;
}

export interface TrainerOptions {
  /** longest example [tokens]; sizes the activation buffers */
  readonly maxTokens: number;
  readonly schedule: LearningRateSchedule;
  readonly adamW?: AdamWOptions;
  /** global gradient-norm limit, or 'none'; default 1 */
  readonly clipNorm?: number | 'none';
  /** seeds LoRA dropout; default 0 */
  readonly seed?: number;
  /**
   * who computes the matrix products and attention: JAVASCRIPT_COMPUTE
   * (default) or a WasmTrainCompute over the SIMD training kernels (one per thread)
   */
  readonly compute?: TrainCompute;
}

export interface LoraTrainingSlot {
  readonly adapter: LoraAdapter;
  /** 'train': learns (dropout applies); 'apply': frozen, its delta still adds */
  readonly mode: 'train' | 'apply';
}

export interface LossReport {
  /** mean cross-entropy over the counted tokens [nats] */
  readonly loss: number;
  /** counted target tokens */
  readonly tokens: number;
}

export interface StepReport {
  /** updates applied so far, this one included */
  readonly step: number;
  readonly learningRate: number;
  /** global gradient norm before clipping */
  readonly gradientNorm: number;
}

export class Qwen2Trainer {
  readonly mode: 'full' | 'lora';
  readonly config: Qwen2Config;
  readonly maxTokens: number;
  readonly trainable: readonly TrainableParameter[];
  private readonly model: TrainModel;
  private readonly workspace: SequenceWorkspace;
  private readonly optimizer: AdamW;
  private readonly schedule: LearningRateSchedule;
  private readonly clipNorm: number | 'none';
  private readonly seed: number;
  private slots: readonly LoraTrainingSlot[] = [];
  /** micro-batches accumulated since the last step */
  private pendingMicroBatches = 0;

  private constructor(mode: 'full' | 'lora', model: TrainModel, trainable: TrainableParameter[], options: TrainerOptions) {
    if (!Number.isInteger(options.maxTokens) || options.maxTokens < 2) fail('train.config_invalid', `maxTokens must be an integer ≥ 2, got ${options.maxTokens}`);
    const clip = options.clipNorm ?? 1;
    if (clip !== 'none' && !(clip > 0)) fail('train.config_invalid', `clipNorm must be positive or 'none', got ${clip}`);
    this.mode = mode;
    this.config = model.config;
    this.maxTokens = options.maxTokens;
    this.model = model;
    this.trainable = trainable;
    this.schedule = validateSchedule(options.schedule);
    this.clipNorm = clip;
    this.seed = options.seed ?? 0;
    this.optimizer = new AdamW(trainable, options.adamW);
    this.workspace = new SequenceWorkspace(model.config, options.maxTokens, options.compute);
  }

  /** full-parameter training of `parameters` (updated in place) */
  static full(parameters: Qwen2Parameters, options: TrainerOptions): Qwen2Trainer {
    const { model, trainable } = fullTrainModel(parameters);
    return new Qwen2Trainer('full', model, trainable, options);
  }

  /** LoRA training over a frozen base; adapters marked 'train' are updated in place */
  static lora(config: Qwen2Config, base: Qwen2Weights, slots: readonly LoraTrainingSlot[], options: TrainerOptions): Qwen2Trainer {
    const grads = new Map<LoraAdapter, [Float32Array, Float32Array][]>();
    const trainable: TrainableParameter[] = [];
    for (const slot of slots) {
      slot.adapter.checkFits(config);
      if (slot.mode !== 'train') continue;
      if (grads.has(slot.adapter)) fail('train.config_invalid', `adapter ${slot.adapter.name} is listed twice`);
      grads.set(slot.adapter, slot.adapter.matrices.map((m) => {
        const pair: [Float32Array, Float32Array] = [new Float32Array(m.a.length), new Float32Array(m.b.length)];
        const prefix = `lora.${slot.adapter.name}.blk.${m.layer}.${m.target}`;
        trainable.push({ name: `${prefix}.a`, value: m.a, grad: pair[0], decay: 'decay' }, { name: `${prefix}.b`, value: m.b, grad: pair[1], decay: 'decay' });
        return pair;
      }));
    }
    if (trainable.length === 0) fail('train.config_invalid', 'LoRA training needs at least one adapter in mode "train"');
    const trainer = new Qwen2Trainer('lora', frozenTrainModel(config, base), trainable, options);
    trainer.slots = slots;
    trainer.workspace.setLoras(slots.flatMap((slot) => slot.adapter.matrices.map((matrices, i) => ({
      matrices, dropout: slot.adapter.config.dropout, grads: slot.mode === 'train' ? grads.get(slot.adapter)![i]! : null,
    }))));
    return trainer;
  }

  /** the adapters taking part, in order */
  get adapters(): readonly LoraTrainingSlot[] {
    return this.slots;
  }

  /** AdamW updates applied so far */
  get stepCount(): number {
    return this.optimizer.stepCount;
  }

  /** learning rate the next step() will use */
  get learningRate(): number {
    return learningRateAt(this.optimizer.stepCount, this.schedule);
  }

  /** forward + backward of one micro-batch; adds its gradients. Returns the mean loss over its counted tokens */
  accumulate(examples: readonly TrainingExample[]): LossReport {
    const targets = this.prepare(examples);
    const counted = targets.reduce((sum, t) => sum + countTargets(t), 0);
    const rng = new Rng(mixSeed(this.seed, this.optimizer.stepCount, this.pendingMicroBatches));
    const vocab = this.config.vocabSize;
    let total = 0;
    examples.forEach((example, i) => {
      const T = example.tokens.length;
      const { rows, rowTargets } = countedRows(targets[i]!);
      if (rows.length === 0) return;
      forwardSequence(this.model, this.workspace, example.tokens, T, 'train', rng, rows);
      const logits = this.workspace.logits;
      total += crossEntropyForwardBackward(logits, logits, rowTargets, rows.length, vocab, 1 / counted);
      backwardSequence(this.model, this.workspace, example.tokens, T);
    });
    const loss = total / counted;
    if (!Number.isFinite(loss)) fail('train.diverged', `the loss is ${loss} at step ${this.optimizer.stepCount}`, { loss });
    this.pendingMicroBatches++;
    return { loss, tokens: counted };
  }

  /** clip, update, zero the gradients; fails train.config_invalid with nothing accumulated */
  step(): StepReport {
    if (this.pendingMicroBatches === 0) fail('train.config_invalid', 'step() needs at least one accumulate() since the last step');
    if (this.pendingMicroBatches > 1) scaleGradients(this.trainable, 1 / this.pendingMicroBatches);
    const norm = this.clipNorm === 'none' ? gradientNorm(this.trainable) : clipGradients(this.trainable, this.clipNorm);
    if (!Number.isFinite(norm)) fail('train.diverged', `the gradient norm is ${norm} at step ${this.optimizer.stepCount}`, { norm });
    const learningRate = learningRateAt(this.optimizer.stepCount, this.schedule);
    this.optimizer.step(learningRate);
    this.zeroGradients();
    return { step: this.optimizer.stepCount, learningRate, gradientNorm: norm };
  }

  /** accumulate(examples) then step() */
  trainStep(examples: readonly TrainingExample[]): LossReport & StepReport {
    const loss = this.accumulate(examples);
    return { ...loss, ...this.step() };
  }

  /** mean loss over the counted tokens, no gradients, no dropout */
  evaluate(examples: readonly TrainingExample[]): LossReport {
    const targets = this.prepare(examples);
    let total = 0;
    let counted = 0;
    examples.forEach((example, i) => {
      const { rows, rowTargets } = countedRows(targets[i]!);
      if (rows.length === 0) return;
      forwardSequence(this.model, this.workspace, example.tokens, example.tokens.length, 'evaluate', null, rows);
      total += crossEntropyLoss(this.workspace.logits, rowTargets, rows.length, this.config.vocabSize);
      counted += rows.length;
    });
    return { loss: total / counted, tokens: counted };
  }

  /** the training forward's logits [T, vocab] for one sequence (a copy; no dropout) */
  logits(tokens: ArrayLike<number>): Float32Array {
    this.prepare([{ tokens, targets: new Int32Array(tokens.length).fill(-1) }], 'uncounted');
    forwardSequence(this.model, this.workspace, tokens, tokens.length, 'evaluate', null);
    return this.workspace.logits.slice(0, tokens.length * this.config.vocabSize);
  }

  /** drop accumulated gradients (e.g. after a failed micro-batch) */
  zeroGradients(): void {
    for (const p of this.trainable) p.grad.fill(0);
    this.pendingMicroBatches = 0;
  }

  /** parameters, AdamW moments and the step count as bytes (checkpoint.ts) */
  saveCheckpoint(): Uint8Array {
    return encodeCheckpoint(this.checkpointState());
  }

  /** restore a checkpoint written by a trainer of the same mode and shape; accumulated gradients are dropped */
  loadCheckpoint(bytes: Uint8Array, fileName?: string): void {
    this.optimizer.stepCount = decodeCheckpointInto(bytes, this.checkpointState(), fileName);
    this.zeroGradients();
  }

  private checkpointState(): CheckpointState {
    return {
      mode: this.mode, step: this.optimizer.stepCount, config: this.config, parameters: this.trainable,
      firstMoments: this.optimizer.firstMoments, secondMoments: this.optimizer.secondMoments,
    };
  }

  /** validate every example before any state changes; returns each one's targets */
  private prepare(examples: readonly TrainingExample[], counting: 'counted' | 'uncounted' = 'counted'): Int32Array[] {
    if (examples.length === 0) fail('train.batch_invalid', 'a batch needs at least one example');
    const vocab = this.config.vocabSize;
    const all = examples.map((example, e) => {
      const T = example.tokens.length;
      if (T < 1 || T > this.maxTokens) fail('train.batch_invalid', `example ${e} has ${T} tokens; this trainer takes 1 to ${this.maxTokens}`);
      for (let t = 0; t < T; t++) {
        const id = example.tokens[t]!;
        if (!Number.isInteger(id) || id < 0 || id >= vocab) fail('train.batch_invalid', `example ${e}, token ${t} has id ${id}, outside the vocabulary of ${vocab}`);
      }
      const targets = new Int32Array(T);
      if (example.targets === undefined) {
        for (let t = 0; t < T; t++) targets[t] = t + 1 < T ? example.tokens[t + 1]! : -1;
        return targets;
      }
      if (example.targets.length !== T) fail('train.batch_invalid', `example ${e} has ${T} tokens but ${example.targets.length} targets`);
      for (let t = 0; t < T; t++) {
        const id = example.targets[t]!;
        if (!Number.isInteger(id) || id >= vocab) fail('train.batch_invalid', `example ${e}, target ${t} is ${id}, outside the vocabulary of ${vocab}`);
        targets[t] = id < 0 ? -1 : id;
      }
      return targets;
    });
    if (counting === 'counted' && all.every((t) => countTargets(t) === 0)) fail('train.batch_invalid', 'no example in the batch has a counted target token');
    return all;
  }
}

/** the positions with a counted target (the head rows to compute) and those targets */
function countedRows(targets: Int32Array): { rows: Int32Array; rowTargets: Int32Array } {
  const rows = new Int32Array(countTargets(targets));
  const rowTargets = new Int32Array(rows.length);
  let r = 0;
  for (let t = 0; t < targets.length; t++) {
    if (targets[t]! < 0) continue;
    rows[r] = t;
    rowTargets[r++] = targets[t]!;
  }
  return { rows, rowTargets };
}

function countTargets(targets: Int32Array): number {
  let n = 0;
  for (let t = 0; t < targets.length; t++) if (targets[t]! >= 0) n++;
  return n;
}

/** one 32-bit seed from (seed, step, micro-batch) */
function mixSeed(seed: number, step: number, microBatch: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (step + 1), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13) ^ (microBatch + 1), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
