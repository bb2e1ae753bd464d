/**
 * safetensors reader/writer and Hugging Face folders: round trip, each
 * validation rule with its typed error, sharded folders, and a fuzz of the
 * header parser.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChimaeraError, isChimaeraError, type ErrorCode } from '../../common/index.ts';
import { GgmlType } from '../tensor.ts';
import { openHfFolder, readSafetensors, safetensorsData, safetensorsToTensor, writeSafetensors, type SafetensorsTensorToWrite } from './index.ts';

const bytes = (n: number, seed: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 13 + seed) & 0xff);
const tensors: SafetensorsTensorToWrite[] = [
  { name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [10, 8], data: bytes(160, 1) },
  { name: 'model.layers.0.self_attn.q_proj.weight', dtype: 'F16', shape: [8, 8], data: bytes(128, 2) },
  { name: 'model.layers.0.self_attn.q_proj.bias', dtype: 'F32', shape: [8], data: bytes(32, 3) },
  { name: 'scalar', dtype: 'F32', shape: [], data: bytes(4, 4) },
];
const file = writeSafetensors(tensors, { format: 'pt' });

function encode(header: unknown, dataBytes = 64): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

function expectCode(data: Uint8Array, code: ErrorCode, pattern?: RegExp): void {
  assert.throws(() => readSafetensors(data, 'w.safetensors'), (e) => {
    assert.ok(isChimaeraError(e, code), `expected ${code}, got ${(e as Error).message}`);
    if (pattern) assert.match((e as Error).message, pattern);
    return true;
  });
}

test('write → read round-trips tensors, shapes (row-major) and metadata', () => {
  const parsed = readSafetensors(file, 'w.safetensors');
  assert.equal((parsed.dataOffset - 8) % 8, 0);
  assert.deepEqual(parsed.metadata, { format: 'pt' });
  assert.equal(parsed.tensors.length, 4);
  for (const [i, info] of parsed.tensors.entries()) {
    assert.equal(info.name, tensors[i]!.name);
    assert.equal(info.dtype, tensors[i]!.dtype);
    assert.deepEqual(info.shape, tensors[i]!.shape);
    assert.deepEqual(safetensorsData(info, file), tensors[i]!.data);
  }
  const embed = safetensorsToTensor(parsed.tensors[0]!, safetensorsData(parsed.tensors[0]!, file));
  assert.equal(embed.type, GgmlType.BF16);
  assert.deepEqual(embed.shape, [8, 10]); // ggml order: innermost first
  assert.deepEqual(safetensorsToTensor(parsed.tensors[3]!, new Uint8Array(4)).shape, [1]);
});

test('rejects bad headers and tensor entries with typed errors naming the tensor', () => {
  expectCode(new Uint8Array(4), 'safetensors.truncated');
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 60n, true);
  expectCode(huge, 'safetensors.malformed', /exceeds/);
  expectCode(file.subarray(0, 20), 'safetensors.truncated', /header runs past the end/);
  expectCode(encode('{"a": '), 'safetensors.malformed', /not valid UTF-8 JSON/);
  expectCode(encode('[1,2]'), 'safetensors.malformed', /not a JSON object/);
  expectCode(encode({ __metadata__: { a: 1 } }), 'safetensors.malformed', /__metadata__\.a/);
  expectCode(encode({ w: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }), 'safetensors.dtype_unsupported', /tensor w has dtype I64/);
  expectCode(encode({ w: { dtype: 'F32', shape: [2, -1], data_offsets: [0, 8] } }), 'safetensors.tensor_invalid', /tensor w has a shape/);
  expectCode(encode({ w: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }), 'safetensors.tensor_invalid', /wrong order/);
  expectCode(encode({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }), 'safetensors.tensor_invalid', /needs 12/);
  expectCode(encode({ w: { dtype: 'F32', shape: [32], data_offsets: [0, 128] } }), 'safetensors.truncated', /tensor w runs past the end/);
  expectCode(encode({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] } }), 'safetensors.tensor_invalid', /overlap/);
  expectCode(encode({ w: { dtype: 'F32', shape: [4], data_offsets: [0] } }), 'safetensors.tensor_invalid', /data_offsets/);
});

test('writer refuses data that does not match the shape', () => {
  assert.throws(() => writeSafetensors([{ name: 'x', dtype: 'F16', shape: [3], data: new Uint8Array(4) }]), (e) => isChimaeraError(e, 'arg.invalid'));
});

test('fuzz: mutated and truncated files fail only with ChimaeraError', () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.nat(file.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
    fc.nat(file.length),
    (mutations, cut) => {
      const data = file.slice(0, cut);
      for (const [at, value] of mutations) if (at < data.length) data[at] = value;
      try {
        const parsed = readSafetensors(data, 'fuzz.safetensors');
        for (const t of parsed.tensors) assert.ok(t.offset + t.byteLength <= data.length);
      } catch (e) {
        if (!(e instanceof ChimaeraError)) throw e;
      }
    },
  ), { numRuns: 3000 });
});

// ── Hugging Face folders ────────────────────────────────────────────────────

const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const config = { architectures: ['Qwen2ForCausalLM'], hidden_size: 8, num_hidden_layers: 1 };

test('single-file folder: config, weights, tokenizer files', () => {
  const folder = openHfFolder([
    { name: 'config.json', bytes: json(config) },
    { name: 'model.safetensors', bytes: file },
    { name: 'tokenizer.json', bytes: json({ model: { type: 'BPE' } }) },
    { name: 'generation_config.json', bytes: json({ temperature: 0.7 }) },
  ], 'qwen');
  assert.equal(folder.config['hidden_size'], 8);
  assert.equal(folder.tensors.size, 4);
  assert.deepEqual(folder.tensors.get('model.layers.0.self_attn.q_proj.bias')!.data, tensors[2]!.data);
  assert.match(folder.tokenizerJson!, /BPE/);
  assert.equal(folder.tokenizerConfig, undefined);
  assert.equal(folder.generationConfig!['temperature'], 0.7);
});

test('sharded folder: index + shards, with conflicts and missing files reported by name', () => {
  const shard1 = writeSafetensors([tensors[0]!, tensors[1]!]);
  const shard2 = writeSafetensors([tensors[2]!]);
  const index = { metadata: { total_size: 320 }, weight_map: { [tensors[0]!.name]: 'model-00001-of-00002.safetensors', [tensors[1]!.name]: 'model-00001-of-00002.safetensors', [tensors[2]!.name]: 'model-00002-of-00002.safetensors' } };
  const files = new Map<string, Uint8Array>([
    ['config.json', json(config)], ['model.safetensors.index.json', json(index)],
    ['model-00001-of-00002.safetensors', shard1], ['model-00002-of-00002.safetensors', shard2],
  ]);
  const folder = openHfFolder({ read: (name) => files.get(name) }, 'qwen');
  assert.equal(folder.tensors.size, 3);
  assert.equal(folder.tensors.get(tensors[2]!.name)!.file, 'model-00002-of-00002.safetensors');

  const without = (name: string): Map<string, Uint8Array> => new Map([...files].filter(([n]) => n !== name));
  const code = (map: Map<string, Uint8Array>, expected: ErrorCode, pattern: RegExp): void => {
    assert.throws(() => openHfFolder({ read: (name) => map.get(name) }, 'qwen'), (e) => isChimaeraError(e, expected) && pattern.test(e.message));
  };
  code(without('config.json'), 'hf.file_missing', /qwen\/config\.json is missing/);
  code(without('model-00002-of-00002.safetensors'), 'hf.file_missing', /model-00002-of-00002\.safetensors is missing/);
  code(without('model.safetensors.index.json'), 'hf.file_missing', /neither model\.safetensors nor/);
  code(new Map([...files, ['config.json', new TextEncoder().encode('{oops')]]), 'hf.file_invalid', /config\.json is not valid JSON/);
  code(new Map([...files, ['model-00002-of-00002.safetensors', shard1]]), 'hf.tensor_conflict', /is in both/);
  const moved = { ...index, weight_map: { ...index.weight_map, [tensors[2]!.name]: 'model-00001-of-00002.safetensors' } };
  code(new Map([...files, ['model.safetensors.index.json', json(moved)]]), 'hf.tensor_conflict', /puts tensor/);
  const escaping = { ...index, weight_map: { x: '../secret.safetensors' } };
  code(new Map([...files, ['model.safetensors.index.json', json(escaping)]]), 'hf.file_invalid', /not a file in the folder/);
});
