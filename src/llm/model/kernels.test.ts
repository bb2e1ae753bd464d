// Block kernels against straightforward formulas: RMS norm, NeoX rotary,
// GQA attention (head ratios 1, 2, 7), SwiGLU, and matmul vs dequantize-then-dot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../common/index.ts';
import { attendOne } from './attention.ts';
import { swiglu } from './ffn.ts';
import { matmul, matmulReference } from './matmul.ts';
import { makeTensor } from './random-model.ts';
import { preparedBytes } from './quant.ts';
import { rmsNorm } from './rms-norm.ts';
import { ropeAngles, ropeNeox } from './rope.ts';
import type { GgmlTypeId } from '../tensor.ts';

function randomArray(rng: Rng, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * scale;
  return out;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    assert.ok(diff <= tolerance * Math.max(1, Math.abs(expected[i]!)), `${what}[${i}]: ${actual[i]} vs ${expected[i]} (diff ${diff})`);
  }
}

test('rmsNorm matches x / sqrt(mean(x²) + eps) · w, with offsets', () => {
  const rng = new Rng(1);
  const n = 37;
  const x = randomArray(rng, n + 5, 3);
  const w = randomArray(rng, n);
  const out = new Float32Array(n + 2);
  rmsNorm(out, 2, x, 5, w, n, 1e-5);
  let ms = 0;
  for (let i = 0; i < n; i++) ms += x[5 + i]! ** 2;
  ms /= n;
  const expected = Array.from({ length: n }, (_, i) => (x[5 + i]! / Math.sqrt(ms + 1e-5)) * w[i]!);
  assertClose(out.subarray(2), expected, 1e-6, 'rmsNorm');
  assert.equal(out[0], 0);
});

test('rmsNorm of a constant vector with unit weights is ±1 (up to eps)', () => {
  const x = new Float32Array([-2, -2, -2, -2]);
  const out = new Float32Array(4);
  rmsNorm(out, 0, x, 0, new Float32Array([1, 1, 1, 1]), 4, 1e-12);
  assertClose(out, [-1, -1, -1, -1], 1e-6, 'constant');
});

test('rope: NeoX pairs (i, i + d/2) turn by position·θ^(-2i/d); norms are kept; position 0 is the identity', () => {
  const rng = new Rng(2);
  const headDim = 16;
  const heads = 3;
  const half = headDim / 2;
  for (const position of [0, 1, 7, 300]) {
    const x = randomArray(rng, heads * headDim);
    const original = Float32Array.from(x);
    const cos = new Float32Array(half);
    const sin = new Float32Array(half);
    ropeAngles(cos, sin, 0, position, headDim, 10000);
    ropeNeox(x, 0, heads, headDim, cos, sin, 0);
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < half; i++) {
        const angle = position * Math.pow(10000, (-2 * i) / headDim);
        const a = original[h * headDim + i]!;
        const b = original[h * headDim + i + half]!;
        const expect0 = a * Math.cos(angle) - b * Math.sin(angle);
        const expect1 = a * Math.sin(angle) + b * Math.cos(angle);
        assert.ok(Math.abs(x[h * headDim + i]! - expect0) < 1e-4, `pos ${position} head ${h} i ${i}`);
        assert.ok(Math.abs(x[h * headDim + i + half]! - expect1) < 1e-4, `pos ${position} head ${h} i ${i}+half`);
        const before = Math.hypot(a, b);
        const after = Math.hypot(x[h * headDim + i]!, x[h * headDim + i + half]!);
        assert.ok(Math.abs(before - after) < 1e-5);
      }
    }
    if (position === 0) assert.deepEqual(x, original);
  }
});

test('rope angles: the step-by-step f32 table gives cos and sin within 1e-3 of the direct formula up to position 4096', () => {
  const headDim = 64;
  const cos = new Float32Array(32);
  const sin = new Float32Array(32);
  for (const position of [1, 100, 4095]) {
    ropeAngles(cos, sin, 0, position, headDim, 1_000_000);
    for (let i = 0; i < 32; i++) {
      const angle = position * Math.pow(1_000_000, (-2 * i) / headDim);
      assert.ok(Math.abs(cos[i]! - Math.cos(angle)) < 1e-3 && Math.abs(sin[i]! - Math.sin(angle)) < 1e-3, `pos ${position} i ${i}`);
    }
  }
});

/** attention with K/V heads repeated explicitly, f64, per head — the obvious version */
function naiveAttention(q: Float32Array, keys: Float32Array[], values: Float32Array[], heads: number, kvHeads: number, headDim: number): Float64Array {
  const out = new Float64Array(heads * headDim);
  const repeat = heads / kvHeads;
  for (let h = 0; h < heads; h++) {
    const g = Math.floor(h / repeat);
    const scores = keys.map((k) => {
      let s = 0;
      for (let i = 0; i < headDim; i++) s += q[h * headDim + i]! * k[g * headDim + i]!;
      return s / Math.sqrt(headDim);
    });
    const max = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - max));
    const z = e.reduce((a, b) => a + b, 0);
    values.forEach((v, t) => {
      for (let i = 0; i < headDim; i++) out[h * headDim + i] += (e[t]! / z) * v[g * headDim + i]!;
    });
  }
  return out;
}

