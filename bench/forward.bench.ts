// Forward-pass benchmark on the real Qwen2-0.5B shape (hidden 896, 24 layers,
// 14 heads / 2 KV heads, FFN 4864, vocab 151936, tied embeddings): random
// weights written straight into a kernel arena (random quant bytes with
// block scales sized so activations stay O(1); no quantization, so it starts
// in seconds), then prompt processing and generation with the TypeScript
// kernels, the WASM kernels on 1 thread and on N threads (all cores by default).
// Prints tok/s, weight bandwidth during generation [GB/s] and a per-token
// profile: matmuls (output head separately) vs everything else (attention,
// norms, rope, SwiGLU, embedding lookup: the TypeScript ops).
// Run: node --import tsx bench/forward.bench.ts [--type q8_0|q4_k_m] [--threads N] [--prompt P] [--tokens T] [--spin POLLS] [--skip-ts]
import { availableParallelism } from 'node:os';
import { Rng } from '../src/common/index.ts';
import { Arena } from '../src/kernel/index.ts';
import {
  buildQwen2Weights, GgmlType, ggmlTypeTraits, parseQuantizeTarget, POOL_CONTROL_BYTES, quantizedTypeFor, Qwen2Model, rowBytes, startKernelPool,
  type GgmlTypeId, type KernelPool, type MatmulBackend, type Qwen2Config, type Tensor,
} from '../src/llm/index.ts';
import { nodeKernelWorkerFactory } from '../src/cli/llm-worker.ts';
import { kernelWasmBytes } from '../tests/helpers/wasm-kernels.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1]! : fallback;
};
const target = parseQuantizeTarget(option('type', 'q8_0'));
const threads = Number(option('threads', String(availableParallelism())));
const promptTokens = Number(option('prompt', '64'));
const generateTokens = Number(option('tokens', '16'));
/** polls of the job counter before an idle worker sleeps (KernelPoolOptions.spin) */
const spin = args.includes('--spin') ? Number(option('spin', '0')) : undefined;

const config: Qwen2Config = {
  vocabSize: 151936, hiddenSize: 896, intermediateSize: 4864, layerCount: 24, headCount: 14, kvHeadCount: 2, headDim: 64,
  ropeTheta: 1e6, rmsNormEps: 1e-6, maxContext: 32768, tiedEmbeddings: true,
};

const MiB = 1 << 20;
const arena = new Arena({ limitBytes: 2048 * MiB });
const allocator = (bytes: number, label: string): Uint8Array => arena.view(arena.alloc(bytes, label));
const rng = new Rng(2025);
const noise = new Uint8Array(MiB);
for (let i = 0; i < noise.length; i++) noise[i] = rng.nextU32() & 0xff;

/** block scale positions and values so that |w·x| stays O(1): [byte offset, f16 bits] per type */
function scaleFields(type: GgmlTypeId, nIn: number): Array<[number, number]> {
  const half = (value: number): number => {
    const f = new Float32Array([value]);
    const bits = new Uint32Array(f.buffer)[0]!;
    return ((bits >>> 16) & 0x8000) | ((((bits >>> 23) & 0xff) - 112) << 10) | ((bits >>> 13) & 0x3ff);
  };
  const unit = 1 / Math.sqrt(nIn);
  switch (type) {
    case GgmlType.Q8_0: return [[0, half(unit / 74)]];
    case GgmlType.Q4_0: case GgmlType.Q5_0: return [[0, half(unit / 9)]];
    case GgmlType.Q4_K: case GgmlType.Q5_K: return [[0, half(unit / 300)], [2, half(unit / 300)]];
    case GgmlType.Q6_K: return [[208, half(unit / 1300)]];
    default: return [];
  }
}

function randomTensor(name: string, shape: number[], type: GgmlTypeId): Tensor {
  const nIn = shape[0]!;
  const rows = shape.length > 1 ? shape[1]! : 1;
  const size = rowBytes(type, nIn) * rows;
  const data = allocator(size, `weights ${name}`).subarray(0, size);
  if (type === GgmlType.F32) {
    const values = new Float32Array(data.buffer, data.byteOffset, nIn * rows);
    values.fill(name.includes('norm') ? 1 : 0.01);
  } else {
    for (let at = 0; at < size; at += noise.length) data.set(noise.subarray(0, Math.min(noise.length, size - at)), at);
    const block = ggmlTypeTraits(type)!.typeSize;
    for (const [offset, bits] of scaleFields(type, nIn)) {
      for (let b = offset; b < size; b += block) {
        data[b] = bits & 0xff;
        data[b + 1] = bits >>> 8;
      }
    }
  }
  return { name, type, shape, data };
}

