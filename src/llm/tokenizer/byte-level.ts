/**
 * GPT-2 byte-level alphabet: every byte 0..255 gets one printable Unicode
 * character, so any UTF-8 byte string becomes a string of "byte characters"
 * that a BPE vocabulary can spell (Radford et al. 2019, `bytes_to_unicode` in
 * the GPT-2 encoder; the same table in HF tokenizers' ByteLevel and
 * llama.cpp's `unicode_byte_to_utf8`).
 *
 * The table: bytes that are already printable — 0x21..0x7E, 0xA1..0xAC,
 * 0xAE..0xFF — map to the code point of the same value; the remaining 68
 * bytes (controls, space, 0x7F..0xA0, 0xAD) map, in increasing byte order,
 * to U+0100, U+0101, … So space (0x20) is "Ġ" (U+0120) and "\n" is "Ċ".
 */

/** byte value → its byte character (one UTF-16 unit each, all < U+0144) */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** code point of a byte character → byte value, or -1 (index by code point < 0x144) */
const CHAR_TO_BYTE: Int16Array = buildCharToByte();

function isPrintableByte(byte: number): boolean {
  return (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
}

function buildByteToChar(): string[] {
  const table: string[] = [];
  let extra = 0;
  for (let byte = 0; byte < 256; byte++) {
    table.push(String.fromCharCode(isPrintableByte(byte) ? byte : 256 + extra++));
  }
  return table;
}

function buildCharToByte(): Int16Array {
  const table = new Int16Array(0x144).fill(-1);
  for (let byte = 0; byte < 256; byte++) table[BYTE_TO_CHAR[byte]!.charCodeAt(0)] = byte;
  return table;
}

/** byte value of one byte character's UTF-16 code, or -1 when it is not one */
export function byteOfChar(charCode: number): number {
  return charCode < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[charCode]! : -1;
}

/** bytes → byte-level string ("hi there" → "hiĠthere") */
export function bytesToByteLevel(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let text = '';
  for (let i = start; i < end; i++) text += BYTE_TO_CHAR[bytes[i]!];
  return text;
}

/** byte-level string → bytes, or undefined when a character is outside the alphabet */
export function byteLevelToBytes(text: string): Uint8Array | undefined {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const byte = byteOfChar(text.charCodeAt(i));
    if (byte < 0) return undefined;
    bytes[i] = byte;
  }
  return bytes;
}

/**
 * UTF-8 encode `text[start, end)` into `out` from offset 0 (WHATWG rules:
 * a lone surrogate becomes U+FFFD, EF BF BD). Returns the byte count; `out`
 * must hold 3 bytes per UTF-16 unit. No allocation (the encoder's hot path).
 */
export function encodeUtf8Into(text: string, start: number, end: number, out: Uint8Array): number {
  let length = 0;
  for (let i = start; i < end; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      out[length++] = code;
      continue;
    }
    if (code < 0x800) {
      out[length++] = 0xc0 | (code >> 6);
      out[length++] = 0x80 | (code & 0x3f);
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const low = i + 1 < end ? text.charCodeAt(i + 1) : 0;
      if (code <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
        out[length++] = 0xf0 | (code >> 18);
        out[length++] = 0x80 | ((code >> 12) & 0x3f);
        out[length++] = 0x80 | ((code >> 6) & 0x3f);
        out[length++] = 0x80 | (code & 0x3f);
        continue;
      }
      code = 0xfffd;
    }
    out[length++] = 0xe0 | (code >> 12);
    out[length++] = 0x80 | ((code >> 6) & 0x3f);
    out[length++] = 0x80 | (code & 0x3f);
  }
  return length;
}

/** a byte of a word: ASCII letters and digits, and every byte of a multi-byte UTF-8 character (≥ 0x80) */
export function isWordByte(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte >= 0x80;
}
