/**
 * Property tests of the reference kernels: f16/bf16 conversion, round-trip
 * error bounds per type, and every fast dot against its slow twin
 * (dequantize, then f32 dot).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GgmlType, rowBytes, type GgmlTypeId } from '../tensor.ts';
import {
  bf16ToF32, dequantizeRow, f16ToF32, f32ToBf16, f32ToF16, nearestInt, preparedBytes, prepareActivations, quantizeRow,
  vecDot, vecDotF32Reference, vecDotQ4_KBlocks, vecDotQ6_KBlocks, vecDotType,
} from './index.ts';
import { isChimaeraError, Rng } from '../../common/index.ts';

test('f16: every bit pattern survives f16 → f32 → f16 (NaNs become the canonical quiet NaN)', () => {
  for (let h = 0; h < 65536; h++) {
    const value = f16ToF32(h);
    if (Number.isNaN(value)) assert.equal(f32ToF16(value) & 0x7fff, 0x7e00);
    else assert.equal(f32ToF16(value), h, `0x${h.toString(16)}`);
  }
});

test('f16: rounds to nearest, ties to even, overflow to infinity, underflow to zero', () => {
  assert.equal(f32ToF16(1 + 2 ** -11), 0x3c00); // halfway between 1 and next: even (1)
  assert.equal(f32ToF16(1 + 3 * 2 ** -11), 0x3c02); // halfway between odd and even → even
  assert.equal(f32ToF16(1 + 2 ** -11 + 2 ** -20), 0x3c01);
  assert.equal(f32ToF16(65504), 0x7bff);
  assert.equal(f32ToF16(65520), 0x7c00); // halfway to 65536 rounds up to inf
  assert.equal(f32ToF16(-1e6), 0xfc00);
  assert.equal(f32ToF16(2 ** -25), 0x0000); // half the smallest subnormal: tie to even (0)
  assert.equal(f32ToF16(1.5 * 2 ** -24), 0x0002); // 1.5 ulp: tie to even (2)
  assert.equal(f32ToF16(2 ** -24), 0x0001);
  assert.equal(f32ToF16(-0), 0x8000);
  assert.equal(f32ToF16(Infinity), 0x7c00);
});

test('f16: conversion equals exact nearest-even rounding for random floats', () => {
  fc.assert(fc.property(fc.float({ noNaN: true, min: -70000, max: 70000 }), (value) => {
    const h = f32ToF16(value);
    const back = f16ToF32(h);
    if (!Number.isFinite(back)) return Math.abs(value) >= 65520;
    // no other f16 is closer
    const up = f16ToF32(h + 1);
    const down = f16ToF32(h - 1);
    const error = Math.abs(back - value);
    return (Number.isNaN(up) || error <= Math.abs(up - value)) && (Number.isNaN(down) || error <= Math.abs(down - value));
  }), { numRuns: 2000 });
});

test('bf16: truncation with nearest-even rounding and quiet NaN', () => {
  assert.equal(f32ToBf16(1), 0x3f80);
  assert.equal(bf16ToF32(0x3f80), 1);
  assert.equal(f32ToBf16(1 + 2 ** -8), 0x3f80); // tie → even
  assert.equal(f32ToBf16(1 + 3 * 2 ** -8), 0x3f82);
  assert.equal(f32ToBf16(NaN) & 0x7fc0, 0x7fc0);
  for (let h = 0; h < 65536; h += 7) {
    const value = bf16ToF32(h);
    if (!Number.isNaN(value)) assert.equal(f32ToBf16(value), h);
  }
});

test('nearestInt rounds half to even like ggml', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, -7.6].map(nearestInt), [0, 2, 2, 0, -2, 2, -8]);
});

const WEIGHT_TYPES = [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K] as const;

/** largest |x − dequant(quant(x))| allowed, relative to the block's max |x| (from each format's level count) */
const ROUND_TRIP_BOUND: Record<number, number> = {
  [GgmlType.F32]: 0, [GgmlType.F16]: 2 ** -10, [GgmlType.BF16]: 2 ** -7,
  [GgmlType.Q8_0]: 1 / 127, [GgmlType.Q4_0]: 1 / 8 + 0.01, [GgmlType.Q5_0]: 1 / 16 + 0.01, [GgmlType.Q5_1]: 1 / 31 + 0.01,
  [GgmlType.Q4_K]: 0.16, [GgmlType.Q5_K]: 0.08, [GgmlType.Q6_K]: 0.04,
};

