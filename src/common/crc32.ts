/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as used by zlib and
 * PNG. `crc32(data)` of "123456789" is 0xCBF43926 (the standard check value).
 *
 * Incremental use: `crc32(b, crc32(a))` equals `crc32(a ++ b)`.
 */

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of `data[start, end)`, continuing from `previous` (0 to start). */
export function crc32(data: Uint8Array, previous = 0, start = 0, end = data.length): number {
  let crc = ~previous >>> 0;
  for (let i = start; i < end; i++) crc = TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
