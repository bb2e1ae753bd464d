// PEFT adapter folders: the files follow the format (adapter_config.json
// fields; safetensors header length, padding, dtype names, shapes and
// contiguous offsets; PEFT's tensor names), a round trip gives bit-identical
// matrices (fixed cases and a fast-check property), F16/BF16 files load as
// their rounded values, a loaded adapter drives the engine exactly as the
// original, and every kind of damage fails with its typed error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng, isChimaeraError } from '../common/index.ts';
import { bf16ToF32, f32ToBf16, Qwen2Model, readSafetensors, roundToF16, writeSafetensors, type Qwen2Config, type SafetensorsDtype } from '../llm/index.ts';
import { LORA_TARGETS, LoraAdapter, type LoraConfig, type LoraTarget } from './lora.ts';
import { adapterFromPeft, adapterToPeft, parsePeftConfig, peftTensorName, type PeftFiles } from './peft.ts';
import { randomBase, smallConfig } from './test-models.ts';

/** an adapter with random A and B (B non-zero, unlike a fresh one) */
function randomAdapter(name: string, config: Qwen2Config, options: LoraConfig, seed: number): LoraAdapter {
  const adapter = LoraAdapter.create(name, config, options, seed);
  const rng = new Rng(seed + 1000);
  for (const m of adapter.matrices) for (let i = 0; i < m.b.length; i++) m.b[i] = (rng.next() * 2 - 1) * 0.3;
  return adapter;
}

function bytesOf(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function assertSameAdapter(loaded: LoraAdapter, original: LoraAdapter): void {
  assert.deepEqual(loaded.config, original.config);
  assert.equal(loaded.matrices.length, original.matrices.length);
  for (const m of original.matrices) {
    const twin = loaded.get(m.layer, m.target)!;
    assert.deepEqual([twin.nIn, twin.nOut, twin.rank, twin.scale], [m.nIn, m.nOut, m.rank, m.scale]);
    assert.deepEqual(bytesOf(twin.a), bytesOf(m.a), `layer ${m.layer} ${m.target} A`);
    assert.deepEqual(bytesOf(twin.b), bytesOf(m.b), `layer ${m.layer} ${m.target} B`);
  }
}

const CONFIG = smallConfig();
const OPTIONS: LoraConfig = { rank: 4, alpha: 16, dropout: 0.05, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] };
const isCode = (code: string, pattern?: RegExp) => (error: unknown): boolean =>
  isChimaeraError(error) && error.code === code && (pattern === undefined || pattern.test(error.message));

test('adapter_config.json carries the PEFT LoRA fields: peft_type, r, lora_alpha, lora_dropout, HF target_modules, bias, task_type, base model', () => {
  const adapter = randomAdapter('x', CONFIG, { rank: 8, alpha: 16, dropout: 0.1, targets: ['down', 'q', 'v'] }, 1);
  const config = JSON.parse(adapterToPeft(adapter, { baseModel: 'Qwen/Qwen2.5-0.5B-Instruct' }).configJson) as Record<string, unknown>;
  assert.equal(config['peft_type'], 'LORA');
  assert.equal(config['r'], 8);
  assert.equal(config['lora_alpha'], 16);
  assert.equal(config['lora_dropout'], 0.1);
  assert.deepEqual(config['target_modules'], ['q_proj', 'v_proj', 'down_proj']);
  assert.equal(config['bias'], 'none');
  assert.equal(config['task_type'], 'CAUSAL_LM');
  assert.equal(config['fan_in_fan_out'], false);
  assert.equal(config['base_model_name_or_path'], 'Qwen/Qwen2.5-0.5B-Instruct');
  assert.equal(config['use_rslora'], false);
  assert.equal(config['use_dora'], false);
});

