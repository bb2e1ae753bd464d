// The forward pass on the WebAssembly kernels against the same model on the
// TypeScript kernels, for every weight type: bit-identical logits for the
// quantized types whose WASM dot is ggml's scalar order when attention runs
// on the reference (those matmul kernels and the activation quantizers are
// bit-exact and every other op is shared); Q4_K and Q6_K (whose WASM dots sum
// each super-block as one exact integer, see llm/kernels/wasm-kernels.ts),
// the WASM attention (one-pass online softmax, f32 exponentials) and
// F32/F16/BF16 matmuls within stated rounding bounds. Also: weights outside
// the memory are copied in once, weights already in it are used in place,
// and the kernel choice rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../../common/index.ts';
import { Arena } from '../../kernel/index.ts';
import { POOL_CONTROL_BYTES, startKernelPool, type KernelPool } from '../kernels/index.ts';
import { kernelWasmBytes, wasmMissing as skip } from '../../../tests/helpers/wasm-kernels.ts';
import type { Qwen2Config } from './config.ts';
import { attendTokens } from './backend.ts';
import { Qwen2Model } from './qwen2.ts';
import { randomQwen2Tensors, tinyConfig, type RandomWeightType } from './random-model.ts';
import type { ScratchAllocator } from './scratch.ts';
import { buildQwen2Weights } from './weights.ts';

const MiB = 1 << 20;

interface WasmSetup {
  readonly arena: Arena;
  readonly pool: KernelPool;
  readonly allocator: ScratchAllocator;
}

function wasmSetup(limitBytes = 64 * MiB): WasmSetup {
  const arena = new Arena({ limitBytes });
  const allocator: ScratchAllocator = (bytes, label) => arena.view(arena.alloc(bytes, label));
  const control = arena.alloc(POOL_CONTROL_BYTES, 'kernel pool');
  const pool = startKernelPool(kernelWasmBytes(), arena.memory, control.offset, { workers: 0 });
  return { arena, pool, allocator };
}

/** hidden and FFN widths that are multiples of 256 so every type (K-quants too) fits */
const CONFIG: Qwen2Config = tinyConfig({ hiddenSize: 256, intermediateSize: 512, headCount: 4, kvHeadCount: 2, headDim: 64, vocabSize: 96, layerCount: 2 });
const PROMPT = [3, 17, 0, 42, 8, 8, 25, 1, 30, 11, 47, 5, 90, 2];

/** the model with its backend's attention replaced by the TypeScript reference (to check the matmuls bit for bit) */
function withReferenceAttention(model: Qwen2Model): Qwen2Model {
  (model.backend as { attend: typeof attendTokens }).attend = attendTokens;
  return model;
}

/** max |a − b| over max |b| */
function relativeDifference(a: Float32Array, b: Float32Array): number {
  let spread = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    spread = Math.max(spread, Math.abs(b[i]!));
  }
  return diff / spread;
}

/** both logits sets of `ours` within `bound` of `theirs` (relativeDifference) */
function assertWithin(ours: { all: Float32Array; steps: Float32Array }, theirs: { all: Float32Array; steps: Float32Array }, bound: number, what: string): void {
  for (const key of ['all', 'steps'] as const) {
    const difference = relativeDifference(ours[key], theirs[key]);
    assert.ok(difference <= bound, `${what} (${key}): max |wasm − ts| / spread = ${difference}`);
  }
}

function logitsOf(model: Qwen2Model): { all: Float32Array; steps: Float32Array } {
  const all = model.createContext(64, { batchSize: 5 }).evaluate(PROMPT, { logits: 'all' });
  const context = model.createContext(64, { batchSize: 4 });
  context.evaluate(PROMPT.slice(0, 9), { logits: 'none' });
  const steps = new Float32Array(5 * CONFIG.vocabSize);
  for (let i = 9; i < PROMPT.length; i++) steps.set(context.evaluate([PROMPT[i]!]), (i - 9) * CONFIG.vocabSize);
  return { all, steps };
}

const QUANTIZED_TYPES: RandomWeightType[] = ['Q8_0', 'Q4_0', 'Q5_0', 'Q4_K', 'Q5_K', 'Q6_K'];
/** types whose WASM dot sums super-blocks as exact integers: the same value as ggml's order up to rounding */
const BLOCKWISE_TYPES: ReadonlySet<RandomWeightType> = new Set(['Q4_K', 'Q6_K']);
for (const type of QUANTIZED_TYPES) {
  const matmuls = BLOCKWISE_TYPES.has(type) ? 'within 1e-5' : 'bit for bit';
  test(`${type} weights: the wasm matmuls give the TypeScript forward's logits ${matmuls} (batched and token by token); with wasm attention too within 1e-5`, { skip }, () => {
    const tensors = randomQwen2Tensors(CONFIG, { seed: 40 + type.length, matrixType: type, scale: 0.2 });
    const weights = buildQwen2Weights(CONFIG, tensors, `${type}.gguf`);
    const setup = wasmSetup();
    const wasm = new Qwen2Model(CONFIG, weights, { allocator: setup.allocator, pool: setup.pool });
    assert.equal(wasm.kernels, 'wasm');
    const reference = new Qwen2Model(CONFIG, weights);
    assert.equal(reference.kernels, 'typescript');
    const theirs = logitsOf(reference);
    assertWithin(logitsOf(wasm), theirs, 1e-5, `${type}: wasm matmuls and attention`);
    const matmulsOnly = logitsOf(withReferenceAttention(new Qwen2Model(CONFIG, weights, { allocator: setup.allocator, pool: setup.pool })));
    if (BLOCKWISE_TYPES.has(type)) return assertWithin(matmulsOnly, theirs, 1e-5, `${type}: wasm matmuls`);
    assert.deepEqual(matmulsOnly.all, theirs.all);
    assert.deepEqual(matmulsOnly.steps, theirs.steps);
  });
}

