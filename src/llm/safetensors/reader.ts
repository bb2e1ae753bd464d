/**
 * safetensors reader (huggingface/safetensors format):
 *
 *   u64 N (little-endian) · N bytes of UTF-8 JSON header · data
 *   header: { "__metadata__"?: { string: string },
 *             "<name>": { "dtype": "F32", "shape": [d0, d1, …],
 *                         "data_offsets": [begin, end] } … }
 *   offsets are relative to the first byte after the header.
 *
 * Shapes are kept exactly as stored: row-major PyTorch order, outermost
 * first ([out, in] for a Linear weight) — the reverse of ggml order; use
 * `safetensorsToTensor` for a ggml-order `Tensor`. Only F32, F16 and BF16
 * tensors are accepted; other dtypes fail by name.
 */

import { fail } from '../../common/index.ts';
import { GgmlType, type GgmlTypeId, type Tensor } from '../tensor.ts';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

export const SAFETENSORS_DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = { F32: 4, F16: 2, BF16: 2 };
const DTYPE_GGML: Readonly<Record<SafetensorsDtype, GgmlTypeId>> = { F32: GgmlType.F32, F16: GgmlType.F16, BF16: GgmlType.BF16 };
/** dtypes the format defines that we do not load */
const OTHER_DTYPES = new Set(['F64', 'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'BOOL', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4', 'C64']);

/** the safetensors library's limit on the JSON header [bytes] */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

export interface SafetensorsTensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  /** row-major, outermost first (as stored) */
  readonly shape: readonly number[];
  /** absolute byte offset of the data in the file */
  readonly offset: number;
  readonly byteLength: number;
}

export interface SafetensorsFile {
  readonly fileName: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly tensors: readonly SafetensorsTensorInfo[];
  /** absolute offset of the data section (8 + header length) */
  readonly dataOffset: number;
  readonly fileSize: number;
}

export type ReadAt = (offset: number, length: number) => Uint8Array;

/** Read and validate a safetensors header; `read` fetches bytes on demand (two reads). */
export function readSafetensorsHeader(read: ReadAt, fileSize: number, fileName: string): SafetensorsFile {
  if (fileSize < 8) fail('safetensors.truncated', `${fileName}: ${fileSize} bytes is too short for a safetensors file`);
  const prefix = read(0, 8);
  if (prefix.length < 8) fail('safetensors.truncated', `${fileName}: could not read the header length`);
  const rawLength = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (rawLength > BigInt(SAFETENSORS_MAX_HEADER)) {
    fail('safetensors.malformed', `${fileName}: header length ${rawLength} exceeds the ${SAFETENSORS_MAX_HEADER}-byte limit (not a safetensors file?)`);
  }
  const headerLength = Number(rawLength);
  if (8 + headerLength > fileSize) fail('safetensors.truncated', `${fileName}: the ${headerLength}-byte header runs past the end of the ${fileSize}-byte file`);
  const headerBytes = read(8, headerLength);
  if (headerBytes.length < headerLength) fail('safetensors.truncated', `${fileName}: could read only ${headerBytes.length} of ${headerLength} header bytes`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    fail('safetensors.malformed', `${fileName}: the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('safetensors.malformed', `${fileName}: the header is not a JSON object`);

  const dataOffset = 8 + headerLength;
  const dataSize = fileSize - dataOffset;
  const metadata: Record<string, string> = {};
  const tensors: SafetensorsTensorInfo[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail('safetensors.malformed', `${fileName}: __metadata__ is not an object`);
      for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof value !== 'string') fail('safetensors.malformed', `${fileName}: __metadata__.${key} is not a string`);
        metadata[key] = value;
      }
      continue;
    }
    tensors.push(parseEntry(fileName, name, entry, dataOffset, dataSize));
  }
  const byOffset = tensors.filter((t) => t.byteLength > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const previous = byOffset[i - 1]!;
    if (previous.offset + previous.byteLength > byOffset[i]!.offset) {
      fail('safetensors.tensor_invalid', `${fileName}: tensors ${previous.name} and ${byOffset[i]!.name} overlap`, { tensor: byOffset[i]!.name });
    }
  }
  return { fileName, metadata, tensors, dataOffset, fileSize };
}

export function readSafetensors(bytes: Uint8Array, fileName: string): SafetensorsFile {
  return readSafetensorsHeader((offset, length) => bytes.subarray(offset, offset + length), bytes.length, fileName);
}

function parseEntry(fileName: string, name: string, entry: unknown, dataOffset: number, dataSize: number): SafetensorsTensorInfo {
  const bad = (why: string): never => fail('safetensors.tensor_invalid', `${fileName}: tensor ${name} ${why}`, { tensor: name });
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return bad('is not an object');
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (typeof dtype !== 'string') return bad('has no dtype');
  if (!(dtype in SAFETENSORS_DTYPE_BYTES)) {
    fail('safetensors.dtype_unsupported', `${fileName}: tensor ${name} has dtype ${dtype}${OTHER_DTYPES.has(dtype) ? '' : ' (unknown)'}; only F32, F16 and BF16 are supported`, { tensor: name, dtype });
  }
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) return bad('has a shape that is not a list of non-negative integers');
  let count = 1;
  for (const d of shape as number[]) {
    count *= d;
    if (!Number.isSafeInteger(count)) return bad('has too many elements');
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isSafeInteger(o) || (o as number) < 0)) return bad('has data_offsets that are not [begin, end]');
  const [begin, end] = offsets as [number, number];
  if (begin > end) return bad(`has data_offsets [${begin}, ${end}] in the wrong order`);
  if (end > dataSize) {
    fail('safetensors.truncated', `${fileName}: tensor ${name} runs past the end of the file (data ends at ${dataOffset + end}, the file has ${dataOffset + dataSize} bytes)`, { tensor: name });
  }
  const byteLength = count * SAFETENSORS_DTYPE_BYTES[dtype as SafetensorsDtype];
  if (end - begin !== byteLength) return bad(`has ${end - begin} bytes of data, its shape [${(shape as number[]).join(', ')}] × ${dtype} needs ${byteLength}`);
  return { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], offset: dataOffset + begin, byteLength };
}

/** the tensor's bytes, as a view into the file */
export function safetensorsData(info: SafetensorsTensorInfo, fileBytes: Uint8Array): Uint8Array {
  return fileBytes.subarray(info.offset, info.offset + info.byteLength);
}

/** a ggml-order Tensor over the data (shape reversed: [in, out] for a Linear weight) */
export function safetensorsToTensor(info: Pick<SafetensorsTensorInfo, 'name' | 'dtype' | 'shape'>, data: Uint8Array): Tensor {
  const shape = info.shape.length === 0 ? [1] : [...info.shape].reverse();
  return { name: info.name, type: DTYPE_GGML[info.dtype], shape, data };
}
