/**
 * The quantized-row dispatch API the model computes with, from llm/quant
 * (one import point, so the WebAssembly kernels of the next issue can be
 * swapped in here).
 */
export { vecDotType, preparedBytes, prepareActivations, vecDot, vecDotKernel, dequantizeRow, quantizeRow, roundToF16 } from '../quant/index.ts';
export { rowBytes } from '../tensor.ts';
