/**
 * GGUF reader/writer: round trips, each validation rule with its typed
 * error, piecewise reading, and a fuzz of the header parser (random
 * mutations and truncations of valid files raise only ChimaeraErrors).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChimaeraError, isChimaeraError, type ErrorCode } from '../../common/index.ts';
import { GgmlType, rowBytes } from '../tensor.ts';
import { encodeGgufHeader, gguf, ggufPadding, ggufTensor, readGguf, readGgufHeader, writeGguf, type GgufTensorToWrite } from './index.ts';

function tensor(name: string, type: number, shape: number[], fill = 1): GgufTensorToWrite {
  const rows = shape.slice(1).reduce((a, b) => a * b, 1);
  const data = new Uint8Array(rowBytes(type as never, shape[0]!) * rows).map((_, i) => (i * 31 + fill) & 0xff);
  return { name, type: type as never, shape, data };
}

const metadata = {
  'general.architecture': gguf.string('qwen2'),
  'general.name': gguf.string('tiny ✓ model'),
  'qwen2.block_count': gguf.u32(2),
  'qwen2.rope.freq_base': gguf.f32(1000000),
  'qwen2.attention.layer_norm_rms_epsilon': gguf.f32(1e-6),
  'test.i8': gguf.i8(-5), 'test.u16': gguf.u16(65535), 'test.i16': gguf.i16(-300), 'test.i32': gguf.i32(-70000),
  'test.u64': gguf.u64(2n ** 63n + 5n), 'test.i64': gguf.i64(-(2n ** 62n)), 'test.f64': gguf.f64(Math.PI), 'test.bool': gguf.bool(true),
  'test.u8': gguf.u8(200),
  'tokenizer.ggml.tokens': gguf.array('string', ['a', 'b', 'Ġhello', '<|im_end|>']),
  'tokenizer.ggml.token_type': gguf.array('i32', [1, 1, 1, 3]),
  'test.nested': gguf.array('array', [gguf.array('u8', [1, 2]), gguf.array('string', ['x'])]),
};

const tensors = [
  tensor('token_embd.weight', GgmlType.Q8_0, [64, 10]),
  tensor('blk.0.attn_q.weight', GgmlType.Q4_K, [256, 3]),
  tensor('output_norm.weight', GgmlType.F32, [64]),
  tensor('blk.0.ffn_down.weight', GgmlType.F16, [7, 2, 3]),
];

const valid = writeGguf({ metadata, tensors });

function expectCode(bytes: Uint8Array, code: ErrorCode, pattern?: RegExp): void {
  assert.throws(() => readGguf(bytes, 'm.gguf'), (e) => {
    assert.ok(isChimaeraError(e, code), `expected ${code}, got ${(e as Error).message}`);
    if (pattern) assert.match((e as Error).message, pattern);
    return true;
  });
}

test('write → read round-trips metadata (all value types) and tensors', () => {
  const file = readGguf(valid, 'm.gguf');
  assert.equal(file.version, 3);
  assert.equal(file.alignment, 32);
  assert.equal(file.dataOffset % 32, 0);
  assert.deepEqual([...file.metadata.entries()], Object.entries(metadata));
  assert.equal(file.getString('general.name'), 'tiny ✓ model');
  assert.equal(file.getU32('qwen2.block_count'), 2);
  assert.equal(file.getF32('qwen2.rope.freq_base'), 1000000);
  assert.equal(file.getI32('test.i32'), -70000);
  assert.equal(file.getBool('test.bool'), true);
  assert.deepEqual(file.getStringArray('tokenizer.ggml.tokens'), ['a', 'b', 'Ġhello', '<|im_end|>']);
  assert.deepEqual(file.getNumberArray('tokenizer.ggml.token_type'), [1, 1, 1, 3]);
  assert.equal(file.getU32('absent.key', 7), 7);
  assert.equal(file.tensors.length, tensors.length);
  for (const [i, info] of file.tensors.entries()) {
    assert.equal(info.name, tensors[i]!.name);
    assert.deepEqual(info.shape, tensors[i]!.shape);
    assert.equal(info.offset % 32, 0);
    assert.deepEqual(ggufTensor(info, valid).data, tensors[i]!.data);
  }
});

test('typed getters name the key and the file', () => {
  const file = readGguf(valid, 'm.gguf');
  assert.throws(() => file.getU32('qwen2.context_length'), (e) => isChimaeraError(e, 'gguf.key_missing') && /m\.gguf: metadata key qwen2\.context_length is missing/.test(e.message));
  assert.throws(() => file.getString('qwen2.block_count'), (e) => isChimaeraError(e, 'gguf.key_type') && /is a u32, expected a string/.test(e.message));
  assert.throws(() => file.getU32('test.i8'), (e) => isChimaeraError(e, 'gguf.key_type'));
  assert.throws(() => file.getStringArray('tokenizer.ggml.token_type'), (e) => isChimaeraError(e, 'gguf.key_type'));
});

test('non-default alignment is recorded in general.alignment and honoured', () => {
  const bytes = writeGguf({ metadata: { a: gguf.u8(1) }, tensors, alignment: 64 });
  const file = readGguf(bytes, 'a.gguf');
  assert.equal(file.alignment, 64);
  assert.equal(file.getU32('general.alignment'), 64);
  for (const info of file.tensors) assert.equal((info.offset - file.dataOffset) % 64, 0);
});

test('readGgufHeader fetches piecewise and only within the file', () => {
  const reads: [number, number][] = [];
  const file = readGgufHeader((offset, length) => {
    reads.push([offset, length]);
    assert.ok(offset >= 0 && offset + length <= valid.length);
    return valid.slice(offset, offset + length);
  }, valid.length, 'piece.gguf');
  assert.equal(file.tensors.length, 4);
  assert.ok(reads.length >= 1);
});

test('streaming layout: header + data + padding equals writeGguf', () => {
  const encoding = encodeGgufHeader(metadata, tensors);
  const parts: Uint8Array[] = [encoding.header];
  for (const t of tensors) parts.push(t.data, new Uint8Array(ggufPadding(t.data.length, encoding.alignment)));
  const joined = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) { joined.set(p, at); at += p.length; }
  assert.deepEqual(joined, valid);
});

// ── validation ──────────────────────────────────────────────────────────────

/** a header by hand: [key, type id, payload] entries and raw tensor infos */
function handmade(parts: { version?: number; tensorCount?: bigint; kvCount?: bigint; body?: number[] }): Uint8Array {
  const out: number[] = [0x47, 0x47, 0x55, 0x46];
  const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  const u64 = (v: bigint): number[] => [...u32(Number(v & 0xffffffffn)), ...u32(Number(v >> 32n))];
  out.push(...u32(parts.version ?? 3), ...u64(parts.tensorCount ?? 0n), ...u64(parts.kvCount ?? 0n), ...(parts.body ?? []));
  return new Uint8Array(out);
}
const u32b = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const u64b = (v: number | bigint): number[] => [...u32b(Number(BigInt(v) & 0xffffffffn)), ...u32b(Number(BigInt(v) >> 32n))];
const str = (s: string): number[] => [...u64b(s.length), ...new TextEncoder().encode(s)];

