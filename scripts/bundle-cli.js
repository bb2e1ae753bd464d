#!/usr/bin/env node
// Bundles the command line (src/cli/main.ts and everything it imports from
// src/) into one ES module, build/cli/chimaera.mjs (git-ignored), so the
// `chimaera` launcher starts without compiling ~300 TypeScript files through
// tsx's loader thread on every run (about 1 s of a boot, and tsx's own memory).
// Packages from node_modules stay imports; only our sources are bundled.
//
// The bundle sits at the same depth as src/cli/ (build/cli/), so the few
// root-relative URLs the cli takes from import.meta.url (models/default,
// build/wasm) resolve to the same files from either place.
//
// bin/chimaera.js calls ensureCliBundle() at start: it rebuilds when a source
// is newer than the bundle (esbuild: a few hundred ms) and falls back to tsx
// when it cannot. Usage: node scripts/bundle-cli.js [--force]
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const sourceDir = join(root, 'src');
export const CLI_BUNDLE = join(root, 'build/cli/chimaera.mjs');

/** newest modification time of the bundle's inputs: every non-test .ts under src/, this script, package.json */
function newestInputTime(dir = sourceDir) {
  let newest = dir === sourceDir ? Math.max(statSync(new URL(import.meta.url)).mtimeMs, statSync(join(root, 'package.json')).mtimeMs) : 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestInputTime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** whether build/cli/chimaera.mjs exists and is newer than every input */
export function cliBundleFresh() {
  return existsSync(CLI_BUNDLE) && statSync(CLI_BUNDLE).mtimeMs >= newestInputTime();
}

/** build the bundle if missing or stale (or `force`); returns true when a fresh bundle is there */
export async function ensureCliBundle(options = { force: false }) {
  if (!options.force && cliBundleFresh()) return true;
  await bundleModule(join(sourceDir, 'cli/main.ts'), CLI_BUNDLE);
  return true;
}

/**
 * Bundle one TypeScript entry (and the sources it imports) into `outfile`, packages left as
 * imports. Written beside and renamed over, so a concurrent reader never imports half a file.
 * Keep `outfile` two folders below the root (build/cli/…) for the cli's root-relative URLs.
 */
export async function bundleModule(entry, outfile) {
  const { build } = await import('esbuild');
  mkdirSync(dirname(outfile), { recursive: true });
  const partial = `${outfile}.${process.pid}.tmp`;
  await build({
    entryPoints: [entry],
    outfile: partial,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
    legalComments: 'none',
  });
  renameSync(partial, outfile);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = performance.now();
  await ensureCliBundle({ force: process.argv.includes('--force') });
  console.log(`bundle-cli: ${CLI_BUNDLE} (${(performance.now() - started).toFixed(0)} ms)`);
}
