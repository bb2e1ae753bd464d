/**
 * A bounded, chunked reader over a file the caller fetches piecewise:
 * `read(offset, length)` returns those bytes (the lead backs it with a file
 * handle, tests with a Uint8Array). Every read is checked against the file
 * size first, so a corrupt length never triggers a huge fetch or allocation.
 */

import { fail } from '../../common/index.ts';

/**
 * `length` bytes of the file at `offset`. The cursor copies whatever it
 * keeps before it reads again, so an implementation may return the same
 * scratch buffer every call (no garbage per megabyte of header).
 */
export type ReadAt = (offset: number, length: number) => Uint8Array;

/** bytes fetched per refill when the header is read piecewise */
const CHUNK_BYTES = 1 << 20;

/** keeps a leading U+FEFF as content: a string's bytes are its text, nothing is stripped */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

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
    const at = this.advance(length, what);
    return this.window.subarray(at, at + length);
  }

  /** copy the next `length` bytes into dest[destOffset…] (advances; no view is made) */
  copyInto(length: number, dest: Uint8Array, destOffset: number, what: string): void {
    const at = this.advance(length, what);
    const window = this.window;
    if (length < 32) for (let i = 0; i < length; i++) dest[destOffset + i] = window[at + i]!;
    else dest.set(window.subarray(at, at + length), destOffset);
  }

  /**
   * Make the window cover the next `length` bytes, advance past them and
   * return where they start in the window; fails if the file ends first.
   */
  private advance(length: number, what: string): number {
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
    return at;
  }

  u8(what: string): number {
    return this.window[this.advance(1, what)]!;
  }

  u16(what: string): number {
    const at = this.advance(2, what);
    const b = this.window;
    return b[at]! | (b[at + 1]! << 8);
  }

  u32(what: string): number {
    const at = this.advance(4, what);
    const b = this.window;
    return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
  }

  /** u64 as bigint */
  u64Big(what: string): bigint {
    const b = this.take(8, what);
    const low = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
    const high = (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0;
    return (BigInt(high) << 32n) | BigInt(low);
  }

  /** a u64 count or offset as a number; fails ('malformed' code) above 2^53 (no BigInt: this runs once per string) */
  u64(what: string, malformedCode: 'gguf.malformed' | 'safetensors.malformed'): number {
    const at = this.advance(8, what);
    const b = this.window;
    const low = (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
    const high = (b[at + 4]! | (b[at + 5]! << 8) | (b[at + 6]! << 16) | (b[at + 7]! << 24)) >>> 0;
    if (high > 0x1fffff) fail(malformedCode, `${this.fileName}: ${what} is ${(BigInt(high) << 32n) | BigInt(low)}, beyond any real file`, { offset: this.position - 8 });
    return high * 4294967296 + low;
  }

  utf8(length: number, what: string): string {
    return utf8.decode(this.take(length, what));
  }

  /** UTF-8 bytes → text, the way `utf8` decodes (invalid sequences → U+FFFD, a leading U+FEFF kept) */
  decodeUtf8(bytes: Uint8Array): string {
    return utf8.decode(bytes);
  }
}

/** a ReadAt over bytes already in memory */
export function readFromBytes(bytes: Uint8Array): ReadAt {
  return (offset, length) => bytes.subarray(offset, offset + length);
}
