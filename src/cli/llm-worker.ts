/**
 * The host side of the LLM kernel pool: a `KernelWorkerFactory` on
 * node:worker_threads. Each worker evaluates llm/kernels' KERNEL_WORKER_SOURCE
 * (plain JavaScript, run with `eval` and without the TypeScript loader, so a
 * worker starts even while the main thread blocks in Atomics.wait) and gets
 * the compiled module, the arena memory and the control block offset as
 * workerData. Workers are unref'd: a forgotten pool never keeps the process alive.
 */

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerFlagsPrelude } from '../hal/hosted/index.ts';
import { KERNEL_WORKER_SOURCE, type KernelWorkerFactory } from '../llm/index.ts';

export const nodeKernelWorkerFactory: KernelWorkerFactory = (start) => {
  // the prelude makes the host's V8 settings again: a worker's start resets them for the whole process
  const source = `const { workerData } = require('node:worker_threads');\n${workerFlagsPrelude()}(${KERNEL_WORKER_SOURCE})(workerData);`;
  const worker = new Worker(source, { eval: true, workerData: start, execArgv: [], name: 'llm-kernels' });
  worker.unref();
  // a trap is reported through the pool's control block; keep it from becoming an uncaught error here
  worker.on('error', () => undefined);
  return { terminate: () => worker.terminate() };
};

/** worker threads for a pool that uses every core (the calling thread is one of them) */
export function defaultKernelWorkers(): number {
  return Math.max(0, availableParallelism() - 1);
}
