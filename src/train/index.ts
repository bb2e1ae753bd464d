/**
 * train — layer 4: the training engine. Backpropagation through the Qwen2
 * forward (ops/ — each op's forward and backward over plain arrays;
 * sequence-pass.ts — the explicit layer-by-layer forward and backward),
 * AdamW with clipping and a warmup + cosine schedule (optimizer.ts),
 * full-parameter training (parameters.ts) and LoRA adapters over a frozen
 * base (lora.ts), checkpoints as bytes (checkpoint.ts), all driven by
 * Qwen2Trainer (trainer.ts).
 */
export { Qwen2Trainer, type TrainerOptions, type TrainingExample, type LoraTrainingSlot, type LossReport, type StepReport } from './trainer.ts';
export { Qwen2Parameters, type ParameterTensor, type InitializeOptions } from './parameters.ts';
export {
  LoraAdapter, LORA_TARGETS, LORA_TARGET_MODULES, applyLoraDelta, applyAdapters, loraTargetShape, validateLoraConfig,
  type LoraConfig, type LoraMatrices, type LoraTarget,
} from './lora.ts';
export { AdamW, clipGradients, gradientNorm, learningRateAt, type AdamWOptions, type LearningRateSchedule } from './optimizer.ts';
export { CHECKPOINT_FORMAT, CHECKPOINT_VERSION } from './checkpoint.ts';
export type { TrainableParameter } from './train-model.ts';
