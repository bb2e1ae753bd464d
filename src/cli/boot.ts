/**
 * `chimaera boot` — the loader plus init: from host files to a shell.
 *
 *   1. resolve the disk image (create a blank one on first boot);
 *   2. the loader writes the Multiboot2 information (loader.ts);
 *   3. enter the kernel with the Multiboot2 magic (kernel/bootKernel);
 *   4. init: storage (format a blank disk, mount, /home and /lived), the
 *      kernel's own syscalls, then the shell with its handles;
 *   5. at end of input or `shutdown`: clean shutdown (unmount, power off).
 *
 * A failure after the kernel is up is a kernel panic: logged, disks
 * flushed and unmounted, non-zero exit. Process-level faults (an uncaught
 * exception) take the same path.
 */

import * as nodeFs from 'node:fs';
import { emitKeypressEvents } from 'node:readline';
import * as nodePath from 'node:path';
import { ChimaeraError, fail } from '../common/index.ts';
import { FileBlockDevice } from '../hal/hosted/index.ts';
import { bootKernel, LOG_LEVELS, MULTIBOOT2_BOOTLOADER_MAGIC, type Kernel } from '../kernel/index.ts';
import { adaptersCommands, cognitionCommands, perceptionCommands, runTerminal, Shell } from '../shell/index.ts';
import { retrainPort } from './retrain.ts';
import { parseArgs, parseSize, type FlagSpec } from './args.ts';
import { DEFAULT_DISK_BYTES } from './disk.ts';
import { startSystem } from './init.ts';
import { load } from './loader.ts';
import { chosenModelPath, modelModules } from './model-modules.ts';
import { progressBar } from './progress.ts';

export const BOOT_USAGE = `  chimaera boot [--disk PATH] [--model PATH] [--disk-size SIZE] [--arena-mb N] [--loglevel LEVEL] [--quiet]
      boot to the shell; the disk (default ./chimaera.img or $CHIMAERA_DISK) is created on first boot;
      --model loads a Qwen2 model (.gguf file or Hugging Face folder) into the kernel arena;
      without it the shipped default model (models/default) is loaded, --model none boots without one
      (--disk-size, default 256M); --loglevel sets what the boot log echoes (debug|info|notice|warn|error)`;

const FLAGS: Record<string, FlagSpec> = {
  disk: { kind: 'value' },
  model: { kind: 'value' },
  'disk-size': { kind: 'value' },
  'arena-mb': { kind: 'value' },
  loglevel: { kind: 'value' },
  quiet: { kind: 'switch', short: 'q' },
};

const DEFAULT_ARENA_MB = 2048;

export async function bootCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  if (args.positional.length > 0) fail('cli.usage', `boot takes no positional arguments (got "${args.positional[0]}")\n${BOOT_USAGE}`);
  const diskPath = nodePath.resolve(args.values.get('disk') ?? process.env['CHIMAERA_DISK'] ?? 'chimaera.img');
  const arenaMb = Number(args.values.get('arena-mb') ?? DEFAULT_ARENA_MB);
  if (!Number.isInteger(arenaMb) || arenaMb < 16 || arenaMb > 4096) fail('arg.invalid', `--arena-mb must be an integer from 16 to 4096, got "${args.values.get('arena-mb')}"`);
  const logLevel = args.switches.has('quiet') ? 'warn' : (args.values.get('loglevel') ?? 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) fail('arg.invalid', `--loglevel must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);

  if (!nodeFs.existsSync(diskPath)) {
    const size = parseSize(args.values.get('disk-size') ?? String(DEFAULT_DISK_BYTES), '--disk-size');
    FileBlockDevice.create(diskPath, size, { lock: false }).close(); // blank: the kernel formats it
  } else if (args.values.has('disk-size')) {
    process.stderr.write(`chimaera: note: ${diskPath} exists; --disk-size applies only when a disk is created\n`);
  }
  const diskSize = nodeFs.statSync(diskPath).size;

  const { bootInfo, machine } = load({
    commandLine: `chimaera loglevel=${logLevel} arena_mb=${arenaMb}`,
    modules: [{ role: 'disk', path: diskPath, size: diskSize }, ...modelModulesFor(chosenModelPath(args.values.get('model')))],
    arenaBytes: arenaMb * 2 ** 20,
  });
  const kernel = bootKernel(MULTIBOOT2_BOOTLOADER_MAGIC, bootInfo, machine);
  const removePanicHandlers = installPanicHandlers(kernel);
  try {
    const progress = progressBar('loading model');
    const system = startSystem(kernel, { onModelProgress: progress.update, retrain: 'scheduled', perception: { hosted: 'on' } });
    progress.finish();
    const shell = new Shell(system.port, system.shellHandles, { write: (text) => machine.console.write(text) }, [
      ...cognitionCommands(system.cognition),
      ...adaptersCommands(retrainPort(kernel, system.retrain, system.cognition.episodes)),
      ...perceptionCommands(system.perception),
    ]);
    // keystroke timing and class (never the key) for the kbd sense, captured only while it is granted
    if (machine.console.interactive) {
      emitKeypressEvents(process.stdin);
      process.stdin.on('keypress', (text: string | undefined, key: { name?: string; ctrl?: boolean; meta?: boolean; shift?: boolean } | undefined) => system.perception.keys.feedKeypress(text, key));
    }
    kernel.klog.info('shell', `ready (${machine.console.interactive ? 'interactive' : 'script mode'})`);
    await runTerminal(shell, process.stdin, process.stdout, machine.console.interactive ? 'interactive' : 'script');
    kernel.shutdown('shell exited');
    return shell.failures > 0 ? 1 : 0;
  } catch (e) {
    const reason = e instanceof ChimaeraError ? e.describe() : String((e as Error)?.stack ?? e);
    kernel.panic(reason, e);
    return machine.exitCode ?? 70;
  } finally {
    removePanicHandlers();
  }
}

/** route process-level faults into the kernel's panic path */
export function installPanicHandlers(kernel: Kernel): () => void {
  const onFault = (e: unknown): void => {
    kernel.panic(`unhandled fault: ${e instanceof ChimaeraError ? e.describe() : String((e as Error)?.stack ?? e)}`, e);
    process.exit(process.exitCode ?? 70);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    kernel.shutdown(`signal ${signal}`);
    process.exit(process.exitCode ?? 0);
  };
  process.on('uncaughtException', onFault);
  process.on('unhandledRejection', onFault);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  return () => {
    process.off('uncaughtException', onFault);
    process.off('unhandledRejection', onFault);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  };
}

function modelModulesFor(path: string | undefined): ReturnType<typeof modelModules> {
  return path === undefined ? [] : modelModules(path);
}
