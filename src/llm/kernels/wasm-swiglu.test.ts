// SwiGLU's gating: the WebAssembly kernel (wasm/swiglu.ts) against its
// TypeScript twin (llm/model/ffn.ts swiglu) bit for bit — on one thread and
// split over a worker pool, over ordinary activations, the clamp's edges,
// infinities, NaN and lengths that are not a multiple of 4 — and the twin's
// e^x against Math.exp.
import test from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError, Rng } from '../../common/index.ts';
import { expF32, swiglu } from '../model/index.ts';
import { kernelBench, kernelWasmBytes, kernelWorkerFactory, randomFloats, wasmMissing as skip } from '../../../tests/helpers/wasm-kernels.ts';
import { POOL_CONTROL_BYTES, startKernelPool } from './kernel-pool.ts';

const MiB = 1 << 20;

/** gate values: random activations at several scales, then the edges */
function gateValues(n: number, rng: Rng): Float32Array {
  const values = randomFloats(n, rng, 8);
  const edges = [0, -0, 1e-30, -1e-30, 87.3, -87.3, 88.3, -88.3, 87.29, 88.31, 100, -100, 1e30, -1e30, Infinity, -Infinity, NaN, 0.34657359, -0.34657359];
  values.set(edges, 0);
  for (let i = edges.length; i < n; i += 7) values[i] = values[i]! * 2 ** rng.int(-20, 4);
  return values;
}

test('the wasm swiglu gives the TypeScript twin\'s bits (single thread and a worker pool, odd lengths, edges, NaN)', { skip }, () => {
  const rng = new Rng(12);
  for (const n of [0, 1, 3, 4, 37, 4864 * 3 + 2]) {
    const bench = kernelBench(16 * MiB);
    const gate = gateValues(Math.max(n, 19), rng).subarray(0, n);
    const up = randomFloats(n, rng, 2);
    const expected = gate.slice();
    swiglu(expected, up, n);
    const gateAt = bench.arena.alloc(4 * n + 4, 'gate');
    const upAt = bench.arena.alloc(4 * n + 4, 'up');
    bench.floats(gateAt, n).set(gate);
    bench.floats(upAt, n).set(up);
    bench.kernels.swiglu(gateAt.offset, upAt.offset, n);
    assert.deepEqual(bench.floats(gateAt, n), expected, `single thread, n = ${n}`);

    const control = bench.arena.alloc(POOL_CONTROL_BYTES, 'pool');
    const pool = startKernelPool(kernelWasmBytes(), bench.arena.memory, control.offset, { workers: 1, factory: kernelWorkerFactory });
    try {
      bench.floats(gateAt, n).set(gate);
      pool.swiglu(gateAt.offset, upAt.offset, n);
      assert.deepEqual(bench.floats(gateAt, n), expected, `pool, n = ${n}`);
    } finally {
      pool.close();
    }
  }
});

test('expF32 is within 2 ulp of Math.exp over [−87.3, 88.3] and clamps outside', () => {
  const rng = new Rng(3);
  let worst = 0;
  for (let i = 0; i < 200_000; i++) {
    const x = Math.fround(-87.3 + rng.next() * (88.3 + 87.3));
    const exact = Math.exp(x);
    const ulp = 2 ** (Math.floor(Math.log2(exact)) - 23);
    worst = Math.max(worst, Math.abs(expF32(x) - exact) / ulp);
  }
  assert.ok(worst <= 2, `worst error ${worst} ulp`);
  assert.equal(expF32(0), 1);
  assert.equal(expF32(-1000), expF32(Math.fround(-87.3)));
  assert.equal(expF32(1000), expF32(Math.fround(88.3)));
  assert.ok(Number.isFinite(expF32(Infinity)) && expF32(-Infinity) > 0);
  assert.ok(Number.isNaN(expF32(NaN)));
});

test('swiglu matches g·u / (1 + e^(−g)) in f64 to f32 rounding for ordinary activations', () => {
  const rng = new Rng(5);
  const gate = randomFloats(4096, rng, 10);
  const up = randomFloats(4096, rng, 3);
  const ours = gate.slice();
  swiglu(ours, up, gate.length);
  for (let i = 0; i < gate.length; i++) {
    const exact = (gate[i]! / (1 + Math.exp(-gate[i]!))) * up[i]!;
    assert.ok(Math.abs(ours[i]! - exact) <= 4 * 2 ** -24 * Math.abs(exact) + 1e-40, `element ${i}: ${ours[i]} vs ${exact}`);
  }
});

test('the wasm swiglu checks its ranges with kernels.arguments_invalid', { skip }, () => {
  const bench = kernelBench(16 * MiB);
  const size = bench.arena.memory.buffer.byteLength;
  const invalid = (error: unknown): boolean => isChimaeraError(error, 'kernels.arguments_invalid');
  assert.throws(() => bench.kernels.swiglu(0, size - 8, 4), invalid);
  assert.throws(() => bench.kernels.swiglu(2, 64, 4), invalid);
  assert.throws(() => bench.kernels.swiglu(0, 64, -1), invalid);
});
