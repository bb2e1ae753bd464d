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
 * Each kernel has a TypeScript twin in llm/quant (wasmDotTwin) and a test
 * comparing them:
 *   matmul type  activations  twin                numerics
 *   Q8_0         Q8_0         vecDotQ8_0          bit-identical
 *   Q4_0         Q8_0         vecDotQ4_0          bit-identical
 *   Q5_0         Q8_0         vecDotQ5_0          bit-identical
 *   Q4_K         Q8_K         vecDotQ4_KBlocks    bit-identical ┐ exact integers per super-block,
 *   Q6_K         Q8_K         vecDotQ6_KBlocks    bit-identical ┘ so within (blocks + 4)·2^-23·Σ|w·x|
 *                                                   of vecDotQ4_K / vecDotQ6_K (ggml's eight
 *                                                   f32 lanes, the TypeScript backend's)
 *   Q5_K         Q8_K         vecDotQ5_K          bit-identical
 *   F16          F16          vecDotF16           f64 lanes; ≤ 2^-24·|ref| + n·2^-52·Σ|w·x| apart
 *   BF16         BF16         vecDotBf16          f64 lanes; same bound
 *   F32          F32          vecDotF32           f32 lanes; ≤ (n/16 + 6)·2^-24·Σ|w·x| apart
 * Activation quantizers (prepare): f32 → Q8_0 / Q8_K / F16 / BF16, the same
 * bytes as prepareActivations with its default ('ggml-x86-simd') rounding.
 * SwiGLU's gating (swiglu): the same bits as llm/model/ffn.ts swiglu.
 */

import { fail } from '../../common/index.ts';
import type { WasmMemory } from '../../kernel/index.ts';
import { preparedBytes, vecDot, vecDotQ4_KBlocks, vecDotQ6_KBlocks, vecDotType } from '../quant/index.ts';
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

/** n f32 at src → the activation type's blocks at dst (byte offsets) */
export type RawQuantize = (src: number, dst: number, n: number) => void;

/** the module's exports, unchecked: a bad offset traps (RangeError) or reads someone else's bytes */
export interface RawKernels {
  readonly dotQ8_0: RawDot;
  readonly matmulQ8_0: RawMatmul;
  readonly dotQ4_0: RawDot;
  readonly matmulQ4_0: RawMatmul;
  readonly dotQ5_0: RawDot;
  readonly matmulQ5_0: RawMatmul;
  readonly dotQ4_K: RawDot;
  readonly matmulQ4_K: RawMatmul;
  readonly dotQ5_K: RawDot;
  readonly matmulQ5_K: RawMatmul;
  readonly dotQ6_K: RawDot;
  readonly matmulQ6_K: RawMatmul;
  readonly dotF16: RawDot;
  readonly matmulF16: RawMatmul;
  readonly dotBf16: RawDot;
  readonly matmulBf16: RawMatmul;
  readonly dotF32: RawDot;
  readonly matmulF32: RawMatmul;
  readonly quantizeQ8_0: RawQuantize;
  readonly quantizeQ8_K: RawQuantize;
  readonly quantizeF16: RawQuantize;
  readonly quantizeBf16: RawQuantize;
  /** causal GQA attention rows [rowBegin, rowEnd) of one layer (wasm/attention.ts; AttentionRequest has the meaning of each) */
  readonly attendRows: (
    out: number, outTokenStride: number, keys: number, values: number, q: number, qTokenStride: number,
    startPosition: number, headCount: number, kvHeadCount: number, headDim: number, rowBegin: number, rowEnd: number,
  ) => void;
  /** unpack Q8_0 activations for matmulQ8_0's 11th argument (wasm/q8_0.ts); 1 when usable, 0 in the plain module or on an activation byte of −128 */
  readonly unpackQ8_0Activations: (x: number, xTokenStride: number, tokens: number, n: number, dst: number) => number;
  /** gate[i] = silu(gate[i]) · up[i] for n f32 (wasm/swiglu.ts) */
  readonly swiglu: (gate: number, up: number, n: number) => void;
  /** claim and compute chunks of the pool's current job (control block offset); returns chunks computed */
  readonly runChunks: (control: number) => number;
  /** a pool worker's loop (control block offset, last generation seen); returns on the stop command */
  readonly workerLoop: (control: number, seen: number) => void;
}

const RAW_NAMES = [
  'dotQ8_0', 'matmulQ8_0', 'dotQ4_0', 'matmulQ4_0', 'dotQ5_0', 'matmulQ5_0', 'dotQ4_K', 'matmulQ4_K', 'dotQ5_K', 'matmulQ5_K',
  'dotQ6_K', 'matmulQ6_K', 'dotF16', 'matmulF16', 'dotBf16', 'matmulBf16', 'dotF32', 'matmulF32',
  'quantizeQ8_0', 'quantizeQ8_K', 'quantizeF16', 'quantizeBf16', 'unpackQ8_0Activations', 'attendRows', 'swiglu', 'runChunks', 'workerLoop',
] as const;

type MatmulName = 'matmulF32' | 'matmulF16' | 'matmulBf16' | 'matmulQ4_0' | 'matmulQ5_0' | 'matmulQ8_0' | 'matmulQ4_K' | 'matmulQ5_K' | 'matmulQ6_K';

/**
 * Weight types with a WASM matmul: the raw kernel and its id in the pool's
 * task words (the `switch` in wasm/pool.ts; keep the two in step).
 */
export const MATMUL_KERNELS: ReadonlyMap<number, { readonly name: MatmulName; readonly id: number }> = new Map([
  [GgmlType.F32, { name: 'matmulF32', id: 0 }],
  [GgmlType.F16, { name: 'matmulF16', id: 1 }],
  [GgmlType.BF16, { name: 'matmulBf16', id: 2 }],
  [GgmlType.Q4_0, { name: 'matmulQ4_0', id: 3 }],
  [GgmlType.Q5_0, { name: 'matmulQ5_0', id: 4 }],
  [GgmlType.Q8_0, { name: 'matmulQ8_0', id: 5 }],
  [GgmlType.Q4_K, { name: 'matmulQ4_K', id: 6 }],
  [GgmlType.Q5_K, { name: 'matmulQ5_K', id: 7 }],
  [GgmlType.Q6_K, { name: 'matmulQ6_K', id: 8 }],
]);

/** activation (vec-dot) types with a WASM quantizer; F32 activations are used as they are */
const QUANTIZER_BY_TYPE = new Map<number, 'quantizeQ8_0' | 'quantizeQ8_K' | 'quantizeF16' | 'quantizeBf16'>([
  [GgmlType.Q8_0, 'quantizeQ8_0'],
  [GgmlType.Q8_K, 'quantizeQ8_K'],
  [GgmlType.F16, 'quantizeF16'],
  [GgmlType.BF16, 'quantizeBf16'],
]);

/** a dot of one row (at rowOffset in row) with one token's prepared activations (at xOffset in x), n elements */
export type DotTwin = (row: Uint8Array, rowOffset: number, x: Uint8Array, xOffset: number, n: number) => number;

/** the TypeScript function whose bits the WASM matmul of `type` weights gives (the table in the header) */
export function wasmDotTwin(type: GgmlTypeId): DotTwin {
  if (type === GgmlType.Q4_K) return vecDotQ4_KBlocks;
  if (type === GgmlType.Q6_K) return vecDotQ6_KBlocks;
  return (row, rowOffset, x, xOffset, n) => vecDot(type, row, rowOffset, x, xOffset, n);
}

/** bytes of unpacked Q8_0 activations per 32-element block (UNPACKED_BYTES in wasm/q8_0-relaxed.ts) */
export const Q8_0_UNPACKED_BYTES = 72;

/** the pool's task-word id of the attention kernel (the matmuls use 0 … 8) */
export const ATTENTION_KERNEL_ID = 9;
/** the pool's task-word id of SwiGLU's gating */
export const SWIGLU_KERNEL_ID = 10;

/**
 * One layer's causal attention for a batch of consecutive tokens, over
 * byte offsets into the memory (see wasm/attention.ts): token t of the batch
 * sits at position startPosition + t and sees positions 0 … startPosition + t.
 */
export interface AttentionRequest {
  /** [tokens, headCount·headDim] f32 */
  readonly out: number;
  /** [tokens, headCount·headDim] f32, rotated queries */
  readonly q: number;
  /** this layer's cache: (position, kvHead, headDim) f32, ≥ startPosition + tokens positions */
  readonly keys: number;
  readonly values: number;
  readonly startPosition: number;
  readonly tokens: number;
  readonly headCount: number;
  readonly kvHeadCount: number;
  readonly headDim: number;
}

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
  /** the compiled module (workers instantiate the same one) */
  readonly module: WasmModule;

  constructor(module: WasmModule, memory: WasmMemory) {
    this.memory = memory;
    this.module = module;
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
    return MATMUL_KERNELS.has(type);
  }

  /**
   * dst = n f32 at src converted to the vec-dot type of `weightType` weights
   * (prepareActivations' bytes); F32 weights need no conversion (a copy is made).
   */
  prepare(weightType: GgmlTypeId, src: number, dst: number, n: number): void {
    const name = ggmlTypeTraits(weightType)?.name ?? String(weightType);
    if (!MATMUL_KERNELS.has(weightType)) fail('kernels.arguments_invalid', `llm kernels: no WASM activation quantizer for ${name} weights`, { type: weightType });
    const bytes = preparedBytes(weightType, n);
    this.checkRange('activations f32', src, 4 * n);
    this.checkRange('prepared activations', dst, bytes);
    const quantizer = QUANTIZER_BY_TYPE.get(vecDotType(weightType));
    if (quantizer === undefined) new Uint8Array(this.memory.buffer).copyWithin(dst, src, src + 4 * n);
    else this.raw[quantizer](src, dst, n);
  }

  /** y = W·x for request.tokens tokens, after checking types, sizes and that every range lies in the memory */
  matmul(request: MatmulRequest): void {
    const { type, out, weights, x, tokens, nIn, nOut } = request;
    const rowBegin = request.rowBegin ?? 0;
    const rowEnd = request.rowEnd ?? nOut;
    const kernel = MATMUL_KERNELS.get(type)?.name;
    const name = ggmlTypeTraits(type)?.name ?? String(type);
    if (kernel === undefined) fail('kernels.arguments_invalid', `llm kernels: no WASM matmul for ${name} weights (have F32, F16, BF16, Q4_0, Q5_0, Q8_0, Q4_K, Q5_K, Q6_K)`, { type });
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

  /** the whole attention of request on this thread, after checking shapes and ranges (the pool runs it split over threads) */
  attention(request: AttentionRequest): void {
    checkAttention(request, this);
    const { out, q, keys, values, startPosition, tokens, headCount, kvHeadCount, headDim } = request;
    const stride = 4 * headCount * headDim;
    this.raw.attendRows(out, stride, keys, values, q, stride, startPosition, headCount, kvHeadCount, headDim, 0, tokens * headCount);
  }

  /**
   * Unpack `tokens` tokens of prepared Q8_0 activations (n elements each, at
   * x, xTokenStride apart) into dst (tokens · n/32 · Q8_0_UNPACKED_BYTES
   * bytes) for the relaxed module's batch tiles, after checking the ranges;
   * false when they cannot be used (plain module, or a −128 activation byte).
   */
  unpackQ8_0(x: number, xTokenStride: number, tokens: number, n: number, dst: number): boolean {
    if (!Number.isSafeInteger(tokens) || tokens < 0 || !Number.isSafeInteger(n) || n < 0 || n % 32 !== 0) {
      fail('kernels.arguments_invalid', `llm kernels: unpacking Q8_0 activations needs a token count and a multiple of 32 elements, got ${tokens} and ${n}`, { tokens, n });
    }
    this.checkRange('Q8_0 activations', x, xTokenStride * tokens);
    this.checkRange('unpacked activations', dst, (n / 32) * Q8_0_UNPACKED_BYTES * tokens);
    return this.raw.unpackQ8_0Activations(x, xTokenStride, tokens, n, dst) !== 0;
  }

  /** gate[i] = silu(gate[i]) · up[i] for n f32 at byte offsets gate and up, on this thread, after checking the ranges */
  swiglu(gate: number, up: number, n: number): void {
    checkSwiglu(gate, up, n, this);
    this.raw.swiglu(gate, up, n);
  }

  /** fail unless [offset, offset + bytes) lies inside the memory */
  checkRange(what: string, offset: number, bytes: number): void {
    const size = this.memory.buffer.byteLength;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + bytes > size) {
      fail('kernels.arguments_invalid', `llm kernels: ${what} [${offset}, ${offset + bytes}) lies outside the ${size}-byte memory`, { offset, bytes, size });
    }
  }
}

