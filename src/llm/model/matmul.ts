/**
 * y = W·x over weight rows in any supported GgmlType, for one or several
 * tokens. As llama.cpp's CPU mul_mat does, each token's activations are
 * converted once into the weight type's vec-dot type (prepareActivations),
 * then every weight row is dotted with them (vecDot). The row loop is
 * outside the token loop so a row is read once per batch, not once per token.
 *
 * `matmulReference` is the slow, obvious twin: dequantize each row to f32
 * and take an f64 dot with the unconverted activations.
 */

import type { GgmlTypeId, Tensor } from '../tensor.ts';
import { dequantizeRow, prepareActivations, preparedBytes, rowBytes, vecDotKernel } from './quant.ts';

/**
 * weight: [nIn, nOut] (nOut rows of nIn); x: [tokens, nIn] f32 from xOffset;
 * out: [tokens, nOut] f32 from outOffset; prepared: scratch of at least
 * tokens · preparedBytes(weight.type, nIn) bytes.
 */
export function matmul(
  out: Float32Array, outOffset: number,
  x: Float32Array, xOffset: number, tokens: number,
  weight: Tensor, nIn: number, nOut: number,
  prepared: Uint8Array,
): void {
  const type = weight.type as GgmlTypeId;
  const preparedStride = preparedBytes(type, nIn);
  for (let t = 0; t < tokens; t++) prepareActivations(type, x, xOffset + t * nIn, nIn, prepared, t * preparedStride);
  const stride = rowBytes(type, nIn);
  const data = weight.data;
  if (data.length < stride * nOut) throw new Error(`matmul: ${weight.name} holds ${data.length} bytes, needs ${stride * nOut}`);
  const vecDot = vecDotKernel(type);
  for (let r = 0; r < nOut; r++) {
    const rowOffset = r * stride;
    for (let t = 0; t < tokens; t++) {
      out[outOffset + t * nOut + r] = vecDot(data, rowOffset, prepared, t * preparedStride, nIn);
    }
  }
}

/** same contract as matmul, computed by dequantizing rows (rowScratch: [nIn] f32) */
export function matmulReference(
  out: Float32Array, outOffset: number,
  x: Float32Array, xOffset: number, tokens: number,
  weight: Tensor, nIn: number, nOut: number,
  rowScratch: Float32Array,
): void {
  const type = weight.type as GgmlTypeId;
  const stride = rowBytes(type, nIn);
  for (let r = 0; r < nOut; r++) {
    dequantizeRow(type, weight.data, r * stride, rowScratch, 0, nIn);
    for (let t = 0; t < tokens; t++) {
      let sum = 0;
      for (let i = 0; i < nIn; i++) sum += rowScratch[i]! * x[xOffset + t * nIn + i]!;
      out[outOffset + t * nOut + r] = sum;
    }
  }
}
