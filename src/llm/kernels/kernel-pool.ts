/**
 * A pool of worker threads that compute matmuls with the WebAssembly kernels
 * over the same shared memory (the kernel arena). Each worker instantiates
 * the same compiled module over the same memory and sits in the module's
 * `workerLoop` (wasm/pool.ts); a job is a few matmul tasks written into a
 * control block in that memory, started by one generation bump + notify.
 * The calling thread works too, so `workers` extra threads give
 * `workers + 1`-way parallelism; rows are handed out in chunks through an
 * atomic counter (dynamic scheduling copes with a busy core).
 *
 * Workers are host threads, so this file never creates one: the caller
 * passes a `KernelWorkerFactory` (cli implements it with node:worker_threads)
 * that runs KERNEL_WORKER_SOURCE in a new thread. `close()` stops and
 * terminates them (kernel shutdown).
 *
 * Results do not depend on the thread count: every output element is one
 * row·token dot computed start to finish by one thread.
 */

import { fail } from '../../common/index.ts';
import type { WasmMemory } from '../../kernel/index.ts';
import type { GgmlTypeId } from '../tensor.ts';
import type { WasmModule } from './wasm-api.ts';
import { ATTENTION_KERNEL_ID, checkAttention, checkSwiglu, loadWasmKernels, MATMUL_KERNELS, SWIGLU_KERNEL_ID, type AttentionRequest, type WasmKernels } from './wasm-kernels.ts';

/** most matmul tasks in one job (q, k, v share one) */
export const POOL_MAX_TASKS = 4;
/** chunks per thread for one-token (decode) matmuls */
const CHUNKS_PER_THREAD_DECODE = 4;
/** bytes of the control block: 32 bytes of header words + 64 per task */
export const POOL_CONTROL_BYTES = 32 + 64 * POOL_MAX_TASKS;

// control words (i32 indices; wasm/pool.ts uses the same layout)
const GENERATION = 0;
const COMMAND = 1;
const DONE = 2;
const TASK_COUNT = 3;
const NEXT_CHUNK = 4;
const TOTAL_CHUNKS = 5;
const SPIN = 6;
const FAILED = 7;
const TASKS = 8;
const TASK_WORDS = 16;

/** what a worker thread needs: all structured-cloneable */
export interface KernelWorkerStart {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  /** byte offset of the control block */
  readonly control: number;
  /** the generation current when the worker was created */
  readonly generation: number;
}

export interface KernelWorker {
  /** stop the thread now (after the stop command it has returned already) */
  terminate(): unknown;
}

/** start a thread that evaluates KERNEL_WORKER_SOURCE (a function expression) and calls it with `start` */
export type KernelWorkerFactory = (start: KernelWorkerStart) => KernelWorker;

/**
 * The worker's whole program, plain JavaScript with no imports (so a worker
 * can run it without the TypeScript loader): instantiate the module over the
 * memory and run its loop; if a kernel traps, flag the failure and count the
 * worker done so the dispatching thread does not wait forever.
 */
export const KERNEL_WORKER_SOURCE = `(start) => {
  const instance = new WebAssembly.Instance(start.module, { env: { memory: start.memory } });
  try {
    instance.exports.workerLoop(start.control, start.generation);
  } catch (error) {
    const control = new Int32Array(start.memory.buffer, start.control, ${TASKS});
    Atomics.store(control, ${FAILED}, 1);
    Atomics.add(control, ${DONE}, 1);
    Atomics.notify(control, ${DONE});
    throw error;
  }
}`;

/** one matrix product of a job; offsets and strides in bytes (see RawMatmul) */
export interface PoolTask {
  readonly type: GgmlTypeId;
  readonly out: number;
  readonly outTokenStride: number;
  readonly weights: number;
  readonly rowStride: number;
  readonly x: number;
  readonly xTokenStride: number;
  readonly tokens: number;
  readonly n: number;
  readonly nOut: number;
  /** Q8_0 weights: where WasmKernels.unpackQ8_0 put x's tokens, or 0 (the tiles unpack as they go) */
  readonly unpacked?: number;
}