test('adapter_model.safetensors follows the format: u64 header length, space-padded JSON, F32 [r, in] / [out, r] under PEFT names, contiguous offsets', () => {
  const adapter = randomAdapter('x', CONFIG, { rank: 3, alpha: 6, dropout: 0, targets: ['o', 'gate'] }, 2);
  const bytes = adapterToPeft(adapter).weights;
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  assert.equal(headerLength % 8, 0);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  assert.deepEqual(header['__metadata__'], { format: 'pt' });
  const names = Object.keys(header).filter((n) => n !== '__metadata__');
  const expected = [0, 1].flatMap((layer) => [
    `base_model.model.model.layers.${layer}.self_attn.o_proj.lora_A.weight`, `base_model.model.model.layers.${layer}.self_attn.o_proj.lora_B.weight`,
    `base_model.model.model.layers.${layer}.mlp.gate_proj.lora_A.weight`, `base_model.model.model.layers.${layer}.mlp.gate_proj.lora_B.weight`,
  ]);
  assert.deepEqual(names, expected);
  let offset = 0;
  for (const name of names) {
    const entry = header[name]!;
    assert.equal(entry.dtype, 'F32');
    const target: LoraTarget = name.includes('o_proj') ? 'o' : 'gate';
    const layer = Number(/layers\.(\d+)\./.exec(name)![1]);
    const m = adapter.get(layer, target)!;
    assert.deepEqual(entry.shape, name.includes('lora_A') ? [3, m.nIn] : [m.nOut, 3]);
    assert.equal(entry.data_offsets[0], offset);
    offset = entry.data_offsets[1];
    const data = bytes.subarray(8 + headerLength + entry.data_offsets[0], 8 + headerLength + entry.data_offsets[1]);
    assert.deepEqual(data, bytesOf(name.includes('lora_A') ? m.a : m.b));
  }
  assert.equal(8 + headerLength + offset, bytes.length);
  assert.equal(peftTensorName(5, 'up', 'B'), 'base_model.model.model.layers.5.mlp.up_proj.lora_B.weight');
});

test('write → read gives bit-identical matrices and config; writing the loaded adapter gives the same bytes; it drives the engine identically', () => {
  const base = randomBase(CONFIG, 3);
  const adapter = randomAdapter('x', CONFIG, OPTIONS, 3);
  const files = adapterToPeft(adapter, { baseModel: 'base' });
  const loaded = adapterFromPeft(files, CONFIG, 'loaded');
  assertSameAdapter(loaded, adapter);
  const again = adapterToPeft(loaded, { baseModel: 'base' });
  assert.equal(again.configJson, files.configJson);
  assert.deepEqual(again.weights, files.weights);

  const prompt = [1, 5, 9, 63, 0, 22];
  const model = new Qwen2Model(CONFIG, base.weights);
  model.setAdapters([adapter]);
  const original = model.createContext(16).evaluate(prompt, { logits: 'all' });
  model.setAdapters([loaded]);
  assert.deepEqual(model.createContext(16).evaluate(prompt, { logits: 'all' }), original);
});

test('property: any rank, alpha, dropout and target subset round-trips exactly', () => {
  const config = smallConfig({ layerCount: 1, hiddenSize: 16, headDim: 4, intermediateSize: 24 });
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 6 }), fc.double({ min: 0.5, max: 64, noNaN: true }), fc.double({ min: 0, max: 0.5, maxExcluded: true, noNaN: true }),
    fc.subarray([...LORA_TARGETS], { minLength: 1 }), fc.integer({ min: 0, max: 1e6 }),
    (rank, alpha, dropout, targets, seed) => {
      const adapter = randomAdapter('p', config, { rank, alpha, dropout, targets }, seed);
      assertSameAdapter(adapterFromPeft(adapterToPeft(adapter), config, 'p'), adapter);
    },
  ), { numRuns: 40 });
});

test('F16 and BF16 files load as the rounded values (f32 → f16 / bf16 → f32)', () => {
  const adapter = randomAdapter('x', CONFIG, { rank: 2, alpha: 4, dropout: 0, targets: ['k', 'up'] }, 4);
  const rounding: Record<Exclude<SafetensorsDtype, 'F32'>, (v: number) => number> = { F16: roundToF16, BF16: (v) => bf16ToF32(f32ToBf16(v)) };
  for (const dtype of ['F16', 'BF16'] as const) {
    const files = adapterToPeft(adapter, { dtype });
    const stored = readSafetensors(files.weights, dtype).tensors;
    assert.ok(stored.length === 4 * CONFIG.layerCount && stored.every((t) => t.dtype === dtype && t.byteLength === 2 * t.shape[0]! * t.shape[1]!));
    const loaded = adapterFromPeft(files, CONFIG, dtype);
    for (const m of adapter.matrices) {
      const twin = loaded.get(m.layer, m.target)!;
      assert.deepEqual(twin.a, m.a.map(rounding[dtype]));
      assert.deepEqual(twin.b, m.b.map(rounding[dtype]));
    }
  }
});

/** the files with the safetensors tensors rewritten by `edit` (name → [dtype, shape, f32 values] or undefined to drop) */
function rewrite(files: PeftFiles, edit: (tensors: Map<string, { shape: number[]; values: Float32Array }>) => void): PeftFiles {
  const adapter = adapterFromPeft(files, CONFIG, 'tmp');
  const tensors = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const m of adapter.matrices) {
    tensors.set(peftTensorName(m.layer, m.target, 'A'), { shape: [m.rank, m.nIn], values: m.a });
    tensors.set(peftTensorName(m.layer, m.target, 'B'), { shape: [m.nOut, m.rank], values: m.b });
  }
  edit(tensors);
  const weights = writeSafetensors([...tensors].map(([name, t]) => ({ name, dtype: 'F32' as const, shape: t.shape, data: bytesOf(t.values) })));
  return { configJson: files.configJson, weights };
}

