/**
 * Tensors as the LLM engine stores them: GGML element types, their block
 * layouts, and the `Tensor` record every loader produces and every kernel
 * consumes.
 *
 * Shapes follow GGUF/ggml: `shape[0]` is the innermost (contiguous)
 * dimension. A weight matrix for y = W·x with x of length nIn and y of
 * length nOut has shape [nIn, nOut] and is stored as nOut contiguous rows of
 * nIn elements (each row a whole number of blocks).
 *
 * Type ids are ggml's (ggml.h `enum ggml_type`); block sizes and byte sizes
 * are from the GGUF specification and ggml-common.h:
 *   F32   1 elem / 4 bytes        F16  1 / 2        BF16 1 / 2
 *   Q4_0  32 / 18  (f16 d, 16 B of 4-bit quants)
 *   Q8_0  32 / 34  (f16 d, 32 × int8)
 *   Q5_0  32 / 22  (f16 d, u32 high bits, 16 B of 4-bit quants)
 *   Q5_1  32 / 24  (f16 d, f16 m, u32 high bits, 16 B of 4-bit quants)
 *   Q8_1  32 / 36  (f16 d, f16 s = d·Σq, 32 × int8) — activations only
 *   (q4_k_m files use Q5_0 / Q5_1 / Q8_0 instead of Q4_K / Q5_K / Q6_K for
 *   tensors whose rows are not a multiple of 256, e.g. Qwen2-0.5B's 896)
 *   Q4_K  256 / 144 (f16 d, f16 dmin, 12 B 6-bit scales/mins, 128 B quants)
 *   Q5_K  256 / 176 (f16 d, f16 dmin, 12 B scales, 32 B high bits, 128 B quants)
 *   Q6_K  256 / 210 (128 B low 4 bits, 64 B high 2 bits, 16 × int8 scales, f16 d)
 *   Q8_K  256 / 292 (f32 d, 256 × int8, 16 × int16 block sums) — activations only
 */

import { fail } from '../common/index.ts';

export const GgmlType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q5_0: 6,
  Q5_1: 7,
  Q8_0: 8,
  Q8_1: 9,
  Q4_K: 12,
  Q5_K: 13,
  Q6_K: 14,
  Q8_K: 15,
  BF16: 30,
} as const;

export type GgmlTypeName = keyof typeof GgmlType;
export type GgmlTypeId = (typeof GgmlType)[GgmlTypeName];

export interface GgmlTypeTraits {
  readonly id: GgmlTypeId;
  readonly name: GgmlTypeName;
  /** elements per block */
  readonly blockSize: number;
  /** bytes per block */
  readonly typeSize: number;
}

const TRAITS: readonly GgmlTypeTraits[] = [
  { id: GgmlType.F32, name: 'F32', blockSize: 1, typeSize: 4 },
  { id: GgmlType.F16, name: 'F16', blockSize: 1, typeSize: 2 },
  { id: GgmlType.BF16, name: 'BF16', blockSize: 1, typeSize: 2 },
  { id: GgmlType.Q4_0, name: 'Q4_0', blockSize: 32, typeSize: 18 },
  { id: GgmlType.Q8_0, name: 'Q8_0', blockSize: 32, typeSize: 34 },
  { id: GgmlType.Q5_0, name: 'Q5_0', blockSize: 32, typeSize: 22 },
  { id: GgmlType.Q5_1, name: 'Q5_1', blockSize: 32, typeSize: 24 },
  { id: GgmlType.Q8_1, name: 'Q8_1', blockSize: 32, typeSize: 36 },
  { id: GgmlType.Q4_K, name: 'Q4_K', blockSize: 256, typeSize: 144 },
  { id: GgmlType.Q5_K, name: 'Q5_K', blockSize: 256, typeSize: 176 },
  { id: GgmlType.Q6_K, name: 'Q6_K', blockSize: 256, typeSize: 210 },
  { id: GgmlType.Q8_K, name: 'Q8_K', blockSize: 256, typeSize: 292 },
];

const BY_ID = new Map<number, GgmlTypeTraits>(TRAITS.map((t) => [t.id, t]));
const BY_NAME = new Map<string, GgmlTypeTraits>(TRAITS.map((t) => [t.name, t]));

/** traits of a supported type id, or undefined (callers turn that into their own typed error) */
export function ggmlTypeTraits(id: number): GgmlTypeTraits | undefined {
  return BY_ID.get(id);
}

/** traits by name, case-insensitive ("q8_0", "Q4_K"); fails arg.invalid */
export function ggmlTypeByName(name: string): GgmlTypeTraits {
  return BY_NAME.get(name.toUpperCase()) ?? fail('arg.invalid', `unknown tensor type "${name}" (known: ${TRAITS.map((t) => t.name.toLowerCase()).join(', ')})`);
}

/** bytes of one row of `n` elements; fails if n is not a whole number of blocks */
export function rowBytes(type: GgmlTypeId, n: number): number {
  const t = BY_ID.get(type)!;
  if (n % t.blockSize !== 0) fail('arg.invalid', `a ${t.name} row needs a multiple of ${t.blockSize} elements, got ${n}`);
  return (n / t.blockSize) * t.typeSize;
}

/** a tensor's data as one contiguous byte range (in the kernel arena once loaded) */
export interface Tensor {
  readonly name: string;
  readonly type: GgmlTypeId;
  /** ggml order: shape[0] innermost */
  readonly shape: readonly number[];
  /** raw bytes in the type's block layout, rows back to back */
  readonly data: Uint8Array;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
