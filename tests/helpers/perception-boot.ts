/**
 * A whole system in memory with perception wired in (tests/perception-*.test.ts):
 * loader-built Multiboot2 info → kernel → init (storage, cognition with the
 * consent broker) with perception on scripted sources, and a shell with
 * the perception commands. Time moves only through `runFor`, which steps
 * the manual clock and lets the bus and the scheduler catch up.
 */
import { RamBlockDevice, type ManualClock } from '../../src/hal/memory/index.ts';
import { bootKernelInMemory } from './memory-boot.ts';
import { Shell } from '../../src/shell/index.ts';
import { startSystem } from '../../src/cli/init.ts';
import type { PerceptionOptions } from '../../src/cli/perception-init.ts';
import { perceptionCommands } from '../../src/shell/index.ts';

const MiB = 2 ** 20;

/** let every queued microtask and immediate run (bus deliveries, scheduler dispatch) */
export function settle(): Promise<void> {
  return new Promise((done) => setImmediate(done));
}

export function bootWithPerception(options: PerceptionOptions = {}, disk = new RamBlockDevice((64 * MiB) / 512), clockStartMs = 0) {
  const { kernel, machine } = bootKernelInMemory({ disk, beforeBoot: (m) => m.clock.advance(clockStartMs) });
  const clock: ManualClock = machine.clock;
  let salt = 0;
  const system = startSystem(kernel, {
    perception: { randomBytes: (count) => Uint8Array.from({ length: count }, () => (salt = (salt * 73 + 41) & 0xff)), ...options },
  });
  const perception = system.perception;
  let output = '';
  const shell = new Shell(system.port, system.shellHandles, { write: (t) => (output += t) }, perceptionCommands(perception));
  const run = async (line: string): Promise<string> => {
    output = '';
    await shell.runLine(line);
    return output;
  };
  /** advance the clock by `ms` in `stepMs` steps, settling after each; `each(nowMs)` runs before each step */
  const runFor = async (ms: number, each?: (nowMs: number) => void, stepMs = 50): Promise<void> => {
    for (let done = 0; done < ms; done += stepMs) {
      each?.(clock.now());
      await settle();
      clock.advance(stepMs);
      await settle();
    }
  };
  return { disk, machine, clock, kernel, system, perception, shell, run, runFor };
}
