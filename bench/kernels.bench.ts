// Micro-benchmark: the TypeScript reference dot kernels (llm/quant vecDot, as
// the model's matmul runs them) against the WebAssembly SIMD kernels
// (build/wasm/llm-kernels.wasm) on matrix-vector products in the
// Qwen2-0.5B shapes, one thread, one token (Q8_0, Q4_0, Q5_0, Q4_K, Q5_K,
// Q6_K, F16, F32 weights). Prints time per product, weight
// bandwidth [GB/s] and the speed-up. The WASM results are checked against
// their TypeScript twins (wasmDotTwin: bit for bit for the quantized types,
// within rounding for F32/F16) before timing.
// Run: npm run bench:kernels   (builds nothing; run node scripts/build-wasm.js first)
import { existsSync, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { Rng } from '../src/common/index.ts';
import { Arena } from '../src/kernel/index.ts';
import { chooseKernelModule, kernelModulePreference, loadWasmKernels, wasmDotTwin, KERNELS_RELAXED_WASM_PATH, KERNELS_WASM_PATH } from '../src/llm/kernels/index.ts';
import { prepareActivations, preparedBytes, quantizeRow, vecDotKernel } from '../src/llm/quant/index.ts';
import { GgmlType, ggmlTypeTraits, rowBytes, type GgmlTypeId } from '../src/llm/tensor.ts';

const MiB = 1 << 20;
/** minimum measured time per side and case [ms] */
const MEASURE_MS = Number(process.env.BENCH_MS ?? 600);

const arena = new Arena({ limitBytes: 256 * MiB });
// the relaxed-SIMD build when built and valid (CHIMAERA_WASM_RELAXED=0: the plain one), as the engine chooses
setFlagsFromString('--experimental-wasm-relaxed-simd');
const relaxedUrl = new URL(`../${KERNELS_RELAXED_WASM_PATH}`, import.meta.url);
const choice = chooseKernelModule(
  readFileSync(new URL(`../${KERNELS_WASM_PATH}`, import.meta.url)),
  existsSync(relaxedUrl) ? readFileSync(relaxedUrl) : undefined,
  kernelModulePreference(process.env.CHIMAERA_WASM_RELAXED),
);
console.log(`kernel module: ${choice.variant}${choice.reason === undefined ? '' : ` (${choice.reason})`}`);
const kernels = loadWasmKernels(choice.bytes, arena.memory);
const rng = new Rng(2024);

interface Case { readonly type: GgmlTypeId; readonly nIn: number; readonly nOut: number; readonly what: string }

const cases: Case[] = [
  { type: GgmlType.Q8_0, nIn: 896, nOut: 4864, what: 'ffn_up/gate' },
  { type: GgmlType.Q8_0, nIn: 4864, nOut: 896, what: 'ffn_down' },
  { type: GgmlType.F32, nIn: 896, nOut: 4864, what: 'ffn_up/gate' },
  { type: GgmlType.F32, nIn: 4864, nOut: 896, what: 'ffn_down' },
  { type: GgmlType.Q4_K, nIn: 4864, nOut: 896, what: 'ffn_down' },
  { type: GgmlType.Q4_K, nIn: 1536, nOut: 8960, what: '1.5B up' },
  { type: GgmlType.Q5_K, nIn: 4864, nOut: 896, what: 'ffn_down' },
  { type: GgmlType.Q6_K, nIn: 4864, nOut: 896, what: 'ffn_down' },
  { type: GgmlType.Q4_0, nIn: 896, nOut: 4864, what: 'ffn_up/gate' },
  { type: GgmlType.Q5_0, nIn: 896, nOut: 4864, what: 'ffn_up/gate' },
  { type: GgmlType.F16, nIn: 896, nOut: 4864, what: 'ffn_up/gate' },
];

/** run `body` until MEASURE_MS have passed; returns ms per call */
function timePerCall(body: () => void): number {
  body();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    body();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < MEASURE_MS);
  return elapsed / calls;
}

console.log(`kernels bench: 1 thread, 1 token, ≥${MEASURE_MS} ms per measurement (node ${process.version})`);
console.log('type  shape (in×out)  layer        weights   TS ms   TS GB/s  WASM ms  WASM GB/s  speed-up');
for (const { type, nIn, nOut, what } of cases) {
  const stride = rowBytes(type, nIn);
  const xStride = preparedBytes(type, nIn);
  const weights = arena.alloc(stride * nOut, 'bench');
  const prepared = arena.alloc(xStride, 'bench');
  const outWasm = arena.alloc(4 * nOut, 'bench');
  const bytes = new Uint8Array(arena.memory.buffer);
  const row = new Float32Array(nIn);
  for (let r = 0; r < nOut; r++) {
    for (let i = 0; i < nIn; i++) row[i] = (rng.next() * 2 - 1) * 0.1;
    quantizeRow(type, row, 0, bytes, weights.offset + r * stride, nIn);
  }
  for (let i = 0; i < nIn; i++) row[i] = rng.next() * 2 - 1;
  prepareActivations(type, row, 0, nIn, bytes, prepared.offset);
  const outTs = new Float32Array(nOut);
  const dot = vecDotKernel(type);
  const runTs = (): void => {
    for (let r = 0; r < nOut; r++) outTs[r] = dot(bytes, weights.offset + r * stride, bytes, prepared.offset, nIn);
  };
  const request = { type, out: outWasm.offset, weights: weights.offset, x: prepared.offset, tokens: 1, nIn, nOut };
  const runWasm = (): void => kernels.matmul(request);
  runTs();
  runWasm();
  const wasmOut = new Float32Array(arena.memory.buffer, outWasm.offset, nOut);
  for (let r = 0; r < nOut; r++) {
    const twin = wasmDotTwin(type)(bytes, weights.offset + r * stride, bytes, prepared.offset, nIn);
    const close = type === GgmlType.F32 || type === GgmlType.F16 ? Math.abs(wasmOut[r]! - twin) <= 1e-5 * (1 + Math.abs(twin)) : Object.is(wasmOut[r], twin);
    if (!close) throw new Error(`bench: ${ggmlTypeTraits(type)!.name} row ${r}: wasm ${wasmOut[r]} vs its TypeScript twin ${twin}`);
  }
  const tsMs = timePerCall(runTs);
  const wasmMs = timePerCall(runWasm);
  const gbps = (ms: number): string => ((stride * nOut) / (ms * 1e6)).toFixed(2);
  console.log([
    ggmlTypeTraits(type)!.name.padEnd(5), `${nIn}×${nOut}`.padEnd(15), what.padEnd(12), `${((stride * nOut) / MiB).toFixed(1)} MiB`.padStart(8),
    tsMs.toFixed(3).padStart(7), gbps(tsMs).padStart(8), wasmMs.toFixed(3).padStart(8), gbps(wasmMs).padStart(10), `${(tsMs / wasmMs).toFixed(1)}×`.padStart(9),
  ].join(' '));
  arena.free(outWasm);
  arena.free(prepared);
  arena.free(weights);
}
