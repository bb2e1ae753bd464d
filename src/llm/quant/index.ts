/**
 * llm/quant — pure TypeScript reference kernels for the GGML tensor types:
 * row (de)quantization bit-exact with ggml's reference C, and dot products
 * computed the way llama.cpp's CPU backend computes them. The WebAssembly
 * SIMD kernels of the next issue sit behind the same signatures.
 */
export {
  dequantizeRow, quantizeRow, vecDotType, preparedBytes, prepareActivations, vecDot, vecDotKernel, vecDotF32Reference,
  type ActivationRounding,
} from './dispatch.ts';
export {
  f32ToF16, f16ToF32, roundToF16, f32ToBf16, bf16ToF32, readF16, writeF16, readBf16, readF32, writeF32, nearestInt,
} from './f16.ts';
export { Q8_K_BYTES } from './q8_k.ts';
export { vecDotQ4_KBlocks } from './q4_k.ts';
export { vecDotQ6_KBlocks } from './q6_k.ts';
