/**
 * Type dispatch for the reference kernels: dequantize / quantize a row of any
 * supported GGML type, and the dot product as llama.cpp's CPU backend
 * computes it (activations first quantized once per matmul into the weight
 * type's "vec_dot type", then an integer or float dot per row):
 *
 *   weight  F32   F16   BF16   Q4_0   Q5_0   Q5_1   Q8_0   Q4_K   Q5_K   Q6_K
 *   vecdot  F32   F16   BF16   Q8_0   Q8_0   Q8_1   Q8_0   Q8_K   Q8_K   Q8_K
 *
 * Rows hold n elements, n a multiple of the type's block size (32 or 256).
 * Nothing here allocates per call except vecDotF32Reference's scratch growth.
 */

import { fail } from '../../common/index.ts';
import { GgmlType, ggmlTypeTraits, type GgmlTypeId } from '../tensor.ts';
import {
  dequantizeRowBf16, dequantizeRowF16, dequantizeRowF32, quantizeRowBf16, quantizeRowF16, quantizeRowF32,
  vecDotBf16, vecDotF16, vecDotF32,
} from './f16.ts';
import { dequantizeRowQ4_0, quantizeRowQ4_0, vecDotQ4_0 } from './q4_0.ts';
import { dequantizeRowQ4_K, quantizeRowQ4_K, vecDotQ4_K } from './q4_k.ts';
import { dequantizeRowQ5_K, quantizeRowQ5_K, vecDotQ5_K } from './q5_k.ts';
import { dequantizeRowQ6_K, quantizeRowQ6_K, vecDotQ6_K } from './q6_k.ts';
import { dequantizeRowQ8_0, quantizeRowQ8_0, quantizeRowQ8_0X86, vecDotQ8_0 } from './q8_0.ts';
import { dequantizeRowQ8_K, quantizeRowQ8_K } from './q8_k.ts';
import { dequantizeRowQ5_0, dequantizeRowQ5_1, quantizeRowQ5_0, quantizeRowQ5_1, vecDotQ5_0, vecDotQ5_1 } from './q5.ts';
import { dequantizeRowQ8_1, quantizeRowQ8_1, quantizeRowQ8_1X86 } from './q8_1.ts';

type DequantizeRow = (src: Uint8Array, srcOffset: number, out: Float32Array, outOffset: number, n: number) => void;
type QuantizeRow = (src: Float32Array, srcOffset: number, out: Uint8Array, outOffset: number, n: number) => void;
type VecDot = (row: Uint8Array, rowOffset: number, x: Uint8Array, xOffset: number, n: number) => number;

interface Kernels {
  readonly dequantize: DequantizeRow;
  readonly quantize: QuantizeRow;
  readonly vecDotType: GgmlTypeId;
  /** undefined for activation-only types (Q8_K) */
  readonly vecDot: VecDot | undefined;
}

const KERNELS = new Map<number, Kernels>([
  [GgmlType.F32, { dequantize: dequantizeRowF32, quantize: quantizeRowF32, vecDotType: GgmlType.F32, vecDot: vecDotF32 }],
  [GgmlType.F16, { dequantize: dequantizeRowF16, quantize: quantizeRowF16, vecDotType: GgmlType.F16, vecDot: vecDotF16 }],
  [GgmlType.BF16, { dequantize: dequantizeRowBf16, quantize: quantizeRowBf16, vecDotType: GgmlType.BF16, vecDot: vecDotBf16 }],
  [GgmlType.Q4_0, { dequantize: dequantizeRowQ4_0, quantize: quantizeRowQ4_0, vecDotType: GgmlType.Q8_0, vecDot: vecDotQ4_0 }],
  [GgmlType.Q8_0, { dequantize: dequantizeRowQ8_0, quantize: quantizeRowQ8_0, vecDotType: GgmlType.Q8_0, vecDot: vecDotQ8_0 }],
  [GgmlType.Q5_0, { dequantize: dequantizeRowQ5_0, quantize: quantizeRowQ5_0, vecDotType: GgmlType.Q8_0, vecDot: vecDotQ5_0 }],
  [GgmlType.Q5_1, { dequantize: dequantizeRowQ5_1, quantize: quantizeRowQ5_1, vecDotType: GgmlType.Q8_1, vecDot: vecDotQ5_1 }],
  [GgmlType.Q8_1, { dequantize: dequantizeRowQ8_1, quantize: quantizeRowQ8_1, vecDotType: GgmlType.Q8_1, vecDot: undefined }],
  [GgmlType.Q4_K, { dequantize: dequantizeRowQ4_K, quantize: quantizeRowQ4_K, vecDotType: GgmlType.Q8_K, vecDot: vecDotQ4_K }],
  [GgmlType.Q5_K, { dequantize: dequantizeRowQ5_K, quantize: quantizeRowQ5_K, vecDotType: GgmlType.Q8_K, vecDot: vecDotQ5_K }],
  [GgmlType.Q6_K, { dequantize: dequantizeRowQ6_K, quantize: quantizeRowQ6_K, vecDotType: GgmlType.Q8_K, vecDot: vecDotQ6_K }],
  [GgmlType.Q8_K, { dequantize: dequantizeRowQ8_K, quantize: quantizeRowQ8_K, vecDotType: GgmlType.Q8_K, vecDot: undefined }],
]);

function kernelsFor(type: number): Kernels {
  return KERNELS.get(type) ?? fail('quant.type_unsupported', `no kernels for GGML type ${ggmlTypeTraits(type)?.name ?? type}`, { type });
}