test('rejects wrong magic, old or big-endian versions, truncation', () => {
  expectCode(new Uint8Array([0x47, 0x47, 0x4d, 0x4c, 3, 0, 0, 0]), 'gguf.bad_magic', /not a GGUF file/);
  expectCode(handmade({ version: 1 }), 'gguf.version_unsupported', /version 1/);
  expectCode(handmade({ version: 0x03000000 }), 'gguf.version_unsupported', /big-endian/);
  expectCode(new Uint8Array([0x47, 0x47]), 'gguf.truncated');
  expectCode(valid.subarray(0, 30), 'gguf.truncated');
  expectCode(valid.subarray(0, valid.length - ggufPadding(84, 32) - 1), 'gguf.tensor_out_of_bounds', /tensor blk\.0\.ffn_down\.weight runs past the end of the file at offset \d+/);
});

test('rejects absurd counts and lengths without allocating', () => {
  expectCode(handmade({ kvCount: 2n ** 40n }), 'gguf.malformed', /metadata count/);
  expectCode(handmade({ kvCount: 3n, body: [1, 2, 3] }), 'gguf.truncated', /metadata count 3/);
  expectCode(handmade({ tensorCount: 2n ** 63n }), 'gguf.malformed');
  expectCode(handmade({ kvCount: 1n, body: [...u64b(2n ** 50n), ...new Array<number>(16).fill(0)] }), 'gguf.truncated', /claims/);
  expectCode(handmade({ kvCount: 1n, body: [...str('k'), ...u32b(9), ...u32b(8), ...u64b(2n ** 40n)] }), 'gguf.truncated', /array "k" claims/);
  expectCode(handmade({ kvCount: 1n, body: [...str('k'), ...u32b(13), 0] }), 'gguf.malformed', /unknown value type 13/);
  expectCode(handmade({ kvCount: 2n, body: [...str('k'), ...u32b(0), 1, ...str('k'), ...u32b(0), 2] }), 'gguf.malformed', /appears twice/);
  expectCode(handmade({ kvCount: 1n, body: [...str('general.alignment'), ...u32b(4), ...u32b(24)] }), 'gguf.malformed', /power of two/);
  const deep: number[] = [...str('deep')];
  deep.push(...u32b(9));
  for (let i = 0; i < 20; i++) deep.push(...u32b(9), ...u64b(1));
  deep.push(...u32b(0), ...u64b(0));
  expectCode(handmade({ kvCount: 1n, body: deep }), 'gguf.malformed', /nests arrays/);
});

