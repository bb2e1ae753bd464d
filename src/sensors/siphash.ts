/**
 * SipHash-2-4 (Aumasson & Bernstein, "SipHash: a fast short-input PRF",
 * INDOCRYPT 2012): a keyed 64-bit hash. The sensors use it to turn a
 * coarsened string (a path class, a process and port class) into a small
 * bucket under a per-install 128-bit salt, so the bucket of a given string
 * cannot be predicted or reversed without the salt.
 *
 * 64-bit words are kept as (hi, lo) pairs of u32 in one Uint32Array, so a
 * hash allocates nothing but its UTF-8 bytes.
 *
 *   v0..v3 = k0^"somepseu", k1^"dorandom", k0^"lygenera", k1^"tedbytes"
 *   per 8-byte little-endian block m: v3 ^= m; 2 SipRounds; v0 ^= m
 *   last block: remaining bytes | (length mod 256) << 56, likewise
 *   v2 ^= 0xff; 4 SipRounds; result v0^v1^v2^v3
 */

import { fail } from '../common/index.ts';

/** the per-install hashing key, 16 bytes */
export type SensorSalt = Uint8Array;

export function checkSalt(salt: Uint8Array): SensorSalt {
  if (salt.length !== 16) fail('sensors.salt_invalid', `sensor salt is ${salt.length} bytes; it must be 16`, { length: salt.length });
  return salt;
}

/** state: v0 hi, v0 lo, v1 hi, v1 lo, v2 hi, v2 lo, v3 hi, v3 lo */
const state = new Uint32Array(8);

function add(a: number, b: number): void {
  const lo = (state[a + 1]! + state[b + 1]!) >>> 0;
  state[a] = (state[a]! + state[b]! + (lo < state[a + 1]! ? 1 : 0)) >>> 0;
  state[a + 1] = lo;
}

function rotate(a: number, bits: number): void {
  let hi = state[a]!;
  let lo = state[a + 1]!;
  if (bits >= 32) {
    const t = hi;
    hi = lo;
    lo = t;
    bits -= 32;
  }
  if (bits > 0) {
    const newHi = ((hi << bits) | (lo >>> (32 - bits))) >>> 0;
    lo = ((lo << bits) | (hi >>> (32 - bits))) >>> 0;
    hi = newHi;
  }
  state[a] = hi;
  state[a + 1] = lo;
}

function xor(a: number, b: number): void {
  state[a] = (state[a]! ^ state[b]!) >>> 0;
  state[a + 1] = (state[a + 1]! ^ state[b + 1]!) >>> 0;
}

const V0 = 0;
const V1 = 2;
const V2 = 4;
const V3 = 6;

function sipRound(): void {
  add(V0, V1); rotate(V1, 13); xor(V1, V0); rotate(V0, 32);
  add(V2, V3); rotate(V3, 16); xor(V3, V2);
  add(V0, V3); rotate(V3, 21); xor(V3, V0);
  add(V2, V1); rotate(V1, 17); xor(V1, V2); rotate(V2, 32);
}

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/** absorb one block (hi, lo) */
function compress(hi: number, lo: number): void {
  state[V3] = (state[V3]! ^ hi) >>> 0;
  state[V3 + 1] = (state[V3 + 1]! ^ lo) >>> 0;
  sipRound();
  sipRound();
  state[V0] = (state[V0]! ^ hi) >>> 0;
  state[V0 + 1] = (state[V0 + 1]! ^ lo) >>> 0;
}

/** SipHash-2-4 of `message` under `key` (16 bytes); the result as [hi, lo] u32 words of the 64-bit value */
function sipHashWords(key: Uint8Array, message: Uint8Array): [number, number] {
  checkSalt(key);
  const k0lo = readU32(key, 0);
  const k0hi = readU32(key, 4);
  const k1lo = readU32(key, 8);
  const k1hi = readU32(key, 12);
  state[V0] = (k0hi ^ 0x736f6d65) >>> 0;
  state[V0 + 1] = (k0lo ^ 0x70736575) >>> 0;
  state[V1] = (k1hi ^ 0x646f7261) >>> 0;
  state[V1 + 1] = (k1lo ^ 0x6e646f6d) >>> 0;
  state[V2] = (k0hi ^ 0x6c796765) >>> 0;
  state[V2 + 1] = (k0lo ^ 0x6e657261) >>> 0;
  state[V3] = (k1hi ^ 0x74656462) >>> 0;
  state[V3 + 1] = (k1lo ^ 0x79746573) >>> 0;
  const whole = message.length & ~7;
  for (let at = 0; at < whole; at += 8) compress(readU32(message, at + 4), readU32(message, at));
  let lo = 0;
  let hi = (message.length & 0xff) << 24;
  for (let i = whole; i < message.length; i++) {
    const shift = (i - whole) * 8;
    if (shift < 32) lo |= message[i]! << shift;
    else hi |= message[i]! << (shift - 32);
  }
  compress(hi >>> 0, lo >>> 0);
  state[V2 + 1] = (state[V2 + 1]! ^ 0xff) >>> 0;
  for (let round = 0; round < 4; round++) sipRound();
  return [(state[V0]! ^ state[V1]! ^ state[V2]! ^ state[V3]!) >>> 0, (state[V0 + 1]! ^ state[V1 + 1]! ^ state[V2 + 1]! ^ state[V3 + 1]!) >>> 0];
}

/** SipHash-2-4 of `message` under `key` (16 bytes), as an unsigned 64-bit bigint */
export function sipHash24(key: Uint8Array, message: Uint8Array): bigint {
  const [hi, lo] = sipHashWords(key, message);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

const utf8 = new TextEncoder();

/** the keyed bucket 0..2^bits−1 of a (coarsened) string; bits 1..16, default 3 */
export function hashBucket(salt: SensorSalt, text: string, bits = 3): number {
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) fail('sensors.config_invalid', `hash bucket width ${bits} bits is outside 1..16`);
  const [, lo] = sipHashWords(salt, utf8.encode(text));
  return lo & ((1 << bits) - 1);
}