function checkRow(type: number, n: number, bytes: number, offset: number, what: string): void {
  const traits = ggmlTypeTraits(type)!;
  if (!Number.isInteger(n) || n < 0 || n % traits.blockSize !== 0) {
    fail('quant.size_invalid', `a ${traits.name} row needs a multiple of ${traits.blockSize} elements, got ${n}`, { type, n });
  }
  const need = (n / traits.blockSize) * traits.typeSize;
  if (offset < 0 || offset + need > bytes) {
    fail('quant.size_invalid', `${what}: a ${traits.name} row of ${n} elements needs ${need} bytes at offset ${offset}, buffer has ${bytes}`, { type, n });
  }
}

/** out[outOffset..+n) = the n elements of a `type` row at src[srcOffset..] */
export function dequantizeRow(type: GgmlTypeId, src: Uint8Array, srcOffset: number, out: Float32Array, outOffset: number, n: number): void {
  const kernels = kernelsFor(type);
  checkRow(type, n, src.length, srcOffset, 'dequantizeRow source');
  if (outOffset < 0 || outOffset + n > out.length) fail('quant.size_invalid', `dequantizeRow: output too short for ${n} elements at ${outOffset}`);
  kernels.dequantize(src, srcOffset, out, outOffset, n);
}

/** writes src[srcOffset..+n) as a `type` row at out[outOffset..], with ggml's reference quantizer */
export function quantizeRow(type: GgmlTypeId, src: Float32Array, srcOffset: number, out: Uint8Array, outOffset: number, n: number): void {
  const kernels = kernelsFor(type);
  checkRow(type, n, out.length, outOffset, 'quantizeRow output');
  if (srcOffset < 0 || srcOffset + n > src.length) fail('quant.size_invalid', `quantizeRow: source too short for ${n} elements at ${srcOffset}`);
  kernels.quantize(src, srcOffset, out, outOffset, n);
}

/** the type activations are quantized to before a dot with `weightType` rows */
export function vecDotType(weightType: GgmlTypeId): GgmlTypeId {
  return kernelsFor(weightType).vecDotType;
}

/** bytes prepareActivations writes for n activations against `weightType` rows */
export function preparedBytes(weightType: GgmlTypeId, n: number): number {
  const type = vecDotType(weightType);
  const traits = ggmlTypeTraits(type)!;
  if (n % traits.blockSize !== 0) fail('quant.size_invalid', `${n} activations are not a whole number of ${traits.name} blocks (${traits.blockSize})`);
  return (n / traits.blockSize) * traits.typeSize;
}

/**
 * How activations are rounded into Q8_0 / Q8_1 (the vec-dot types whose
 * quantizer differs between llama.cpp builds):
 *   'ggml-x86-simd' — the AVX/AVX2 quantize_row_q8_0/_1 (127/amax, ties to even),
 *                     what llama.cpp's CPU backend runs on any AVX machine;
 *   'ggml-reference' — quantize_row_q8_0_ref/_1_ref (1/(amax/127), ties away from zero).
 * Q8_K, F16 and BF16 activations are the same in both.
 */
export type ActivationRounding = 'ggml-x86-simd' | 'ggml-reference';

/** quantize x[xOffset..+n) once into the vec-dot type of `weightType` at out[outOffset..] */
export function prepareActivations(
  weightType: GgmlTypeId, x: Float32Array, xOffset: number, n: number, out: Uint8Array, outOffset: number,
  rounding: ActivationRounding = 'ggml-x86-simd',
): void {
  const type = vecDotType(weightType);
  checkRow(type, n, out.length, outOffset, 'prepareActivations output');
  if (type === GgmlType.Q8_0 && rounding === 'ggml-x86-simd') quantizeRowQ8_0X86(x, xOffset, out, outOffset, n);
  else if (type === GgmlType.Q8_1 && rounding === 'ggml-x86-simd') quantizeRowQ8_1X86(x, xOffset, out, outOffset, n);
  else kernelsFor(type).quantize(x, xOffset, out, outOffset, n);
}

/** dot of one `weightType` row with activations made by prepareActivations */
export function vecDot(weightType: GgmlTypeId, row: Uint8Array, rowOffset: number, prepared: Uint8Array, preparedOffset: number, n: number): number {
  const kernels = kernelsFor(weightType);
  if (kernels.vecDot === undefined) fail('quant.type_unsupported', `${ggmlTypeTraits(weightType)!.name} is an activation type, not a weight type`);
  return kernels.vecDot(row, rowOffset, prepared, preparedOffset, n);
}

/** the unchecked dot kernel for a weight type, for matmul loops that validated sizes once */
export function vecDotKernel(weightType: GgmlTypeId): VecDot {
  const kernel = kernelsFor(weightType).vecDot;
  return kernel ?? fail('quant.type_unsupported', `${ggmlTypeTraits(weightType)!.name} is an activation type, not a weight type`);
}

let referenceScratch = new Float32Array(0);

/** slow twin of vecDot: dequantize the row to f32, then a plain f64-accumulated dot with x */
export function vecDotF32Reference(type: GgmlTypeId, row: Uint8Array, rowOffset: number, x: Float32Array, n: number): number {
  if (referenceScratch.length < n) referenceScratch = new Float32Array(n);
  dequantizeRow(type, row, rowOffset, referenceScratch, 0, n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += referenceScratch[i]! * x[i]!;
  return sum;
}
