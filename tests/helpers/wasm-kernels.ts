/**
 * Test support for the WebAssembly kernels: the built module's bytes (or why
 * they are missing), an arena with the kernels loaded over its memory, pool
 * worker threads, and fast deterministic filling of big arena ranges.
 */

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Rng } from '../../src/common/index.ts';
import { Arena, type Allocation } from '../../src/kernel/index.ts';
import { f32ToF16 } from '../../src/llm/quant/index.ts';
import { KERNEL_WORKER_SOURCE, KERNELS_WASM_PATH, loadWasmKernels, type KernelWorkerFactory, type WasmKernels } from '../../src/llm/kernels/index.ts';

const wasmFile = fileURLToPath(new URL(`../../${KERNELS_WASM_PATH}`, import.meta.url));

/** a skip reason for node:test when the module is not built (scripts/run-tests.js builds it) */
export const wasmMissing: string | false = existsSync(wasmFile) ? false : `${KERNELS_WASM_PATH} is not built: run node scripts/build-wasm.js`;

export function kernelWasmBytes(): Uint8Array {
  return readFileSync(wasmFile);
}

/** pool worker threads as the cli makes them (cli/llm-worker.ts), without importing a higher layer */
export const kernelWorkerFactory: KernelWorkerFactory = (start) => {
  const worker = new Worker(`(${KERNEL_WORKER_SOURCE})(require('node:worker_threads').workerData)`, { eval: true, workerData: start, execArgv: [] });
  worker.unref();
  return worker;
};

export interface KernelBench {
  readonly arena: Arena;
  readonly kernels: WasmKernels;
  /** the whole memory as bytes (rebuilt after growth) */
  bytes(): Uint8Array;
  /** f32 values at an allocation */
  floats(allocation: Allocation, count: number): Float32Array;
}

/** an arena of `limitBytes` (nothing committed) with the kernels instantiated over its memory */
export function kernelBench(limitBytes: number): KernelBench {
  const arena = new Arena({ limitBytes });
  const kernels = loadWasmKernels(kernelWasmBytes(), arena.memory);
  return {
    arena,
    kernels,
    bytes: () => new Uint8Array(arena.memory.buffer),
    floats: (allocation, count) => new Float32Array(arena.memory.buffer, allocation.offset, count),
  };
}

/** fill bytes[offset, offset+length) with random bytes, 4 at a time (offset a multiple of 4) */
export function fillRandomBytes(bytes: Uint8Array, offset: number, length: number, rng: Rng): void {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset + offset, length >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = rng.nextU32();
  for (let i = offset + (words.length << 2); i < offset + length; i++) bytes[i] = rng.nextU32() & 0xff;
}

/** n floats uniform in [-scale, scale) */
export function randomFloats(n: number, rng: Rng, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * scale;
  return out;
}

/** a random finite binary16 of moderate size (|value| in about [2^-10, 2^3)), as bits */
export function randomScaleF16(rng: Rng): number {
  return f32ToF16((rng.next() * 2 - 1) * 2 ** rng.int(-10, 2));
}
