// One engine, one model, one child process (so peak RSS is this engine's
// alone): load the model, then prompt processing (pp: one prompt of N
// tokens, tokens/s) and generation (tg: N tokens greedy, one at a time,
// from an empty context, tokens/s; llama-bench's definitions). Prints one
// line of JSON on stdout. Run by bench/llm.bench.ts:
//   node --import tsx bench/llm-engine.ts ours|llama.cpp MODEL.gguf PP TG THREADS
//
// ours: the real boot path — the hosted loader passes the model as a
// Multiboot2 module, the kernel boots, init's startLlm loads it into the
// arena and starts the llm service; the bench then evaluates on a context
// of the service's loaded model (the same InferenceContext the service
// generates with), without the scheduler between tokens.
// llama.cpp: node-llama-cpp 3.21.1, prebuilt CPU binary, mmap, F16 KV cache
// (its default), batch = the prompt, THREADS threads.
import { readFileSync, statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { Rng } from '../src/common/index.ts';

// as bin/chimaera.js: let Node 20 validate the relaxed-SIMD kernels (CHIMAERA_WASM_RELAXED=0 keeps the plain ones)
setFlagsFromString('--experimental-wasm-relaxed-simd');

const [engine, modelPath, ppText, tgText, threadsText] = process.argv.slice(2);
if (engine === undefined || modelPath === undefined) throw new Error('usage: llm-engine.ts ours|llama.cpp MODEL PP TG THREADS');
const promptTokens = Number(ppText ?? 512);
const generateTokens = Number(tgText ?? 128);
const threads = Number(threadsText ?? 1);
/** ids drawn from the BPE vocabulary proper (Qwen2's first 151,643 ids), the same for both engines */
const VOCABULARY_IDS = 151_643;

export interface EngineResult {
  readonly engine: string;
  readonly model: string;
  readonly fileBytes: number;
  /** start of loading → ready to evaluate [ms] */
  readonly loadMs: number;
  readonly promptTokens: number;
  readonly promptMs: number;
  readonly generatedTokens: number;
  readonly generateMs: number;
  /** VmHWM at the end [bytes] */
  readonly peakRssBytes: number;
  readonly threads: number;
  readonly notes: string;
}

function peakRss(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match === null ? process.resourceUsage().maxRSS * 1024 : Number(match[1]) * 1024;
}

function prompt(): number[] {
  const rng = new Rng(512);
  return Array.from({ length: promptTokens }, () => rng.int(0, VOCABULARY_IDS - 1));
}

function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let t = 1; t < logits.length; t++) if (logits[t]! > logits[best]!) best = t;
  return best;
}

async function runOurs(): Promise<Omit<EngineResult, 'engine' | 'model' | 'fileBytes' | 'peakRssBytes' | 'threads'>> {
  const { HostedConsole } = await import('../src/hal/hosted/index.ts');
  const { bootKernel, MULTIBOOT2_BOOTLOADER_MAGIC } = await import('../src/kernel/index.ts');
  const { load } = await import('../src/cli/loader.ts');
  const { modelModules } = await import('../src/cli/model-modules.ts');
  const { startLlm } = await import('../src/cli/init.ts');
  const started = performance.now();
  const arenaMb = 4096;
  const { bootInfo, machine } = load({
    commandLine: `chimaera loglevel=warn arena_mb=${arenaMb}`,
    modules: modelModules(modelPath!),
    arenaBytes: arenaMb * 2 ** 20,
    console: new HostedConsole(process.stderr),
  });
  const kernel = bootKernel(MULTIBOOT2_BOOTLOADER_MAGIC, bootInfo, machine);
  const llm = startLlm(kernel);
  if (llm === undefined) throw new Error('no model was loaded');
  const loadMs = performance.now() - started;
  const context = llm.loaded.model.createContext(Math.min(llm.loaded.config.maxContext, promptTokens + generateTokens + 8));
  const ids = prompt();
  const promptStart = performance.now();
  context.evaluate(ids, { logits: 'last' });
  const promptMs = performance.now() - promptStart;
  context.reset();
  let token = ids[0]!;
  const generateStart = performance.now();
  for (let i = 0; i < generateTokens; i++) token = argmax(context.evaluate([token], { logits: 'last' }));
  const generateMs = performance.now() - generateStart;
  kernel.shutdown('bench done');
  return { loadMs, promptTokens, promptMs, generatedTokens: generateTokens, generateMs, notes: `context batch ${context.batchSize}` };
}

async function runLlamaCpp(): Promise<Omit<EngineResult, 'engine' | 'model' | 'fileBytes' | 'peakRssBytes' | 'threads'>> {
  const { getLlama } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, logLevel: 'error' as never });
  const started = performance.now();
  const model = await llama.loadModel({ modelPath: modelPath!, gpuLayers: 0, useMmap: true });
  const context = await model.createContext({ contextSize: promptTokens + generateTokens + 64, batchSize: promptTokens, threads, sequences: 1 });
  const loadMs = performance.now() - started;
  const ids = prompt();
  const sequence = context.getSequence();
  const promptStart = performance.now();
  await sequence.evaluateWithoutGeneratingNewTokens(ids as never);
  const promptMs = performance.now() - promptStart;
  await sequence.clearHistory();
  let generated = 0;
  const generateStart = performance.now();
  for await (const _token of sequence.evaluate([ids[0]!] as never, { temperature: 0, yieldEogToken: true })) {
    if (++generated >= generateTokens) break;
  }
  const generateMs = performance.now() - generateStart;
  await context.dispose();
  await model.dispose();
  return { loadMs, promptTokens, promptMs, generatedTokens: generated, generateMs, notes: `batch ${promptTokens}, mmap, ${llama.cpuMathCores} math cores` };
}

const measured = engine === 'ours' ? await runOurs() : engine === 'llama.cpp' ? await runLlamaCpp() : undefined;
if (measured === undefined) throw new Error(`unknown engine ${engine}`);
const result: EngineResult = { engine, model: modelPath, fileBytes: statSync(modelPath).size, peakRssBytes: peakRss(), threads, ...measured };
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
