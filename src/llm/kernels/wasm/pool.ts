// AssemblyScript (compiled by scripts/build-wasm.js, not by the project's tsc).
// The thread pool's work loop: the calling thread and every worker claim
// chunks of matmul rows from a control block in the shared memory with an
// atomic counter, so a job needs no message per matmul — one generation bump
// and a notify start it, one counter says when the workers are done.
//
// Control block (i32 words at `control`; written by the dispatching thread,
// ../kernel-pool.ts, which mirrors these indices):
//   0 generation   bumped once per job (workers wait on it)
//   1 command      0 = run the tasks, 1 = stop (workers return)
//   2 done         workers that finished the current job
//   3 task count   1 … MAX_TASKS
//   4 next chunk   claimed with atomic add
//   5 total chunks over all tasks
//   6 spin         polls of the generation before a worker sleeps in wait
//   8 + 16k …      task k: kernel, out, outTokenStride, weights, rowStride,
//                  x, xTokenStride, tokens, n, nOut, chunkRows, firstChunk,
//                  for Q8_0 (kernel 5) 12 unpacked activations or 0,
//                  and for attention (kernel 9; weights = keys, rowStride =
//                  values, x = q, nOut = tokens·headCount rows) 12 startPosition,
//                  13 headCount, 14 kvHeadCount, 15 headDim; for SwiGLU's gating
//                  (kernel 10; out = gate, x = up) nOut elements, chunked as rows
// Offsets are u32 (memory up to 4 GiB). Kernel ids: see KERNEL_IDS in ../kernel-pool.ts.

import { matmulQ8_0 } from './q8_0';
import { matmulF32 } from './f32';
import { matmulQ4_K } from './q4_k';
import { matmulQ5_K } from './q5_k';
import { matmulQ6_K } from './q6_k';
import { matmulQ4_0, matmulQ5_0 } from './q4_0';
import { matmulF16, matmulBf16 } from './half-dot';
import { attendRows } from './attention';
import { swiglu } from './swiglu';

const GENERATION: usize = 0;
const COMMAND: usize = 4;
const DONE: usize = 8;
const TASK_COUNT: usize = 12;
const NEXT_CHUNK: usize = 16;
const TOTAL_CHUNKS: usize = 20;
const SPIN: usize = 24;
const TASKS: usize = 32;
const TASK_BYTES: usize = 64;

// @ts-ignore: decorator
@inline
function word(task: usize, index: usize): u32 {
  return load<u32>(task + (index << 2));
}

function runTaskRows(task: usize, rowBegin: i32, rowEnd: i32): void {
  const kernel = word(task, 0);
  const out: usize = word(task, 1);
  const outStride: usize = word(task, 2);
  const weights: usize = word(task, 3);
  const rowStride: usize = word(task, 4);
  const x: usize = word(task, 5);
  const xStride: usize = word(task, 6);
  const tokens = <i32>word(task, 7);
  const n = <i32>word(task, 8);
  switch (kernel) {
    case 0: matmulF32(out, outStride, weights, rowStride, x, xStride, tokens, n, rowBegin, rowEnd); break;
    case 1: matmulF16(out, outStride, weights, rowStride, x, xStride, tokens, n, rowBegin, rowEnd); break;
    case 2: matmulBf16(out, outStride, weights, rowStride, x, xStride, tokens, n, rowBegin, rowEnd); break;
    case 3: matmulQ4_0(out, outStride, weights, rowStride, x, xStride, tokens, n, rowBegin, rowEnd); break;
    case 4: matmulQ5_0(out, outStride, weights, rowStride, x, xStride, tokens, n, rowBegin, rowEnd); break;
    case 5: matmulQ8_0(out, outStride, weights, rowStride, x, xStride, tokens, n, rowBegin, rowEnd, word(task, 12)); break;
    case 6: matmulQ4_K(out, outStride, weights, rowStride, x, xStride, tokens, n, rowBegin, rowEnd); break;
    case 7: matmulQ5_K(out, outStride, weights, rowStride, x, xStride, tokens, n, rowBegin, rowEnd); break;
    case 8: matmulQ6_K(out, outStride, weights, rowStride, x, xStride, tokens, n, rowBegin, rowEnd); break;
    case 9: attendRows(out, outStride, weights, rowStride, x, xStride, <i32>word(task, 12), <i32>word(task, 13), <i32>word(task, 14), <i32>word(task, 15), rowBegin, rowEnd); break;
    case 10: swiglu(out + (<usize>rowBegin << 2), x + (<usize>rowBegin << 2), rowEnd - rowBegin); break;
    default: unreachable();
  }
}

/** claim and compute chunks of the current job until none is left; returns the chunks this thread computed */
export function runChunks(control: usize): i32 {
  const total = atomic.load<i32>(control + TOTAL_CHUNKS);
  const taskCount = <usize>atomic.load<i32>(control + TASK_COUNT);
  let computed = 0;
  let chunk = atomic.add<i32>(control + NEXT_CHUNK, 1);
  for (; chunk < total; chunk = atomic.add<i32>(control + NEXT_CHUNK, 1)) {
    let task = control + TASKS;
    for (let k: usize = 1; k < taskCount; k++) {
      const next = control + TASKS + k * TASK_BYTES;
      if (chunk < <i32>word(next, 11)) break;
      task = next;
    }
    const chunkRows = <i32>word(task, 10);
    const rowBegin = (chunk - <i32>word(task, 11)) * chunkRows;
    const nOut = <i32>word(task, 9);
    runTaskRows(task, rowBegin, min(nOut, rowBegin + chunkRows));
    computed++;
  }
  return computed;
}

/**
 * A worker's whole life: wait for a generation after `seen`, run its chunks,
 * count itself done, repeat; return on the stop command.
 */
export function workerLoop(control: usize, seen: i32): void {
  for (;;) {
    const spin = atomic.load<i32>(control + SPIN);
    let generation = atomic.load<i32>(control + GENERATION);
    for (let i = 0; generation == seen && i < spin; i++) generation = atomic.load<i32>(control + GENERATION);
    while (generation == seen) {
      memory.atomic.wait32(control + GENERATION, seen, -1);
      generation = atomic.load<i32>(control + GENERATION);
    }
    seen = generation;
    if (atomic.load<i32>(control + COMMAND) != 0) return;
    runChunks(control);
    atomic.add<i32>(control + DONE, 1);
    atomic.notify(control + DONE, 1);
  }
}
