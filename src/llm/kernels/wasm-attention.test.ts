// The WebAssembly attention kernel (wasm/attention.ts: one pass, online
// softmax) against the TypeScript reference attendOne (two passes), on one
// thread and split over a worker pool, for several GQA shapes, batch offsets
// and context lengths; and its argument checks.
import test from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError, Rng } from '../../common/index.ts';
import { attendTokens } from '../model/index.ts';
import { kernelBench, kernelWasmBytes, kernelWorkerFactory as workerFactory, randomFloats, wasmMissing as skip } from '../../../tests/helpers/wasm-kernels.ts';
import { POOL_CONTROL_BYTES, startKernelPool } from './kernel-pool.ts';
import type { AttentionRequest, WasmKernels } from './wasm-kernels.ts';
import type { KernelBench } from '../../../tests/helpers/wasm-kernels.ts';

const MiB = 1 << 20;

interface Case { readonly headCount: number; readonly kvHeadCount: number; readonly headDim: number; readonly startPosition: number; readonly tokens: number }

/** random q and cache in the bench's memory; returns the request and the reference output */
function setUp(bench: KernelBench, shape: Case, seed: number): { request: AttentionRequest; expected: Float32Array } {
  const rng = new Rng(seed);
  const { headCount, kvHeadCount, headDim, startPosition, tokens } = shape;
  const positions = startPosition + tokens;
  const qFloats = tokens * headCount * headDim;
  const cacheFloats = positions * kvHeadCount * headDim;
  const q = bench.arena.alloc(4 * qFloats, 'q');
  const out = bench.arena.alloc(4 * qFloats, 'out');
  const keys = bench.arena.alloc(4 * cacheFloats, 'keys');
  const values = bench.arena.alloc(4 * cacheFloats, 'values');
  bench.floats(q, qFloats).set(randomFloats(qFloats, rng, 2));
  bench.floats(keys, cacheFloats).set(randomFloats(cacheFloats, rng, 2));
  bench.floats(values, cacheFloats).set(randomFloats(cacheFloats, rng, 1));
  const expected = new Float32Array(qFloats);
  attendTokens(expected, bench.floats(q, qFloats).slice(), bench.floats(keys, cacheFloats).slice(), bench.floats(values, cacheFloats).slice(), 0, startPosition, tokens, shape, new Float32Array(positions));
  const request = { out: out.offset, q: q.offset, keys: keys.offset, values: values.offset, startPosition, tokens, headCount, kvHeadCount, headDim };
  return { request, expected };
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  // values are in [-1, 1): outputs are convex combinations of them
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= 2e-5, `${what}: element ${i}: wasm ${actual[i]} vs reference ${expected[i]}`);
  }
}

const CASES: Case[] = [
  { headCount: 14, kvHeadCount: 2, headDim: 64, startPosition: 0, tokens: 9 },
  { headCount: 14, kvHeadCount: 2, headDim: 64, startPosition: 300, tokens: 1 },
  { headCount: 4, kvHeadCount: 4, headDim: 12, startPosition: 5, tokens: 3 },
  { headCount: 12, kvHeadCount: 2, headDim: 128, startPosition: 40, tokens: 17 },
];

test('wasm attention equals the reference within 2e-5 (single thread, several shapes)', { skip }, () => {
  for (const [index, shape] of CASES.entries()) {
    const bench = kernelBench(64 * MiB);
    const { request, expected } = setUp(bench, shape, 100 + index);
    bench.kernels.attention(request);
    assertClose(bench.floats({ offset: request.out } as never, expected.length), expected, JSON.stringify(shape));
  }
});

test('wasm attention split over a worker pool gives the single-thread result bit for bit', { skip }, () => {
  const bench = kernelBench(64 * MiB);
  const shape = { headCount: 14, kvHeadCount: 2, headDim: 64, startPosition: 60, tokens: 33 };
  const { request, expected } = setUp(bench, shape, 7);
  bench.kernels.attention(request);
  const single = bench.floats({ offset: request.out } as never, expected.length).slice();
  assertClose(single, expected, 'single');
  const control = bench.arena.alloc(POOL_CONTROL_BYTES, 'pool');
  const pool = startKernelPool(kernelWasmBytes(), bench.arena.memory, control.offset, { workers: 1, factory: workerFactory });
  try {
    bench.floats({ offset: request.out } as never, expected.length).fill(0);
    pool.attention(request);
    assert.deepEqual(bench.floats({ offset: request.out } as never, expected.length), single);
  } finally {
    pool.close();
  }
});

test('wasm attention checks its arguments (shapes, ranges) with kernels.arguments_invalid', { skip }, () => {
  const bench = kernelBench(16 * MiB);
  const { request } = setUp(bench, { headCount: 4, kvHeadCount: 2, headDim: 8, startPosition: 0, tokens: 2 }, 1);
  const invalid = (error: unknown): boolean => isChimaeraError(error, 'kernels.arguments_invalid');
  const kernels: WasmKernels = bench.kernels;
  assert.throws(() => kernels.attention({ ...request, headDim: 6 }), invalid);
  assert.throws(() => kernels.attention({ ...request, kvHeadCount: 3 }), invalid);
  assert.throws(() => kernels.attention({ ...request, startPosition: -1 }), invalid);
  assert.throws(() => kernels.attention({ ...request, keys: bench.arena.memory.buffer.byteLength - 8 }), invalid);
});
