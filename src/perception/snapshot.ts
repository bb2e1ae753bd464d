/**
 * Versioned binary snapshot of a PC-SNN: parameters, channel map, every
 * weight, membrane, trace, prediction, EMA, counter and the PRNG state, so a
 * restored network continues bit for bit. The lead's wiring saves it under
 * /lived/snn (the hashing salt is never in it).
 *
 * Layout (little-endian):
 *   [0]   4 B   magic "PCSN"
 *   [4]   u32   version (SNAPSHOT_VERSION)
 *   [8]   u32   total length [bytes], this header and the CRC included
 *   [12]  u32   H, header length [bytes]
 *   [16]  H B   UTF-8 JSON { params, channelMap }
 *         u32   F, number of state fields (stateFields order)
 *         F ×   { u8 element type (1 f32, 2 f64, 3 i32, 4 u32); u32 element count; elements }
 *   [end-4] u32 CRC-32 of every byte before it
 *
 * decode checks, in order: length (perception.snapshot_truncated), magic
 * (snapshot_format), version (snapshot_version), CRC (snapshot_crc), then
 * every field's type and count (snapshot_format), and builds a new state:
 * nothing is modified unless everything checks.
 */

import { crc32, fail, isChimaeraError } from '../common/index.ts';
import { resolveParams, type PcSnnParams } from './params.ts';
import type { SpikeChannelMap } from './spikes.ts';
import { NetworkState, stateFields, type StateArray } from './state.ts';

export const SNAPSHOT_MAGIC = 0x4e534350; // "PCSN" read as u32 little-endian
export const SNAPSHOT_VERSION = 1;
/** magic, version, total length, header length */
const FIXED_HEADER = 16;

interface SnapshotHeader {
  readonly params: PcSnnParams;
  readonly channelMap: SpikeChannelMap;
}

export interface DecodedSnapshot {
  readonly params: PcSnnParams;
  readonly channelMap: SpikeChannelMap;
  readonly state: NetworkState;
}

function typeCode(field: StateArray): number {
  if (field instanceof Float32Array) return 1;
  if (field instanceof Float64Array) return 2;
  if (field instanceof Int32Array) return 3;
  return 4;
}

function headerBytes(params: PcSnnParams, channelMap: SpikeChannelMap): Uint8Array {
  const header: SnapshotHeader = { params, channelMap: { channels: channelMap.channels, names: [...channelMap.names], groups: channelMap.groups } };
  return new TextEncoder().encode(JSON.stringify(header));
}

/** bytes `encodeSnapshot` writes for this network */
export function snapshotLength(params: PcSnnParams, channelMap: SpikeChannelMap, state: NetworkState): number {
  let length = FIXED_HEADER + headerBytes(params, channelMap).length + 4;
  for (const field of stateFields(state)) length += 5 + field.byteLength;
  return length + 4;
}

/** write the snapshot at `out[offset…]`; returns the bytes written */
export function encodeSnapshot(params: PcSnnParams, channelMap: SpikeChannelMap, state: NetworkState, out: Uint8Array, offset: number): number {
  const header = headerBytes(params, channelMap);
  const fields = stateFields(state);
  const total = snapshotLength(params, channelMap, state);
  if (offset < 0 || offset + total > out.length) throw new RangeError(`encodeSnapshot: needs ${total} bytes at offset ${offset}, buffer has ${out.length}`);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let at = offset;
  view.setUint32(at, SNAPSHOT_MAGIC, true);
  view.setUint32(at + 4, SNAPSHOT_VERSION, true);
  view.setUint32(at + 8, total, true);
  view.setUint32(at + 12, header.length, true);
  at += FIXED_HEADER;
  out.set(header, at);
  at += header.length;
  view.setUint32(at, fields.length, true);
  at += 4;
  for (const field of fields) {
    const code = typeCode(field);
    view.setUint8(at, code);
    view.setUint32(at + 1, field.length, true);
    at += 5;
    for (let k = 0; k < field.length; k++) {
      const value = field[k]!;
      if (code === 1) view.setFloat32(at, value, true);
      else if (code === 2) view.setFloat64(at, value, true);
      else if (code === 3) view.setInt32(at, value, true);
      else view.setUint32(at, value, true);
      at += field.BYTES_PER_ELEMENT;
    }
  }
  view.setUint32(at, crc32(out, 0, offset, at), true);
  return at + 4 - offset;
}