// With the reference attention, only the F32/F16/BF16 matmul rounding differs (2e-5 of the spread).
// With the WASM attention, its rounding differences also flip the f16/bf16 rounding of
// activations now and then (one bf16 step is 2^-8 relative), hence the wider second bound.
for (const [type, matmulBound, attentionBound] of [['F32', 2e-5, 2e-5], ['F16', 2e-5, 2e-3], ['BF16', 2e-5, 1e-2]] as const) {
  test(`${type} weights: the wasm forward stays within ${matmulBound} of the TypeScript forward (reference attention), ${attentionBound} with wasm attention (relative to the logit spread)`, { skip }, () => {
    const tensors = randomQwen2Tensors(CONFIG, { seed: 77, matrixType: type, scale: 0.2 });
    const weights = buildQwen2Weights(CONFIG, tensors, `${type}.gguf`);
    const setup = wasmSetup();
    const theirs = logitsOf(new Qwen2Model(CONFIG, weights));
    assertWithin(logitsOf(withReferenceAttention(new Qwen2Model(CONFIG, weights, { allocator: setup.allocator, pool: setup.pool }))), theirs, matmulBound, `${type}: wasm matmuls`);
    assertWithin(logitsOf(new Qwen2Model(CONFIG, weights, { allocator: setup.allocator, pool: setup.pool })), theirs, attentionBound, `${type}: wasm matmuls and attention`);
  });
}

test('a mix with a Q5_1 matrix (no WASM kernel) runs that matrix on the TypeScript path and stays bit-identical', { skip }, () => {
  const mix = (name: string): RandomWeightType | undefined =>
    name.includes('ffn_down') ? 'Q5_K' : name.includes('attn_v') ? 'Q5_1' : name.includes('attn_k') ? 'Q8_0' : name === 'token_embd.weight' ? 'Q8_0' : undefined;
  const tensors = randomQwen2Tensors(CONFIG, { seed: 5, matrixType: 'Q4_0', matrixTypeOf: mix, scale: 0.2 });
  const weights = buildQwen2Weights(CONFIG, tensors, 'mix.gguf');
  const setup = wasmSetup();
  const ours = logitsOf(withReferenceAttention(new Qwen2Model(CONFIG, weights, { allocator: setup.allocator, pool: setup.pool })));
  const theirs = logitsOf(new Qwen2Model(CONFIG, weights));
  assert.deepEqual(ours.all, theirs.all);
  assert.deepEqual(ours.steps, theirs.steps);
});

test('weights outside the memory are copied in once (tied embeddings stay one copy); weights inside are used in place', { skip }, () => {
  const config = { ...CONFIG, tiedEmbeddings: true };
  const tensors = randomQwen2Tensors(config, { seed: 9, matrixType: 'Q8_0', scale: 0.2 });
  const setup = wasmSetup();
  const copied = new Qwen2Model(config, buildQwen2Weights(config, tensors, 'tied.gguf'), { allocator: setup.allocator, pool: setup.pool });
  assert.ok(copied.weights.layers[0]!.gate.data.buffer instanceof SharedArrayBuffer);
  assert.equal(copied.weights.output, copied.weights.tokenEmbedding);
  const usage = setup.arena.meminfo().byOwner.find((o) => o.owner.startsWith('weights token_embd'));
  assert.equal(usage?.count, 1);
  const inPlace = new Qwen2Model(config, copied.weights, { allocator: setup.allocator, pool: setup.pool });
  assert.equal(inPlace.weights.layers[1]!.down.data, copied.weights.layers[1]!.down.data);
  assert.deepEqual(logitsOf(inPlace).all, logitsOf(copied).all);
});

test("kernel choice: default follows the pool and the allocator's memory; 'wasm' without them fails kernels.unavailable", { skip }, () => {
  const tensors = randomQwen2Tensors(CONFIG, { seed: 3, matrixType: 'Q8_0', scale: 0.2 });
  const weights = buildQwen2Weights(CONFIG, tensors, 'choice.gguf');
  const setup = wasmSetup();
  assert.equal(new Qwen2Model(CONFIG, weights, { pool: setup.pool }).kernels, 'typescript');
  assert.equal(new Qwen2Model(CONFIG, weights, { allocator: setup.allocator, pool: setup.pool, kernels: 'typescript' }).kernels, 'typescript');
  const unavailable = (error: unknown): boolean => isChimaeraError(error) && error.code === 'kernels.unavailable';
  assert.throws(() => new Qwen2Model(CONFIG, weights, { kernels: 'wasm' }), unavailable);
  assert.throws(() => new Qwen2Model(CONFIG, weights, { kernels: 'wasm', pool: setup.pool }), unavailable);
  const other = wasmSetup();
  assert.throws(() => new Qwen2Model(CONFIG, weights, { kernels: 'wasm', pool: setup.pool, allocator: other.allocator }), unavailable);
});
