/**
 * A parsed GGUF header: version, metadata with typed getters, and tensor
 * descriptions with absolute file offsets. Getters fail with errors that
 * name the key and the file ("model.gguf: metadata key qwen2.block_count is
 * missing"); numeric getters accept any stored numeric type whose value fits,
 * since converters differ in the integer width they write.
 */

import { fail } from '../../common/index.ts';
import type { GgmlTypeId } from '../tensor.ts';
import type { GgufArray, GgufValue } from './values.ts';

export interface GgufTensorInfo {
  readonly name: string;
  readonly type: GgmlTypeId;
  /** ggml order: shape[0] innermost */
  readonly shape: readonly number[];
  /** absolute byte offset of the data in the file */
  readonly offset: number;
  /** bytes of data */
  readonly byteLength: number;
  readonly elementCount: number;
}

const INTEGER_TYPES = new Set(['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'u64', 'i64']);

export class GgufFile {
  constructor(
    readonly fileName: string,
    readonly version: number,
    readonly metadata: ReadonlyMap<string, GgufValue>,
    readonly tensors: readonly GgufTensorInfo[],
    /** absolute offset of the data section */
    readonly dataOffset: number,
    readonly alignment: number,
    /** size of the file the header was read from [bytes] */
    readonly fileSize: number,
  ) {}

  has(key: string): boolean {
    return this.metadata.has(key);
  }

  get(key: string): GgufValue | undefined {
    return this.metadata.get(key);
  }

  tensor(name: string): GgufTensorInfo | undefined {
    return this.tensors.find((t) => t.name === name);
  }

  getString(key: string, fallback?: string): string {
    const value = this.lookup(key, fallback);
    if (value === undefined) return fallback!;
    if (value.type !== 'string') this.wrongType(key, value, 'a string');
    return value.value;
  }

  getBool(key: string, fallback?: boolean): boolean {
    const value = this.lookup(key, fallback);
    if (value === undefined) return fallback!;
    if (value.type !== 'bool') this.wrongType(key, value, 'a bool');
    return value.value;
  }

  /** any integer type with a value in 0..2^32−1 */
  getU32(key: string, fallback?: number): number {
    return this.integer(key, fallback, 0, 0xffffffff, 'a u32');
  }

  /** any integer type with a value in −2^31..2^31−1 */
  getI32(key: string, fallback?: number): number {
    return this.integer(key, fallback, -0x80000000, 0x7fffffff, 'an i32');
  }

  /** any integer type with a value that is a safe JS integer */
  getInteger(key: string, fallback?: number): number {
    return this.integer(key, fallback, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'an integer');
  }

  /** f32 or f64 (or an integer) as a number */
  getF32(key: string, fallback?: number): number {
    const value = this.lookup(key, fallback);
    if (value === undefined) return fallback!;
    if (value.type === 'f32' || value.type === 'f64') return value.value;
    if (INTEGER_TYPES.has(value.type)) return Number(value.value);
    return this.wrongType(key, value, 'a float');
  }

  getArray(key: string): GgufArray {
    const value = this.lookup(key, undefined);
    if (value === undefined || value.type !== 'array') return this.wrongType(key, value!, 'an array');
    return value;
  }

  getStringArray(key: string): readonly string[] {
    const array = this.getArray(key);
    if (array.itemType !== 'string') this.wrongType(key, array, 'an array of strings');
    return array.value as readonly string[];
  }

  /** an array of any numeric item type, as numbers (64-bit items must be safe integers) */
  getNumberArray(key: string): readonly number[] {
    const array = this.getArray(key);
    if (array.itemType === 'string' || array.itemType === 'array' || array.itemType === 'bool') this.wrongType(key, array, 'an array of numbers');
    if (array.itemType === 'u64' || array.itemType === 'i64') {
      return (array.value as readonly bigint[]).map((v) => {
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) fail('gguf.key_type', `${this.fileName}: metadata key ${key} holds ${v}, too large`);
        return Number(v);
      });
    }
    return array.value as readonly number[];
  }

  private lookup(key: string, fallback: unknown): GgufValue | undefined {
    const value = this.metadata.get(key);
    if (value === undefined && fallback === undefined) fail('gguf.key_missing', `${this.fileName}: metadata key ${key} is missing`, { key });
    return value;
  }

  private integer(key: string, fallback: number | undefined, min: number, max: number, expected: string): number {
    const value = this.lookup(key, fallback);
    if (value === undefined) return fallback!;
    if (!INTEGER_TYPES.has(value.type)) this.wrongType(key, value, expected);
    const n = Number(value.value);
    if (n < min || n > max) fail('gguf.key_type', `${this.fileName}: metadata key ${key} is ${value.value}, out of range for ${expected}`, { key });
    return n;
  }

  private wrongType(key: string, value: GgufValue | undefined, expected: string): never {
    const actual = value === undefined ? 'missing' : value.type === 'array' ? `an array of ${value.itemType}` : `a ${value.type}`;
    return fail('gguf.key_type', `${this.fileName}: metadata key ${key} is ${actual}, expected ${expected}`, { key });
  }
}
