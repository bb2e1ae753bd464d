/**
 * Re-quantizing a model: which type each tensor gets, and the conversion.
 *
 * The choice follows llama.cpp's quantizer (llama-quant.cpp), so our files
 * match what its `llama-quantize` would write from the same weights:
 *   - only 2-D weight matrices are quantized; norms and biases stay F32;
 *   - a row length that is not a whole number of the target's blocks falls
 *     back: Q4_K → Q5_0, Q5_K → Q5_1, Q6_K → Q8_0, and to F16 when even
 *     32-element blocks do not fit;
 *   - the "q4_k_m" mix: Q4_K everywhere, but Q6_K for the output head
 *     (output.weight, or token_embd.weight when the head is tied) and for
 *     attn_v / ffn_down in the layers where use_more_bits(i, n) holds
 *     (i < n/8, i ≥ 7n/8, or (i − n/8) % 3 == 2).
 * `general.file_type` is set to the matching llama_ftype value.
 */

import { fail } from '../common/index.ts';
import { dequantizeRow, quantizeRow } from './quant/index.ts';
import { GgmlType, ggmlTypeByName, ggmlTypeTraits, rowBytes, type GgmlTypeId } from './tensor.ts';

export const QUANTIZE_TARGETS = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_k', 'q5_k', 'q6_k', 'q4_k_m'] as const;
export type QuantizeTarget = (typeof QUANTIZE_TARGETS)[number];

/** llama_ftype values (llama.h) for general.file_type */
const FILE_TYPE: Record<QuantizeTarget, number> = { f32: 0, f16: 1, q4_0: 2, q8_0: 7, q4_k: 14, q4_k_m: 15, q5_k: 16, q6_k: 18, bf16: 32 };

export function fileTypeOf(target: QuantizeTarget): number {
  return FILE_TYPE[target];
}

export function parseQuantizeTarget(text: string): QuantizeTarget {
  const t = text.toLowerCase() as QuantizeTarget;
  if (!QUANTIZE_TARGETS.includes(t)) fail('arg.invalid', `unknown quantization type "${text}" (one of ${QUANTIZE_TARGETS.join(', ')})`);
  return t;
}

const FALLBACK: Partial<Record<number, GgmlTypeId>> = { [GgmlType.Q4_K]: GgmlType.Q5_0, [GgmlType.Q5_K]: GgmlType.Q5_1, [GgmlType.Q6_K]: GgmlType.Q8_0 };

/** llama.cpp's use_more_bits, with its integer divisions */
function useMoreBits(layer: number, layers: number): boolean {
  const eighth = Math.floor(layers / 8);
  return layer < eighth || layer >= Math.floor((7 * layers) / 8) || (layer - eighth) % 3 === 2;
}

/** the type a tensor gets under `target` (the tensor's current type if it is not a weight matrix) */
export function quantizedTypeFor(name: string, shape: readonly number[], currentType: GgmlTypeId, target: QuantizeTarget, model: { layerCount: number; hasOutput: boolean }): GgmlTypeId {
  if (shape.length !== 2 || !name.endsWith('.weight')) return currentType;
  let type: GgmlTypeId;
  if (target === 'q4_k_m') {
    const layer = /^blk\.(\d+)\./.exec(name);
    const moreBits = layer !== null && (name.includes('.attn_v.') || name.includes('.ffn_down.')) && useMoreBits(Number(layer[1]), model.layerCount);
    const isOutput = name === 'output.weight' || (!model.hasOutput && name === 'token_embd.weight');
    type = isOutput || moreBits ? GgmlType.Q6_K : GgmlType.Q4_K;
  } else {
    type = ggmlTypeByName(target).id;
  }
  const rowLength = shape[0]!;
  const blockSize = (t: GgmlTypeId): number => ggmlTypeTraits(t)!.blockSize;
  if (rowLength % blockSize(type) !== 0) type = FALLBACK[type] ?? GgmlType.F16;
  if (rowLength % blockSize(type) !== 0) type = GgmlType.F16;
  return type;
}

/** convert a tensor's data (rows of shape[0] elements) from one type to another */
export function convertTensorData(data: Uint8Array, shape: readonly number[], from: GgmlTypeId, to: GgmlTypeId): Uint8Array {
  if (from === to) return data;
  const rowLength = shape[0]!;
  const rows = shape.slice(1).reduce((a, b) => a * b, 1);
  const inStride = rowBytes(from, rowLength);
  const outStride = rowBytes(to, rowLength);
  const out = new Uint8Array(outStride * rows);
  const row = new Float32Array(rowLength);
  for (let r = 0; r < rows; r++) {
    dequantizeRow(from, data, r * inStride, row, 0, rowLength);
    quantizeRow(to, row, 0, out, r * outStride, rowLength);
  }
  return out;
}
