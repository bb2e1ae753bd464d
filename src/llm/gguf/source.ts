/**
 * A bounded, chunked reader over a file the caller fetches piecewise:
 * `read(offset, length)` returns those bytes (the lead backs it with a file
 * handle, tests with a Uint8Array). Every read is checked against the file
 * size first, so a corrupt length never triggers a huge fetch or allocation.
 */

import { fail } from '../../common/index.ts';

export type ReadAt = (offset: number, length: number) => Uint8Array;

/** bytes fetched per refill when the header is read piecewise */
const CHUNK_BYTES = 1 << 20;

const utf8 = new TextDecoder('utf-8');

export class ByteCursor {
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;
  /** absolute file offset of the next byte */
  position = 0;

  constructor(
    private readonly read: ReadAt,
    readonly fileSize: number,
    readonly fileName: string,
    private readonly truncatedCode: 'gguf.truncated' | 'safetensors.truncated',
  ) {}

  get remaining(): number {
    return this.fileSize - this.position;
  }

  /** a view of the next `length` bytes (advances); fails if the file ends first */
  take(length: number, what: string): Uint8Array {
    if (length > this.remaining) {
      fail(this.truncatedCode, `${this.fileName}: file ends inside ${what} at offset ${this.position} (needs ${length} bytes, ${this.remaining} left)`, { offset: this.position, length });
    }
    const start = this.position - this.windowStart;
    if (start < 0 || start + length > this.window.length) {
      const fetch = Math.min(this.remaining, Math.max(length, CHUNK_BYTES));
      const bytes = this.read(this.position, fetch);
      if (bytes.length < length) {
        fail(this.truncatedCode, `${this.fileName}: could read only ${bytes.length} of ${length} bytes at offset ${this.position} (${what})`, { offset: this.position });
      }
      this.window = bytes;
      this.windowStart = this.position;
    }
    const at = this.position - this.windowStart;
    this.position += length;
    return this.window.subarray(at, at + length);
  }

  u8(what: string): number {
    return this.take(1, what)[0]!;
  }

  u16(what: string): number {
    const b = this.take(2, what);
    return b[0]! | (b[1]! << 8);
  }

  u32(what: string): number {
    const b = this.take(4, what);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  /** u64 as bigint */
  u64Big(what: string): bigint {
    const b = this.take(8, what);
    const low = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
    const high = (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0;
    return (BigInt(high) << 32n) | BigInt(low);
  }

  /** a u64 count or offset as a number; fails ('malformed' code) above 2^53 */
  u64(what: string, malformedCode: 'gguf.malformed' | 'safetensors.malformed'): number {
    const value = this.u64Big(what);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail(malformedCode, `${this.fileName}: ${what} is ${value}, beyond any real file`, { offset: this.position - 8 });
    return Number(value);
  }

  utf8(length: number, what: string): string {
    return utf8.decode(this.take(length, what));
  }
}

/** a ReadAt over bytes already in memory */
export function readFromBytes(bytes: Uint8Array): ReadAt {
  return (offset, length) => bytes.subarray(offset, offset + length);
}
