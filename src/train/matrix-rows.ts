/**
 * Where a linear layer's weight rows come from: a trainable f32 matrix
 * (rows are views of its values) or a frozen base tensor of any ggml type
 * (F32 rows are views of the tensor's bytes when they are 4-byte aligned;
 * otherwise, and for F16/BF16/quantized types, rows are dequantized a block
 * at a time into the source's own scratch through llm's dequantizeRow).
 * Either way the base bytes are only ever read.
 *
 * The linear helpers below walk a matrix block by block, so a 0.5B-shape
 * quantized base never needs an f32 copy of a whole matrix.
 */

import { GgmlType, dequantizeRow, rowBytes, type GgmlTypeId, type Tensor } from '../llm/index.ts';
import type { ProductMode } from './ops/matmul.ts';
import type { TrainCompute } from './ops/train-compute.ts';

export interface MatrixRows {
  /** row length (input features) */
  readonly nIn: number;
  /** number of rows (output features) */
  readonly nOut: number;
  /** rows per block that `rows` hands out at most */
  readonly blockRows: number;
  /**
   * rows [rowStart, rowStart + rowCount) as f32 [rowCount, nIn]: a view of
   * the stored values, or dequantized into scratch that the next call overwrites.
   */
  rows(rowStart: number, rowCount: number): Float32Array;
}

/** a matrix held as f32 [nOut, nIn] (trainable, or already decoded) */
export function f32MatrixRows(values: Float32Array, nIn: number, nOut: number): MatrixRows {
  if (values.length !== nIn * nOut) throw new Error(`f32MatrixRows: ${values.length} values for a ${nOut}×${nIn} matrix`);
  return { nIn, nOut, blockRows: nOut, rows: (rowStart, rowCount) => values.subarray(rowStart * nIn, (rowStart + rowCount) * nIn) };
}

/** floats of scratch a dequantizing source keeps (its block is this many floats, at least one row) */
const DEQUANTIZE_BLOCK_FLOATS = 1 << 16;

/** a ggml tensor [nIn, nOut] (nOut rows of nIn), read-only */
export function tensorMatrixRows(tensor: Tensor): MatrixRows {
  const nIn = tensor.shape[0]!;
  const nOut = tensor.shape[1] ?? 1;
  const type = tensor.type as GgmlTypeId;
  if (type === GgmlType.F32 && tensor.data.byteOffset % 4 === 0) {
    const view = new Float32Array(tensor.data.buffer, tensor.data.byteOffset, nIn * nOut);
    return f32MatrixRows(view, nIn, nOut);
  }
  const stride = rowBytes(type, nIn);
  const blockRows = Math.max(1, Math.min(nOut, Math.floor(DEQUANTIZE_BLOCK_FLOATS / nIn)));
  const scratch = new Float32Array(blockRows * nIn);
  return {
    nIn, nOut, blockRows,
    rows(rowStart, rowCount) {
      for (let r = 0; r < rowCount; r++) dequantizeRow(type, tensor.data, (rowStart + r) * stride, scratch, r * nIn, nIn);
      return scratch.subarray(0, rowCount * nIn);
    },
  };
}

/** out ([tokens, nOut]) (=|+=) x ([tokens, nIn]) · Wᵀ + bias */
export function linearRowsForward(compute: TrainCompute, out: Float32Array, x: Float32Array, tokens: number, weight: MatrixRows, bias: Float32Array | null, mode: ProductMode): void {
  for (let start = 0; start < weight.nOut; start += weight.blockRows) {
    const count = Math.min(weight.blockRows, weight.nOut - start);
    compute.forward(out, x, tokens, weight.nIn, weight.nOut, weight.rows(start, count), start, count, bias, mode);
  }
}

/** dx ([tokens, nIn]) += dy ([tokens, nOut]) · W */
export function linearRowsBackwardInput(compute: TrainCompute, dx: Float32Array, dy: Float32Array, tokens: number, weight: MatrixRows): void {
  for (let start = 0; start < weight.nOut; start += weight.blockRows) {
    const count = Math.min(weight.blockRows, weight.nOut - start);
    compute.backwardInput(dx, dy, tokens, weight.nIn, weight.nOut, weight.rows(start, count), start, count);
  }
}
