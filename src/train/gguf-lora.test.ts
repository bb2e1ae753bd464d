// GGUF LoRA export: the metadata llama.cpp's loader checks (general.type,
// general.architecture, adapter.type, adapter.lora.alpha), tensor names and
// ggml shapes as convert_lora_to_gguf.py writes them ([nIn, rank] for
// lora_a, [rank, nOut] for lora_b, paired the way llama.cpp checks them
// against the base tensor), the data bytes, a read-back round trip in F32
// (exact) and F16 (rounded), and typed errors on foreign files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, isChimaeraError } from '../common/index.ts';
import { gguf, GgmlType, readGguf, roundToF16, writeGguf, type Qwen2Config } from '../llm/index.ts';
import { adapterFromGgufLora, adapterToGgufLora, ggufLoraTensorName } from './gguf-lora.ts';
import { LoraAdapter, type LoraConfig } from './lora.ts';
import { randomBase, smallConfig } from './test-models.ts';

function randomAdapter(config: Qwen2Config, options: LoraConfig, seed: number): LoraAdapter {
  const adapter = LoraAdapter.create('lora-test', config, options, seed);
  const rng = new Rng(seed + 1);
  for (const m of adapter.matrices) for (let i = 0; i < m.b.length; i++) m.b[i] = (rng.next() * 2 - 1) * 0.3;
  return adapter;
}

const CONFIG = smallConfig();

test('metadata and tensors are what llama.cpp expects: adapter/lora/qwen2 keys, alpha, blk.N.X.weight.lora_a [nIn, r] and lora_b [r, nOut] fitting the base tensor', () => {
  const adapter = randomAdapter(CONFIG, { rank: 3, alpha: 12, dropout: 0.1, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] }, 1);
  const bytes = adapterToGgufLora(adapter);
  const file = readGguf(bytes, 'adapter.gguf');
  assert.equal(file.getString('general.type'), 'adapter');
  assert.equal(file.getString('general.architecture'), 'qwen2');
  assert.equal(file.getString('adapter.type'), 'lora');
  assert.deepEqual(file.get('adapter.lora.alpha'), { type: 'f32', value: 12 });
  assert.equal(file.tensors.length, 2 * 7 * CONFIG.layerCount);
  const base = randomBase(CONFIG, 2).tensors;
  for (const m of adapter.matrices) {
    const a = file.tensor(ggufLoraTensorName(m.layer, m.target, 'a'))!;
    const b = file.tensor(ggufLoraTensorName(m.layer, m.target, 'b'))!;
    assert.deepEqual([a.type, b.type], [GgmlType.F32, GgmlType.F32]);
    assert.deepEqual(a.shape, [m.nIn, 3]);
    assert.deepEqual(b.shape, [3, m.nOut]);
    // llama.cpp's pairing rule: base.ne[0] = a.ne[0], base.ne[1] = b.ne[1], a.ne[1] = b.ne[0]
    const baseTensor = base.get(ggufLoraTensorName(m.layer, m.target, 'a').replace('.lora_a', ''))!;
    assert.equal(baseTensor.shape[0], a.shape[0]);
    assert.equal(baseTensor.shape[1], b.shape[1]);
    assert.equal(a.shape[1], b.shape[0]);
    assert.deepEqual(bytes.subarray(a.offset, a.offset + a.byteLength), new Uint8Array(m.a.buffer, m.a.byteOffset, m.a.byteLength));
    assert.deepEqual(bytes.subarray(b.offset, b.offset + b.byteLength), new Uint8Array(m.b.buffer, m.b.byteOffset, m.b.byteLength));
  }
  assert.equal(ggufLoraTensorName(4, 'o', 'b'), 'blk.4.attn_output.weight.lora_b');
});

test('round trip: F32 is exact, F16 gives the f16-rounded values', () => {
  const adapter = randomAdapter(CONFIG, { rank: 2, alpha: 5, dropout: 0, targets: ['v', 'down'] }, 3);
  const exact = adapterFromGgufLora(adapterToGgufLora(adapter), CONFIG, 'back');
  assert.deepEqual(exact.config, adapter.config);
  for (const m of adapter.matrices) {
    const twin = exact.get(m.layer, m.target)!;
    assert.deepEqual([twin.a, twin.b, twin.scale], [m.a, m.b, m.scale]);
  }
  const half = adapterFromGgufLora(adapterToGgufLora(adapter, { dtype: 'F16' }), CONFIG, 'half');
  for (const m of adapter.matrices) {
    const twin = half.get(m.layer, m.target)!;
    assert.deepEqual(twin.a, m.a.map(roundToF16));
    assert.deepEqual(twin.b, m.b.map(roundToF16));
  }
});

test('files that are not a qwen2 LoRA adapter for this model fail typed', () => {
  const adapter = randomAdapter(CONFIG, { rank: 2, alpha: 4, dropout: 0, targets: ['q'] }, 4);
  const file = readGguf(adapterToGgufLora(adapter), 'x.gguf');
  const bytes = adapterToGgufLora(adapter);
  const tensors = file.tensors.map((info) => ({ name: info.name, type: info.type, shape: info.shape, data: bytes.subarray(info.offset, info.offset + info.byteLength) }));
  const withMetadata = (key: string, value: string): Uint8Array => writeGguf({ metadata: new Map([...file.metadata, [key, gguf.string(value)]]), tensors });
  const code = (name: string, pattern: RegExp) => (error: unknown): boolean => isChimaeraError(error) && error.code === name && pattern.test(error.message);
  assert.throws(() => adapterFromGgufLora(withMetadata('general.architecture', 'llama'), CONFIG, 'x'), code('train.peft_config_invalid', /general.architecture is "llama"/));
  assert.throws(() => adapterFromGgufLora(withMetadata('general.type', 'model'), CONFIG, 'x'), code('train.peft_config_invalid', /general.type/));
  const dropped = writeGguf({ metadata: file.metadata, tensors: tensors.filter((t) => t.name !== 'blk.1.attn_q.weight.lora_b') });
  assert.throws(() => adapterFromGgufLora(dropped, CONFIG, 'x'), code('train.peft_tensor_missing', /blk\.1\.attn_q\.weight\.lora_b/));
  assert.throws(() => adapterFromGgufLora(adapterToGgufLora(adapter), smallConfig({ layerCount: 1 }), 'x'), code('train.peft_tensor_invalid', /unexpected tensor blk\.1\./));
});
