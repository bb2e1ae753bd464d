#!/usr/bin/env node
// The `chimaera` launcher: runs the TypeScript sources through tsx's loader
// (no build step), then hands over to src/cli/main.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