/** read a snapshot at `bytes[offset…]`; `length` is the bytes it occupies */
export function decodeSnapshot(bytes: Uint8Array, offset: number): { value: DecodedSnapshot; length: number } {
  const available = bytes.length - offset;
  if (available < FIXED_HEADER + 8) fail('perception.snapshot_truncated', `PC-SNN snapshot: only ${available} bytes, the fixed header alone needs ${FIXED_HEADER + 8}`, { available });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(offset, true);
  if (magic !== SNAPSHOT_MAGIC) fail('perception.snapshot_format', `PC-SNN snapshot: bad magic 0x${magic.toString(16)} at offset ${offset} (want "PCSN")`, { magic });
  const version = view.getUint32(offset + 4, true);
  if (version !== SNAPSHOT_VERSION) fail('perception.snapshot_version', `PC-SNN snapshot: version ${version}, this build reads version ${SNAPSHOT_VERSION}`, { version });
  const total = view.getUint32(offset + 8, true);
  if (total < FIXED_HEADER + 8) fail('perception.snapshot_format', `PC-SNN snapshot: total length ${total} is smaller than its own header`, { total });
  if (total > available) fail('perception.snapshot_truncated', `PC-SNN snapshot: says ${total} bytes, only ${available} present`, { total, available });
  const end = offset + total - 4;
  const stored = view.getUint32(end, true);
  const actual = crc32(bytes, 0, offset, end);
  if (stored !== actual) fail('perception.snapshot_crc', `PC-SNN snapshot: CRC-32 0x${actual.toString(16)} of ${total - 4} bytes does not match the stored 0x${stored.toString(16)}`, { stored, actual });

  const headerLength = view.getUint32(offset + 12, true);
  let at = offset + FIXED_HEADER;
  if (at + headerLength + 4 > end) fail('perception.snapshot_format', `PC-SNN snapshot: header of ${headerLength} bytes runs past the end`, { headerLength });
  const header = parseHeader(bytes.subarray(at, at + headerLength));
  at += headerLength;
  const state = new NetworkState(header.params);
  const fields = stateFields(state);
  const fieldCount = view.getUint32(at, true);
  at += 4;
  if (fieldCount !== fields.length) fail('perception.snapshot_format', `PC-SNN snapshot: ${fieldCount} state fields, this layout has ${fields.length}`, { fieldCount });
  fields.forEach((field, index) => {
    if (at + 5 > end) fail('perception.snapshot_format', `PC-SNN snapshot: field ${index} starts past the end`, { index });
    const code = view.getUint8(at);
    const count = view.getUint32(at + 1, true);
    at += 5;
    if (code !== typeCode(field) || count !== field.length) {
      fail('perception.snapshot_format', `PC-SNN snapshot: field ${index} is type ${code} × ${count}, the layout wants type ${typeCode(field)} × ${field.length}`, { index, code, count });
    }
    if (at + field.byteLength > end) fail('perception.snapshot_format', `PC-SNN snapshot: field ${index} runs past the end`, { index });
    for (let k = 0; k < count; k++) {
      field[k] = code === 1 ? view.getFloat32(at, true) : code === 2 ? view.getFloat64(at, true) : code === 3 ? view.getInt32(at, true) : view.getUint32(at, true);
      at += field.BYTES_PER_ELEMENT;
    }
  });
  if (at !== end) fail('perception.snapshot_format', `PC-SNN snapshot: ${end - at} unexplained bytes before the CRC`, { extra: end - at });
  return { value: { params: header.params, channelMap: header.channelMap, state }, length: total };
}

function parseHeader(bytes: Uint8Array): SnapshotHeader {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    fail('perception.snapshot_format', `PC-SNN snapshot: header is not UTF-8 JSON (${(error as Error).message})`);
  }
  const header = parsed as Partial<SnapshotHeader> | null;
  const map = header?.channelMap;
  if (header === null || typeof header !== 'object' || typeof header.params !== 'object' || map === undefined || typeof map !== 'object' || !Array.isArray(map.names)) {
    fail('perception.snapshot_format', 'PC-SNN snapshot: header lacks params or channelMap');
  }
  try {
    const params = resolveParams(header.params as PcSnnParams);
    return { params, channelMap: map };
  } catch (error) {
    if (isChimaeraError(error, 'perception.params_invalid')) fail('perception.snapshot_format', `PC-SNN snapshot: ${error.message}`);
    throw error;
  }
}