const started = performance.now();
const tensors = new Map<string, Tensor>();
const matrix = (name: string, nIn: number, nOut: number): void => {
  const type = quantizedTypeFor(name, [nIn, nOut], GgmlType.F32, target, { layerCount: config.layerCount, hasOutput: false });
  tensors.set(name, randomTensor(name, [nIn, nOut], type));
};
const vector = (name: string, n: number): void => void tensors.set(name, randomTensor(name, [n], GgmlType.F32));
const qDim = config.headCount * config.headDim;
const kvDim = config.kvHeadCount * config.headDim;
matrix('token_embd.weight', config.hiddenSize, config.vocabSize);
for (let l = 0; l < config.layerCount; l++) {
  vector(`blk.${l}.attn_norm.weight`, config.hiddenSize);
  matrix(`blk.${l}.attn_q.weight`, config.hiddenSize, qDim);
  vector(`blk.${l}.attn_q.bias`, qDim);
  matrix(`blk.${l}.attn_k.weight`, config.hiddenSize, kvDim);
  vector(`blk.${l}.attn_k.bias`, kvDim);
  matrix(`blk.${l}.attn_v.weight`, config.hiddenSize, kvDim);
  vector(`blk.${l}.attn_v.bias`, kvDim);
  matrix(`blk.${l}.attn_output.weight`, qDim, config.hiddenSize);
  vector(`blk.${l}.ffn_norm.weight`, config.hiddenSize);
  matrix(`blk.${l}.ffn_gate.weight`, config.hiddenSize, config.intermediateSize);
  matrix(`blk.${l}.ffn_up.weight`, config.hiddenSize, config.intermediateSize);
  matrix(`blk.${l}.ffn_down.weight`, config.intermediateSize, config.hiddenSize);
}
vector('output_norm.weight', config.hiddenSize);
const weights = buildQwen2Weights(config, tensors, `random-0.5b-${target}.gguf`, { naming: 'gguf' });
let weightBytes = 0;
const typeCounts = new Map<string, number>();
for (const t of tensors.values()) {
  weightBytes += t.data.length;
  const name = ggmlTypeTraits(t.type)!.name;
  typeCounts.set(name, (typeCounts.get(name) ?? 0) + 1);
}
console.log(`forward bench: Qwen2-0.5B shape, ${target} (${[...typeCounts].map(([t, n]) => `${n} ${t}`).join(', ')}), ${(weightBytes / 1e6).toFixed(0)} MB of weights, built in ${((performance.now() - started) / 1000).toFixed(1)} s; node ${process.version}, ${availableParallelism()} cores`);

interface Profile { matmulMs: number; headMs: number; attendMs: number }

/** wraps backend.multiply and backend.attend to add up their time [ms] (matmuls, of which the output head; attention) */
function profiled(model: Qwen2Model): Profile {
  const totals = { matmulMs: 0, headMs: 0, attendMs: 0 };
  const backend = model.backend as { multiply: MatmulBackend['multiply']; attend: MatmulBackend['attend'] };
  const multiply = backend.multiply.bind(backend);
  backend.multiply = (input, tokens, nIn, products, count, prepared) => {
    const t0 = performance.now();
    multiply(input, tokens, nIn, products, count, prepared);
    const ms = performance.now() - t0;
    totals.matmulMs += ms;
    if (products[0]!.nOut === config.vocabSize) totals.headMs += ms;
  };
  const attend = backend.attend.bind(backend);
  backend.attend = (...call) => {
    const t0 = performance.now();
    attend(...call);
    totals.attendMs += performance.now() - t0;
  };
  return totals;
}

/** "layer matmuls 1.0 ms, output head …" per token */
function describe(totals: Profile, totalMs: number, tokens: number): string {
  const perToken = (ms: number): string => `${(ms / tokens).toFixed(1)} ms`;
  return `layer matmuls ${perToken(totals.matmulMs - totals.headMs)}, output head ${perToken(totals.headMs)}, attention ${perToken(totals.attendMs)}, other ${perToken(totalMs - totals.matmulMs - totals.attendMs)}`;
}

interface Row { readonly what: string; readonly pp: number; readonly tg: number }
const rows: Row[] = [];

function measure(what: string, model: Qwen2Model, prompt: number, generate: number): void {
  const totals = profiled(model);
  const context = model.createContext(prompt + generate + 1, { batchSize: Math.min(64, prompt) });
  const tokens = Array.from({ length: prompt }, (_, i) => (i * 7919) % config.vocabSize);
  let t0 = performance.now();
  context.evaluate(tokens, { logits: 'last' });
  const ppMs = performance.now() - t0;
  const ppProfile = describe(totals, ppMs, prompt);
  Object.assign(totals, { matmulMs: 0, headMs: 0, attendMs: 0 });
  t0 = performance.now();
  for (let i = 0; i < generate; i++) context.evaluate([(i * 104729) % config.vocabSize]);
  const tgMs = performance.now() - t0;
  const row = { what, pp: prompt / (ppMs / 1000), tg: generate / (tgMs / 1000) };
  rows.push(row);
  console.log(`${what.padEnd(22)} pp${prompt} ${row.pp.toFixed(1).padStart(7)} tok/s   tg${generate} ${row.tg.toFixed(2).padStart(6)} tok/s (${((weightBytes * row.tg) / 1e9).toFixed(1)} GB/s)`);
  console.log(`${''.padEnd(22)} prompt, per token: ${ppProfile}`);
  console.log(`${''.padEnd(22)} generation, per token: ${describe(totals, tgMs, generate)}`);
}

function poolWith(workers: number): KernelPool {
  const control = arena.alloc(POOL_CONTROL_BYTES, 'kernel pool');
  return startKernelPool(kernelWasmBytes(), arena.memory, control.offset, { workers, factory: nodeKernelWorkerFactory, ...(spin === undefined ? {} : { spin }) });
}

if (!args.includes('--skip-ts')) measure('typescript', new Qwen2Model(config, weights, { allocator, kernels: 'typescript' }), 4, 2);
const single = poolWith(0);
measure('wasm, 1 thread', new Qwen2Model(config, weights, { allocator, pool: single }), promptTokens, generateTokens);
single.close();
if (threads > 1) {
  const pool = poolWith(threads - 1);
  measure(`wasm, ${threads} threads`, new Qwen2Model(config, weights, { allocator, pool }), promptTokens, generateTokens);
  pool.close();
}
