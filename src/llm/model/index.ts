/** llm/model — the Qwen2 forward pass: config, weights, kernels, KV cache, inference contexts. */
export { configFromGgufMetadata, configFromHfConfig, configToGgufMetadata, validateConfig, type Qwen2Config, type MetadataLookup, type TensorLookup } from './config.ts';
export { buildQwen2Weights, type Qwen2Weights, type Qwen2LayerWeights, type BuildWeightsOptions, type TensorNaming } from './weights.ts';
export { Qwen2Model, type ModelOptions } from './qwen2.ts';
export { AdapterSet, ADAPTER_TARGETS, addAdapterDeltas, adapterTargetShape, type AdapterLike, type AdapterMatricesLike, type AdapterTarget, type LayerAdapters } from './adapters.ts';
export { attendTokens, typescriptBackend, type KernelChoice, type MatmulBackend, type Product } from './backend.ts';
export { WasmMatmulBackend } from './wasm-backend.ts';
export { InferenceContext, type ContextOptions, type EvaluateOptions, type LogitsMode, type Pooling } from './context.ts';
export { KvCache, type KvPrecision } from './kv-cache.ts';
export { plainAllocator, type ScratchAllocator } from './scratch.ts';
export { matmul, matmulReference } from './matmul.ts';
export { rmsNorm } from './rms-norm.ts';
export { ropeAngles, ropeNeox } from './rope.ts';
export { attendOne, type AttentionShape } from './attention.ts';
export { swiglu, expF32, addInPlace, addBias } from './ffn.ts';
export type { BatchState, TransformerModel } from './transformer.ts';
export { randomQwen2Tensors, tinyConfig, makeTensor, encodeTensorData, type RandomModelOptions, type RandomWeightType } from './random-model.ts';
export { qwen2TensorPlan, type Qwen2TensorPlan } from './tensor-plan.ts';