function randomRow(rng: () => number, n: number, scale: number): Float32Array {
  const row = new Float32Array(n);
  for (let i = 0; i < n; i++) row[i] = (rng() + rng() + rng() - 1.5) * scale;
  return row;
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

for (const type of WEIGHT_TYPES) {
  // (scales stay ≥ 0.01: below that the f16 block scales go subnormal and lose relative precision, in ggml too)
  test(`type ${type}: quantize → dequantize error stays within the format's bound`, () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(0.01, 0.05, 1, 300), (seed, scale) => {
      const n = 512;
      const x = randomRow(seeded(seed), n, scale);
      const bytes = new Uint8Array(rowBytes(type, n));
      quantizeRow(type, x, 0, bytes, 0, n);
      const y = new Float32Array(n);
      dequantizeRow(type, bytes, 0, y, 0, n);
      const block = type === GgmlType.Q4_K || type === GgmlType.Q5_K || type === GgmlType.Q6_K ? 256 : 32;
      for (let b = 0; b < n; b += block) {
        let amax = 0;
        for (let i = b; i < b + block; i++) amax = Math.max(amax, Math.abs(x[i]!));
        for (let i = b; i < b + block; i++) {
          const bound = type <= GgmlType.F16 || type === GgmlType.BF16 ? ROUND_TRIP_BOUND[type]! * Math.abs(x[i]!) + 2 ** -25 : ROUND_TRIP_BOUND[type]! * amax;
          if (Math.abs(x[i]! - y[i]!) > bound) return false;
        }
      }
      return true;
    }), { numRuns: 25 });
  });

  test(`type ${type}: vecDot agrees with vecDotF32Reference (dequantize + f32 dot)`, () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(256, 768), (seed, n) => {
      const rng = seeded(seed);
      const w = randomRow(rng, n, 0.5);
      const x = randomRow(rng, n, 2);
      const row = new Uint8Array(rowBytes(type, n));
      quantizeRow(type, w, 0, row, 0, n);
      const prepared = new Uint8Array(preparedBytes(type, n) + 8);
      prepareActivations(type, x, 0, n, prepared, 8);
      const fast = vecDot(type, row, 0, prepared, 8, n);
      const slow = vecDotF32Reference(type, row, 0, x, n);
      const wq = new Float32Array(n);
      dequantizeRow(type, row, 0, wq, 0, n);
      let magnitude = 0;
      for (let i = 0; i < n; i++) magnitude += Math.abs(wq[i]! * x[i]!);
      // activation rounding: f32 ~1e-7, bf16 2^-8, f16 2^-11, q8 1/254 per element (relative to block max, so ×~3 for Gaussian rows)
      const tolerance = { [GgmlType.F32]: 1e-6, [GgmlType.F16]: 1e-3, [GgmlType.BF16]: 8e-3 }[type as number] ?? 1.2e-2;
      return Math.abs(fast - slow) <= tolerance * magnitude;
    }), { numRuns: 20 });
  });
}

test('vecDotType pairs weights with ggml CPU vec-dot types', () => {
  assert.equal(vecDotType(GgmlType.Q4_K), GgmlType.Q8_K);
  assert.equal(vecDotType(GgmlType.Q6_K), GgmlType.Q8_K);
  assert.equal(vecDotType(GgmlType.Q4_0), GgmlType.Q8_0);
  assert.equal(vecDotType(GgmlType.Q5_0), GgmlType.Q8_0);
  assert.equal(vecDotType(GgmlType.Q5_1), GgmlType.Q8_1);
  assert.equal(vecDotType(GgmlType.F16), GgmlType.F16);
  assert.equal(preparedBytes(GgmlType.Q5_K, 512), 2 * 292);
  assert.equal(preparedBytes(GgmlType.F32, 10), 40);
});

