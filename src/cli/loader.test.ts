/** The hosted boot loader's reader-thread rule: one per whole GiB of GGUF model, at most one per spare core. */

import { test } from 'node:test';
import { availableParallelism } from 'node:os';
import assert from 'node:assert/strict';
import { load, readerThreadsFor } from './loader.ts';

const GiB = 2 ** 30;

test('reader threads: none below 1 GiB of model, one per whole GiB, at most cores − 1; other modules do not count', () => {
  const model = (size: number) => ({ role: 'model', path: '/m.gguf', size });
  assert.equal(readerThreadsFor([model(397_804_608)], 2), 0, 'the 0.5B q4_k_m file');
  assert.equal(readerThreadsFor([model(1_646_569_728)], 2), 1, 'the 1.5B Q8_0 file');
  assert.equal(readerThreadsFor([model(3.5 * GiB)], 2), 1, 'capped by the spare core');
  assert.equal(readerThreadsFor([model(3.5 * GiB)], 16), 3);
  assert.equal(readerThreadsFor([model(3.5 * GiB)], 1), 0, 'one core: the kernel reads alone');
  assert.equal(readerThreadsFor([{ role: 'disk', path: '/disk.img', size: 8 * GiB }, model(100)], 16), 0);
  assert.equal(readerThreadsFor([], 16), 0);
});

test('the machine the loader returns gets that many reader threads', () => {
  const small = load({ commandLine: 'chimaera', modules: [{ role: 'model', path: '/m.gguf', size: 4096 }], arenaBytes: 1 << 20 });
  assert.equal(small.machine.readerThreads, 0);
  assert.equal(small.machine.startModuleRead, undefined);
  const modules = [{ role: 'model', path: '/m.gguf', size: 2 * GiB }];
  const big = load({ commandLine: 'chimaera', modules, arenaBytes: 1 << 20 });
  assert.equal(big.machine.readerThreads, readerThreadsFor(modules, availableParallelism()));
  assert.equal(big.machine.startModuleRead !== undefined, big.machine.readerThreads > 0);
});
