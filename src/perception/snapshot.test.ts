/**
 * Snapshot/restore (PERCEPTION.md §5.5): a snapshot at any tick (mid-
 * refractory included) restores to a bitwise-equal continuation; the codec
 * round-trips under fast-check; damaged bytes give typed errors and leave
 * the target network untouched.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isChimaeraError, Rng, type PerceptionWindow } from '../common/index.ts';
import { PcSnn, type PcSnnConstruction } from './network.ts';
import { decodeSnapshot, SNAPSHOT_VERSION } from './snapshot.ts';
import { batchesIn, poissonSpikes, toBatches } from './spike-patterns.ts';

const SMALL: PcSnnConstruction = { inputChannels: 24, representationSizes: [32, 16, 8], seed: 9 };

test('snapshot at any tick, restore, continue: bitwise equal to the uninterrupted run (windows too)', () => {
  const total = 6000;
  const spikes = toBatches(poissonSpikes(new Rng(1), 24, 6, 0, total));
  const reference = new PcSnn(SMALL);
  const referenceWindows: PerceptionWindow[] = [];
  reference.step(total, spikes, (w) => referenceWindows.push(w));
  for (const cut of [1, 737, 2000, 4321]) {
    const first = new PcSnn(SMALL);
    const windows: PerceptionWindow[] = [];
    first.step(cut, batchesIn(spikes, 0, cut), (w) => windows.push(w));
    const restored = PcSnn.fromBytes(first.toBytes());
    restored.step(total - cut, batchesIn(spikes, cut, total), (w) => windows.push(w));
    assert.deepEqual(restored.toBytes(), reference.toBytes(), `cut at ${cut}`);
    assert.deepEqual(windows, referenceWindows, `cut at ${cut}`);
  }
});

test('a snapshot taken while units are refractory restores exactly', () => {
  const spikes = toBatches(poissonSpikes(new Rng(2), 24, 40, 0, 400));
  const network = new PcSnn(SMALL);
  let cut = -1;
  network.observeSpikes((tick, population) => {
    if (cut < 0 && population === 'R1') cut = tick + 1;
  });
  network.step(400, spikes);
  assert.ok(cut > 0, 'R1 spiked');
  const a = new PcSnn(SMALL);
  a.step(cut, batchesIn(spikes, 0, cut));
  assert.ok(a.state.representation[0].refractoryUntil.some((until) => until >= cut), 'cut lies inside a refractory period');
  const b = PcSnn.fromBytes(a.toBytes());
  a.step(400 - cut, batchesIn(spikes, cut, 400));
  b.step(400 - cut, batchesIn(spikes, cut, 400));
  assert.deepEqual(b.toBytes(), a.toBytes());
});

test('fromBytes(toBytes(x)) round-trips for networks of any shape and history', () => {
  fc.assert(
    fc.property(
      fc.record({
        seed: fc.integer({ min: 0, max: 1000 }),
        inputChannels: fc.integer({ min: 4, max: 20 }),
        sizes: fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 6 })),
        ticks: fc.integer({ min: 0, max: 1500 }),
        rate: fc.integer({ min: 0, max: 30 }),
      }),
      ({ seed, inputChannels, sizes, ticks, rate }) => {
        const network = new PcSnn({ seed, inputChannels, representationSizes: sizes });
        network.step(ticks, toBatches(poissonSpikes(new Rng(seed), inputChannels, rate, 0, ticks)));
        const bytes = network.toBytes();
        const decoded = decodeSnapshot(bytes, 0);
        assert.equal(decoded.length, bytes.length);
        assert.deepEqual(PcSnn.fromBytes(bytes).toBytes(), bytes);
      },
    ),
    { numRuns: 25 },
  );
});

test('damaged snapshots give typed errors', () => {
  const network = new PcSnn(SMALL);
  network.step(500, toBatches(poissonSpikes(new Rng(3), 24, 5, 0, 500)));
  const good = network.toBytes();
  const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  const flipped = good.slice();
  flipped[good.length >> 1] ^= 0x40;
  assert.throws(() => PcSnn.fromBytes(flipped), (error) => isChimaeraError(error, 'perception.snapshot_crc'));

  const version = good.slice();
  view(version).setUint32(4, SNAPSHOT_VERSION + 1, true);
  assert.throws(() => PcSnn.fromBytes(version), (error) => isChimaeraError(error, 'perception.snapshot_version'));

  const magic = good.slice();
  magic[0] = 0x58;
  assert.throws(() => PcSnn.fromBytes(magic), (error) => isChimaeraError(error, 'perception.snapshot_format'));

  for (const length of [0, 10, good.length - 1]) {
    assert.throws(() => PcSnn.fromBytes(good.subarray(0, length)), (error) => isChimaeraError(error, 'perception.snapshot_truncated'));
  }
});

test('fast-check: any single corrupted byte is caught, never half-applied by restore()', () => {
  const source = new PcSnn(SMALL);
  source.step(300, toBatches(poissonSpikes(new Rng(4), 24, 5, 0, 300)));
  const good = source.toBytes();
  const target = new PcSnn(SMALL);
  target.step(200, toBatches(poissonSpikes(new Rng(5), 24, 5, 0, 200)));
  const before = target.toBytes();
  fc.assert(
    fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, mask) => {
      const bad = good.slice();
      bad[at] ^= mask;
      assert.throws(() => target.restore(bad), (error) => isChimaeraError(error) && error.code.startsWith('perception.snapshot_'));
      assert.deepEqual(target.toBytes(), before);
    }),
    { numRuns: 40 },
  );
  target.restore(good);
  assert.deepEqual(target.toBytes(), good);
});

test('restore() refuses a snapshot of a network with other parameters', () => {
  const other = new PcSnn({ ...SMALL, seed: 10 });
  const target = new PcSnn(SMALL);
  const before = target.toBytes();
  assert.throws(() => target.restore(other.toBytes()), (error) => isChimaeraError(error, 'perception.snapshot_format'));
  assert.deepEqual(target.toBytes(), before);
});
