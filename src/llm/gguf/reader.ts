/**
 * GGUF reader (versions 2 and 3, little-endian), following the GGUF
 * specification (ggml docs/gguf.md):
 *
 *   u32 magic "GGUF" · u32 version · u64 tensor count · u64 metadata count
 *   metadata:     { string key, u32 value type, value }*
 *   tensor infos: { string name, u32 n_dims (1..4), u64 dims[n_dims]
 *                   (dims[0] innermost), u32 ggml type, u64 offset }*
 *   padding to `general.alignment` (u32, default 32)
 *   data section: tensor data at info.offset (relative, aligned)
 *
 * Every count and length is checked against the bytes that remain before it
 * is used, so a damaged file fails with a typed error, never hangs or
 * allocates without bound. Only the header is read: tensor data stays in
 * the file, described by absolute offsets.
 */

import { fail } from '../../common/index.ts';
import { ggmlTypeTraits, type GgmlTypeId, type Tensor } from '../tensor.ts';
import { ByteCursor, readFromBytes, type ReadAt } from './source.ts';
import { fixedSize, GGUF_VALUE_TYPES, minimumSize, utf8Length, type GgufArray, type GgufItem, type GgufValue, type GgufValueTypeName } from './values.ts';
import { GgufFile, type GgufTensorInfo } from './file.ts';
import { readStringArray } from './string-arrays.ts';

/** "GGUF" read as a little-endian u32 */
export const GGUF_MAGIC = 0x46554747;
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** ggml GGML_MAX_DIMS */
export const GGUF_MAX_DIMS = 4;
/** ggml GGML_MAX_NAME − 1 (names are stored with a NUL in ggml) */
export const GGUF_MAX_TENSOR_NAME = 63;
/** deepest array nesting we accept (real files use 1) */
const MAX_ARRAY_DEPTH = 8;
/** longest single string we accept (chat templates are kilobytes) */
const MAX_STRING_BYTES = 64 << 20;

/** names of ggml types we do not compute with, for error messages */
const OTHER_GGML_TYPES: Readonly<Record<number, string>> = {
  3: 'Q4_1', 10: 'Q2_K', 11: 'Q3_K', 16: 'IQ2_XXS', 17: 'IQ2_XS', 18: 'IQ3_XXS',
  19: 'IQ1_S', 20: 'IQ4_NL', 21: 'IQ3_S', 22: 'IQ2_S', 23: 'IQ4_XS', 24: 'I8', 25: 'I16', 26: 'I32', 27: 'I64',
  28: 'F64', 29: 'IQ1_M', 34: 'TQ1_0', 35: 'TQ2_0', 39: 'MXFP4',
};

