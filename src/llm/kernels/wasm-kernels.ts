/**
 * Loader and calling contract of the WebAssembly SIMD kernels
 * (build/wasm/llm-kernels.wasm, compiled from ./wasm/*.ts by
 * scripts/build-wasm.js). The module imports a shared memory — the kernel
 * arena's — and every kernel works on byte offsets into it, so weights loaded
 * into the arena are computed on in place, and later workers can instantiate
 * the same compiled module over the same memory.
 *
 * This file never reads files: the caller supplies the .wasm bytes (cli and
 * tests read `KERNELS_WASM_PATH` relative to the repository root).
 *
 * Each kernel has a TypeScript twin in llm/quant and a test comparing them:
 *   matmul type  activations  twin                numerics
 *   Q8_0         Q8_0         vecDotQ8_0          bit-identical
 *   Q4_K         Q8_K         vecDotQ4_K          bit-identical
 *   F32          F32          vecDotF32           f32 lanes; ≤ (n/16 + 6)·2^-24·Σ|w·x| apart
 */

import { fail } from '../../common/index.ts';
import type { WasmMemory } from '../../kernel/index.ts';
import { preparedBytes } from '../quant/index.ts';
import { GgmlType, ggmlTypeTraits, rowBytes, type GgmlTypeId } from '../tensor.ts';
import { compileWasm, instantiateWasm, type WasmModule } from './wasm-api.ts';

/** where scripts/build-wasm.js writes the module, relative to the repository root */
export const KERNELS_WASM_PATH = 'build/wasm/llm-kernels.wasm';

/** dot of one row with one token's activations: (row offset, activations offset, n elements) → f32 */
export type RawDot = (row: number, x: number, n: number) => number;

/**
 * out[t·outTokenStride + 4r] = dot(weights + r·rowStride, x + t·xTokenStride, n)
 * for r in [rowBegin, rowEnd), t in [0, tokens); all offsets and strides in bytes.
 */
export type RawMatmul = (
  out: number, outTokenStride: number,
  weights: number, rowStride: number,
  x: number, xTokenStride: number, tokens: number,
  n: number, rowBegin: number, rowEnd: number,
) => void;

/** the module's exports, unchecked: a bad offset traps (RangeError) or reads someone else's bytes */
export interface RawKernels {
  readonly dotQ8_0: RawDot;
  readonly matmulQ8_0: RawMatmul;
  readonly dotQ4_K: RawDot;
  readonly matmulQ4_K: RawMatmul;
  readonly dotF32: RawDot;
  readonly matmulF32: RawMatmul;
}

const RAW_NAMES = ['dotQ8_0', 'matmulQ8_0', 'dotQ4_K', 'matmulQ4_K', 'dotF32', 'matmulF32'] as const;

/** weight types with a WASM matmul, and the raw kernel for each */
const MATMUL_BY_TYPE = new Map<number, keyof RawKernels>([
  [GgmlType.Q8_0, 'matmulQ8_0'],
  [GgmlType.Q4_K, 'matmulQ4_K'],
  [GgmlType.F32, 'matmulF32'],
]);

/** one checked matrix product over arena offsets (see WasmKernels.matmul) */
export interface MatmulRequest {
  readonly type: GgmlTypeId;
  /** [tokens, nOut] f32, byte offset */
  readonly out: number;
  /** nOut rows of rowBytes(type, nIn), byte offset */
  readonly weights: number;
  /** [tokens] × preparedBytes(type, nIn) activations (prepareActivations output; f32 for F32), byte offset */
  readonly x: number;
  readonly tokens: number;
  readonly nIn: number;
  readonly nOut: number;
  /** compute only rows [rowBegin, rowEnd) (a worker's share); default all */
  readonly rowBegin?: number;
  readonly rowEnd?: number;
}

export class WasmKernels {
  readonly memory: WasmMemory;
  readonly raw: RawKernels;

