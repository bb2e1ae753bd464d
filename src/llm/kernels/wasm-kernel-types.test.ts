// The WebAssembly matmuls added for Q4_0, Q5_0, Q5_K, Q6_K, F16 and BF16
// weights and the activation quantizers (f32 → Q8_0 / Q8_K / F16 / BF16),
// each against its TypeScript twin in llm/quant (wasmDotTwin): bit-identical
// bytes and dots, except F16/BF16 dots which stay within the stated f64-lane bound.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../common/index.ts';
import { dequantizeRow, prepareActivations, preparedBytes, quantizeRow, vecDotType } from '../quant/index.ts';
import { GgmlType, ggmlTypeTraits, rowBytes, type GgmlTypeId } from '../tensor.ts';
import { wasmDotTwin } from './wasm-kernels.ts';
import { fillRandomBytes, kernelBench, randomFloats, randomScaleF16, wasmMissing as skip, type KernelBench } from '../../../tests/helpers/wasm-kernels.ts';

const MiB = 1 << 20;

/** byte offsets of the f16 scales in one block of each type, to keep random blocks finite */
const SCALE_OFFSETS: Partial<Record<number, readonly number[]>> = {
  [GgmlType.Q4_0]: [0], [GgmlType.Q5_0]: [0], [GgmlType.Q5_K]: [0, 2], [GgmlType.Q6_K]: [208],
};

type WeightSource = 'quantized' | 'random-bytes';

function fillWeights(bench: KernelBench, type: GgmlTypeId, offset: number, nIn: number, nOut: number, source: WeightSource, rng: Rng): void {
  const bytes = bench.bytes();
  const stride = rowBytes(type, nIn);
  if (source === 'quantized') {
    for (let r = 0; r < nOut; r++) quantizeRow(type, randomFloats(nIn, rng, 0.2), 0, bytes, offset + r * stride, nIn);
    return;
  }
  fillRandomBytes(bytes, offset, stride * nOut, rng);
  const traits = ggmlTypeTraits(type)!;
  const scales = SCALE_OFFSETS[type];
  if (type === GgmlType.F16) {
    for (let i = 0; i < nIn * nOut; i++) bytes.set([0, 0], offset + 2 * i), setF16(bytes, offset + 2 * i, randomScaleF16(rng));
  } else if (type === GgmlType.BF16) {
    const values = new Float32Array(new Uint8Array(4).buffer);
    for (let i = 0; i < nIn * nOut; i++) {
      values[0] = (rng.next() * 2 - 1) * 4;
      const bits = new Uint32Array(values.buffer)[0]! >>> 16;
      bytes[offset + 2 * i] = bits & 0xff;
      bytes[offset + 2 * i + 1] = bits >>> 8;
    }
  } else if (scales !== undefined) {
    for (let block = offset; block < offset + stride * nOut; block += traits.typeSize) for (const at of scales) setF16(bytes, block + at, randomScaleF16(rng));
  }
}

function setF16(bytes: Uint8Array, offset: number, bits: number): void {
  bytes[offset] = bits & 0xff;
  bytes[offset + 1] = bits >>> 8;
}

/** prepares activations with the WASM quantizer, checks them against prepareActivations, then checks the matmul row by row */
function checkType(type: GgmlTypeId, nIn: number, nOut: number, tokens: number, source: WeightSource, seed: number): void {
  const rng = new Rng(seed);
  const bench = kernelBench(64 * MiB);
  const stride = rowBytes(type, nIn);
  const xStride = preparedBytes(type, nIn);
  const weights = bench.arena.alloc(stride * nOut, 'test');
  const input = bench.arena.alloc(4 * nIn * tokens, 'test');
  const prepared = bench.arena.alloc(xStride * tokens, 'test');
  const expectedPrepared = new Uint8Array(xStride);
  const out = bench.arena.alloc(4 * nOut * tokens, 'test');
  fillWeights(bench, type, weights.offset, nIn, nOut, source, rng);
  const inputs = bench.floats(input, nIn * tokens);
  inputs.set(randomFloats(nIn * tokens, rng, 3));
  const name = ggmlTypeTraits(type)!.name;
  for (let t = 0; t < tokens; t++) {
    bench.kernels.prepare(type, input.offset + 4 * nIn * t, prepared.offset + xStride * t, nIn);
    prepareActivations(type, inputs, nIn * t, nIn, expectedPrepared, 0);
    const actual = bench.bytes().subarray(prepared.offset + xStride * t, prepared.offset + xStride * (t + 1));
    assert.deepEqual(actual, expectedPrepared, `${name} activations of token ${t} differ from prepareActivations`);
  }
  bench.kernels.matmul({ type, out: out.offset, weights: weights.offset, x: prepared.offset, tokens, nIn, nOut });
  const result = bench.floats(out, nOut * tokens);
  const bytes = bench.bytes();
  const row = new Float32Array(nIn);
  const activations = new Float32Array(nIn);
  for (let r = 0; r < nOut; r++) {
    for (let t = 0; t < tokens; t++) {
      const rowOffset = weights.offset + r * stride;
      const xOffset = prepared.offset + t * xStride;
      const expected = wasmDotTwin(type)(bytes, rowOffset, bytes, xOffset, nIn);
      const actual = result[t * nOut + r]!;
      if (type !== GgmlType.F16 && type !== GgmlType.BF16) {
        assert.ok(Object.is(actual, expected), `${name} ${nIn} (${source}): row ${r} token ${t}: wasm ${actual} vs reference ${expected}`);
        continue;
      }
      dequantizeRow(type, bytes, rowOffset, row, 0, nIn);
      dequantizeRow(vecDotType(type), bytes, xOffset, activations, 0, nIn);
      let magnitude = 0;
      for (let i = 0; i < nIn; i++) magnitude += Math.abs(row[i]! * activations[i]!);
      const bound = 2 ** -24 * Math.abs(expected) + nIn * 2 ** -52 * magnitude;
      assert.ok(Math.abs(actual - expected) <= bound, `${name} ${nIn}: row ${r} token ${t}: wasm ${actual} vs reference ${expected} (bound ${bound})`);
    }
  }
}

