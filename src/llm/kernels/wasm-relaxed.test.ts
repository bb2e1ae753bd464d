// The relaxed-SIMD kernel module (build/wasm/llm-kernels-relaxed.wasm)
// against the TypeScript twins and the plain module: Q8_0, Q4_0, Q5_0, Q4_K,
// Q5_K and Q6_K matmuls bit for bit (quantized rows, random bytes including Q8_0
// weight −128, activations holding −128; Q8_0 also over activations unpacked
// once, as the pool runs it), attention (fused multiply-adds)
// within the reference's bound, SwiGLU bit for bit, and the module choice. The file
// runs twice: in-process (the first calls run V8's baseline tier, Liftoff)
// and once more in a child with --no-liftoff (optimized code only), since
// the two tiers compile the relaxed instructions separately.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Rng } from '../../common/index.ts';
import { Arena } from '../../kernel/index.ts';
import { prepareActivations, preparedBytes, quantizeRow, vecDot } from '../quant/index.ts';
import { attendTokens, buildQwen2Weights, Qwen2Model, randomQwen2Tensors, swiglu, tinyConfig } from '../model/index.ts';
import { GgmlType, ggmlTypeTraits, rowBytes, type GgmlTypeId } from '../tensor.ts';
import { fillRandomBytes, kernelWasmBytes, randomFloats, randomScaleF16, wasmMissing } from '../../../tests/helpers/wasm-kernels.ts';
import { chooseKernelModule, kernelModulePreference, KERNELS_RELAXED_WASM_PATH } from './kernel-module-choice.ts';
import { validateWasm } from './wasm-api.ts';
import { POOL_CONTROL_BYTES, startKernelPool } from './kernel-pool.ts';
import { loadWasmKernels, Q8_0_UNPACKED_BYTES, wasmDotTwin, type WasmKernels } from './wasm-kernels.ts';

setFlagsFromString('--experimental-wasm-relaxed-simd');

const MiB = 1 << 20;
const relaxedFile = fileURLToPath(new URL(`../../../${KERNELS_RELAXED_WASM_PATH}`, import.meta.url));
const relaxedBytes = existsSync(relaxedFile) ? new Uint8Array(readFileSync(relaxedFile)) : undefined;
const skip: string | false = wasmMissing !== false
  ? wasmMissing
  : relaxedBytes === undefined
    ? `${KERNELS_RELAXED_WASM_PATH} is not built: run node scripts/build-wasm.js`
    : validateWasm(relaxedBytes) ? false : 'this engine cannot validate relaxed SIMD even with --experimental-wasm-relaxed-simd';
const tierChild = process.env.CHIMAERA_RELAXED_TIER_CHILD === '1';

/** byte offsets of the f16 scales in one block, kept finite in random-byte rows */
const SCALE_OFFSETS: Partial<Record<number, readonly number[]>> = {
  [GgmlType.Q8_0]: [0], [GgmlType.Q4_0]: [0], [GgmlType.Q5_0]: [0], [GgmlType.Q4_K]: [0, 2], [GgmlType.Q5_K]: [0, 2], [GgmlType.Q6_K]: [208],
};

type WeightSource = 'quantized' | 'random-bytes';

interface Modules {
  readonly arena: Arena;
  readonly relaxed: WasmKernels;
  readonly plain: WasmKernels;
}

function modules(): Modules {
  const arena = new Arena({ limitBytes: 64 * MiB });
  return { arena, relaxed: loadWasmKernels(relaxedBytes!, arena.memory), plain: loadWasmKernels(kernelWasmBytes(), arena.memory) };
}

/**
 * nOut rows of `type` (quantized from random floats, or random bytes with
 * finite scales), activations from the WASM quantizer (checked against
 * prepareActivations), then every output of the relaxed matmul must equal
 * the TypeScript twin (wasmDotTwin) and the plain module's output bit for bit. `activationEdit` may
 * overwrite prepared activation bytes first (e.g. to plant −128).
 */
