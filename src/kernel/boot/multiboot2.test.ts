import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChimaeraError, isChimaeraError } from '../../common/index.ts';
import { decodeBootInfo, decodeBootInfoAt, encodeBootInfo, encodeBootInfoInto, encodingLength, FIXED_PART_SIZE, MemoryRegionType, type BootInfo } from './multiboot2.ts';

const sample: BootInfo = {
  commandLine: 'chimaera loglevel=info arena_mb=512',
  bootLoaderName: 'chimaera-hosted 0.1',
  modules: [
    { start: 0x100000, end: 0x200000, string: 'disk /x/chimaera.img' },
    { start: 0x200000, end: 0x200000, string: 'model /x/qwen.gguf' },
  ],
  basicMemory: { lowerKiB: 639, upperKiB: 523264 },
  memoryMap: [
    { base: 0, length: 0x9fc00, type: MemoryRegionType.AVAILABLE },
    { base: 0x100000, length: 2 ** 40, type: MemoryRegionType.AVAILABLE },
    { base: 0xfec00000, length: 0x1000, type: MemoryRegionType.RESERVED },
  ],
};

const malformedAt = (bytes: Uint8Array, pattern: RegExp) =>
  assert.throws(() => decodeBootInfo(bytes), (e) => isChimaeraError(e, 'boot.info_malformed') && pattern.test(e.message));

const u32 = (bytes: Uint8Array, at: number, value: number) => new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, value, true);

test('a sample structure has the byte layout of the specification', () => {
  const bytes = encodeBootInfo(sample);
  const view = new DataView(bytes.buffer);
  assert.equal(view.getUint32(0, true), bytes.length);
  assert.equal(bytes.length, encodingLength(sample));
  assert.equal(bytes.length % 8, 0);
  // first tag: command line, type 1, size = 8 + 35 chars + NUL
  assert.equal(view.getUint32(8, true), 1);
  assert.equal(view.getUint32(12, true), 8 + sample.commandLine!.length + 1);
  // last tag: end, type 0 size 8
  assert.equal(view.getUint32(bytes.length - 8, true), 0);
  assert.equal(view.getUint32(bytes.length - 4, true), 8);
  assert.deepEqual(decodeBootInfo(bytes), sample);
});

test('unknown tags are skipped', () => {
  const base = encodeBootInfo({ modules: [], memoryMap: [], commandLine: 'x' });
  // insert an unknown tag (type 21, size 12 → padded to 16) before the end tag
  const bytes = new Uint8Array(base.length + 16);
  bytes.set(base.subarray(0, base.length - 8));
  u32(bytes, base.length - 8, 21);
  u32(bytes, base.length - 4, 12);
  bytes.set(base.subarray(base.length - 8), base.length + 8);
  u32(bytes, 0, bytes.length);
  assert.deepEqual(decodeBootInfo(bytes), { commandLine: 'x', modules: [], memoryMap: [] });
});

test('decodeBootInfoAt reads one structure inside a larger buffer', () => {
  const inner = encodeBootInfo(sample);
  const buffer = new Uint8Array(inner.length + 24);
  const written = encodeBootInfoInto(sample, buffer, 16);
  assert.equal(written, inner.length);
  const { value, length } = decodeBootInfoAt(buffer, 16);
  assert.equal(length, inner.length);
  assert.deepEqual(value, sample);
  assert.throws(() => decodeBootInfoAt(buffer, 12), (e) => isChimaeraError(e, 'boot.info_malformed') && /aligned/.test(e.message));
});

test('malformed structures are rejected with the offset and what is wrong', () => {
  const good = encodeBootInfo(sample);
  const copy = () => good.slice();

  malformedAt(good.subarray(0, 4), /fixed part/);
  let bytes: Uint8Array = copy();
  u32(bytes, 0, 8);
  malformedAt(bytes, /too small/);
  bytes = copy();
  u32(bytes, 0, good.length + 8);
  malformedAt(bytes, /runs past/);
  malformedAt(new Uint8Array([...good, 0, 0, 0, 0, 0, 0, 0, 0]), /does not match/);

  // tag running past the end
  bytes = copy();
  u32(bytes, 12, 4096);
  malformedAt(bytes, /tag type 1 of size 4096 runs past total_size.*offset 8/);
  // tag smaller than its header
  bytes = copy();
  u32(bytes, 12, 4);
  malformedAt(bytes, /smaller than its 8-byte header/);
  // missing end tag: turn the end tag into an unknown tag
  bytes = copy();
  u32(bytes, good.length - 8, 99);
  malformedAt(bytes, /missing end tag/);
  // end tag not at total_size
  bytes = encodeBootInfo({ modules: [], memoryMap: [] });
  const longer = new Uint8Array(bytes.length + 8);
  longer.set(bytes);
  u32(longer, 0, longer.length);
  malformedAt(longer, /end tag ends at 16, but total_size is 24/);
  // string without NUL: overwrite the command line's NUL (and padding) with 'x'
  bytes = copy();
  const cmdEnd = 8 + 8 + sample.commandLine!.length;
  bytes.fill(0x78, cmdEnd, cmdEnd + 1);
  malformedAt(bytes, /command line has no terminating NUL/);
  // invalid UTF-8
  bytes = copy();
  bytes[16] = 0xff;
  malformedAt(bytes, /command line is not valid UTF-8/);
});