function oneTensor(name: string, dims: (number | bigint)[], type: number, offset: number, fileTail = 512): Uint8Array {
  const body = [...str(name), ...u32b(dims.length), ...dims.flatMap((d) => u64b(d)), ...u32b(type), ...u64b(offset)];
  return handmade({ tensorCount: 1n, body: [...body, ...new Array<number>(fileTail).fill(0)] });
}

test('rejects bad tensor descriptions with the tensor named', () => {
  expectCode(oneTensor('w', [32], 10, 0), 'gguf.tensor_type_unknown', /tensor w has type Q2_K/);
  expectCode(oneTensor('w', [32], 99, 0), 'gguf.tensor_type_unknown', /type id 99/);
  expectCode(oneTensor('w', [0, 4], 0, 0), 'gguf.tensor_invalid', /zero-length dimension 0/);
  expectCode(oneTensor('w', [2n ** 40n, 2n ** 40n], 0, 0), 'gguf.tensor_invalid', /too many elements/);
  expectCode(oneTensor('w', [33], GgmlType.Q8_0, 0), 'gguf.tensor_invalid', /not a multiple of the Q8_0 block size 32/);
  expectCode(oneTensor('w', [32], 0, 8), 'gguf.tensor_invalid', /not a multiple of the alignment 32/);
  expectCode(oneTensor('w', [1, 1, 1, 1, 1], 0, 0), 'gguf.tensor_invalid', /5 dimensions/);
  expectCode(oneTensor('w', [32], 0, 1024), 'gguf.tensor_out_of_bounds', /tensor w runs past the end/);
  expectCode(oneTensor('x'.repeat(64), [32], 0, 0), 'gguf.tensor_invalid', /longer than 63/);
  const two = (secondOffset: number, secondName: string): Uint8Array => {
    const info = (name: string, offset: number): number[] => [...str(name), ...u32b(1), ...u64b(32), ...u32b(0), ...u64b(offset)];
    return handmade({ tensorCount: 2n, body: [...info('a', 0), ...info(secondName, secondOffset), ...new Array<number>(512).fill(0)] });
  };
  expectCode(two(96, 'a'), 'gguf.tensor_invalid', /tensor a appears twice/);
  expectCode(two(96, 'b'), 'gguf.tensor_invalid', /overlap/);
  assert.equal(readGguf(two(128, 'b'), 'ok.gguf').tensors.length, 2);
});

test('writer refuses what llama.cpp would refuse', () => {
  const bad = (f: () => unknown): void => assert.throws(f, (e) => isChimaeraError(e, 'arg.invalid'));
  bad(() => writeGguf({ metadata: { k: gguf.u8(300) }, tensors: [] }));
  bad(() => writeGguf({ metadata: {}, tensors: [tensors[0]!, tensors[0]!] }));
  bad(() => writeGguf({ metadata: {}, tensors: [{ ...tensors[0]!, data: new Uint8Array(3) }] }));
  bad(() => writeGguf({ metadata: {}, tensors: [{ ...tensors[0]!, shape: [48, 10] }] }));
  bad(() => writeGguf({ metadata: {}, tensors: [], alignment: 48 }));
});

// ── fuzz ────────────────────────────────────────────────────────────────────

