/**
 * GGUF v3 writer, laid out the way llama.cpp's gguf loader requires: tensor
 * data in info order, each tensor starting at the next multiple of the
 * alignment (offsets relative to the data section), zero padding between.
 *
 * Two shapes: `writeGguf` builds a whole file in memory; for multi-GB files,
 * `encodeGgufHeader` returns the header (padded to the data section) and the
 * layout, and the caller streams each tensor's bytes followed by
 * `ggufPadding(byteLength, alignment)` zero bytes.
 */

import { fail } from '../../common/index.ts';
import { ggmlTypeTraits, type GgmlTypeId } from '../tensor.ts';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_MAX_DIMS, GGUF_MAX_TENSOR_NAME } from './reader.ts';
import { encodeItem, fixedSize, GGUF_VALUE_TYPES, itemEncodingLength, utf8Length, writeU64, type GgufItem, type GgufValue, type GgufValueTypeName } from './values.ts';

export interface GgufTensorLayout {
  readonly name: string;
  readonly type: GgmlTypeId;
  /** ggml order: shape[0] innermost */
  readonly shape: readonly number[];
}

export interface GgufTensorToWrite extends GgufTensorLayout {
  readonly data: Uint8Array;
}

export type GgufMetadataInput = ReadonlyMap<string, GgufValue> | Readonly<Record<string, GgufValue>>;

export interface GgufHeaderEncoding {
  /** magic … tensor infos, zero-padded to the start of the data section */
  readonly header: Uint8Array;
  readonly alignment: number;
  /** per tensor, its data offset relative to the data section */
  readonly relativeOffsets: readonly number[];
  /** per tensor, its data size [bytes] */
  readonly byteLengths: readonly number[];
  /** bytes of the data section including padding after each tensor */
  readonly dataSize: number;
}

/** zero bytes after a tensor of `byteLength` so the next one is aligned */
export function ggufPadding(byteLength: number, alignment: number): number {
  return (alignment - (byteLength % alignment)) % alignment;
}

export function encodeGgufHeader(metadataInput: GgufMetadataInput, tensors: readonly GgufTensorLayout[], alignmentOption?: number): GgufHeaderEncoding {
  const metadata = new Map(metadataInput instanceof Map ? metadataInput : Object.entries(metadataInput));
  let alignment = alignmentOption ?? GGUF_DEFAULT_ALIGNMENT;
  const alignmentValue = metadata.get('general.alignment');
  if (alignmentValue !== undefined) {
    if (alignmentValue.type !== 'u32') fail('arg.invalid', `general.alignment must be a u32, got ${alignmentValue.type}`);
    if (alignmentOption !== undefined && alignmentOption !== alignmentValue.value) fail('arg.invalid', `alignment ${alignmentOption} disagrees with general.alignment ${alignmentValue.value}`);
    alignment = alignmentValue.value as number;
  } else if (alignment !== GGUF_DEFAULT_ALIGNMENT) {
    metadata.set('general.alignment', { type: 'u32', value: alignment });
  }
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) fail('arg.invalid', `GGUF alignment ${alignment} is not a power of two`);

  let size = 4 + 4 + 8 + 8;
  for (const [key, value] of metadata) {
    checkItem(value.type, value.type === 'array' ? value : value.value, key);
    size += 8 + utf8Length(key) + 4 + itemEncodingLength(value.type, value.type === 'array' ? value : value.value);
  }
  const names = new Set<string>();
  const relativeOffsets: number[] = [];
  const byteLengths: number[] = [];
  let dataSize = 0;
  for (const tensor of tensors) {
    const byteLength = checkTensor(tensor, names);
    size += 8 + utf8Length(tensor.name) + 4 + 8 * tensor.shape.length + 4 + 8;
    relativeOffsets.push(dataSize);
    byteLengths.push(byteLength);
    dataSize += byteLength + ggufPadding(byteLength, alignment);
  }
  const headerSize = size + ggufPadding(size, alignment);

  const header = new Uint8Array(headerSize);
  const view = new DataView(header.buffer);
  view.setUint32(0, GGUF_MAGIC, true);
  view.setUint32(4, 3, true);
  writeU64(view, 8, tensors.length);
  writeU64(view, 16, metadata.size);
  let at = 24;
  for (const [key, value] of metadata) {
    at = encodeItem('string', key, header, view, at);
    view.setUint32(at, GGUF_VALUE_TYPES.indexOf(value.type), true);
    at = encodeItem(value.type, value.type === 'array' ? value : value.value, header, view, at + 4);
  }
  tensors.forEach((tensor, i) => {
    at = encodeItem('string', tensor.name, header, view, at);
    view.setUint32(at, tensor.shape.length, true);
    at += 4;
    for (const dim of tensor.shape) {
      writeU64(view, at, dim);
      at += 8;
    }
    view.setUint32(at, tensor.type, true);
    writeU64(view, at + 4, relativeOffsets[i]!);
    at += 12;
  });
  if (at !== size) throw new Error(`gguf writer: header size ${at} != computed ${size}`);
  return { header, alignment, relativeOffsets, byteLengths, dataSize };
}