for (const [heads, kvHeads] of [[4, 4], [4, 2], [14, 2], [7, 1]] as const) {
  test(`attendOne matches naive GQA attention (${heads} heads, ${kvHeads} KV heads, ratio ${heads / kvHeads})`, () => {
    const rng = new Rng(heads * 31 + kvHeads);
    const headDim = 8;
    const capacity = 12;
    const visible = 9;
    const kvDim = kvHeads * headDim;
    const layerOffset = 5 * capacity * kvDim; // pretend this is layer 5
    const keys = new Float32Array(6 * capacity * kvDim);
    const values = new Float32Array(6 * capacity * kvDim);
    const keyList: Float32Array[] = [];
    const valueList: Float32Array[] = [];
    for (let t = 0; t < capacity; t++) {
      const k = randomArray(rng, kvDim, 2);
      const v = randomArray(rng, kvDim, 2);
      keys.set(k, layerOffset + t * kvDim);
      values.set(v, layerOffset + t * kvDim);
      if (t < visible) { keyList.push(k); valueList.push(v); }
    }
    const q = randomArray(rng, heads * headDim, 2);
    const out = new Float32Array(heads * headDim);
    attendOne(out, 0, q, 0, keys, values, layerOffset, visible, { headCount: heads, kvHeadCount: kvHeads, headDim }, new Float32Array(capacity));
    assertClose(out, naiveAttention(q, keyList, valueList, heads, kvHeads, headDim), 1e-5, 'attention');
  });
}

test('attendOne with one visible position returns that position\'s value for every head of its group', () => {
  const headDim = 4;
  const keys = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const values = new Float32Array([10, 20, 30, 40, -1, -2, -3, -4]);
  const q = new Float32Array(4 * headDim).fill(0.3);
  const out = new Float32Array(4 * headDim);
  attendOne(out, 0, q, 0, keys, values, 0, 1, { headCount: 4, kvHeadCount: 2, headDim: 2 }, new Float32Array(1));
  // heads 0,1 → KV head 0 ([10,20]); heads 2,3 → KV head 1 ([30,40])
  assert.deepEqual(Array.from(out.subarray(0, 8)), [10, 20, 10, 20, 30, 40, 30, 40]);
});

test('swiglu computes silu(g)·u', () => {
  const gate = new Float32Array([-3, -0.5, 0, 0.5, 3]);
  const up = new Float32Array([2, 2, 2, -1, 0.25]);
  const expected = Array.from(gate, (g, i) => (g / (1 + Math.exp(-g))) * up[i]!);
  swiglu(gate, up, 5);
  assertClose(gate, expected, 1e-6, 'swiglu');
});

for (const type of ['F32', 'F16', 'BF16'] as const) {
  test(`matmul over ${type} rows matches dequantize-then-dot for 1 and 5 tokens`, () => {
    const rng = new Rng(7);
    const nIn = 64;
    const nOut = 24;
    const weight = makeTensor('w', [nIn, nOut], randomArray(rng, nIn * nOut), type);
    for (const tokens of [1, 5]) {
      const x = randomArray(rng, 3 + tokens * nIn, 2);
      const fast = new Float32Array(tokens * nOut + 1);
      const slow = new Float32Array(tokens * nOut + 1);
      const prepared = new Uint8Array(tokens * preparedBytes(weight.type as GgmlTypeId, nIn));
      matmul(fast, 1, x, 3, tokens, weight, nIn, nOut, prepared);
      matmulReference(slow, 1, x, 3, tokens, weight, nIn, nOut, new Float32Array(nIn));
      // F16/BF16 round the activations as llama.cpp does, so allow their precision
      const tolerance = type === 'F32' ? 1e-5 : type === 'F16' ? 5e-3 : 5e-2;
      assertClose(fast, slow, tolerance, `${type} × ${tokens}`);
      assert.equal(fast[0], 0);
    }
  });
}

for (const type of ['Q4_0', 'Q8_0', 'Q4_K', 'Q5_K', 'Q6_K'] as const) {
  test(`matmul over ${type} rows (activations quantized as llama.cpp does) stays within 2% of dequantize-then-dot`, () => {
    const rng = new Rng(8);
    const nIn = 512;
    const nOut = 6;
    const values = randomArray(rng, nIn * nOut);
    const weight = makeTensor('w', [nIn, nOut], values, type);
    const tokens = 3;
    const x = randomArray(rng, tokens * nIn, 2);
    const fast = new Float32Array(tokens * nOut);
    const slow = new Float32Array(tokens * nOut);
    matmul(fast, 0, x, 0, tokens, weight, nIn, nOut, new Uint8Array(tokens * preparedBytes(weight.type as GgmlTypeId, nIn)));
    matmulReference(slow, 0, x, 0, tokens, weight, nIn, nOut, new Float32Array(nIn));
    for (let t = 0; t < tokens; t++) {
      for (let r = 0; r < nOut; r++) {
        let magnitude = 0; // Σ|w·x|: the scale the quantization error is relative to
        for (let i = 0; i < nIn; i++) magnitude += Math.abs(values[r * nIn + i]! * x[t * nIn + i]!);
        const diff = Math.abs(fast[t * nOut + r]! - slow[t * nOut + r]!);
        assert.ok(diff <= 0.02 * magnitude, `${type} token ${t} row ${r}: diff ${diff} vs Σ|wx| ${magnitude}`);
        assert.notEqual(fast[t * nOut + r], 0);
      }
    }
  });
}
