/**
 * Loader and calling contract of the training engine's WebAssembly SIMD
 * products (build/wasm/train-kernels.wasm, compiled from
 * ./wasm/train-f32.ts by scripts/build-wasm.js). Like the inference module
 * it imports a shared `env.memory` and works on byte offsets into it; unlike
 * it, the memory is private to one trainer (one per thread): `TrainKernels`
 * creates it and hands out a growable scratch region from offset 0.
 *
 * This file never reads files: the caller supplies the .wasm bytes (scripts
 * and tests read `TRAIN_KERNELS_WASM_PATH` relative to the repository root).
 * The JavaScript twins are src/train/ops/matmul.ts; src/train compares them.
 */

import { fail } from '../../common/index.ts';
import type { WasmMemory } from '../../kernel/index.ts';
import { compileWasm, instantiateWasm } from './wasm-api.ts';

/** where scripts/build-wasm.js writes the module, relative to the repository root */
export const TRAIN_KERNELS_WASM_PATH = 'build/wasm/train-kernels.wasm';

/** the module's exports, unchecked (wasm/train-f32.ts documents each); a bad offset traps */
export interface RawTrainKernels {
  /** out[t, rowStart+r] (=|+=) Σ_i x[t,i]·rows[r,i] (+ bias[rowStart+r]); offsets in bytes, flags 0/1 */
  readonly trainForwardF32: (
    out: number, x: number, tokens: number, nIn: number, nOut: number,
    rows: number, rowStart: number, rowCount: number, bias: number, hasBias: number, accumulate: number,
  ) => void;
  /** C[a, j] += Σ_k A[a,k]·B[k,j]; offsets and strides in bytes */
  readonly accumulateProductF32: (
    c: number, cStride: number, a: number, aRowStride: number, aDepthStride: number,
    b: number, bStride: number, rowsA: number, depth: number, n: number,
  ) => void;
  /** scores[h, i, j] = scale · a[i, h] · b[j, g] for j ≤ i, 0 above (wasm/train-attention.ts) */
  readonly attentionScoresF32: (
    scores: number, a: number, aStride: number, b: number, bStride: number,
    tokens: number, headCount: number, kvHeadCount: number, headDim: number, scale: number,
  ) => void;
  /** c[i, h] += Σ_{j ≤ i} p[h, i, j] · b[j, g] */
  readonly attentionLowerF32: (
    c: number, cStride: number, p: number, b: number, bStride: number,
    tokens: number, headCount: number, kvHeadCount: number, headDim: number,
  ) => void;
  /** c[j, g] += Σ_{h in g} Σ_{i ≥ j} p[h, i, j] · b[i, h] */
  readonly attentionUpperF32: (
    c: number, cStride: number, p: number, b: number, bStride: number,
    tokens: number, headCount: number, kvHeadCount: number, headDim: number,
  ) => void;
}

const RAW_NAMES = ['trainForwardF32', 'accumulateProductF32', 'attentionScoresF32', 'attentionLowerF32', 'attentionUpperF32'] as const;

/** bytes per WebAssembly page */
const PAGE_BYTES = 65536;
/** a 32-bit memory's most pages (4 GiB) */
const MAX_PAGES = 65536;

interface MemoryConstructor {
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => WasmMemory;
}

export class TrainKernels {
  readonly memory: WasmMemory;
  readonly raw: RawTrainKernels;
  private floatsView: Float32Array;

  constructor(wasmBytes: Uint8Array, initialBytes = 1 << 20) {
    const api = (globalThis as unknown as { WebAssembly: MemoryConstructor }).WebAssembly;
    this.memory = new api.Memory({ initial: Math.max(1, Math.ceil(initialBytes / PAGE_BYTES)), maximum: MAX_PAGES, shared: true });
    let exports: Record<string, unknown>;
    try {
      exports = instantiateWasm(compileWasm(wasmBytes), this.memory).exports;
    } catch (error) {
      fail('kernels.module_invalid', `train kernels: ${TRAIN_KERNELS_WASM_PATH} (${wasmBytes.length} bytes) does not compile or instantiate: ${(error as Error).message}`);
    }
    const raw: Partial<Record<keyof RawTrainKernels, unknown>> = {};
    for (const name of RAW_NAMES) {
      if (typeof exports[name] !== 'function') fail('kernels.module_invalid', `train kernels: ${TRAIN_KERNELS_WASM_PATH} has no export '${name}' (stale build?)`);
      raw[name] = exports[name];
    }
    this.raw = raw as RawTrainKernels;
    this.floatsView = new Float32Array(this.memory.buffer);
  }

  /**
   * the whole memory as f32, at least `bytes` long (grows the memory when
   * needed; a view taken before a growth still works but is shorter)
   */
  floats(bytes: number): Float32Array {
    if (this.floatsView.byteLength < bytes) {
      const have = this.memory.buffer.byteLength;
      if (have < bytes) {
        const pages = Math.ceil((bytes - have) / PAGE_BYTES);
        try {
          this.memory.grow(pages);
        } catch {
          fail('kernels.arguments_invalid', `train kernels: cannot grow the scratch memory to ${bytes} bytes`, { bytes });
        }
      }
      this.floatsView = new Float32Array(this.memory.buffer);
    }
    return this.floatsView;
  }
}

/** compile and instantiate the training kernels over a fresh memory of their own */
export function loadTrainKernels(wasmBytes: Uint8Array): TrainKernels {
  return new TrainKernels(wasmBytes);
}