function checkMatmul(type: GgmlTypeId, nIn: number, nOut: number, tokens: number, source: WeightSource, seed: number, activationEdit?: (bytes: Uint8Array, offset: number) => void): void {
  const rng = new Rng(seed);
  const { arena, relaxed, plain } = modules();
  const stride = rowBytes(type, nIn);
  const xStride = preparedBytes(type, nIn);
  const weights = arena.alloc(stride * nOut, 'test');
  const input = arena.alloc(4 * nIn * tokens, 'test');
  const prepared = arena.alloc(xStride * tokens, 'test');
  const outRelaxed = arena.alloc(4 * nOut * tokens, 'test');
  const outPlain = arena.alloc(4 * nOut * tokens, 'test');
  let bytes = new Uint8Array(arena.memory.buffer);
  if (source === 'quantized') {
    for (let r = 0; r < nOut; r++) quantizeRow(type, randomFloats(nIn, rng, 0.2), 0, bytes, weights.offset + r * stride, nIn);
  } else {
    fillRandomBytes(bytes, weights.offset, stride * nOut, rng);
    const blockBytes = ggmlTypeTraits(type)!.typeSize;
    for (let block = weights.offset; block < weights.offset + stride * nOut; block += blockBytes) {
      for (const at of SCALE_OFFSETS[type]!) {
        const bits = randomScaleF16(rng);
        bytes[block + at] = bits & 0xff;
        bytes[block + at + 1] = bits >>> 8;
      }
    }
  }
  const inputs = new Float32Array(arena.memory.buffer, input.offset, nIn * tokens);
  inputs.set(randomFloats(nIn * tokens, rng, 3));
  const expectedPrepared = new Uint8Array(xStride);
  for (let t = 0; t < tokens; t++) {
    relaxed.prepare(type, input.offset + 4 * nIn * t, prepared.offset + xStride * t, nIn);
    prepareActivations(type, inputs, nIn * t, nIn, expectedPrepared, 0);
    assert.deepEqual(bytes.subarray(prepared.offset + xStride * t, prepared.offset + xStride * (t + 1)), expectedPrepared, `token ${t}: activations differ from prepareActivations`);
  }
  if (activationEdit !== undefined) activationEdit(bytes, prepared.offset);
  const request = { type, weights: weights.offset, x: prepared.offset, tokens, nIn, nOut };
  relaxed.matmul({ ...request, out: outRelaxed.offset });
  plain.matmul({ ...request, out: outPlain.offset });
  const name = ggmlTypeTraits(type)!.name;
  if (type === GgmlType.Q8_0) {
    // the batch tiles over activations unpacked once (what the pool runs) give the same bits; the plain module never unpacks
    const unpacked = arena.alloc((nIn / 32) * Q8_0_UNPACKED_BYTES * tokens, 'test');
    const outUnpacked = arena.alloc(4 * nOut * tokens, 'test');
    const usable = relaxed.unpackQ8_0(prepared.offset, xStride, tokens, nIn, unpacked.offset);
    assert.equal(usable, activationEdit === undefined, 'unpacking is refused exactly when an activation byte is −128');
    assert.equal(plain.unpackQ8_0(prepared.offset, xStride, tokens, nIn, unpacked.offset), false);
    const matmulUnpacked = relaxed.raw.matmulQ8_0 as (...args: number[]) => void;
    matmulUnpacked(outUnpacked.offset, 4 * nOut, weights.offset, stride, prepared.offset, xStride, tokens, nIn, 0, nOut, usable ? unpacked.offset : 0);
    const viaUnpacked = new Float32Array(arena.memory.buffer, outUnpacked.offset, nOut * tokens);
    const direct = new Float32Array(arena.memory.buffer, outRelaxed.offset, nOut * tokens);
    for (let i = 0; i < nOut * tokens; i++) assert.ok(Object.is(viaUnpacked[i], direct[i]), `${name} ${nIn}×${nOut}, ${tokens} tokens: element ${i}: unpacked ${viaUnpacked[i]} vs ${direct[i]}`);
  }
  bytes = new Uint8Array(arena.memory.buffer);
  const actual = new Float32Array(arena.memory.buffer, outRelaxed.offset, nOut * tokens);
  const plainResult = new Float32Array(arena.memory.buffer, outPlain.offset, nOut * tokens);
  for (let r = 0; r < nOut; r++) {
    for (let t = 0; t < tokens; t++) {
      const expected = wasmDotTwin(type)(bytes, weights.offset + r * stride, bytes, prepared.offset + t * xStride, nIn);
      const value = actual[t * nOut + r]!;
      assert.ok(Object.is(value, expected), `${name} ${nIn}×${nOut}, ${tokens} tokens (${source}): row ${r} token ${t}: relaxed ${value} vs reference ${expected}`);
      assert.ok(Object.is(value, plainResult[t * nOut + r]!), `${name}: row ${r} token ${t}: relaxed ${value} vs plain module ${plainResult[t * nOut + r]}`);
    }
  }
}

