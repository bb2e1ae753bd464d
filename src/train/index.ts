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
export { JAVASCRIPT_COMPUTE, type TrainCompute } from './ops/train-compute.ts';
export { WasmTrainCompute } from './wasm-compute.ts';
export { Qwen2Parameters, type ParameterTensor, type InitializeOptions } from './parameters.ts';
export { installCopyCircuit, COPY_CIRCUIT_DEFAULTS, type CopyCircuitOptions } from './copy-circuit.ts';
export {
  LoraAdapter, LORA_TARGETS, LORA_TARGET_MODULES, applyLoraDelta, applyAdapters, loraTargetShape, validateLoraConfig,
  type LoraConfig, type LoraMatrices, type LoraTarget,
} from './lora.ts';
export { AdamW, clipGradients, gradientNorm, learningRateAt, type AdamWOptions, type LearningRateSchedule } from './optimizer.ts';
export { CHECKPOINT_FORMAT, CHECKPOINT_VERSION } from './checkpoint.ts';
export type { TrainableParameter } from './train-model.ts';
export {
  adapterToPeft, adapterFromPeft, parsePeftConfig, peftTensorName, PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE,
  type PeftFiles, type PeftSaveOptions,
} from './peft.ts';
export { adapterToGgufLora, adapterFromGgufLora, ggufLoraTensorName, GGUF_LORA_TENSORS, type GgufLoraDtype, type GgufLoraOptions } from './gguf-lora.ts';
export { encodeChatExample, tokenizerChatEncoder, END_OF_TURN, type ChatExample, type ChatRenderOptions, type ChatTokenEncoder } from './chat-examples.ts';
export { buildLoraDataset, heldOutBucket, type DatasetExample, type DatasetOptions, type DatasetSkips, type ExampleSource, type LoraDataset } from './dataset.ts';
export {
  adapterIdFor, describeHistoryRecord, foldHistory, isAdapterHistoryRecord, listTrained,
  type AdapterHistoryRecord, type AdapterListing, type HeldOutLosses, type HistoryState, type TrainedRecord,
} from './adapter-history.ts';
export { AdapterStore, ADAPTERS_DIR, ADAPTER_HISTORY_PATH, type AdapterStoreOptions } from './adapter-store.ts';
export { evaluateWith, heldOutLoss, trainAdapter, type AdapterTrainingPlan, type Pause, type TrainedAdapter, type TrainingProgress } from './retrain-steps.ts';
export {
  RetrainCycle, DEFAULT_RETRAIN_SETTINGS,
  type AdapterHost, type RetrainHooks, type RetrainOptions, type RetrainOutcome, type RetrainSettings, type RetrainTask,
} from './retrain.ts';