test('damaged folders fail typed: missing tensor, wrong shape, rank mismatch, unexpected tensor', () => {
  const files = adapterToPeft(randomAdapter('x', CONFIG, { rank: 2, alpha: 4, dropout: 0, targets: ['q', 'down'] }, 5));
  const qA = peftTensorName(1, 'q', 'A');
  const missing = rewrite(files, (t) => t.delete(qA));
  assert.throws(() => adapterFromPeft(missing, CONFIG, 'm'), isCode('train.peft_tensor_missing', /layers\.1\.self_attn\.q_proj\.lora_A\.weight/));
  const wrongShape = rewrite(files, (t) => t.set(qA, { shape: [2, 16], values: new Float32Array(32) }));
  assert.throws(() => adapterFromPeft(wrongShape, CONFIG, 'm'), isCode('train.peft_tensor_invalid', /shape \[2, 16\], the model needs \[2, 32\]/));
  const rank3 = rewrite(files, (t) => t.set(peftTensorName(0, 'down', 'B'), { shape: [32, 3], values: new Float32Array(96) }));
  assert.throws(() => adapterFromPeft(rank3, CONFIG, 'm'), isCode('train.peft_tensor_invalid', /rank 3 .* r = 2/));
  const extra = rewrite(files, (t) => t.set(peftTensorName(0, 'v', 'A'), { shape: [2, 32], values: new Float32Array(64) }));
  assert.throws(() => adapterFromPeft(extra, CONFIG, 'm'), isCode('train.peft_tensor_invalid', /unexpected tensor .*v_proj/));
  const bias = rewrite(files, (t) => t.set('base_model.model.model.layers.0.self_attn.q_proj.lora_B.bias', { shape: [32], values: new Float32Array(32) }));
  assert.throws(() => adapterFromPeft(bias, CONFIG, 'm'), isCode('train.peft_tensor_invalid', /unexpected tensor/));
  // an adapter for a deeper model: layer 2 does not exist here
  const deeper = adapterToPeft(randomAdapter('x', smallConfig({ layerCount: 3 }), { rank: 2, alpha: 4, dropout: 0, targets: ['q'] }, 6));
  assert.throws(() => adapterFromPeft(deeper, CONFIG, 'm'), isCode('train.peft_tensor_invalid', /unexpected tensor .*layers\.2\./));
  // an adapter for a wider model
  const wider = adapterToPeft(randomAdapter('x', smallConfig({ hiddenSize: 48, headCount: 6 }), { rank: 2, alpha: 4, dropout: 0, targets: ['o'] }, 7));
  assert.throws(() => adapterFromPeft(wider, CONFIG, 'm'), isCode('train.peft_tensor_invalid', /the model needs/));
});

test('adapter_config.json that is not a plain LoRA we can hold fails train.peft_config_invalid, naming the field', () => {
  const good = JSON.parse(adapterToPeft(randomAdapter('x', CONFIG, OPTIONS, 8)).configJson) as Record<string, unknown>;
  const withField = (patch: Record<string, unknown>): string => JSON.stringify({ ...good, ...patch });
  const cases: [string, RegExp][] = [
    ['{ not json', /not valid JSON/],
    ['[1, 2]', /not a JSON object/],
    [withField({ peft_type: 'IA3' }), /peft_type is "IA3"/],
    [withField({ r: 0 }), /r must be a positive integer/],
    [withField({ target_modules: ['q_proj', 'lm_head'] }), /unknown target module "lm_head"/],
    [withField({ target_modules: 'all-linear' }), /target_modules must be a non-empty list/],
    [withField({ bias: 'all' }), /bias is "all"/],
    [withField({ fan_in_fan_out: true }), /fan_in_fan_out/],
    [withField({ use_rslora: true }), /use_rslora/],
    [withField({ use_dora: true }), /DoRA/],
    [withField({ rank_pattern: { q_proj: 16 } }), /rank_pattern/],
    [withField({ layers_to_transform: [0] }), /layers_to_transform/],
    [withField({ lora_dropout: 1 }), /lora_dropout/],
  ];
  for (const [json, pattern] of cases) assert.throws(() => parsePeftConfig(json), isCode('train.peft_config_invalid', pattern), json.slice(0, 60));
  // full module paths are accepted as PEFT matches them (suffix of the module name)
  const parsed = parsePeftConfig(withField({ target_modules: ['self_attn.o_proj', 'up_proj', 'o_proj'], lora_dropout: undefined }));
  assert.deepEqual(parsed.targets, ['o', 'up']);
  assert.equal(parsed.dropout, 0);
});