/** Read and validate a GGUF header; `read` fetches bytes of the file on demand. */
export function readGgufHeader(read: ReadAt, fileSize: number, fileName: string): GgufFile {
  const cursor = new ByteCursor(read, fileSize, fileName, 'gguf.truncated');
  if (fileSize < 4) fail('gguf.truncated', `${fileName}: ${fileSize} bytes is too short for a GGUF file`);
  const magic = cursor.u32('the magic');
  if (magic !== GGUF_MAGIC) {
    fail('gguf.bad_magic', `${fileName}: not a GGUF file (starts with 0x${magic.toString(16).padStart(8, '0')}, expected "GGUF")`, { magic });
  }
  const version = cursor.u32('the version');
  if (version !== 2 && version !== 3) {
    const swapped = ((version & 0xff) << 24) | ((version & 0xff00) << 8) | ((version >>> 8) & 0xff00) | (version >>> 24);
    const why = swapped === 2 || swapped === 3 ? ' (a big-endian GGUF; only little-endian files are supported)' : '';
    fail('gguf.version_unsupported', `${fileName}: GGUF version ${version}${why} is not supported (2 and 3 are)`, { version });
  }
  const tensorCount = cursor.u64('the tensor count', 'gguf.malformed');
  const metadataCount = cursor.u64('the metadata count', 'gguf.malformed');
  // each metadata entry takes ≥ 8 (key length) + 4 (type) + 1 bytes; each tensor info ≥ 8 + 4 + 8 + 4 + 8
  // (a count beyond the file size is damage; a smaller one that does not fit means the file was cut short)
  if (metadataCount * 13 > cursor.remaining) {
    fail(metadataCount > fileSize ? 'gguf.malformed' : 'gguf.truncated', `${fileName}: metadata count ${metadataCount} cannot fit in the ${cursor.remaining} bytes left`);
  }
  if (tensorCount * 32 > cursor.remaining) {
    fail(tensorCount > fileSize ? 'gguf.malformed' : 'gguf.truncated', `${fileName}: tensor count ${tensorCount} cannot fit in the ${cursor.remaining} bytes left`);
  }

  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < metadataCount; i++) {
    const key = readString(cursor, `metadata key ${i}`);
    if (metadata.has(key)) fail('gguf.malformed', `${fileName}: metadata key "${key}" appears twice`, { key });
    const type = readValueType(cursor, `the type of metadata key "${key}"`);
    metadata.set(key, readValue(cursor, type, key, 0));
  }

  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const alignmentValue = metadata.get('general.alignment');
  if (alignmentValue !== undefined) {
    if (alignmentValue.type !== 'u32') fail('gguf.malformed', `${fileName}: general.alignment is a ${alignmentValue.type}, expected u32`);
    alignment = alignmentValue.value as number;
    if (alignment === 0 || (alignment & (alignment - 1)) !== 0) fail('gguf.malformed', `${fileName}: general.alignment ${alignment} is not a power of two`);
  }

  const infos: { name: string; type: GgmlTypeId; shape: number[]; relativeOffset: number; byteLength: number; elementCount: number }[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const name = readString(cursor, `the name of tensor ${i}`);
    if (utf8Length(name) > GGUF_MAX_TENSOR_NAME) fail('gguf.tensor_invalid', `${fileName}: tensor name "${name.slice(0, 80)}" is longer than ${GGUF_MAX_TENSOR_NAME} bytes`);
    if (names.has(name)) fail('gguf.tensor_invalid', `${fileName}: tensor ${name} appears twice`, { tensor: name });
    names.add(name);
    const dimCount = cursor.u32(`the dimension count of tensor ${name}`);
    if (dimCount < 1 || dimCount > GGUF_MAX_DIMS) fail('gguf.tensor_invalid', `${fileName}: tensor ${name} has ${dimCount} dimensions (1 to ${GGUF_MAX_DIMS} allowed)`, { tensor: name });
    const shape: number[] = [];
    let elementCount = 1;
    for (let d = 0; d < dimCount; d++) {
      const dim = cursor.u64Big(`dimension ${d} of tensor ${name}`);
      if (dim === 0n) fail('gguf.tensor_invalid', `${fileName}: tensor ${name} has a zero-length dimension ${d}`, { tensor: name });
      if (dim > BigInt(Number.MAX_SAFE_INTEGER) || elementCount * Number(dim) > Number.MAX_SAFE_INTEGER) {
        fail('gguf.tensor_invalid', `${fileName}: tensor ${name} has too many elements (dimension ${d} is ${dim})`, { tensor: name });
      }
      shape.push(Number(dim));
      elementCount *= Number(dim);
    }
    const typeId = cursor.u32(`the type of tensor ${name}`);
    const traits = ggmlTypeTraits(typeId);
    if (traits === undefined) {
      const known = OTHER_GGML_TYPES[typeId];
      fail('gguf.tensor_type_unknown', `${fileName}: tensor ${name} has type ${known ?? `id ${typeId}`}, which this engine does not support`, { tensor: name, type: typeId });
    }
    if (shape[0]! % traits.blockSize !== 0) {
      fail('gguf.tensor_invalid', `${fileName}: tensor ${name} rows have ${shape[0]} elements, not a multiple of the ${traits.name} block size ${traits.blockSize}`, { tensor: name });
    }
    const relativeOffset = cursor.u64(`the data offset of tensor ${name}`, 'gguf.malformed');
    if (relativeOffset % alignment !== 0) fail('gguf.tensor_invalid', `${fileName}: tensor ${name} data offset ${relativeOffset} is not a multiple of the alignment ${alignment}`, { tensor: name });
    const byteLength = (elementCount / traits.blockSize) * traits.typeSize;
    infos.push({ name, type: traits.id, shape, relativeOffset, byteLength, elementCount });
  }

  const dataOffset = Math.ceil(cursor.position / alignment) * alignment;
  const tensors: GgufTensorInfo[] = infos.map((info) => {
    const offset = dataOffset + info.relativeOffset;
    if (offset + info.byteLength > fileSize) {
      fail('gguf.tensor_out_of_bounds', `${fileName}: tensor ${info.name} runs past the end of the file at offset ${offset} (needs ${info.byteLength} bytes, the file has ${fileSize})`, { tensor: info.name, offset });
    }
    return { name: info.name, type: info.type, shape: info.shape, offset, byteLength: info.byteLength, elementCount: info.elementCount };
  });
  const byOffset = [...tensors].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const previous = byOffset[i - 1]!;
    if (previous.offset + previous.byteLength > byOffset[i]!.offset) {
      fail('gguf.tensor_invalid', `${fileName}: tensors ${previous.name} and ${byOffset[i]!.name} overlap at offset ${byOffset[i]!.offset}`, { tensor: byOffset[i]!.name });
    }
  }
  return new GgufFile(fileName, version, metadata, tensors, dataOffset, alignment, fileSize);
}

/** readGgufHeader over a whole file in memory */
export function readGguf(bytes: Uint8Array, fileName: string): GgufFile {
  return readGgufHeader(readFromBytes(bytes), bytes.length, fileName);
}

