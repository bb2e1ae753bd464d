/**
 * Panic and shutdown plumbing: the registry of shutdown hooks (flush and
 * unmount disks, save state), run newest first, each guarded so one broken
 * hook cannot keep the others from running; and how a panic describes its
 * cause in klog.
 *
 * Hooks are synchronous on purpose: a panic may be raised from a process
 * fault handler that exits right after `kernel.panic()` returns, so there is
 * no later turn of the event loop to finish async work in. (Block devices
 * are synchronous; a hook that returns a promise anyway gets its rejection
 * logged, not awaited.)
 */

import { ChimaeraError } from '../common/index.ts';
import type { Klog } from './klog/klog.ts';

/** exit status after a panic (EX_SOFTWARE, sysexits.h) */
export const PANIC_EXIT_CODE = 70;
/** exit status after a clean shutdown in which a hook failed */
export const SHUTDOWN_HOOK_FAILED_EXIT_CODE = 1;

export type ShutdownHook = () => void;

interface RegisteredHook {
  readonly name: string;
  readonly hook: ShutdownHook;
}

export class ShutdownHooks {
  private readonly hooks: RegisteredHook[] = [];

  /** add a hook; returns a function that removes it again */
  register(name: string, hook: ShutdownHook): () => void {
    const entry = { name, hook };
    this.hooks.push(entry);
    return () => {
      const at = this.hooks.indexOf(entry);
      if (at >= 0) this.hooks.splice(at, 1);
    };
  }

  get names(): string[] {
    return this.hooks.map((h) => h.name);
  }

  /**
   * Run every hook, newest first, logging each failure at `failureLevel`;
   * returns the number that failed. The registry is emptied first, so a
   * second run (a panic during shutdown) does not repeat them.
   */
  runAll(klog: Klog, failureLevel: 'error' | 'panic'): number {
    const hooks = this.hooks.splice(0).reverse();
    let failures = 0;
    for (const { name, hook } of hooks) {
      try {
        const returned: unknown = hook();
        if (returned instanceof Promise) returned.catch((e: unknown) => klog.log(failureLevel, 'kernel', `shutdown hook '${name}' failed later: ${describeError(e)}`));
      } catch (e) {
        failures++;
        klog.log(failureLevel, 'kernel', `shutdown hook '${name}' failed: ${describeError(e)}`);
      }
    }
    return failures;
  }
}

/** one line for an error: "fs.io: …" for ChimaeraErrors, the message otherwise */
export function describeError(error: unknown): string {
  if (error instanceof ChimaeraError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** the klog lines that explain a panic's cause: the error, then up to 8 stack frames */
export function describePanicCause(error: unknown): string[] {
  if (error === undefined) return [];
  const lines = [`cause: ${describeError(error)}`];
  if (error instanceof Error && !(error instanceof ChimaeraError) && error.stack !== undefined) {
    const frames = error.stack
      .split('\n')
      .filter((line) => line.trim().startsWith('at '))
      .slice(0, 8);
    for (const frame of frames) lines.push(`  ${frame.trim()}`);
  }
  return lines;
}
