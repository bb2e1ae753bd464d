import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isChimaeraError } from '../../common/index.ts';
import { Arena, formatMeminfo, type Allocation } from './arena.ts';
import { FreeList } from './free-list.ts';
import { WASM_PAGE_SIZE } from './wasm-memory.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

test('alloc grows the shared memory on demand; old views stay valid', () => {
  const arena = new Arena({ limitBytes: 4 * MiB });
  assert.equal(arena.committedBytes, 0);
  const a = arena.alloc(100, 'llm');
  assert.equal(a.offset, 0);
  assert.equal(arena.committedBytes, WASM_PAGE_SIZE);
  const oldView = arena.view(a);
  oldView[5] = 42;
  const b = arena.alloc(1 * MiB, 'snn', 4096);
  assert.equal(b.offset, 4096);
  assert.equal(arena.committedBytes, Math.ceil((4096 + MiB) / WASM_PAGE_SIZE) * WASM_PAGE_SIZE);
  assert.equal(arena.view(a)[5], 42, 'the new buffer sees the old bytes');
  arena.view(a)[6] = 7;
  assert.equal(oldView[6], 7, 'the old view still aliases the memory');
  assert.ok(arena.memory.buffer instanceof SharedArrayBuffer);
  const floats = arena.viewF32(b);
  assert.equal(floats.length, MiB / 4);
  floats[1] = 1.5;
  assert.equal(new Float32Array(arena.memory.buffer, b.offset, 2)[1], 1.5);
});

test('freed ranges are reused, zeroed, and coalesce', () => {
  const arena = new Arena({ limitBytes: MiB });
  const a = arena.alloc(256, 'x');
  const b = arena.alloc(256, 'x');
  const c = arena.alloc(256, 'x');
  arena.view(b).fill(9);
  arena.free(b);
  const d = arena.alloc(200, 'y');
  assert.equal(d.offset, b.offset, 'first fit reuses the hole');
  assert.ok(arena.view(d).every((byte) => byte === 0), 'recycled bytes are zeroed');
  arena.free(a);
  arena.free(c);
  arena.free(d);
  const info = arena.meminfo();
  assert.equal(info.freeBlocks, 1);
  assert.equal(info.largestFreeBlock, MiB);
  assert.equal(info.usedBytes, 0);
});

test('errors: double free, use after free, too large, out of memory, bad arguments', () => {
  const arena = new Arena({ limitBytes: 256 * KiB });
  const a = arena.alloc(1000, 'x');
  arena.free(a);
  assert.throws(() => arena.free(a), (e) => isChimaeraError(e, 'mm.bad_free') && /#1/.test(e.message));
  assert.throws(() => arena.view(a), (e) => isChimaeraError(e, 'mm.bad_free'));
  assert.throws(() => arena.alloc(MiB, 'llm'), (e) => isChimaeraError(e, 'mm.too_large'));
  arena.alloc(200 * KiB, 'llm');
  assert.throws(() => arena.alloc(100 * KiB, 'llm'), (e) => isChimaeraError(e, 'mm.out_of_memory') && /'llm'/.test(e.message));
  assert.throws(() => arena.alloc(0, 'x'), (e) => isChimaeraError(e, 'arg.invalid'));
  assert.throws(() => arena.alloc(8, 'x', 3), (e) => isChimaeraError(e, 'arg.invalid'));
  const odd = arena.alloc(6, 'x', 2);
  assert.throws(() => arena.viewF32(odd), (e) => isChimaeraError(e, 'arg.invalid'));
  assert.throws(() => new Arena({ limitBytes: 5 * 1024 * MiB }), (e) => isChimaeraError(e, 'arg.invalid'));
});

test('meminfo accounts per owner and formats as text', () => {
  const arena = new Arena({ limitBytes: 8 * MiB });
  arena.alloc(2 * MiB, 'llm');
  arena.alloc(MiB, 'llm');
  arena.alloc(512 * KiB, 'snn');
  const info = arena.meminfo();
  assert.deepEqual(info.byOwner, [
    { owner: 'llm', bytes: 3 * MiB, count: 2 },
    { owner: 'snn', bytes: 512 * KiB, count: 1 },
  ]);
  assert.equal(info.usedBytes, 3.5 * MiB);
  assert.equal(info.freeBytes, 4.5 * MiB);
  const text = formatMeminfo(info);
  assert.match(text, /Arena limit: {2}8\.0 MiB/);
  assert.match(text, /Used: {9}3\.5 MiB in 3 allocations/);
  assert.match(text, /llm +3\.0 MiB {2}2/);
});

test('free list: take splits blocks around alignment, give coalesces both sides', () => {
  const list = new FreeList(1000);
  assert.equal(list.take(10, 1), 0);
  assert.equal(list.take(10, 64), 64);
  assert.deepEqual(list.blocks(), [[10, 54], [74, 926]]);
  list.give(0, 10);
  assert.deepEqual(list.blocks(), [[0, 64], [74, 926]]);
  list.give(64, 10);
  assert.deepEqual(list.blocks(), [[0, 1000]]);
  assert.throws(() => list.give(5, 10), /overlaps/);
  assert.equal(list.take(2000, 1), -1);
});

// ── property: a random alloc/free program against a simple model ──────────

type Operation = { kind: 'alloc'; bytes: number; alignLog2: number; owner: string } | { kind: 'free'; pick: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant('alloc' as const), bytes: fc.integer({ min: 1, max: 96 * KiB }), alignLog2: fc.integer({ min: 0, max: 16 }), owner: fc.constantFrom('llm', 'snn', 'fs') }),
  fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
);

