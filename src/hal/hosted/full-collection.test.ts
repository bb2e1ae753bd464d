/** collectAllGarbage: an object nothing refers to is gone after one call (its WeakRef is cleared), and the call repeats. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate } from 'node:timers/promises';
import { collectAllGarbage } from './full-collection.ts';

test('collectAllGarbage collects an unreachable object, every time it is called', async () => {
  for (let round = 0; round < 2; round++) {
    const ref = new WeakRef({ payload: new Uint8Array(1 << 20) });
    await setImmediate(); // a WeakRef keeps its target alive until the job that made it ends
    collectAllGarbage();
    assert.equal(ref.deref(), undefined, `round ${round}`);
  }
});