/** a complete GGUF v3 file in memory */
export function writeGguf(file: { metadata: GgufMetadataInput; tensors: readonly GgufTensorToWrite[]; alignment?: number }): Uint8Array {
  const encoding = encodeGgufHeader(file.metadata, file.tensors, file.alignment);
  const out = new Uint8Array(encoding.header.length + encoding.dataSize);
  out.set(encoding.header, 0);
  file.tensors.forEach((tensor, i) => {
    if (tensor.data.length !== encoding.byteLengths[i]) {
      fail('arg.invalid', `tensor ${tensor.name} has ${tensor.data.length} bytes of data, its shape and type need ${encoding.byteLengths[i]}`);
    }
    out.set(tensor.data, encoding.header.length + encoding.relativeOffsets[i]!);
  });
  return out;
}

// ── validation of what we are asked to write ────────────────────────────────

const INTEGER_RANGES: Partial<Record<GgufValueTypeName, readonly [number, number]>> = {
  u8: [0, 0xff], i8: [-0x80, 0x7f], u16: [0, 0xffff], i16: [-0x8000, 0x7fff], u32: [0, 0xffffffff], i32: [-0x80000000, 0x7fffffff],
};

function checkItem(type: GgufValueTypeName, item: GgufItem, key: string): void {
  const range = INTEGER_RANGES[type];
  const bad = (expected: string): never => fail('arg.invalid', `metadata ${key}: ${String(item)} is not ${expected}`);
  if (range !== undefined) {
    if (typeof item !== 'number' || !Number.isInteger(item) || item < range[0] || item > range[1]) bad(`a ${type}`);
  } else if (type === 'f32' || type === 'f64') {
    if (typeof item !== 'number') bad('a number');
  } else if (type === 'u64' || type === 'i64') {
    if (typeof item !== 'bigint') bad('a bigint');
    const n = item as bigint;
    if (type === 'u64' ? BigInt.asUintN(64, n) !== n : BigInt.asIntN(64, n) !== n) bad(`a ${type}`);
  } else if (type === 'bool') {
    if (typeof item !== 'boolean') bad('a boolean');
  } else if (type === 'string') {
    if (typeof item !== 'string') bad('a string');
  } else {
    const array = item as GgufArray;
    if (typeof array !== 'object' || array.type !== 'array' || !Array.isArray(array.value)) bad('an array');
    if (fixedSize(array.itemType) !== undefined || array.itemType === 'string' || array.itemType === 'array') {
      for (const element of array.value) checkItem(array.itemType, element, key);
    } else bad('an array of a known type');
  }
}

type GgufArray = Extract<GgufItem, { type: 'array' }>;

function checkTensor(tensor: GgufTensorLayout, names: Set<string>): number {
  const traits = ggmlTypeTraits(tensor.type) ?? fail('arg.invalid', `tensor ${tensor.name}: unknown type ${tensor.type}`);
  if (utf8Length(tensor.name) > GGUF_MAX_TENSOR_NAME) fail('arg.invalid', `tensor name ${tensor.name} is longer than ${GGUF_MAX_TENSOR_NAME} bytes`);
  if (names.has(tensor.name)) fail('arg.invalid', `tensor ${tensor.name} is listed twice`);
  names.add(tensor.name);
  if (tensor.shape.length < 1 || tensor.shape.length > GGUF_MAX_DIMS) fail('arg.invalid', `tensor ${tensor.name} has ${tensor.shape.length} dimensions (1 to ${GGUF_MAX_DIMS})`);
  let count = 1;
  for (const dim of tensor.shape) {
    if (!Number.isSafeInteger(dim) || dim < 1) fail('arg.invalid', `tensor ${tensor.name} has dimension ${dim}`);
    count *= dim;
  }
  if (tensor.shape[0]! % traits.blockSize !== 0) fail('arg.invalid', `tensor ${tensor.name}: rows of ${tensor.shape[0]} are not whole ${traits.name} blocks of ${traits.blockSize}`);
  return (count / traits.blockSize) * traits.typeSize;
}
