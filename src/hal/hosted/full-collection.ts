/**
 * A full garbage collection on demand (HostedMachine.reclaimMemory).
 *
 * Loading a model leaves a few MiB of garbage that V8 would keep for a long
 * time: the GGUF header's read buffers, the string batches the vocabulary
 * was decoded through, the merge list's ranges once the merges are ids. A
 * kernel that runs only WebAssembly afterwards allocates too little for V8
 * to start a full collection soon, so the garbage sits in the heap (and its
 * array buffers in malloc) while the context's KV cache fills on top of it:
 * about 6 MiB more at the peak for Qwen2 0.5B.
 *
 * Node 20 offers no API for a collection; `gc` exists only with
 * --expose-gc, which V8 reads when a context is made. So the flag is set
 * once and `gc` is taken from a fresh context (node:vm); the function stays
 * valid whatever later happens to the flags.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/** run a full (mark-compact) collection now */
export function collectAllGarbage(): void {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}