test('property: allocations never overlap, stay aligned and in bounds; accounting matches; all freed is one block', () => {
  fc.assert(
    fc.property(fc.array(operation, { maxLength: 60 }), (program) => {
      const limitBytes = 512 * KiB;
      const arena = new Arena({ limitBytes });
      const model: { allocation: Allocation; align: number }[] = [];
      for (const op of program) {
        if (op.kind === 'alloc') {
          const align = 2 ** op.alignLog2;
          try {
            model.push({ allocation: arena.alloc(op.bytes, op.owner, align), align });
          } catch (e) {
            assert.ok(isChimaeraError(e, 'mm.out_of_memory'), String(e));
            assert.ok(arena.meminfo().largestFreeBlock < op.bytes + align - 1, 'out of memory only when no free block could hold it');
          }
        } else if (model.length > 0) {
          const [victim] = model.splice(op.pick % model.length, 1);
          arena.free(victim!.allocation);
        }
        const live = model.map((m) => m.allocation).sort((a, b) => a.offset - b.offset);
        for (const [i, { allocation, align }] of model.entries()) {
          assert.equal(allocation.offset % align, 0, `allocation ${i} misaligned`);
          assert.ok(allocation.offset + allocation.size <= Math.min(limitBytes, arena.committedBytes), 'out of bounds');
        }
        for (let i = 1; i < live.length; i++) assert.ok(live[i - 1]!.offset + live[i - 1]!.size <= live[i]!.offset, 'overlap');
        const info = arena.meminfo();
        const used = live.reduce((sum, a) => sum + a.size, 0);
        assert.equal(info.usedBytes, used);
        assert.equal(info.freeBytes, limitBytes - used);
        assert.equal(info.allocations, live.length);
        for (const owner of ['llm', 'snn', 'fs']) {
          const mine = live.filter((a) => a.owner === owner);
          const row = info.byOwner.find((u) => u.owner === owner);
          assert.deepEqual(row === undefined ? [0, 0] : [row.bytes, row.count], [mine.reduce((s, a) => s + a.size, 0), mine.length]);
        }
      }
      for (const { allocation } of model) arena.free(allocation);
      const info = arena.meminfo();
      assert.equal(info.freeBlocks, 1);
      assert.equal(info.largestFreeBlock, limitBytes);
    }),
    { numRuns: 150 },
  );
});
