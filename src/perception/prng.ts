/**
 * The PC-SNN's one pseudo-random generator: xoshiro128** (Blackman & Vigna
 * 2018) seeded through SplitMix32, like common/rng.ts, but with its 128-bit
 * state in a Uint32Array(4) that the snapshot saves and restores, so a
 * restored network draws the same numbers in the same order.
 *
 * Draw order is part of determinism: the network draws only when it
 * initialises W (row by row, pre-major) and when it re-seeds a silent unit.
 */

export class SnnPrng {
  /** (4) u32 xoshiro128** state */
  readonly state: Uint32Array;

  /** a generator over `state` (4 u32, e.g. restored from a snapshot); it advances `state` in place */
  constructor(state: Uint32Array) {
    if (state.length !== 4) throw new Error(`SnnPrng: state must hold 4 words, not ${state.length}`);
    this.state = state;
  }

  /** fill `out` (4 u32) with the state for `seed`: SplitMix32 expansion, as common/rng.ts does */
  static seedState(seed: number, out: Uint32Array): Uint32Array {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      out[i] = (z ^ (z >>> 16)) >>> 0;
    }
    return out;
  }

  /** uniform 32-bit unsigned integer */
  nextU32(): number {
    const s = this.state;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2] ^= s[0]!;
    s[3] ^= s[1]!;
    s[1] ^= s[2]!;
    s[0] ^= s[3]!;
    s[2] ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** uniform in [0, 1) with 24 bits, so the value is exact in f32 */
  nextFloat(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