// (nIn, nOut, tokens): one token with ≥ 16 rows takes the quarter-stream tiles, ≥ 4 tokens the 8-row × 4-token tiles (relaxed Q8_0; 4 × 4 for Q4_0/Q5_0), pairs of tokens the pair tiles, odd counts the leftovers
const SHAPES_32: Array<[number, number, number]> = [[32, 3, 1], [96, 5, 2], [160, 7, 3], [896, 24, 1], [896, 21, 2], [4864, 6, 1], [896, 13, 9], [896, 37, 1], [96, 16, 4], [160, 17, 7], [896, 8, 6], [64, 27, 13]];
const SHAPES_256: Array<[number, number, number]> = [[256, 3, 1], [512, 5, 3], [1792, 9, 2], [4864, 6, 1], [512, 9, 6], [1792, 7, 9]];

for (const typeName of ['Q8_0', 'Q4_0', 'Q5_0', 'Q4_K', 'Q5_K', 'Q6_K'] as const) {
  const type = GgmlType[typeName] as GgmlTypeId;
  const shapes = ggmlTypeTraits(type)!.blockSize === 256 ? SHAPES_256 : SHAPES_32;
  for (const source of ['quantized', 'random-bytes'] as const) {
    test(`relaxed module: ${typeName} matmul equals its TypeScript twin and the plain module bit for bit (${source} rows)`, { skip }, () => {
      for (const [nIn, nOut, tokens] of shapes) checkMatmul(type, nIn, nOut, tokens, source, nIn * 7 + nOut + type);
    });
  }
}

test('relaxed module: Q8_0 weights of −128 against negative activations stay exact (the sign goes onto the weight as ~w, never −w)', { skip }, () => {
  // every weight byte −128, activations quantized from random floats (about half negative)
  const { arena, relaxed } = modules();
  const nIn = 256;
  const nOut = 8;
  const stride = rowBytes(GgmlType.Q8_0, nIn);
  const weights = arena.alloc(stride * nOut, 'test');
  const prepared = arena.alloc(preparedBytes(GgmlType.Q8_0, nIn), 'test');
  const out = arena.alloc(4 * nOut, 'test');
  const bytes = new Uint8Array(arena.memory.buffer);
  for (let block = 0; block < (stride * nOut) / 34; block++) {
    const at = weights.offset + 34 * block;
    bytes[at] = 0x00;
    bytes[at + 1] = 0x3c; // d = 1.0
    bytes.fill(0x80, at + 2, at + 34);
  }
  prepareActivations(GgmlType.Q8_0, randomFloats(nIn, new Rng(5), 2), 0, nIn, bytes, prepared.offset);
  relaxed.matmul({ type: GgmlType.Q8_0, out: out.offset, weights: weights.offset, x: prepared.offset, tokens: 1, nIn, nOut });
  const result = new Float32Array(arena.memory.buffer, out.offset, nOut);
  for (let r = 0; r < nOut; r++) assert.ok(Object.is(result[r], vecDot(GgmlType.Q8_0, bytes, weights.offset + r * stride, bytes, prepared.offset, nIn)), `row ${r}: ${result[r]}`);
});

