#!/usr/bin/env node
// The `chimaera` launcher: hands over to src/cli/main.ts, from the bundle
// build/cli/chimaera.mjs (scripts/bundle-cli.js: rebuilt here when a source is
// newer; about 1 s faster to start than compiling the sources), or through
// tsx's loader when the bundle cannot be built.
import { setFlagsFromString } from 'node:v8';

// Node 20 validates WebAssembly relaxed SIMD only behind this flag: with it the
// kernels load build/wasm/llm-kernels-relaxed.wasm (llm/kernels/kernel-module-choice.ts);
// set before any module compiles (V8 flags are process-wide, worker threads included)
setFlagsFromString('--experimental-wasm-relaxed-simd');
const { main } = await loadCli();
const code = await main(process.argv.slice(2));
process.exitCode = code;

async function loadCli() {
  try {
    const { ensureCliBundle, CLI_BUNDLE } = await import('../scripts/bundle-cli.js');
    if (process.env.CHIMAERA_BUNDLE !== '0' && await ensureCliBundle()) return await import(CLI_BUNDLE);
  } catch (error) {
    console.error(`chimaera: running from the TypeScript sources (the cli bundle could not be built: ${error instanceof Error ? error.message : error})`);
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import('../src/cli/main.ts');
}