/** fail unless request describes an attention the kernel can compute inside kernels' memory */
export function checkAttention(request: AttentionRequest, kernels: WasmKernels): void {
  const { out, q, keys, values, startPosition, tokens, headCount, kvHeadCount, headDim } = request;
  const counts = { startPosition, tokens, headCount, kvHeadCount, headDim };
  for (const [what, value] of Object.entries(counts)) {
    if (!Number.isSafeInteger(value) || value < 0) fail('kernels.arguments_invalid', `llm kernels: attention: ${what} = ${value} must be a non-negative integer`, counts);
  }
  if (headDim === 0 || headDim % 4 !== 0 || kvHeadCount === 0 || headCount % kvHeadCount !== 0) {
    fail('kernels.arguments_invalid', `llm kernels: attention needs headDim a positive multiple of 4 and headCount a multiple of kvHeadCount, got headDim ${headDim}, ${headCount} heads, ${kvHeadCount} KV heads`, counts);
  }
  const rowBytes = 4 * headCount * headDim;
  const cacheBytes = 4 * kvHeadCount * headDim * (startPosition + tokens);
  kernels.checkRange('attention output', out, rowBytes * tokens);
  kernels.checkRange('attention queries', q, rowBytes * tokens);
  kernels.checkRange('attention keys', keys, cacheBytes);
  kernels.checkRange('attention values', values, cacheBytes);
}

/** fail unless n f32 at gate and at up lie inside kernels' memory, 4-byte aligned */
export function checkSwiglu(gate: number, up: number, n: number, kernels: WasmKernels): void {
  if (!Number.isSafeInteger(n) || n < 0) fail('kernels.arguments_invalid', `llm kernels: swiglu: n = ${n} must be a non-negative integer`, { n });
  if (gate % 4 !== 0 || up % 4 !== 0) fail('kernels.arguments_invalid', `llm kernels: swiglu needs 4-byte aligned f32 arrays, got offsets ${gate} and ${up}`, { gate, up });
  kernels.checkRange('swiglu gate', gate, 4 * n);
  kernels.checkRange('swiglu up', up, 4 * n);
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
