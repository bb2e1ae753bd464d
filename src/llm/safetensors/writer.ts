/**
 * safetensors writer: u64 header length, JSON header padded with spaces to a
 * multiple of 8 bytes (as the safetensors library pads), then each tensor's
 * bytes back to back in the order given. Shapes are row-major (PyTorch order).
 */

import { fail } from '../../common/index.ts';
import { SAFETENSORS_DTYPE_BYTES, type SafetensorsDtype } from './reader.ts';

export interface SafetensorsTensorToWrite {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  /** row-major, outermost first */
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

export function writeSafetensors(tensors: readonly SafetensorsTensorToWrite[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header['__metadata__'] = metadata;
  let offset = 0;
  for (const tensor of tensors) {
    if (tensor.name === '__metadata__' || tensor.name in header) fail('arg.invalid', `tensor name ${tensor.name} is reserved or listed twice`);
    const need = tensor.shape.reduce((a, b) => a * b, 1) * SAFETENSORS_DTYPE_BYTES[tensor.dtype];
    if (tensor.data.length !== need) fail('arg.invalid', `tensor ${tensor.name} has ${tensor.data.length} bytes, its shape and dtype need ${need}`);
    header[tensor.name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + need] };
    offset += need;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const spaced = new Uint8Array(padded).fill(0x20);
    spaced.set(json);
    json = spaced;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const tensor of tensors) {
    out.set(tensor.data, at);
    at += tensor.data.length;
  }
  return out;
}
