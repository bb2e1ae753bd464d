/**
 * Keeping V8's young generation at its current size (HostedMachineOptions
 * `youngGeneration: 'fixed'`).
 *
 * V8 doubles the semispaces (up to 2 × 16 MiB on 64-bit) whenever more
 * bytes survived scavenges since the last growth than the young generation
 * holds. Booting the model allocates ~15 MiB of long-lived objects in one
 * burst (the vocabulary strings), which triggers the last doubling: 16 MiB
 * more resident memory for the life of the process, for a nursery the
 * kernel hardly needs afterwards (its data lives in the arena). With a
 * growth factor of 1 the semispaces keep the size they have.
 *
 * Node 20 quirk: a worker thread, when it starts (before its first
 * statement), sets V8's flags back to their defaults for the whole process.
 * So every worker thread of ours makes it again first thing
 * (workerFlagsPrelude: the module reader's threads and, through cli's
 * worker factory, the kernel pool's). A worker started by other code can
 * still undo it; that only ever costs memory, never correctness.
 */

import { setFlagsFromString } from 'node:v8';

/** the V8 flag that does it (also handed to the module reader's threads) */
export const FIXED_YOUNG_GENERATION_FLAGS = '--semi-space-growth-factor=1';

/** the flags this process set, which every worker thread must make again first thing ('' = none) */
let appliedFlags = '';

export function keepYoungGenerationFixed(): void {
  setFlagsFromString(FIXED_YOUNG_GENERATION_FLAGS);
  appliedFlags = FIXED_YOUNG_GENERATION_FLAGS;
}

/**
 * A line of JavaScript for the top of a worker thread's source (CommonJS,
 * `require` available) that makes this process's V8 settings again after
 * the thread's start has reset them; '' when there are none. The kernel
 * pool's worker factory (cli) and the module reader put it first.
 */
export function workerFlagsPrelude(): string {
  return appliedFlags === '' ? '' : `require('node:v8').setFlagsFromString(${JSON.stringify(appliedFlags)});\n`;
}