  constructor(module: WasmModule, memory: WasmMemory) {
    this.memory = memory;
    let exports: Record<string, unknown>;
    try {
      exports = instantiateWasm(module, memory).exports;
    } catch (error) {
      fail('kernels.module_invalid', `llm kernels: instantiating ${KERNELS_WASM_PATH} over the arena memory failed: ${(error as Error).message}`);
    }
    const raw: Partial<Record<keyof RawKernels, unknown>> = {};
    for (const name of RAW_NAMES) {
      if (typeof exports[name] !== 'function') fail('kernels.module_invalid', `llm kernels: ${KERNELS_WASM_PATH} has no export '${name}' (stale build?)`);
      raw[name] = exports[name];
    }
    this.raw = raw as RawKernels;
  }

  /** whether `type` weights have a WASM matmul here */
  static supports(type: GgmlTypeId): boolean {
    return MATMUL_BY_TYPE.has(type);
  }

  /** y = W·x for request.tokens tokens, after checking types, sizes and that every range lies in the memory */
  matmul(request: MatmulRequest): void {
    const { type, out, weights, x, tokens, nIn, nOut } = request;
    const rowBegin = request.rowBegin ?? 0;
    const rowEnd = request.rowEnd ?? nOut;
    const kernel = MATMUL_BY_TYPE.get(type);
    const name = ggmlTypeTraits(type)?.name ?? String(type);
    if (kernel === undefined) fail('kernels.arguments_invalid', `llm kernels: no WASM matmul for ${name} weights (have Q8_0, Q4_K, F32)`, { type });
    const counts = { tokens, nIn, nOut, rowBegin, rowEnd };
    for (const [what, value] of Object.entries(counts)) {
      if (!Number.isSafeInteger(value) || value < 0) fail('kernels.arguments_invalid', `llm kernels: ${name} matmul: ${what} = ${value} must be a non-negative integer`, counts);
    }
    if (rowBegin > rowEnd || rowEnd > nOut) fail('kernels.arguments_invalid', `llm kernels: ${name} matmul: rows [${rowBegin}, ${rowEnd}) are not inside [0, ${nOut})`, counts);
    const blockSize = ggmlTypeTraits(type)!.blockSize;
    if (nIn % blockSize !== 0) fail('kernels.arguments_invalid', `llm kernels: ${name} rows need a multiple of ${blockSize} elements, got ${nIn}`, counts);
    const rowStride = rowBytes(type, nIn);
    const xStride = preparedBytes(type, nIn);
    const outStride = 4 * nOut;
    this.checkRange('weights', weights, rowStride * nOut);
    this.checkRange('activations', x, xStride * tokens);
    this.checkRange('output', out, outStride * tokens);
    this.raw[kernel](out, outStride, weights, rowStride, x, xStride, tokens, nIn, rowBegin, rowEnd);
  }

  private checkRange(what: string, offset: number, bytes: number): void {
    const size = this.memory.buffer.byteLength;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + bytes > size) {
      fail('kernels.arguments_invalid', `llm kernels: ${what} [${offset}, ${offset + bytes}) lies outside the ${size}-byte memory`, { offset, bytes, size });
    }
  }
}

/** compile the kernel module once (the result can be posted to workers and instantiated there) */
export function compileKernelModule(wasmBytes: Uint8Array): WasmModule {
  try {
    return compileWasm(wasmBytes);
  } catch (error) {
    return fail('kernels.module_invalid', `llm kernels: ${KERNELS_WASM_PATH} (${wasmBytes.length} bytes) does not compile: ${(error as Error).message}`);
  }
}

/** compile `wasmBytes` (the contents of KERNELS_WASM_PATH) and instantiate it over `memory` (the arena's) */
export function loadWasmKernels(wasmBytes: Uint8Array, memory: WasmMemory): WasmKernels {
  return new WasmKernels(compileKernelModule(wasmBytes), memory);
}