test('relaxed module: Q8_0 activations holding −128 (never written by the quantizers) fall back to the exact tiles', { skip }, () => {
  // plant −128 in a late block of the last token, with random-byte weights (some −128 too)
  for (const [nIn, nOut, tokens] of [[896, 24, 1], [896, 13, 4], [160, 8, 3]] as Array<[number, number, number]>) {
    const xStride = preparedBytes(GgmlType.Q8_0, nIn);
    checkMatmul(GgmlType.Q8_0, nIn, nOut, tokens, 'random-bytes', nIn + nOut, (bytes, offset) => {
      bytes[offset + (tokens - 1) * xStride + xStride - 5] = 0x80;
      bytes[offset + 2 + 7] = 0x80;
    });
  }
});

test('relaxed module: Q4_0 and Q5_0 activations holding −128 stay exact (the activation is the signed operand of the relaxed dot)', { skip }, () => {
  for (const type of [GgmlType.Q4_0, GgmlType.Q5_0] as GgmlTypeId[]) {
    for (const [nIn, nOut, tokens] of [[896, 13, 9], [160, 8, 4]] as Array<[number, number, number]>) {
      const xStride = preparedBytes(type, nIn);
      checkMatmul(type, nIn, nOut, tokens, 'random-bytes', nIn + nOut + type, (bytes, offset) => {
        for (let t = 0; t < tokens; t++) bytes.fill(0x80, offset + t * xStride + 2, offset + t * xStride + 34);
        bytes[offset + (tokens - 1) * xStride + xStride - 5] = 0x80;
      });
    }
  }
});

test('relaxed module: attention (fused multiply-adds) stays within 2e-5 of the reference; SwiGLU gives the twin\'s bits', { skip }, () => {
  const { arena, relaxed } = modules();
  const rng = new Rng(21);
  for (const shape of [{ headCount: 14, kvHeadCount: 2, headDim: 64, startPosition: 37, tokens: 11 }, { headCount: 4, kvHeadCount: 4, headDim: 12, startPosition: 0, tokens: 5 }]) {
    const qFloats = shape.tokens * shape.headCount * shape.headDim;
    const cacheFloats = (shape.startPosition + shape.tokens) * shape.kvHeadCount * shape.headDim;
    const [q, out, keys, values] = [qFloats, qFloats, cacheFloats, cacheFloats].map((count) => arena.alloc(4 * count, 'test'));
    const view = (offset: number, count: number): Float32Array => new Float32Array(arena.memory.buffer, offset, count);
    view(q!.offset, qFloats).set(randomFloats(qFloats, rng, 2));
    view(keys!.offset, cacheFloats).set(randomFloats(cacheFloats, rng, 2));
    view(values!.offset, cacheFloats).set(randomFloats(cacheFloats, rng, 1));
    const expected = new Float32Array(qFloats);
    attendTokens(expected, view(q!.offset, qFloats).slice(), view(keys!.offset, cacheFloats).slice(), view(values!.offset, cacheFloats).slice(), 0, shape.startPosition, shape.tokens, shape, new Float32Array(shape.startPosition + shape.tokens));
    relaxed.attention({ out: out!.offset, q: q!.offset, keys: keys!.offset, values: values!.offset, ...shape });
    const actual = view(out!.offset, qFloats);
    for (let i = 0; i < qFloats; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) <= 2e-5, `${JSON.stringify(shape)}: element ${i}: ${actual[i]} vs ${expected[i]}`);
  }
  const n = 1031;
  const gate = arena.alloc(4 * n, 'test');
  const up = arena.alloc(4 * n, 'test');
  const gates = randomFloats(n, rng, 12);
  const ups = randomFloats(n, rng, 2);
  new Float32Array(arena.memory.buffer, gate.offset, n).set(gates);
  new Float32Array(arena.memory.buffer, up.offset, n).set(ups);
  relaxed.swiglu(gate.offset, up.offset, n);
  swiglu(gates, ups, n);
  assert.deepEqual(new Float32Array(arena.memory.buffer, gate.offset, n), gates);
});

