/** The hosted module reader: bounce-buffered reads and the threaded background read land the file's exact bytes, and fail typed. */

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isChimaeraError } from '../../common/index.ts';
import { MODULE_READ_CHUNK, readFileRange, startFileRead } from './module-reader.ts';
import { HostedMachine } from './hosted-machine.ts';

const dir = mkdtempSync(join(tmpdir(), 'module-reader-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** a file of `bytes` pseudo-random bytes (no two chunks alike) */
function makeFile(name: string, bytes: number): { path: string; content: Uint8Array } {
  const content = new Uint8Array(bytes);
  let state = 0x12345678;
  for (let i = 0; i < bytes; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    content[i] = state >>> 24;
  }
  const path = join(dir, name);
  writeFileSync(path, content);
  return { path, content };
}

const big = makeFile('big.bin', 5 * MODULE_READ_CHUNK + 12_345);

test('readFileRange copies a range larger than its bounce buffer exactly', () => {
  const out = new Uint8Array(3 * MODULE_READ_CHUNK + 7);
  readFileRange(big.path, 1001, out);
  assert.deepEqual(out, big.content.subarray(1001, 1001 + out.length));
});

test('startFileRead on 2 reader threads into shared memory: every chunk lands, progress reaches the total', () => {
  const offset = 4096 + 3;
  const length = big.content.length - offset;
  const shared = new Uint8Array(new SharedArrayBuffer(length + 128), 64, length);
  const progress: number[] = [];
  startFileRead(big.path, offset, shared, 2).wait((done, total) => {
    assert.equal(total, length);
    progress.push(done);
  });
  assert.deepEqual(shared, big.content.subarray(offset));
  assert.ok(progress.length > 0 && progress.every((done, i) => done <= length && (i === 0 || done >= progress[i - 1]!)));
});

test('startFileRead into ordinary memory copies on the calling thread in wait(); nothing before', () => {
  const out = new Uint8Array(2 * MODULE_READ_CHUNK);
  const read = startFileRead(big.path, 0, out, 2);
  assert.equal(out.every((b) => b === 0), true);
  read.wait();
  read.wait(); // a second wait is a no-op
  assert.deepEqual(out, big.content.subarray(0, out.length));
});

test('a file cut short fails boot.module_out_of_range, on reader threads and on the calling thread', () => {
  const short = makeFile('short.bin', 2 * MODULE_READ_CHUNK);
  const pastEnd = (e: unknown): boolean => isChimaeraError(e, 'boot.module_out_of_range');
  assert.throws(() => startFileRead(short.path, 0, new Uint8Array(new SharedArrayBuffer(4 * MODULE_READ_CHUNK)), 2).wait(), pastEnd);
  assert.throws(() => readFileRange(short.path, MODULE_READ_CHUNK, new Uint8Array(2 * MODULE_READ_CHUNK)), pastEnd);
});

test('HostedMachine offers background reads only with reader threads, and checks module ranges in both read paths', () => {
  const modules = [{ start: 0x100000, end: 0x100000 + big.content.length, path: big.path }];
  assert.equal(new HostedMachine(modules).startModuleRead, undefined);
  const machine = new HostedMachine(modules, undefined, { readerThreads: 1 });
  const startModuleRead = machine.startModuleRead!;
  const out = new Uint8Array(new SharedArrayBuffer(1000));
  startModuleRead(0x100000, 0x100000 + big.content.length, 500, out).wait();
  assert.deepEqual(out, big.content.subarray(500, 1500));
  const outside = (e: unknown): boolean => isChimaeraError(e, 'boot.module_out_of_range');
  assert.throws(() => startModuleRead(0x100000, 0x100000 + big.content.length, big.content.length - 10, out), outside);
  assert.throws(() => machine.readModuleRange(0x100000, 0x100000 + big.content.length, -1, out), outside);
  assert.throws(() => machine.readModuleRange(0x200000, 0x300000, 0, out), (e: unknown) => isChimaeraError(e, 'boot.module_missing'));
});

test('HostedMachine reads ranges through one bounce buffer, before and after reclaimMemory drops it', () => {
  const machine = new HostedMachine([{ start: 0x100000, end: 0x100000 + big.content.length, path: big.path }]);
  const read = (offset: number, length: number): Uint8Array => {
    const out = new Uint8Array(length);
    machine.readModuleRange(0x100000, 0x100000 + big.content.length, offset, out);
    return out;
  };
  assert.deepEqual(read(17, 2 * MODULE_READ_CHUNK + 5), big.content.subarray(17, 17 + 2 * MODULE_READ_CHUNK + 5));
  assert.deepEqual(read(3, 100), big.content.subarray(3, 103), 'a short read after a long one through the same buffer');
  machine.reclaimMemory();
  assert.deepEqual(read(MODULE_READ_CHUNK - 9, MODULE_READ_CHUNK + 20), big.content.subarray(MODULE_READ_CHUNK - 9, 2 * MODULE_READ_CHUNK + 11));
});
