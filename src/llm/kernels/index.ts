/**
 * llm/kernels — WebAssembly SIMD compute kernels over the kernel arena's
 * shared memory (AssemblyScript sources in ./wasm, built by
 * scripts/build-wasm.js), and the worker-thread pool that runs them.
 * The TypeScript twins in llm/quant stay the reference.
 */
export {
  WasmKernels, loadWasmKernels, compileKernelModule, KERNELS_WASM_PATH, MATMUL_KERNELS, ATTENTION_KERNEL_ID, Q8_0_UNPACKED_BYTES, wasmDotTwin,
  type AttentionRequest, type DotTwin, type RawKernels, type RawDot, type RawMatmul, type RawQuantize, type MatmulRequest,
} from './wasm-kernels.ts';
export {
  KernelPool, startKernelPool, KERNEL_WORKER_SOURCE, POOL_CONTROL_BYTES, POOL_MAX_TASKS,
  type KernelPoolOptions, type KernelWorker, type KernelWorkerFactory, type KernelWorkerStart, type PoolTask,
} from './kernel-pool.ts';
export { viewInMemory } from './memory-views.ts';
export {
  chooseKernelModule, kernelModulePreference, KERNELS_RELAXED_WASM_PATH,
  type KernelModuleChoice, type KernelModulePreference, type KernelModuleVariant,
} from './kernel-module-choice.ts';
export type { WasmModule } from './wasm-api.ts';
export { TrainKernels, loadTrainKernels, TRAIN_KERNELS_WASM_PATH, type RawTrainKernels } from './train-kernels.ts';