test('relaxed module: a Q8_0 model on the pool (batches over activations unpacked once per group) gives the TypeScript forward\'s logits bit for bit', { skip }, () => {
  const config = tinyConfig({ hiddenSize: 256, intermediateSize: 512, headCount: 4, kvHeadCount: 2, headDim: 64, vocabSize: 96, layerCount: 2 });
  const weights = buildQwen2Weights(config, randomQwen2Tensors(config, { seed: 3, matrixType: 'Q8_0', scale: 0.2 }), 'q8_0.gguf');
  const arena = new Arena({ limitBytes: 64 * MiB });
  const allocator = (bytes: number, label: string): Uint8Array => arena.view(arena.alloc(bytes, label));
  const pool = startKernelPool(relaxedBytes!, arena.memory, arena.alloc(POOL_CONTROL_BYTES, 'pool').offset, { workers: 0 });
  const ours = new Qwen2Model(config, weights, { allocator, pool });
  assert.equal(ours.kernels, 'wasm');
  // the reference attention, so that only the matmuls (bit-exact) differ in kind
  (ours.backend as { attend: typeof attendTokens }).attend = attendTokens;
  const prompt = [3, 17, 0, 42, 8, 8, 25, 1, 30, 11, 47, 5, 90, 2];
  const logits = (model: Qwen2Model): Float32Array => model.createContext(32, { batchSize: 8 }).evaluate(prompt, { logits: 'all' });
  assert.deepEqual(logits(ours), logits(new Qwen2Model(config, weights)));
});

test('kernel module choice: relaxed when wanted and valid, else plain with the reason', { skip }, () => {
  const plain = kernelWasmBytes();
  assert.equal(chooseKernelModule(plain, relaxedBytes, 'relaxed-if-supported').variant, 'relaxed-simd');
  assert.equal(chooseKernelModule(plain, relaxedBytes, 'relaxed-if-supported').bytes, relaxedBytes);
  const forced = chooseKernelModule(plain, relaxedBytes, 'plain');
  assert.equal(forced.bytes, plain);
  assert.match(forced.reason ?? '', /CHIMAERA_WASM_RELAXED=0/);
  assert.match(chooseKernelModule(plain, undefined, 'relaxed-if-supported').reason ?? '', /not built/);
  const broken = chooseKernelModule(plain, new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99]), 'relaxed-if-supported');
  assert.equal(broken.variant, 'simd');
  assert.match(broken.reason ?? '', /does not validate/);
  assert.equal(kernelModulePreference('0'), 'plain');
  assert.equal(kernelModulePreference(' OFF '), 'plain');
  assert.equal(kernelModulePreference(undefined), 'relaxed-if-supported');
  assert.equal(kernelModulePreference('1'), 'relaxed-if-supported');
});

test('relaxed module: the same checks pass in optimized code only (a child process with --no-liftoff)', { skip: skip || (tierChild ? 'this is the child run' : false) }, () => {
  const file = fileURLToPath(import.meta.url);
  // NODE_TEST_CONTEXT would make the child report to this runner instead of running on its own
  const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
  const child = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--no-liftoff', '--import', 'tsx', '--test', '--test-reporter=tap', file], {
    encoding: 'utf8',
    env: { ...env, CHIMAERA_RELAXED_TIER_CHILD: '1' },
  });
  assert.equal(child.status, 0, `child run failed:\n${child.stdout}\n${child.stderr}`);
  assert.match(child.stdout, /# pass 18\n/, `the child should pass the other 18 tests:\n${child.stdout}`);
  assert.match(child.stdout, /# fail 0\n/);
});
