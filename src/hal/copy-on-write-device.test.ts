/** The copy-on-write disk of `ask --dry-run`: reads see writes, the base never changes, no base reads as zeros. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../common/index.ts';
import { RamBlockDevice } from './memory/index.ts';
import { CopyOnWriteDevice } from './copy-on-write-device.ts';

test('writes land in memory over the base; the base keeps its bytes', () => {
  const base = new RamBlockDevice(16);
  base.bytes.fill(7);
  const before = base.bytes.slice();
  const device = new CopyOnWriteDevice(base, 16);
  device.write(3, new Uint8Array(1024).fill(9)); // sectors 3 and 4
  const out = new Uint8Array(512 * 4);
  device.read(2, out); // sectors 2..5
  assert.deepEqual([out[0], out[512], out[1024], out[1536]], [7, 9, 9, 7]);
  assert.equal(device.writtenSectors, 2);
  assert.deepEqual(base.bytes, before);
  assert.throws(() => device.write(15, new Uint8Array(1024)), (e) => isChimaeraError(e, 'dev.out_of_range'));
  device.close();
  assert.throws(() => device.read(0, new Uint8Array(512)), (e) => isChimaeraError(e, 'dev.io'));
});

test('without a base it is a blank disk', () => {
  const device = new CopyOnWriteDevice(undefined, 8);
  const out = new Uint8Array(512).fill(1);
  device.read(7, out);
  assert.ok(out.every((b) => b === 0));
  device.write(7, new Uint8Array(512).fill(5));
  device.read(7, out);
  assert.ok(out.every((b) => b === 5));
});