const SHAPES_32: Array<[number, number, number]> = [[32, 3, 1], [96, 5, 2], [160, 7, 3], [896, 24, 2], [4864, 6, 1], [160, 9, 6], [896, 13, 9], [896, 37, 1]];
const SHAPES_256: Array<[number, number, number]> = [[256, 3, 1], [512, 5, 3], [1792, 9, 2], [4864, 6, 1], [512, 9, 6], [1792, 7, 9]];

for (const typeName of ['Q4_0', 'Q5_0', 'Q5_K', 'Q6_K'] as const) {
  const type = GgmlType[typeName] as GgmlTypeId;
  const shapes = ggmlTypeTraits(type)!.blockSize === 256 ? SHAPES_256 : SHAPES_32;
  for (const source of ['quantized', 'random-bytes'] as const) {
    test(`${typeName} matmul equals its TypeScript twin bit for bit (${source} rows), activations equal prepareActivations`, { skip }, () => {
      for (const [nIn, nOut, tokens] of shapes) checkType(type, nIn, nOut, tokens, source, nIn * 7 + nOut + type);
    });
  }
}

for (const typeName of ['F16', 'BF16'] as const) {
  test(`${typeName} matmul stays within 2^-24·|ref| + n·2^-52·Σ|w·x| of vecDot${typeName}; activations round like prepareActivations`, { skip }, () => {
    const type = GgmlType[typeName] as GgmlTypeId;
    for (const [nIn, nOut, tokens] of [[1, 3, 1], [7, 3, 2], [64, 5, 1], [896, 16, 2], [4864, 4, 1]] as Array<[number, number, number]>) {
      checkType(type, nIn, nOut, tokens, 'random-bytes', nIn + 3 * nOut);
    }
  });
}

test('activation quantizers: ties, zero blocks, sign of the largest value, huge, tiny and non-finite values match the TypeScript bytes', { skip }, () => {
  const bench = kernelBench(4 * MiB);
  const n = 512;
  const input = bench.arena.alloc(4 * n, 'test');
  const prepared = bench.arena.alloc(2048, 'test');
  const cases: Array<[string, (i: number) => number]> = [
    ['zeros', () => 0],
    ['half-way values', (i) => ((i % 9) - 4) * 0.5 + (i % 2 === 0 ? 0.25 : 0)],
    ['equal magnitudes of both signs', (i) => (i % 2 === 0 ? 3 : -3)],
    ['largest negative first', (i) => (i === 5 ? -8 : i === 6 ? 8 : Math.sin(i))],
    ['tiny values', (i) => Math.sin(i) * 1e-30],
    ['f16 subnormal scales', (i) => Math.sin(i) * 1e-6],
    ['large values', (i) => Math.cos(i) * 6e4],
    ['one non-zero', (i) => (i === 300 ? -1e-3 : 0)],
    // a NaN or an infinity spoils its own block only (scale NaN or ∞, quants 0), the same in both
    ['NaN and infinities', (i) => (i === 3 ? NaN : i === 40 ? Infinity : i === 77 ? -Infinity : i === 300 ? NaN : Math.sin(i))],
  ];
  for (const [what, value] of cases) {
    const values = bench.floats(input, n);
    for (let i = 0; i < n; i++) values[i] = value(i);
    for (const type of [GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.F16, GgmlType.BF16] as GgmlTypeId[]) {
      const size = preparedBytes(type, n);
      const expected = new Uint8Array(size);
      prepareActivations(type, Float32Array.from(values), 0, n, expected, 0);
      bench.kernels.prepare(type, input.offset, prepared.offset, n);
      assert.deepEqual(bench.bytes().subarray(prepared.offset, prepared.offset + size), expected, `${what}: ${ggmlTypeTraits(vecDotType(type))!.name} bytes differ`);
    }
  }
});
