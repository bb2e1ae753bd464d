/**
 * The streaming synthetic-model writer against its in-memory twin: the
 * bytes equal writeGguf over model/random-model.ts's tensors quantized by
 * convertTensorData (the old path), for every target, whatever the chunk
 * size; the padded tokenizer loads back; 'fan-in' weights keep a deep
 * model's logits finite and bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gguf, ggufTensor, readGguf, writeGguf, type GgufValue } from './gguf/index.ts';
import { buildQwen2Weights, configToGgufMetadata, Qwen2Model, type Qwen2Config } from './model/index.ts';
import { randomQwen2Tensors } from './model/random-model.ts';
import { convertTensorData, fileTypeOf, quantizedTypeFor, type QuantizeTarget } from './quantize.ts';
import { syntheticQwen2Gguf } from './synthetic.ts';
import { layoutTypeCounts, streamSyntheticQwen2Gguf, syntheticQwen2GgufLayout } from './synthetic-weights.ts';
import { qwen2TensorPlan } from './model/index.ts';
import { Tokenizer } from './tokenizer/index.ts';
import { toyTokenizerJson } from './tokenizer/test-fixtures.ts';

const tokenizer = Tokenizer.fromTokenizerJson(toyTokenizerJson());

function config(overrides: Partial<Qwen2Config> = {}): Qwen2Config {
  return {
    vocabSize: tokenizer.vocabSize, hiddenSize: 256, intermediateSize: 288, layerCount: 2, headCount: 4, kvHeadCount: 2, headDim: 64,
    ropeTheta: 1e6, rmsNormEps: 1e-6, maxContext: 128, tiedEmbeddings: false, ...overrides,
  };
}

/** the old in-memory path: all tensors F32 from randomQwen2Tensors, converted, then writeGguf */
function oldPath(c: Qwen2Config, seed: number, target: QuantizeTarget): Uint8Array {
  const source = randomQwen2Tensors(c, { seed, scale: 0.5, matrixType: 'F32', naming: 'gguf' });
  const hasOutput = source.has('output.weight');
  const tensors = [...source.values()].map((t) => {
    const type = quantizedTypeFor(t.name, t.shape, t.type, target, { layerCount: c.layerCount, hasOutput });
    return { name: t.name, type, shape: t.shape, data: convertTensorData(t.data, t.shape, t.type, type) };
  });
  const metadata = new Map<string, GgufValue>([
    ['general.name', gguf.string(`synthetic-qwen2-${target}`)],
    ['general.file_type', gguf.u32(fileTypeOf(target))],
    ...configToGgufMetadata(c),
    ...tokenizer.toGgufMetadata(),
  ]);
  return writeGguf({ metadata, tensors });
}

for (const target of ['f32', 'q8_0', 'q4_k_m', 'q6_k'] as const) {
  test(`streamed ${target} file is byte-identical to the in-memory path, in any chunking`, () => {
    const c = config();
    const expected = oldPath(c, 42, target);
    assert.deepEqual(syntheticQwen2Gguf({ config: c, tokenizer, seed: 42, target }), expected);
    const chunks: number[] = [];
    const parts: Uint8Array[] = [];
    streamSyntheticQwen2Gguf({ config: c, tokenizer, seed: 42, target }, (chunk) => {
      chunks.push(chunk.length);
      parts.push(chunk.slice());
    }, { chunkBytes: 1000 });
    assert.ok(Math.max(...chunks.slice(1)) <= 1100 || target === 'f32', 'weight chunks stay near chunkBytes (one row at least)');
    assert.ok(chunks.length > 40, `written in many pieces (${chunks.length})`);
    assert.deepEqual(Buffer.concat(parts), Buffer.from(expected));
  });
}

test('layout: types and sizes before any weight is drawn; q4_k_m falls back where rows are not 256-multiples', () => {
  const c = config({ hiddenSize: 896 / 2, headCount: 7, kvHeadCount: 1, intermediateSize: 512, tiedEmbeddings: true });
  const layout = syntheticQwen2GgufLayout({ config: c, tokenizer, seed: 1, target: 'q4_k_m' });
  const counts = layoutTypeCounts(layout);
  // hidden 448 rows → Q5_0 (Q4_K fallback), ffn_down rows of 512 → Q4_K or Q6_K (use_more_bits), the tied head → Q8_0 (Q6_K fallback)
  assert.equal(layout.tensors.find((t) => t.plan.ggufName === 'token_embd.weight')!.type, 8);
  assert.ok((counts.get('Q5_0') ?? 0) > 0 && (counts.get('F32') ?? 0) === 2 * 5 + 1, JSON.stringify([...counts]));
  const file = syntheticQwen2Gguf({ config: c, tokenizer, seed: 1, target: 'q4_k_m' });
  assert.equal(file.length, layout.fileSize);
  assert.deepEqual(qwen2TensorPlan(c).map((t) => t.ggufName), readGguf(file, 'x.gguf').tensors.map((t) => t.name));
});

test('the tokenizer is padded with [PAD] unused tokens up to the embedding rows, and loads back', () => {
  const c = config({ vocabSize: tokenizer.vocabSize + 37 });
  const file = readGguf(syntheticQwen2Gguf({ config: c, tokenizer, seed: 3, target: 'q8_0' }), 'p.gguf');
  const tokens = file.getStringArray('tokenizer.ggml.tokens');
  assert.equal(tokens.length, c.vocabSize);
  assert.equal(tokens[c.vocabSize - 1], `[PAD${c.vocabSize - 1}]`);
  const loaded = Tokenizer.fromGgufMetadata(file.metadata, 'p.gguf');
  assert.deepEqual(loaded.encode('hello world'), tokenizer.encode('hello world'));
  assert.throws(() => syntheticQwen2GgufLayout({ config: config({ vocabSize: tokenizer.vocabSize - 1 }), tokenizer, seed: 1, target: 'f32' }), /more than the config/);
});

test("'fan-in' weights keep a 12-layer model's logits finite and of moderate size", () => {
  const c = config({ layerCount: 12, hiddenSize: 256, intermediateSize: 1024, tiedEmbeddings: true, maxContext: 256 });
  const bytes = syntheticQwen2Gguf({ config: c, tokenizer, seed: 5, target: 'q8_0', scale: 'fan-in' });
  const file = readGguf(bytes, 'f.gguf');
  const model = new Qwen2Model(c, buildQwen2Weights(c, new Map(file.tensors.map((i) => [i.name, ggufTensor(i, bytes)])), 'f.gguf'));
  const logits = model.createContext(256).evaluate(tokenizer.encode('The quick brown fox jumps over the lazy dog. '.repeat(4)), { logits: 'all' });
  let maxAbs = 0;
  for (const v of logits) {
    assert.ok(Number.isFinite(v));
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  assert.ok(maxAbs > 0.05 && maxAbs < 50, `max |logit| ${maxAbs}`);
});
