import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, isChimaeraError } from '../../common/index.ts';
import { CrashBlockDevice } from './index.ts';

const sector = (fill: number) => new Uint8Array(512).fill(fill);

test('flushed writes always survive; unsynced ones are kept, dropped or torn', () => {
  const dev = CrashBlockDevice.blank(8);
  dev.write(0, sector(1));
  dev.flush();
  dev.write(1, sector(2));
  const seen = new Set<string>();
  const rng = new Rng(1);
  for (let i = 0; i < 200; i++) {
    const img = dev.imageAfterCrash(rng);
    assert.ok(img.subarray(0, 512).every((b) => b === 1), 'flushed sector lost');
    const s1 = img.subarray(512, 1024);
    const ones = s1.filter((b) => b === 2).length;
    assert.ok(s1.every((b) => b === 0 || b === 2));
    assert.equal(ones % 64, 0, 'tears are in 64-byte chunks');
    seen.add(ones === 512 ? 'keep' : ones === 0 ? 'drop' : 'tear');
  }
  assert.deepEqual([...seen].sort(), ['drop', 'keep', 'tear']);
});

test('reads see the newest write; an armed budget cuts power', () => {
  const dev = CrashBlockDevice.blank(4);
  dev.armCrashAfterWrites(2);
  dev.write(0, sector(1));
  dev.write(0, sector(2));
  const out = new Uint8Array(512);
  dev.read(0, out);
  assert.equal(out[0], 2);
  assert.throws(() => dev.write(1, sector(3)), (e) => isChimaeraError(e, 'dev.io'));
  assert.ok(dev.powerLost);
  assert.throws(() => dev.read(0, out), (e) => isChimaeraError(e, 'dev.io'));
  assert.ok(dev.durableImage().every((b) => b === 0));
});
