#!/usr/bin/env node
// Compiles the AssemblyScript compute kernels (src/llm/kernels/wasm/*.ts) to
// WebAssembly with 128-bit SIMD: build/wasm/llm-kernels.wasm (inference, entry
// index.ts; llm-kernels-relaxed.wasm: the same with relaxed SIMD) and build/wasm/train-kernels.wasm (the training engine's f32
// matrix products, entry train-f32.ts), all git-ignored.
// Runs as the npm `prepare` script and from scripts/run-tests.js; it does
// nothing when the .wasm is newer than every source (pass --force to rebuild).
//
// The module imports its memory (`env.memory`: shared, 0 … 65536 pages, so
// any kernel arena's memory fits), has no data segments, no start function
// and no runtime (`--runtime stub`, and no export allocates), so it can be
// instantiated against the arena and on worker threads without touching memory.
// Usage: node scripts/build-wasm.js [--force] [--if-available]
//   --if-available: exit quietly when the compiler is not installed (an
//   install without devDependencies), instead of failing.
import { mkdirSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const sourceDir = join(root, 'src/llm/kernels/wasm');
const outDir = join(root, 'build/wasm');

/** each module: its AssemblyScript entry and its output */
export const WASM_MODULES = [
  { entry: join(sourceDir, 'index.ts'), outFile: join(outDir, 'llm-kernels.wasm') },
  // the same sources with relaxed SIMD (ASC_FEATURE_RELAXED_SIMD picks the int8 relaxed dots); loaded when the engine validates it
  { entry: join(sourceDir, 'index.ts'), outFile: join(outDir, 'llm-kernels-relaxed.wasm'), features: 'simd,threads,relaxed-simd' },
  { entry: join(sourceDir, 'train-f32.ts'), outFile: join(outDir, 'train-kernels.wasm') },
];

const COMPILER_FLAGS = [
  '-O3', '--noAssert', '--use', 'abort=',
  '--runtime', 'stub',
  '--importMemory', '--sharedMemory', '--initialMemory', '0', '--maximumMemory', '65536',
];

function newestSourceTime() {
  let newest = statSync(new URL(import.meta.url)).mtimeMs;
  for (const name of readdirSync(sourceDir)) newest = Math.max(newest, statSync(join(sourceDir, name)).mtimeMs);
  return newest;
}

/** build every module that is missing or older than its sources; returns the paths rebuilt */
export async function ensureWasmBuilt(options = { force: false, ifAvailable: false }) {
  const newest = newestSourceTime();
  const stale = WASM_MODULES.filter((m) => options.force || !existsSync(m.outFile) || statSync(m.outFile).mtimeMs < newest);
  if (stale.length === 0) return [];
  let asc;
  try {
    asc = (await import('assemblyscript/asc')).default;
  } catch {
    if (options.ifAvailable) return [];
    throw new Error('build-wasm: the AssemblyScript compiler is not installed; run `npm install` (assemblyscript is a devDependency)');
  }
  mkdirSync(outDir, { recursive: true });
  for (const module of stale) {
    const output = [];
    const stream = { write: (chunk) => { output.push(String(chunk)); return true; } };
    const { error } = await asc.main([module.entry, '--outFile', module.outFile, ...COMPILER_FLAGS, '--enable', module.features ?? 'simd,threads'], { stdout: stream, stderr: stream });
    if (error) throw new Error(`build-wasm: compiling ${module.entry} failed: ${error.message}\n${output.join('')}`);
  }
  return stale.map((m) => m.outFile);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const built = await ensureWasmBuilt({ force: process.argv.includes('--force'), ifAvailable: process.argv.includes('--if-available') });
    for (const path of built) console.log(`build-wasm: wrote ${path}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