test('malformed module and memory-map tags are rejected', () => {
  const withModule = encodeBootInfo({ modules: [{ start: 10, end: 20, string: 'disk a' }], memoryMap: [] });
  let bytes = withModule.slice();
  u32(bytes, 16, 30); // start beyond end
  malformedAt(bytes, /module 0 ends \(0x14\) before it starts \(0x1e\)/);

  const withMap = encodeBootInfo({ modules: [], memoryMap: [{ base: 0, length: 4096, type: 1 }] });
  bytes = withMap.slice();
  u32(bytes, 16, 20); // entry_size
  malformedAt(bytes, /entry_size 20/);
  bytes = withMap.slice();
  u32(bytes, 16, 32); // 24 bytes of entries is not a multiple of 32
  malformedAt(bytes, /not a multiple of entry_size 32/);
  bytes = withMap.slice();
  new DataView(bytes.buffer).setBigUint64(24, 2n ** 60n, true);
  malformedAt(bytes, /2\^53 or more/);

  // a repeated single-instance tag
  const one = encodeBootInfo({ commandLine: 'a', modules: [], memoryMap: [] });
  const twice = new Uint8Array(one.length + 16);
  twice.set(one.subarray(0, 24));
  twice.set(one.subarray(8, 24), 24);
  twice.set(one.subarray(24), 40);
  u32(twice, 0, twice.length);
  malformedAt(twice, /second command line tag/);
});

test('encode refuses values the format cannot carry', () => {
  const bad = (info: BootInfo) => assert.throws(() => encodeBootInfo(info), (e) => isChimaeraError(e, 'arg.invalid'));
  bad({ modules: [{ start: 2 ** 32, end: 2 ** 32, string: '' }], memoryMap: [] });
  bad({ modules: [{ start: 5, end: 4, string: '' }], memoryMap: [] });
  bad({ commandLine: 'a\0b', modules: [], memoryMap: [] });
  bad({ modules: [], memoryMap: [{ base: 2 ** 53, length: 1, type: 1 }] });
});

// ── property tests ──────────────────────────────────────────────────────────

const text = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0'));
const u32Arb = fc.nat({ max: 0xffffffff });
const u53 = fc.maxSafeNat();
const moduleArb = fc.tuple(u32Arb, u32Arb, text).map(([a, b, string]) => ({ start: Math.min(a, b), end: Math.max(a, b), string }));
const bootInfoArb: fc.Arbitrary<BootInfo> = fc.record(
  {
    commandLine: text,
    bootLoaderName: text,
    modules: fc.array(moduleArb, { maxLength: 5 }),
    basicMemory: fc.record({ lowerKiB: u32Arb, upperKiB: u32Arb }, { noNullPrototype: true }),
    memoryMap: fc.array(fc.record({ base: u53, length: u53, type: u32Arb }, { noNullPrototype: true }), { maxLength: 6 }),
  },
  { requiredKeys: ['modules', 'memoryMap'], noNullPrototype: true },
);

test('round trip: decode(encode(info)) equals info', () => {
  fc.assert(
    fc.property(bootInfoArb, (info) => {
      const bytes = encodeBootInfo(info);
      assert.equal(bytes.length, encodingLength(info));
      assert.deepEqual(decodeBootInfo(bytes), info);
    }),
    { numRuns: 300 },
  );
});

test('fuzz: mutated structures decode or fail with boot.info_malformed, nothing else', () => {
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.nat({ max: 255 }) }),
    fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), value: u32Arb }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), value: fc.constant(0) }),
  );
  fc.assert(
    fc.property(bootInfoArb, fc.array(mutation, { minLength: 1, maxLength: 4 }), (info, mutations) => {
      let bytes = encodeBootInfo(info);
      for (const m of mutations) {
        const at = m.at % bytes.length;
        if (m.kind === 'byte') bytes[at] = m.value;
        else if (m.kind === 'u32' && at + 4 <= bytes.length) u32(bytes, at & ~3, m.value);
        else if (m.kind === 'truncate') bytes = bytes.slice(0, at);
      }
      try {
        decodeBootInfo(bytes);
      } catch (e) {
        assert.ok(e instanceof ChimaeraError, `threw a non-ChimaeraError: ${String(e)}`);
        assert.equal(e.code, 'boot.info_malformed');
      }
    }),
    { numRuns: 1000 },
  );
});

test('the fixed part is 8 bytes and an empty structure is 16', () => {
  assert.equal(FIXED_PART_SIZE, 8);
  assert.equal(encodeBootInfo({ modules: [], memoryMap: [] }).length, 16);
});
