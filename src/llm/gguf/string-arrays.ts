/**
 * GGUF string arrays (the vocabulary, the merge list: 151k strings each),
 * read in a few UTF-8 decodes and kept packed until someone asks for the
 * strings.
 *
 * Decoding: each string's bytes go, with a NUL after them, into the batch
 * of its class — ASCII, Latin-1 (leads 0xC2/0xC3 only), other — so that V8
 * keeps ASCII and Latin-1 text one-byte (a single two-byte text would make
 * every piece two-byte: twice the memory, slower hashing). A batch is
 * decoded once when it fills (BATCH_BYTES, so the scratch stays small) and
 * at the end, and the NULs give each string's range in the decoded text.
 * Invalid UTF-8 never swallows the NUL after it (the decoder emits U+FFFD
 * and re-reads the NUL), so the ranges equal decoding one by one; a string
 * that itself holds a NUL shows in the NUL count, and its batch is decoded
 * one string at a time.
 *
 * Packing: the array's `value` is a getter that makes the strings (slices
 * of the decoded texts) on first use. A reader that can work on ranges
 * takes `packedStringsOf(array)` instead and never makes 151k strings: the
 * tokenizer resolves the "a b" merges to ids through it (the strings would
 * only be garbage after boot) and keeps the vocabulary in it (the strings
 * would cost ~5 MiB of heap for as long as the model is loaded).
 */

import { fail } from '../../common/index.ts';
import type { ByteCursor } from './source.ts';
import type { GgufArray } from './values.ts';

/** bytes gathered per string class before they are decoded [bytes] */
const BATCH_BYTES = 256 << 10;

/** A string array as ranges of a few decoded texts: string i is texts[textIndex[i]].slice(start[i], end[i]). */
export class PackedStrings {
  readonly length: number;
  /** decoded batches (and, for batches holding a NUL, single strings) */
  private readonly texts: string[] = [];
  /** (length) which text holds string i */
  private readonly textIndex: Int32Array;
  /** (length) start of string i in its text [UTF-16 units] */
  private readonly starts: Int32Array;
  /** (length) end of string i in its text [UTF-16 units] */
  private readonly ends: Int32Array;

  constructor(length: number) {
    this.length = length;
    this.textIndex = new Int32Array(length);
    this.starts = new Int32Array(length);
    this.ends = new Int32Array(length);
  }

  /** the text that holds string i (read it from start(i) to end(i)) */
  text(i: number): string {
    return this.texts[this.textIndex[i]!]!;
  }

  start(i: number): number {
    return this.starts[i]!;
  }

  end(i: number): number {
    return this.ends[i]!;
  }

  /** string i */
  at(i: number): string {
    return this.text(i).slice(this.starts[i], this.ends[i]);
  }

  /** every string, as an array */
  toArray(): string[] {
    const out = new Array<string>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.at(i);
    return out;
  }

  /** string `index` is text[start, end) of a text added now or earlier */
  place(index: number, text: number, start: number, end: number): void {
    this.textIndex[index] = text;
    this.starts[index] = start;
    this.ends[index] = end;
  }

  /** add a decoded text; returns its number for `place` */
  addText(text: string): number {
    this.texts.push(text);
    return this.texts.length - 1;
  }
}

const packedOf = new WeakMap<GgufArray, PackedStrings>();

/** the packed form of a string array read from a file (undefined for arrays built in memory) */
export function packedStringsOf(array: unknown): PackedStrings | undefined {
  return typeof array === 'object' && array !== null ? packedOf.get(array as GgufArray) : undefined;
}

/** read `count` strings (the array's items, after its count) as a packed array whose `value` is made on first use */
export function readStringArray(cursor: ByteCursor, count: number, key: string, maxStringBytes: number): GgufArray {
  const what = `an item of "${key}"`;
  const packed = new PackedStrings(count);
  const batches = [new StringBatch(packed, cursor), new StringBatch(packed, cursor), new StringBatch(packed, cursor)];
  for (let i = 0; i < count; i++) {
    const length = cursor.u64(what, 'gguf.malformed');
    if (length > cursor.remaining) {
      fail('gguf.truncated', `${cursor.fileName}: item ${i} of "${key}" claims ${length} bytes at offset ${cursor.position}, only ${cursor.remaining} remain`, { offset: cursor.position });
    }
    if (length > maxStringBytes) fail('gguf.malformed', `${cursor.fileName}: item ${i} of "${key}" is ${length} bytes long (limit ${maxStringBytes})`);
    const bytes = cursor.take(length, what);
    let kind = 0;
    for (let b = 0; b < length; b++) {
      const byte = bytes[b]!;
      if (byte >= 0x80) kind = byte === 0xc2 || byte === 0xc3 || (byte < 0xc0 && kind === 1) ? Math.max(kind, 1) : 2;
      if (kind === 2) break;
    }
    batches[kind]!.append(bytes, i);
  }
  for (const batch of batches) batch.flush();
  let strings: readonly string[] | undefined;
  const array: GgufArray = {
    type: 'array',
    itemType: 'string',
    get value(): readonly string[] {
      strings ??= packed.toArray();
      return strings;
    },
  };
  packedOf.set(array, packed);
  return array;
}

/** strings of one class waiting to be decoded: their bytes with a NUL after each, and which strings they are */
class StringBatch {
  private buffer = new Uint8Array(BATCH_BYTES);
  /** end of each pending string in `buffer` [bytes] */
  private readonly ends: number[] = [];
  /** index of each pending string in the array */
  private readonly indices: number[] = [];
  private length = 0;

  constructor(
    private readonly packed: PackedStrings,
    private readonly cursor: ByteCursor,
  ) {}

  append(piece: Uint8Array, index: number): void {
    if (this.length + piece.length + 1 > this.buffer.length) {
      this.flush();
      if (piece.length + 1 > this.buffer.length) this.buffer = new Uint8Array(piece.length + 1);
    }
    const buffer = this.buffer;
    const at = this.length;
    if (piece.length < 32) for (let i = 0; i < piece.length; i++) buffer[at + i] = piece[i]!;
    else buffer.set(piece, at);
    buffer[at + piece.length] = 0;
    this.length = at + piece.length + 1;
    this.ends.push(at + piece.length);
    this.indices.push(index);
  }

  /** decode the pending strings and place them */
  flush(): void {
    const { ends, indices, packed } = this;
    if (ends.length === 0) return;
    const text = this.cursor.decodeUtf8(this.buffer.subarray(0, this.length));
    let nulCount = 0;
    for (let at = text.indexOf('\0'); at >= 0; at = text.indexOf('\0', at + 1)) nulCount++;
    if (nulCount === ends.length) {
      const textNumber = packed.addText(text);
      let start = 0;
      for (let i = 0; i < indices.length; i++) {
        const end = text.indexOf('\0', start);
        packed.place(indices[i]!, textNumber, start, end);
        start = end + 1;
      }
    } else {
      for (let i = 0; i < indices.length; i++) {
        const one = this.cursor.decodeUtf8(this.buffer.subarray(i === 0 ? 0 : ends[i - 1]! + 1, ends[i]!));
        packed.place(indices[i]!, packed.addText(one), 0, one.length);
      }
    }
    ends.length = 0;
    indices.length = 0;
    this.length = 0;
  }
}