/** a tensor of a GGUF file whose bytes are in memory (a view, no copy) */
export function ggufTensor(info: GgufTensorInfo, fileBytes: Uint8Array): Tensor {
  return { name: info.name, type: info.type, shape: info.shape, data: fileBytes.subarray(info.offset, info.offset + info.byteLength) };
}

// ── values ──────────────────────────────────────────────────────────────────

function readString(cursor: ByteCursor, what: string): string {
  const length = cursor.u64(`the length of ${what}`, 'gguf.malformed');
  if (length > cursor.remaining) {
    fail('gguf.truncated', `${cursor.fileName}: ${what} claims ${length} bytes at offset ${cursor.position}, only ${cursor.remaining} remain`, { offset: cursor.position });
  }
  if (length > MAX_STRING_BYTES) fail('gguf.malformed', `${cursor.fileName}: ${what} is ${length} bytes long (limit ${MAX_STRING_BYTES})`);
  return cursor.utf8(length, what);
}

function readValueType(cursor: ByteCursor, what: string): GgufValueTypeName {
  const id = cursor.u32(what);
  const type = GGUF_VALUE_TYPES[id];
  if (type === undefined) fail('gguf.malformed', `${cursor.fileName}: ${what} is unknown value type ${id} at offset ${cursor.position - 4}`, { type: id });
  return type;
}

function readItem(cursor: ByteCursor, type: GgufValueTypeName, key: string, depth: number): GgufItem {
  const what = `the value of "${key}"`;
  switch (type) {
    case 'u8': return cursor.u8(what);
    case 'i8': return (cursor.u8(what) << 24) >> 24;
    case 'bool': {
      const byte = cursor.u8(what);
      if (byte > 1) fail('gguf.malformed', `${cursor.fileName}: "${key}" holds a bool of ${byte}`);
      return byte === 1;
    }
    case 'u16': return cursor.u16(what);
    case 'i16': return (cursor.u16(what) << 16) >> 16;
    case 'u32': return cursor.u32(what);
    case 'i32': return cursor.u32(what) | 0;
    case 'f32': {
      const b = cursor.take(4, what);
      return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
    }
    case 'u64': return cursor.u64Big(what);
    case 'i64': return BigInt.asIntN(64, cursor.u64Big(what));
    case 'f64': {
      const b = cursor.take(8, what);
      return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
    }
    case 'string': return readString(cursor, what);
    case 'array': return readArray(cursor, key, depth + 1);
  }
}

function readArray(cursor: ByteCursor, key: string, depth: number): GgufArray {
  if (depth > MAX_ARRAY_DEPTH) fail('gguf.malformed', `${cursor.fileName}: "${key}" nests arrays deeper than ${MAX_ARRAY_DEPTH}`);
  const itemType = readValueType(cursor, `the item type of "${key}"`);
  const count = cursor.u64(`the length of "${key}"`, 'gguf.malformed');
  if (count * minimumSize(itemType) > cursor.remaining) {
    fail('gguf.truncated', `${cursor.fileName}: array "${key}" claims ${count} ${itemType} items at offset ${cursor.position}, more than the ${cursor.remaining} bytes left`, { offset: cursor.position });
  }
  if (itemType === 'string') return readStringArray(cursor, count, key, MAX_STRING_BYTES);
  const size = fixedSize(itemType);
  if (size !== undefined && size <= 4 && itemType !== 'bool') return { type: 'array', itemType, value: readNumberArray(cursor, itemType, count, key) };
  const items: GgufItem[] = new Array<GgufItem>(count);
  for (let i = 0; i < count; i++) items[i] = readItem(cursor, itemType, key, depth);
  return { type: 'array', itemType, value: items };
}

/** an array of 1-, 2- or 4-byte numbers, read in one piece */
function readNumberArray(cursor: ByteCursor, itemType: GgufValueTypeName, count: number, key: string): number[] {
  const bytes = cursor.take(count * fixedSize(itemType)!, `the items of "${key}"`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = new Array<number>(count);
  switch (itemType) {
    case 'u8': for (let i = 0; i < count; i++) out[i] = bytes[i]!; break;
    case 'i8': for (let i = 0; i < count; i++) out[i] = view.getInt8(i); break;
    case 'u16': for (let i = 0; i < count; i++) out[i] = view.getUint16(2 * i, true); break;
    case 'i16': for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, true); break;
    case 'u32': for (let i = 0; i < count; i++) out[i] = view.getUint32(4 * i, true); break;
    case 'i32': for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true); break;
    case 'f32': for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true); break;
    default: throw new Error(`readNumberArray: ${itemType} is not a 1-, 2- or 4-byte number type`);
  }
  return out;
}

function readValue(cursor: ByteCursor, type: GgufValueTypeName, key: string, depth: number): GgufValue {
  if (type === 'array') return readArray(cursor, key, depth + 1);
  return { type, value: readItem(cursor, type, key, depth) } as GgufValue;
}
