#!/usr/bin/env node
// Runs every test file (src/**/*.test.ts beside the code, tests/**/*.test.ts
// for scenarios) with Node's built-in test runner and tsx.
// Usage: node scripts/run-tests.js [FILTER...]   (substring match on paths)
// CHIMAERA_LONG=1 turns on the long-running variants of some tests.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { availableParallelism } from 'node:os';
import { ensureWasmBuilt } from './build-wasm.js';

const root = new URL('..', import.meta.url).pathname;

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...collect(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = ['src', 'tests']
  .flatMap((d) => collect(join(root, d)))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

// the WebAssembly kernels' tests need build/wasm/*.wasm: (re)build it if missing or stale
try {
  for (const path of await ensureWasmBuilt()) console.error(`run-tests: built ${relative(root, path)}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${Math.max(1, availableParallelism())}`, '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
