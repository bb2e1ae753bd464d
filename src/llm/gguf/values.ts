/**
 * GGUF metadata values: the 13 value types of the GGUF specification and
 * their little-endian encoding.
 *
 *   id  type     bytes          id  type     bytes
 *   0   u8       1              7   bool     1 (0 or 1)
 *   1   i8       1              8   string   u64 length + UTF-8 bytes (no NUL)
 *   2   u16      2              9   array    u32 item type + u64 count + items
 *   3   i16      2              10  u64      8
 *   4   u32      4              11  i64      8
 *   5   i32      4              12  f64      8
 *   6   f32      4
 *
 * In memory a value carries its type so a file can be written back exactly:
 * `{ type: 'u32', value: 24 }`, `{ type: 'array', itemType: 'string', value: [...] }`.
 * 64-bit integers are bigint; every other number is a JS number.
 */

export const GGUF_VALUE_TYPES = ['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'bool', 'string', 'array', 'u64', 'i64', 'f64'] as const;
export type GgufValueTypeName = (typeof GGUF_VALUE_TYPES)[number];

export type GgufNumberTypeName = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64';
export type GgufBigintTypeName = 'u64' | 'i64';

/** one element of an array value: a scalar, or a nested array */
export type GgufItem = number | bigint | boolean | string | GgufArray;

export interface GgufArray {
  readonly type: 'array';
  readonly itemType: GgufValueTypeName;
  readonly value: readonly GgufItem[];
}

export type GgufValue =
  | { readonly type: GgufNumberTypeName; readonly value: number }
  | { readonly type: GgufBigintTypeName; readonly value: bigint }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'string'; readonly value: string }
  | GgufArray;

/** constructors for writing metadata: `gguf.u32(24)`, `gguf.array('string', tokens)` */
export const gguf = {
  u8: (value: number): GgufValue => ({ type: 'u8', value }),
  i8: (value: number): GgufValue => ({ type: 'i8', value }),
  u16: (value: number): GgufValue => ({ type: 'u16', value }),
  i16: (value: number): GgufValue => ({ type: 'i16', value }),
  u32: (value: number): GgufValue => ({ type: 'u32', value }),
  i32: (value: number): GgufValue => ({ type: 'i32', value }),
  f32: (value: number): GgufValue => ({ type: 'f32', value: Math.fround(value) }),
  f64: (value: number): GgufValue => ({ type: 'f64', value }),
  u64: (value: bigint | number): GgufValue => ({ type: 'u64', value: BigInt(value) }),
  i64: (value: bigint | number): GgufValue => ({ type: 'i64', value: BigInt(value) }),
  bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
  string: (value: string): GgufValue => ({ type: 'string', value }),
  array: (itemType: GgufValueTypeName, value: readonly GgufItem[]): GgufArray => ({ type: 'array', itemType, value }),
};

/** bytes of one item of this type, or undefined for variable-size types (string, array) */
export function fixedSize(type: GgufValueTypeName): number | undefined {
  switch (type) {
    case 'u8': case 'i8': case 'bool': return 1;
    case 'u16': case 'i16': return 2;
    case 'u32': case 'i32': case 'f32': return 4;
    case 'u64': case 'i64': case 'f64': return 8;
    default: return undefined;
  }
}

/** the fewest bytes an item of this type can take (bounds counts read from a file) */
export function minimumSize(type: GgufValueTypeName): number {
  return fixedSize(type) ?? (type === 'string' ? 8 : 12);
}

// ── encoding ────────────────────────────────────────────────────────────────

const utf8 = new TextEncoder();

export function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      length += 4;
      i++;
    } else length += 3; // BMP, or a lone surrogate (written as U+FFFD, 3 bytes)
  }
  return length;
}

/** bytes `encodeItem` writes for an item of `type` (arrays include their type and count) */
export function itemEncodingLength(type: GgufValueTypeName, item: GgufItem): number {
  const size = fixedSize(type);
  if (size !== undefined) return size;
  if (type === 'string') return 8 + utf8Length(item as string);
  const array = item as GgufArray;
  let length = 12;
  const itemSize = fixedSize(array.itemType);
  if (itemSize !== undefined) return length + itemSize * array.value.length;
  for (const element of array.value) length += itemEncodingLength(array.itemType, element);
  return length;
}

export function valueEncodingLength(value: GgufValue): number {
  return itemEncodingLength(value.type, value.type === 'array' ? value : value.value);
}

export function writeU64(view: DataView, offset: number, value: number | bigint): void {
  view.setBigUint64(offset, BigInt(value), true);
}

/** writes an item's payload (no type tag) at `offset`; returns the offset after it */
export function encodeItem(type: GgufValueTypeName, item: GgufItem, bytes: Uint8Array, view: DataView, offset: number): number {
  switch (type) {
    case 'u8': view.setUint8(offset, item as number); return offset + 1;
    case 'i8': view.setInt8(offset, item as number); return offset + 1;
    case 'bool': view.setUint8(offset, item ? 1 : 0); return offset + 1;
    case 'u16': view.setUint16(offset, item as number, true); return offset + 2;
    case 'i16': view.setInt16(offset, item as number, true); return offset + 2;
    case 'u32': view.setUint32(offset, item as number, true); return offset + 4;
    case 'i32': view.setInt32(offset, item as number, true); return offset + 4;
    case 'f32': view.setFloat32(offset, item as number, true); return offset + 4;
    case 'u64': view.setBigUint64(offset, BigInt(item as bigint), true); return offset + 8;
    case 'i64': view.setBigInt64(offset, BigInt(item as bigint), true); return offset + 8;
    case 'f64': view.setFloat64(offset, item as number, true); return offset + 8;
    case 'string': {
      const length = utf8Length(item as string);
      writeU64(view, offset, length);
      utf8.encodeInto(item as string, bytes.subarray(offset + 8, offset + 8 + length));
      return offset + 8 + length;
    }
    case 'array': {
      const array = item as GgufArray;
      view.setUint32(offset, GGUF_VALUE_TYPES.indexOf(array.itemType), true);
      writeU64(view, offset + 4, array.value.length);
      let at = offset + 12;
      for (const element of array.value) at = encodeItem(array.itemType, element, bytes, view, at);
      return at;
    }
  }
}
