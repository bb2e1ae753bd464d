/**
 * `chimaera llm` as a user runs it: run (continuation alone on stdout,
 * greedy = what the model itself produces), info, quantize (the quantized
 * file holds what our quantizer makes of the same weights, and llama.cpp
 * loads it), boot --model with the shell's `complete`, and bad model files
 * refused with typed errors that name the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildQwen2Weights, convertTensorData, ggufTensor, GgmlType, Qwen2Model, readGguf, syntheticQwen2Gguf, writeGguf } from '../src/llm/index.ts';
import { loadReference } from './helpers/llamacpp.ts';
import { ourGreedy, smallQwenTokenizer, testShapes } from './helpers/synthetic-models.ts';

const launcher = new URL('../bin/chimaera.js', import.meta.url).pathname;

function chimaera(args: string[], input = '') {
  const r = spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', input, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const { tokenizer } = smallQwenTokenizer();
const config = testShapes(tokenizer.vocabSize).A;

test('llm run prints the greedy continuation alone; info describes the file; boot --model serves the shell', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chimaera-llm-cli-'));
  try {
    const path = join(dir, 'a.gguf');
    const bytes = syntheticQwen2Gguf({ config, tokenizer, seed: 3, target: 'q8_0' });
    writeFileSync(path, bytes);
    const prompt = 'The capital of France is';
    const run = chimaera(['llm', 'run', '--model', path, '--prompt', prompt, '--max-tokens', '12', '--temperature', '0']);
    assert.equal(run.code, 0, run.err);
    const file = readGguf(bytes, path);
    const model = new Qwen2Model(config, buildQwen2Weights(config, new Map(file.tensors.map((i) => [i.name, ggufTensor(i, bytes)])), path));
    const tokens = ourGreedy(model.createContext(64), tokenizer.encode(prompt), 12).map((s) => s.token);
    const stops = new Set([tokenizer.eosId, tokenizer.specialTokens.get('<|im_end|>'), tokenizer.specialTokens.get('<|endoftext|>')]);
    const end = tokens.findIndex((t) => stops.has(t));
    assert.equal(run.out, tokenizer.decode(end === -1 ? tokens : tokens.slice(0, end)));

    const info = chimaera(['llm', 'info', path]);
    assert.equal(info.code, 0, info.err);
    assert.match(info.out, /architecture: qwen2/);
    assert.match(info.out, /layers: 2, hidden: 256, ffn: 512/);
    assert.match(info.out, /Q8_0/);
    assert.match(info.out, new RegExp(`${tokenizer.vocabSize} tokens`));

    const chat = chimaera(['llm', 'chat', '--model', path, '--max-tokens', '8', '--temperature', '0', '--verbose'], 'Hello there\nAnd again\n');
    assert.equal(chat.code, 0, chat.err);
    assert.equal(chat.err.match(/prompt tokens .* generated .* stop: /g)?.length, 2, `one reply per user line: ${chat.err}`);

    const boot = chimaera(['boot', '--disk', join(dir, 'disk.img'), '--disk-size', '64M', '--model', path], `complete ${prompt}\nllm\n`);
    assert.equal(boot.code, 0, boot.out + boot.err);
    assert.match(boot.out, /llm: weights .* in the arena/);
    assert.ok(boot.out.includes(tokenizer.decode(tokens.slice(0, 3))), 'the shell prints the completion');
    assert.match(boot.out, /requests 1 \(completed 1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('llm quantize writes what our quantizer makes of the weights, and llama.cpp loads it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chimaera-llm-cli-'));
  try {
    const source = join(dir, 'f32.gguf');
    writeFileSync(source, syntheticQwen2Gguf({ config, tokenizer, seed: 5, target: 'f32' }));
    for (const type of ['q8_0', 'q4_k_m'] as const) {
      const out = join(dir, `${type}.gguf`);
      const r = chimaera(['llm', 'quantize', source, out, '--type', type]);
      assert.equal(r.code, 0, r.err);
      const quantized = readGguf(new Uint8Array(readFileSync(out)), out);
      const original = readGguf(new Uint8Array(readFileSync(source)), source);
      const expected = readGguf(syntheticQwen2Gguf({ config, tokenizer, seed: 5, target: type }), 'expected');
      const expectedBytes = syntheticQwen2Gguf({ config, tokenizer, seed: 5, target: type });
      const outBytes = new Uint8Array(readFileSync(out));
      for (const info of quantized.tensors) {
        const want = expected.tensor(info.name)!;
        assert.equal(info.type, want.type, `${info.name} type`);
        assert.deepEqual(ggufTensor(info, outBytes).data, ggufTensor(want, expectedBytes).data, `${info.name} data`);
      }
      assert.equal(quantized.tensors.length, original.tensors.length);
      assert.equal(quantized.getU32('general.file_type'), type === 'q8_0' ? 7 : 15);
      const reference = await loadReference(out);
      assert.ok((await reference.greedy(tokenizer.encode('hello'), 2)).length === 2, 'llama.cpp runs the quantized file');
      await reference.dispose();
    }
    assert.deepEqual(convertTensorData(new Uint8Array(8), [2], GgmlType.F32, GgmlType.F32), new Uint8Array(8));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad model files are refused with typed errors that name the file and the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chimaera-llm-cli-'));
  try {
    const good = syntheticQwen2Gguf({ config, tokenizer, seed: 3, target: 'q8_0' });
    const cases: [string, Uint8Array, RegExp][] = [
      ['truncated.gguf', good.subarray(0, good.length - 1000), /gguf\.\w+: .*truncated\.gguf/],
      ['magic.gguf', Uint8Array.from(good, (b, i) => (i === 0 ? 0x47 ^ 0xff : b)), /gguf\.bad_magic: .*magic\.gguf/],
      ['header-only.gguf', good.subarray(0, 4096), /gguf\.\w+: .*header-only\.gguf/],
    ];
    // shapes that disagree with the config: claim 3 layers where the file has 2
    const file = readGguf(good, 'x');
    const tensors = file.tensors.map((t) => ({ name: t.name, type: t.type, shape: t.shape, data: ggufTensor(t, good).data }));
    const metadata = new Map(file.metadata);
    metadata.set('qwen2.embedding_length', { type: 'u32', value: 512 });
    cases.push(['shape.gguf', writeGguf({ metadata, tensors }), /llm\.tensor_shape: shape\.gguf: token_embd\.weight has shape/]);
    for (const [name, bytes, pattern] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const r = chimaera(['llm', 'run', '--model', path, '--prompt', 'x', '--max-tokens', '1']);
      assert.equal(r.code, 1, `${name}: ${r.err}`);
      assert.match(r.err, pattern, name);
      assert.doesNotMatch(r.err, /\n\s+at /, `${name}: no stack trace`);
    }
    const missing = chimaera(['llm', 'run', '--model', join(dir, 'nope.gguf'), '--prompt', 'x']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /cli\.host_io: .*nope\.gguf does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
