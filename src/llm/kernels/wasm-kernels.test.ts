// WebAssembly Q8_0 and F32 kernels against their TypeScript twins (llm/quant),
// the f16 scale conversion over all 65536 patterns, the checked matmul's
// argument errors, and kernels following the arena as it grows.
import test from 'node:test';
import assert from 'node:assert/strict';
import { ChimaeraError, Rng } from '../../common/index.ts';
import { f16ToF32, prepareActivations, preparedBytes, vecDot } from '../quant/index.ts';
import { GgmlType, rowBytes } from '../tensor.ts';
import { fillRandomBytes, kernelBench, kernelWasmBytes, randomFloats, randomScaleF16, wasmMissing } from '../../../tests/helpers/wasm-kernels.ts';
import { loadWasmKernels } from './wasm-kernels.ts';

const MiB = 1 << 20;
const skip = wasmMissing;

/** random Q8_0 weights: any int8 (−128 included) and moderate f16 scales */
function randomQ8_0Rows(bytes: Uint8Array, offset: number, nIn: number, nOut: number, rng: Rng): void {
  const size = rowBytes(GgmlType.Q8_0, nIn) * nOut;
  fillRandomBytes(bytes, offset, size, rng);
  for (let block = offset; block < offset + size; block += 34) setF16(bytes, block, randomScaleF16(rng));
}

function setF16(bytes: Uint8Array, offset: number, bits: number): void {
  bytes[offset] = bits & 0xff;
  bytes[offset + 1] = bits >>> 8;
}

function checkMatmulAgainstReference(type: typeof GgmlType.Q8_0 | typeof GgmlType.F32, nIn: number, nOut: number, tokens: number, seed: number): void {
  const rng = new Rng(seed);
  const bench = kernelBench(64 * MiB);
  const weights = bench.arena.alloc(rowBytes(type, nIn) * nOut, 'test');
  const prepared = bench.arena.alloc(preparedBytes(type, nIn) * tokens, 'test');
  const out = bench.arena.alloc(4 * nOut * tokens, 'test');
  const bytes = bench.bytes();
  if (type === GgmlType.Q8_0) randomQ8_0Rows(bytes, weights.offset, nIn, nOut, rng);
  else new Float32Array(bytes.buffer, weights.offset, nIn * nOut).set(randomFloats(nIn * nOut, rng));
  for (let t = 0; t < tokens; t++) {
    prepareActivations(type, randomFloats(nIn, rng, 3), 0, nIn, bytes, prepared.offset + t * preparedBytes(type, nIn));
  }
  bench.kernels.matmul({ type, out: out.offset, weights: weights.offset, x: prepared.offset, tokens, nIn, nOut });
  const result = bench.floats(out, nOut * tokens);
  for (let r = 0; r < nOut; r++) {
    for (let t = 0; t < tokens; t++) {
      const rowOffset = weights.offset + r * rowBytes(type, nIn);
      const xOffset = prepared.offset + t * preparedBytes(type, nIn);
      const expected = vecDot(type, bytes, rowOffset, bytes, xOffset, nIn);
      const actual = result[t * nOut + r]!;
      if (type === GgmlType.Q8_0) {
        assert.ok(Object.is(actual, expected), `Q8_0 ${nIn}: row ${r} token ${t}: wasm ${actual} vs reference ${expected}`);
      } else {
        const row = new Float32Array(bytes.buffer, rowOffset, nIn);
        const activations = new Float32Array(bytes.buffer, xOffset, nIn);
        let magnitude = 0;
        for (let i = 0; i < nIn; i++) magnitude += Math.abs(row[i]! * activations[i]!);
        const bound = (nIn / 16 + 6) * 2 ** -24 * magnitude;
        assert.ok(Math.abs(actual - expected) <= bound, `F32 ${nIn}: row ${r} token ${t}: wasm ${actual} vs reference ${expected} (bound ${bound})`);
      }
    }
  }
}

test('Q8_0 matmul equals vecDotQ8_0 bit for bit (block tails, batches, 0.5B widths)', { skip }, () => {
  const shapes: Array<[number, number, number]> = [[32, 5, 1], [96, 7, 3], [224, 9, 2], [896, 64, 1], [896, 16, 4], [4864, 24, 2], [160, 11, 6], [896, 9, 9], [160, 39, 1]];
  for (const [nIn, nOut, tokens] of shapes) checkMatmulAgainstReference(GgmlType.Q8_0, nIn, nOut, tokens, nIn + nOut);
});

test('F32 matmul stays within the stated f32-lane rounding bound of vecDotF32', { skip }, () => {
  const shapes: Array<[number, number, number]> = [[1, 3, 1], [15, 3, 2], [16, 3, 1], [17, 4, 1], [896, 32, 2], [4864, 8, 1]];
  for (const [nIn, nOut, tokens] of shapes) checkMatmulAgainstReference(GgmlType.F32, nIn, nOut, tokens, 7 * nIn + nOut);
});