test('fuzz: mutated and truncated files fail only with ChimaeraError, quickly', () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
    fc.nat(valid.length),
    (mutations, cut) => {
      const bytes = valid.slice(0, Math.max(cut, 24));
      for (const [at, value] of mutations) if (at < bytes.length) bytes[at] = value;
      try {
        const file = readGguf(bytes, 'fuzz.gguf');
        for (const t of file.tensors) assert.ok(t.offset + t.byteLength <= bytes.length);
      } catch (e) {
        if (!(e instanceof ChimaeraError)) throw e;
      }
    },
  ), { numRuns: 3000 });
});

test('fuzz: mutations of the count and length fields specifically', () => {
  // header fields most likely to cause runaway work: counts at 8..24 and the first key length at 24..32
  fc.assert(fc.property(fc.integer({ min: 8, max: 31 }), fc.integer({ min: 0, max: 255 }), (at, value) => {
    const bytes = valid.slice();
    bytes[at] = value;
    try { readGguf(bytes, 'fuzz.gguf'); } catch (e) { if (!(e instanceof ChimaeraError)) throw e; }
  }), { numRuns: 2000 });
});

test('string arrays read in bulk equal the strings written: ASCII, Latin-1, other scripts, NULs, a leading BOM', () => {
  const fixed = ['', 'a', 'Ġthe', 'Ã©', 'é', '日本', '\u0000', 'x\u0000y', '\ufeffbom', '😀', 'ĠĠ', 'Ċ'];
  fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom(...fixed)), { maxLength: 40 }), (strings) => {
    const bytes = writeGguf({ metadata: { list: gguf.array('string', strings), after: gguf.u8(7) }, tensors: [] });
    const file = readGguf(bytes, 's.gguf');
    assert.deepEqual(file.getStringArray('list'), strings);
    assert.equal(file.getU32('after'), 7);
  }), { numRuns: 200 });
});

test('a string array with invalid UTF-8 decodes each string as a lone decode would (U+FFFD, no string swallowed)', () => {
  const bytes = writeGguf({ metadata: { list: gguf.array('string', ['ab', 'cd', 'ef']) }, tensors: [] });
  const text = new TextEncoder();
  const at = bytes.indexOf(text.encode('cd')[0]!, 40);
  bytes[at + 1] = 0xe6; // "c" + a lead byte with no continuation: the NUL separator must survive
  const file = readGguf(bytes, 'bad.gguf');
  assert.deepEqual(file.getStringArray('list'), ['ab', 'c\ufffd', 'ef']);
});

test('a string array larger than a decode batch (256 KiB per class) keeps every string in place, a string longer than a batch included', () => {
  const strings: string[] = [];
  for (let i = 0; i < 60_000; i++) strings.push(i % 3 === 0 ? `Ġtok${i}` : i % 3 === 1 ? `é${i}Ã` : `日本${i}`);
  strings[31_337] = 'x\u0000y'; // a NUL in the middle of a batch: that batch is decoded one string at a time
  strings[50_000] = 'Ġ'.repeat(200_000); // 400 KB of Latin-1 in one string
  const bytes = writeGguf({ metadata: { list: gguf.array('string', strings), after: gguf.u8(9) }, tensors: [] });
  const file = readGguf(bytes, 'big.gguf');
  assert.deepEqual(file.getStringArray('list'), strings);
  assert.equal(file.getU32('after'), 9);
});

test('a ReadAt that hands back one reused scratch buffer reads the same header (the cursor copies what it keeps)', () => {
  const words = Array.from({ length: 200_000 }, (_, i) => `w${i}é`); // ~2 MB: several 1 MiB refills
  const big = writeGguf({ metadata: { ...metadata, words: gguf.array('string', words), tail: gguf.f64(2.5) }, tensors });
  let scratch = new Uint8Array(0);
  let reads = 0;
  const file = readGgufHeader((offset, length) => {
    reads++;
    if (scratch.length < length) scratch = new Uint8Array(length);
    const out = scratch.subarray(0, length);
    out.fill(0xee); // whatever the cursor held from the last read is overwritten
    out.set(big.subarray(offset, offset + length));
    return out;
  }, big.length, 'big.gguf');
  assert.ok(reads >= 2, `expected several refills, got ${reads}`);
  assert.deepEqual(file.getStringArray('words'), words);
  assert.equal(file.getF32('tail'), 2.5);
  assert.deepEqual(file.tensors, readGguf(big, 'big.gguf').tensors);
});
