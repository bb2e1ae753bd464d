// The kernel pool on real worker threads (node:worker_threads through
// nodeKernelWorkerFactory): threaded matmuls and a threaded forward pass give
// exactly the single-threaded results; close() stops the workers and the pool
// refuses work afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError, Rng } from '../common/index.ts';
import { Arena } from '../kernel/index.ts';
import {
  buildQwen2Weights, GgmlType, POOL_CONTROL_BYTES, prepareActivations, preparedBytes, quantizeRow, Qwen2Model, randomQwen2Tensors, rowBytes, startKernelPool, tinyConfig,
  type GgmlTypeId, type KernelPool, type ScratchAllocator,
} from '../llm/index.ts';
import { kernelWasmBytes, randomFloats, wasmMissing as skip } from '../../tests/helpers/wasm-kernels.ts';
import { nodeKernelWorkerFactory } from './llm-worker.ts';

const MiB = 1 << 20;

function poolOn(arena: Arena, workers: number): KernelPool {
  const control = arena.alloc(POOL_CONTROL_BYTES, 'kernel pool');
  return startKernelPool(kernelWasmBytes(), arena.memory, control.offset, { workers, factory: nodeKernelWorkerFactory });
}

test('threaded matmuls (3 workers + caller) equal the single-threaded ones for every type, over many jobs', { skip }, () => {
  const arena = new Arena({ limitBytes: 64 * MiB });
  const threaded = poolOn(arena, 3);
  const single = poolOn(arena, 0);
  try {
    const rng = new Rng(12);
    const nIn = 512;
    const tokens = 3;
    for (const type of [GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q5_0, GgmlType.F16] as GgmlTypeId[]) {
      const nOut = 1000 + type;
      const stride = rowBytes(type, nIn);
      const xStride = preparedBytes(type, nIn);
      const weights = arena.alloc(stride * nOut, 'test');
      const x = arena.alloc(xStride * tokens, 'test');
      const outA = arena.alloc(4 * nOut * tokens, 'test');
      const outB = arena.alloc(4 * nOut * tokens, 'test');
      const bytes = new Uint8Array(arena.memory.buffer);
      for (let r = 0; r < nOut; r++) quantizeRow(type, randomFloats(nIn, rng, 0.3), 0, bytes, weights.offset + r * stride, nIn);
      for (let t = 0; t < tokens; t++) prepareActivations(type, randomFloats(nIn, rng, 2), 0, nIn, bytes, x.offset + t * xStride);
      const task = { type, outTokenStride: 4 * nOut, weights: weights.offset, rowStride: stride, x: x.offset, xTokenStride: xStride, tokens, n: nIn, nOut };
      for (let round = 0; round < 20; round++) {
        threaded.run([{ ...task, out: outA.offset }]);
        single.run([{ ...task, out: outB.offset }]);
        const a = new Float32Array(arena.memory.buffer, outA.offset, nOut * tokens);
        const b = new Float32Array(arena.memory.buffer, outB.offset, nOut * tokens);
        assert.deepEqual(a, b, `type ${type} round ${round}`);
        a.fill(0);
      }
    }
  } finally {
    threaded.close();
    single.close();
  }
});

test('a threaded forward pass gives the single-threaded logits bit for bit; a closed pool refuses work', { skip }, () => {
  const config = tinyConfig({ hiddenSize: 256, intermediateSize: 512, headCount: 4, kvHeadCount: 2, headDim: 64, vocabSize: 3000, layerCount: 2 });
  const tensors = randomQwen2Tensors(config, { seed: 21, matrixType: 'Q4_K', matrixTypeOf: (name) => (name.includes('ffn_down') ? 'Q6_K' : name === 'token_embd.weight' ? 'Q8_0' : undefined), scale: 0.2 });
  const arena = new Arena({ limitBytes: 64 * MiB });
  const allocator: ScratchAllocator = (bytes, label) => arena.view(arena.alloc(bytes, label));
  const weights = buildQwen2Weights(config, tensors, 'threads.gguf');
  const threaded = poolOn(arena, 2);
  const single = poolOn(arena, 0);
  try {
    const prompt = [5, 9, 2000, 14, 7, 2999, 1, 0, 31];
    const run = (pool: KernelPool): Float32Array => {
      const model = new Qwen2Model(config, weights, { allocator, pool });
      const context = model.createContext(32, { batchSize: 4 });
      const all = context.evaluate(prompt, { logits: 'all' });
      const next = Float32Array.from(context.evaluate([42]));
      const out = new Float32Array(all.length + next.length);
      out.set(all);
      out.set(next, all.length);
      return out;
    };
    assert.equal(threaded.threads, 3);
    assert.deepEqual(run(threaded), run(single));
  } finally {
    threaded.close();
    single.close();
  }
  assert.throws(() => threaded.run([{ type: GgmlType.F32, out: 0, outTokenStride: 4, weights: 0, rowStride: 4, x: 0, xTokenStride: 4, tokens: 1, n: 1, nOut: 1 }]),
    (error: unknown) => isChimaeraError(error) && error.code === 'kernels.pool_closed');
});