test('every binary16 scale converts exactly (d_w = pattern, d_x = 1, one product of 1)', { skip }, () => {
  const bench = kernelBench(8 * MiB);
  const rows = 65536;
  const weights = bench.arena.alloc(34 * rows, 'test');
  const x = bench.arena.alloc(34, 'test');
  const out = bench.arena.alloc(4 * rows, 'test');
  const bytes = bench.bytes();
  for (let h = 0; h < rows; h++) {
    setF16(bytes, weights.offset + 34 * h, h);
    bytes[weights.offset + 34 * h + 2] = 1;
  }
  setF16(bytes, x.offset, 0x3c00);
  bytes[x.offset + 2] = 1;
  bench.kernels.matmul({ type: GgmlType.Q8_0, out: out.offset, weights: weights.offset, x: x.offset, tokens: 1, nIn: 32, nOut: rows });
  const result = bench.floats(out, rows);
  for (let h = 0; h < rows; h++) {
    const expected = 0 + f16ToF32(h); // the dot starts from +0, so −0 comes out as +0 (as in the reference)
    assert.ok(Object.is(result[h], expected) || (Number.isNaN(expected) && Number.isNaN(result[h])), `f16 0x${h.toString(16)}: wasm ${result[h]} vs ${expected}`);
  }
});

test('Q8_0 output head 896 × 151936 (145 MB of rows): sampled rows match bit for bit; a row range writes only its rows', { skip }, () => {
  const nIn = 896;
  const nOut = 151936;
  const rng = new Rng(151936);
  const bench = kernelBench(160 * MiB);
  const weights = bench.arena.alloc(rowBytes(GgmlType.Q8_0, nIn) * nOut, 'test', 64, 'uninitialized');
  const prepared = bench.arena.alloc(preparedBytes(GgmlType.Q8_0, nIn), 'test');
  const out = bench.arena.alloc(4 * nOut, 'test');
  const bytes = bench.bytes();
  randomQ8_0Rows(bytes, weights.offset, nIn, nOut, rng);
  prepareActivations(GgmlType.Q8_0, randomFloats(nIn, rng), 0, nIn, bytes, prepared.offset);
  const request = { type: GgmlType.Q8_0, out: out.offset, weights: weights.offset, x: prepared.offset, tokens: 1, nIn, nOut } as const;
  bench.kernels.matmul({ ...request, rowBegin: 1000, rowEnd: 2000 });
  const result = bench.floats(out, nOut);
  assert.equal(result[999], 0);
  assert.equal(result[2000], 0);
  assert.notEqual(result[1500], 0);
  bench.kernels.matmul(request);
  const sampled = [];
  for (let r = 0; r < nOut; r += 97) sampled.push(r);
  for (let r = nOut - 8; r < nOut; r++) sampled.push(r);
  for (const r of sampled) {
    const expected = vecDot(GgmlType.Q8_0, bytes, weights.offset + r * rowBytes(GgmlType.Q8_0, nIn), bytes, prepared.offset, nIn);
    assert.ok(Object.is(result[r], expected), `row ${r}: wasm ${result[r]} vs reference ${expected}`);
  }
});

test('kernels instantiated before the arena grows compute on memory committed later', { skip }, () => {
  const bench = kernelBench(4 * MiB);
  assert.equal(bench.arena.committedBytes, 0);
  const weights = bench.arena.alloc(4 * 64 * 3, 'test');
  const x = bench.arena.alloc(4 * 64, 'test');
  const out = bench.arena.alloc(4 * 3, 'test');
  const w = bench.floats(weights, 64 * 3);
  const v = bench.floats(x, 64);
  for (let i = 0; i < 64; i++) {
    v[i] = i;
    w[i] = 1;
    w[64 + i] = 2;
    w[128 + i] = i % 2 === 0 ? 1 : -1;
  }
  bench.kernels.matmul({ type: GgmlType.F32, out: out.offset, weights: weights.offset, x: x.offset, tokens: 1, nIn: 64, nOut: 3 });
  assert.deepEqual([...bench.floats(out, 3)], [2016, 4032, -32]);
});

test('checked matmul rejects unsupported types, ragged rows, bad row ranges and ranges outside the memory', { skip }, () => {
  const bench = kernelBench(MiB);
  const area = bench.arena.alloc(64 * 1024, 'test');
  const base = { type: GgmlType.Q8_0, out: area.offset, weights: area.offset, x: area.offset, tokens: 1, nIn: 64, nOut: 4 } as const;
  const rejects = (request: Parameters<typeof bench.kernels.matmul>[0], pattern: RegExp): void => {
    assert.throws(() => bench.kernels.matmul(request), (error: unknown) => error instanceof ChimaeraError && error.code === 'kernels.arguments_invalid' && pattern.test(error.message));
  };
  rejects({ ...base, type: GgmlType.Q5_1 }, /no WASM matmul for Q5_1/);
  rejects({ ...base, nIn: 48 }, /multiple of 32/);
  rejects({ ...base, rowBegin: 3, rowEnd: 2 }, /rows \[3, 2\)/);
  rejects({ ...base, rowEnd: 5 }, /rows \[0, 5\)/);
  rejects({ ...base, tokens: -1 }, /tokens = -1/);
  rejects({ ...base, weights: area.offset + 64 * 1024 }, /weights .* outside the 65536-byte memory/);
  rejects({ ...base, out: -4 }, /output/);
  bench.kernels.matmul(base); // the same request in range runs
});

test('bytes that are not the kernel module are refused with kernels.module_invalid', { skip }, () => {
  const bench = kernelBench(MiB);
  assert.throws(() => loadWasmKernels(new Uint8Array([0, 97, 115, 109, 9, 9]), bench.arena.memory), (error: unknown) => error instanceof ChimaeraError && error.code === 'kernels.module_invalid');
  const module = kernelWasmBytes();
  assert.equal(loadWasmKernels(module, bench.arena.memory).raw.dotQ8_0.length, 3);
});
