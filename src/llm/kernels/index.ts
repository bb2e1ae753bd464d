/**
 * llm/kernels — WebAssembly SIMD compute kernels over the kernel arena's
 * shared memory (AssemblyScript sources in ./wasm, built by
 * scripts/build-wasm.js). The TypeScript twins in llm/quant stay the reference.
 */
export {
  WasmKernels, loadWasmKernels, compileKernelModule, KERNELS_WASM_PATH,
  type RawKernels, type RawDot, type RawMatmul, type MatmulRequest,
} from './wasm-kernels.ts';
export type { WasmModule } from './wasm-api.ts';
