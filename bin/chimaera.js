#!/usr/bin/env node
// The `chimaera` launcher: runs the TypeScript sources through tsx's loader
// (no build step), then hands over to src/cli/main.ts.
import { setFlagsFromString } from 'node:v8';
import { register } from 'tsx/esm/api';

// Node 20 validates WebAssembly relaxed SIMD only behind this flag: with it the
// kernels load build/wasm/llm-kernels-relaxed.wasm (llm/kernels/kernel-module-choice.ts);
// set before any module compiles (V8 flags are process-wide, worker threads included)
setFlagsFromString('--experimental-wasm-relaxed-simd');
register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
