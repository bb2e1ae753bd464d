/**
 * Copying a host file range into memory, fast: the hosted machine's
 * readModuleRange and its background twin startModuleRead (model weights
 * into the kernel arena at boot).
 *
 * Two things make this faster than one read(2) into the destination:
 *   - A bounce buffer. read(2) fills a small, cache-hot buffer and a
 *     user-space copy (TypedArray.set) moves it to the destination. On
 *     shadow-paged VMs (PVM under Firecracker, our bench machines) a page
 *     the kernel filled through read(2) still costs a hypervisor exit the
 *     first time user code touches it — 1.3 s for 500 MB, paid during the
 *     first token; a page first written from user space does not. Elsewhere
 *     the extra copy costs ~0.1 ms per MiB.
 *   - Threads. Faulting in half a gigabyte of fresh pages is the bulk of
 *     the load; `startModuleRead` hands 1 MiB chunks to worker threads
 *     through an atomic counter in a SharedArrayBuffer and returns at once,
 *     so the kernel builds the tokenizer and the model meanwhile; `wait`
 *     makes the calling thread claim chunks too, then sleeps on the counter
 *     of finished chunks. The destination must be a view of a
 *     SharedArrayBuffer (the arena is one); otherwise the copy happens in
 *     `wait` on the calling thread alone.
 * Workers run plain JavaScript (WORKER_SOURCE, no TypeScript loader) and
 * are unref'd; each exits when no chunk is left.
 */

import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { fail } from '../../common/index.ts';
import type { ModuleRead } from '../machine.ts';
import { workerFlagsPrelude } from './young-generation.ts';

/** bytes per read(2) + copy, and per claimed chunk [bytes] (fits in L2) */
export const MODULE_READ_CHUNK = 1 << 20;

// status words (Int32Array over a SharedArrayBuffer)
/** next chunk to claim (Atomics.add) */
const NEXT_CHUNK = 0;
/** chunks copied */
const CHUNKS_DONE = 1;
/** 0, or 1 + the first chunk that failed */
const FAILED_CHUNK = 2;
const STATUS_WORDS = 4;

/**
 * Copy `out.length` bytes of `path` from `fileOffset` into `out`, through
 * `bounce` (a fresh 1 MiB one by default). A caller that reads a module in
 * many calls passes one bounce buffer to them all (HostedMachine does): a
 * fresh 1 MiB buffer per 16 MiB call of a model load left ~24 MiB of
 * garbage buffers, and once glibc had returned one mapped buffer it raised
 * its mmap threshold and took the rest from the main heap, which then stayed
 * 21 MiB larger for the life of the process in about one boot in five.
 */
export function readFileRange(path: string, fileOffset: number, out: Uint8Array, bounce: Uint8Array = new Uint8Array(Math.min(MODULE_READ_CHUNK, out.length))): void {
  const fd = openForReading(path);
  try {
    copyChunks(fd, path, fileOffset, out, bounce.length > 0 ? bounce : new Uint8Array(1), 0, out.length);
  } finally {
    fs.closeSync(fd);
  }
}

function openForReading(path: string): number {
  try {
    return fs.openSync(path, 'r');
  } catch (error) {
    return fail('boot.module_missing', `boot module ${path} cannot be opened (${(error as Error).message})`);
  }
}

/** out[from, to) ← file[fileOffset + from, fileOffset + to), via `bounce` */
function copyChunks(fd: number, path: string, fileOffset: number, out: Uint8Array, bounce: Uint8Array, from: number, to: number): void {
  for (let done = from; done < to; ) {
    const n = fs.readSync(fd, bounce, 0, Math.min(bounce.length, to - done), fileOffset + done);
    if (n === 0) fail('boot.module_out_of_range', `${path} ended early at offset ${fileOffset + done} (was it truncated after boot?)`, { offset: fileOffset + done });
    out.set(n === bounce.length ? bounce : bounce.subarray(0, n), done);
    done += n;
  }
}