test('kernels reject rows that are not whole blocks or do not fit the buffer', () => {
  const out = new Uint8Array(1000);
  assert.throws(() => quantizeRow(GgmlType.Q4_K, new Float32Array(300), 0, out, 0, 300), (e) => isChimaeraError(e, 'quant.size_invalid'));
  assert.throws(() => quantizeRow(GgmlType.Q8_0, new Float32Array(64), 0, new Uint8Array(60), 0, 64), (e) => isChimaeraError(e, 'quant.size_invalid'));
  assert.throws(() => dequantizeRow(3 as GgmlTypeId, out, 0, new Float32Array(32), 0, 32), (e) => isChimaeraError(e, 'quant.type_unsupported'));
  assert.throws(() => vecDot(GgmlType.Q8_K, out, 0, out, 0, 256), (e) => isChimaeraError(e, 'quant.type_unsupported'));
});

test('all-zero rows quantize to zero blocks and dot to zero', () => {
  for (const type of WEIGHT_TYPES) {
    const row = new Uint8Array(rowBytes(type, 256));
    quantizeRow(type, new Float32Array(256), 0, row, 0, 256);
    const y = new Float32Array(256).fill(1);
    dequantizeRow(type, row, 0, y, 0, 256);
    assert.ok(y.every((v) => v === 0), `type ${type}`);
    const prepared = new Uint8Array(preparedBytes(type, 256));
    prepareActivations(type, new Float32Array(256).fill(1), 0, 256, prepared, 0);
    assert.equal(vecDot(type, row, 0, prepared, 0, 256), 0);
  }
});

// The WebAssembly K-quant kernels sum each super-block as one exact integer
// (vecDotQ6_KBlocks is their twin); ggml's scalar order keeps eight f32 lane
// sums. Both round only their f32 steps, so they stay within
// (blocks + 4)·2^-23 of Σ|w·x| of each other, on quantized rows and on
// arbitrary block bytes alike.
for (const [name, type, blocksDot, scaleOffset] of [['Q4_K', GgmlType.Q4_K, vecDotQ4_KBlocks, 0], ['Q6_K', GgmlType.Q6_K, vecDotQ6_KBlocks, 208]] as const) {
  test(`${name}: the block-wise dot (the WASM kernels' order) stays within (blocks + 4)·2^-23·Σ|w·x| of ggml's scalar order`, () => {
    const rng = new Rng(11);
    const random = (): number => rng.next();
    for (const n of [256, 1024, 4864]) {
      const bytes = rowBytes(type, n);
      const row = new Uint8Array(bytes);
      const prepared = new Uint8Array(preparedBytes(type, n));
      const weights = new Float32Array(n);
      const activations = new Float32Array(n);
      for (let trial = 0; trial < 20; trial++) {
        for (let i = 0; i < n; i++) activations[i] = (random() * 2 - 1) * 3;
        if (trial % 2 === 0) {
          for (let i = 0; i < n; i++) weights[i] = (random() * 2 - 1) * 0.2;
          quantizeRow(type, weights, 0, row, 0, n);
        } else {
          // arbitrary bytes with moderate f16 scales (high byte 0x20 … 0x3b; Q4_K's dmin too)
          for (let i = 0; i < bytes; i++) row[i] = Math.floor(random() * 256);
          const blockBytes = bytes / (n / 256);
          for (let block = 0; block < n / 256; block++) {
            row[block * blockBytes + scaleOffset + 1] = 0x20 + Math.floor(random() * 0x1c);
            if (type === GgmlType.Q4_K) row[block * blockBytes + 3] = 0x20 + Math.floor(random() * 0x1c);
          }
        }
        prepareActivations(type, activations, 0, n, prepared, 0);
        const dequantizedRow = new Float32Array(n);
        const dequantizedX = new Float32Array(n);
        dequantizeRow(type, row, 0, dequantizedRow, 0, n);
        dequantizeRow(vecDotType(type), prepared, 0, dequantizedX, 0, n);
        let magnitude = 0;
        for (let i = 0; i < n; i++) magnitude += Math.abs(dequantizedRow[i]! * dequantizedX[i]!);
        const ours = blocksDot(row, 0, prepared, 0, n);
        const ggml = vecDot(type, row, 0, prepared, 0, n);
        const bound = (n / 256 + 4) * 2 ** -23 * magnitude;
        assert.ok(Math.abs(ours - ggml) <= bound, `${name} n=${n} trial ${trial}: block-wise ${ours} vs ggml order ${ggml} (bound ${bound})`);
      }
    }
  });
}