export interface KernelPoolOptions {
  /** extra threads (0 = the calling thread alone) */
  readonly workers: number;
  /** required when workers > 0 */
  readonly factory?: KernelWorkerFactory;
  /** generation polls before an idle worker sleeps (default 20000, tens of µs; longer spins help on idle cores and hurt on oversubscribed ones) */
  readonly spin?: number;
}

export class KernelPool {
  readonly kernels: WasmKernels;
  /** byte offset of the control block in the memory */
  readonly control: number;
  private readonly words: Int32Array;
  private workers: KernelWorker[] = [];
  private state: 'running' | 'failed' | 'closed' = 'running';

  /** control: POOL_CONTROL_BYTES zeroed, 64-byte aligned bytes of the kernels' memory, owned by the pool from now on */
  constructor(kernels: WasmKernels, control: number, options: KernelPoolOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 0) fail('arg.invalid', `a kernel pool needs a non-negative worker count, got ${options.workers}`);
    if (options.workers > 0 && options.factory === undefined) fail('arg.invalid', 'a kernel pool with workers needs a worker factory');
    if (control % 64 !== 0) fail('arg.invalid', `the kernel pool's control block must be 64-byte aligned, got offset ${control}`);
    kernels.checkRange('pool control block', control, POOL_CONTROL_BYTES);
    this.kernels = kernels;
    this.control = control;
    this.words = new Int32Array(kernels.memory.buffer, control, POOL_CONTROL_BYTES / 4);
    this.words.fill(0);
    Atomics.store(this.words, SPIN, options.spin ?? 20_000);
    const start: KernelWorkerStart = { module: kernels.module, memory: kernels.memory, control, generation: 0 };
    for (let i = 0; i < options.workers; i++) this.workers.push(options.factory!(start));
  }

  /** threads that compute a job (workers + the caller) */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** compute tasks[0 … count) (rows split over the threads); returns when all are done */
  run(tasks: readonly PoolTask[], count = tasks.length): void {
    if (this.state === 'closed') fail('kernels.pool_closed', 'llm kernels: the worker pool was closed (kernel shutdown); no more matmuls can run on it');
    if (count < 1 || count > POOL_MAX_TASKS || count > tasks.length) throw new Error(`KernelPool.run: ${count} tasks (1 … ${POOL_MAX_TASKS})`);
    const words = this.words;
    const threads = this.state === 'running' ? this.threads : 1;
    let chunks = 0;
    for (let k = 0; k < count; k++) {
      const task = tasks[k]!;
      const kernel = MATMUL_KERNELS.get(task.type);
      if (kernel === undefined) throw new Error(`KernelPool.run: no WASM matmul for type ${task.type}`);
      // a multiple of 4 rows (the kernels' tiles take rows four at a time); for one token
      // ≈ CHUNKS_PER_THREAD_DECODE chunks per thread (long row runs stream from memory
      // better), for a batch ≈ 8 (finer balancing of the compute-bound work)
      const perThread = task.tokens === 1 ? CHUNKS_PER_THREAD_DECODE : 8;
      const chunkRows = Math.max(4, Math.ceil(task.nOut / (threads * perThread) / 4) * 4);
      const base = TASKS + k * TASK_WORDS;
      words[base] = kernel.id;
      words[base + 1] = task.out;
      words[base + 2] = task.outTokenStride;
      words[base + 3] = task.weights;
      words[base + 4] = task.rowStride;
      words[base + 5] = task.x;
      words[base + 6] = task.xTokenStride;
      words[base + 7] = task.tokens;
      words[base + 8] = task.n;
      words[base + 9] = task.nOut;
      words[base + 10] = chunkRows;
      words[base + 11] = chunks;
      words[base + 12] = task.unpacked ?? 0;
      chunks += Math.ceil(task.nOut / chunkRows);
    }
    this.start(count, chunks);
  }

  /** one layer's attention (see AttentionRequest), (token, head) rows split over the threads */
  attention(request: AttentionRequest): void {
    if (this.state === 'closed') fail('kernels.pool_closed', 'llm kernels: the worker pool was closed (kernel shutdown); no more attention can run on it');
    checkAttention(request, this.kernels);
    const words = this.words;
    const threads = this.state === 'running' ? this.threads : 1;
    const rows = request.tokens * request.headCount;
    if (rows === 0) return;
    // rows cost in proportion to the positions they see: small chunks balance the triangle
    const chunkRows = Math.max(1, Math.ceil(rows / (threads * 16)));
    const stride = 4 * request.headCount * request.headDim;
    const base = TASKS;
    words[base] = ATTENTION_KERNEL_ID;
    words[base + 1] = request.out;
    words[base + 2] = stride;
    words[base + 3] = request.keys;
    words[base + 4] = request.values;
    words[base + 5] = request.q;
    words[base + 6] = stride;
    words[base + 7] = request.tokens;
    words[base + 8] = 0;
    words[base + 9] = rows;
    words[base + 10] = chunkRows;
    words[base + 11] = 0;
    words[base + 12] = request.startPosition;
    words[base + 13] = request.headCount;
    words[base + 14] = request.kvHeadCount;
    words[base + 15] = request.headDim;
    this.start(1, Math.ceil(rows / chunkRows));
  }

  /** gate[i] = silu(gate[i]) · up[i] for n f32 at byte offsets gate and up, elements split over the threads */
  swiglu(gate: number, up: number, n: number): void {
    if (this.state === 'closed') fail('kernels.pool_closed', 'llm kernels: the worker pool was closed (kernel shutdown); no more SwiGLU can run on it');
    checkSwiglu(gate, up, n, this.kernels);
    if (n === 0) return;
    const threads = this.state === 'running' ? this.threads : 1;
    // a few chunks per thread, each a multiple of 4 elements (whole SIMD lanes)
    const chunkElements = Math.max(1024, Math.ceil(n / (threads * 4) / 4) * 4);
    const words = this.words;
    const base = TASKS;
    words.fill(0, base, base + TASK_WORDS);
    words[base] = SWIGLU_KERNEL_ID;
    words[base + 1] = gate;
    words[base + 5] = up;
    words[base + 9] = n;
    words[base + 10] = chunkElements;
    this.start(1, Math.ceil(n / chunkElements));
  }

  /** publish a job of `count` tasks in `chunks` chunks, compute on this thread too, wait for the workers */
  private start(count: number, chunks: number): void {
    const words = this.words;
    const threads = this.state === 'running' ? this.threads : 1;
    words[TASK_COUNT] = count;
    words[TOTAL_CHUNKS] = chunks;
    Atomics.store(words, NEXT_CHUNK, 0);
    if (threads === 1) {
      this.kernels.raw.runChunks(this.control);
      return;
    }
    Atomics.store(words, DONE, 0);
    Atomics.add(words, GENERATION, 1);
    Atomics.notify(words, GENERATION);
    try {
      this.kernels.raw.runChunks(this.control);
    } finally {
      // even when this thread trapped, the workers must finish before the control block is reused
      this.waitForWorkers();
    }
  }

  private waitForWorkers(): void {
    const words = this.words;
    const expected = this.workers.length;
    let done = Atomics.load(words, DONE);
    for (let i = 0; done < expected && i < 100_000; i++) done = Atomics.load(words, DONE);
    while (done < expected) {
      Atomics.wait(words, DONE, done, 1000);
      done = Atomics.load(words, DONE);
    }
    if (Atomics.load(words, FAILED) !== 0) {
      this.state = 'failed';
      fail('kernels.worker_failed', `llm kernels: a worker thread trapped while computing a matmul; the pool now runs on the calling thread only`);
    }
  }

  /** stop and terminate the workers; the pool refuses work afterwards */
  close(): void {
    if (this.state === 'closed') return;
    const words = this.words;
    Atomics.store(words, COMMAND, 1);
    Atomics.add(words, GENERATION, 1);
    Atomics.notify(words, GENERATION);
    for (const worker of this.workers) worker.terminate();
    this.workers = [];
    this.state = 'closed';
  }
}

/** compile `wasmBytes`, instantiate over `memory` and start a pool whose control block is at `control` */
export function startKernelPool(wasmBytes: Uint8Array, memory: WasmMemory, control: number, options: KernelPoolOptions): KernelPool {
  return new KernelPool(loadWasmKernels(wasmBytes, memory), control, options);
}