/**
 * The worker's program: claim chunks until none is left. A failure is
 * recorded as 1 + its chunk (the calling thread reports it) and ends this
 * worker; the others go on, so the chunk count still completes or the
 * caller sees the failure.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { path, fileOffset, buffer, byteOffset, length, status: statusBuffer, chunk } = workerData;
const out = new Uint8Array(buffer, byteOffset, length);
const status = new Int32Array(statusBuffer);
const bounce = new Uint8Array(chunk);
const chunks = Math.ceil(length / chunk);
let fd = -1;
let current = -1;
try {
  fd = fs.openSync(path, 'r');
  for (current = Atomics.add(status, ${NEXT_CHUNK}, 1); current < chunks; current = Atomics.add(status, ${NEXT_CHUNK}, 1)) {
    const from = current * chunk;
    const to = Math.min(length, from + chunk);
    for (let done = from; done < to; ) {
      const n = fs.readSync(fd, bounce, 0, to - done, fileOffset + done);
      if (n === 0) throw new Error('end of file');
      out.set(n === bounce.length ? bounce : bounce.subarray(0, n), done);
      done += n;
    }
    Atomics.add(status, ${CHUNKS_DONE}, 1);
    Atomics.notify(status, ${CHUNKS_DONE});
  }
} catch {
  Atomics.compareExchange(status, ${FAILED_CHUNK}, 0, Math.max(0, current) + 1);
  Atomics.notify(status, ${CHUNKS_DONE});
} finally {
  if (fd >= 0) fs.closeSync(fd);
}
`;

/**
 * Start copying `out.length` bytes of `path` from `fileOffset` into `out`
 * on `workers` threads (when `out` is shared memory); see the header.
 * Each thread first makes the host's V8 settings again (starting a worker
 * resets them process-wide; see young-generation.ts).
 */
export function startFileRead(path: string, fileOffset: number, out: Uint8Array, workers: number): ModuleRead {
  const length = out.length;
  const chunks = Math.ceil(length / MODULE_READ_CHUNK);
  const shared = typeof SharedArrayBuffer !== 'undefined' && out.buffer instanceof SharedArrayBuffer;
  const statusBuffer = shared ? new SharedArrayBuffer(4 * STATUS_WORDS) : new ArrayBuffer(4 * STATUS_WORDS);
  const status = new Int32Array(statusBuffer);
  const threadCount = shared ? Math.min(workers, Math.max(0, chunks - 1)) : 0;
  for (let i = 0; i < threadCount; i++) {
    const worker = new Worker(workerFlagsPrelude() + WORKER_SOURCE, {
      eval: true,
      name: 'module-reader',
      execArgv: [],
      workerData: { path, fileOffset, buffer: out.buffer, byteOffset: out.byteOffset, length, status: statusBuffer, chunk: MODULE_READ_CHUNK },
    });
    worker.unref();
    worker.on('error', () => {
      // could not even start: its chunks are claimed by the others or by wait()
    });
  }
  let finished = false;
  return {
    wait(onProgress) {
      if (finished) return;
      const fd = openForReading(path);
      try {
        const bounce = new Uint8Array(Math.min(MODULE_READ_CHUNK, Math.max(1, length)));
        for (let chunk = Atomics.add(status, NEXT_CHUNK, 1); chunk < chunks && status[FAILED_CHUNK] === 0; chunk = Atomics.add(status, NEXT_CHUNK, 1)) {
          const from = chunk * MODULE_READ_CHUNK;
          copyChunks(fd, path, fileOffset, out, bounce, from, Math.min(length, from + MODULE_READ_CHUNK));
          const done = Atomics.add(status, CHUNKS_DONE, 1) + 1;
          onProgress?.(Math.min(length, done * MODULE_READ_CHUNK), length);
        }
      } finally {
        fs.closeSync(fd);
      }
      for (let done = Atomics.load(status, CHUNKS_DONE); done < chunks; done = Atomics.load(status, CHUNKS_DONE)) {
        const failed = Atomics.load(status, FAILED_CHUNK);
        if (failed !== 0) {
          const offset = fileOffset + (failed - 1) * MODULE_READ_CHUNK;
          fail('boot.module_out_of_range', `${path}: reading the chunk at offset ${offset} failed on a reader thread (was the file truncated after boot?)`, { offset });
        }
        Atomics.wait(status, CHUNKS_DONE, done, 50);
        onProgress?.(Math.min(length, Atomics.load(status, CHUNKS_DONE) * MODULE_READ_CHUNK), length);
      }
      finished = true;
    },
  };
}
