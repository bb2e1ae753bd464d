/**
 * `chimaera ask [--disk PATH] [--model PATH] [--dry-run] [--yes] TEXT...` —
 * one request from the host: boot the system on the disk with the model,
 * run one task through the cognition daemon, answer its consent prompt on
 * the terminal, print the reply, shut down cleanly.
 *
 * Output: the reply (or the question the task ended with) on stdout; the
 * consent prompt, each action with its action id, and the boot log (at
 * --loglevel, default warn) on stderr, so `chimaera ask … > answer.txt`
 * keeps only the answer.
 *
 * Consent: on a terminal (stdin a TTY) the bundled prompt is asked
 * (shell/consent-prompt.ts). With --yes every item is allowed at its
 * default scope. Otherwise nobody can answer: the prompt is shown and
 * denied, and the call comes back to the model as daemon.consent_denied.
 *
 * --dry-run: one planner round only, printed in the action grammar's display
 * form, one call per line (`fs.read(path="/home/a.txt")`); nothing reaches
 * the broker or a tool. The disk is seen through a copy-on-write layer in
 * memory, so the image is not written (not even the boot record), and a
 * missing disk is not created.
 *
 * Exit status: 0 answered (or planned), 1 on errors (the task failed, hit its
 * step limit or timed out), 2 usage, 3 when the task ended asking the user a
 * question.
 */

import * as nodeFs from 'node:fs';
import * as nodePath from 'node:path';
import * as readline from 'node:readline';
import { ChimaeraError, fail } from '../common/index.ts';
import { allowEveryItem, type ConsentAnswer, type ConsentPrompt, type ConsentUi } from '../consent/index.ts';
import { DEFAULT_DAEMON_LIMITS, renderCall } from '../cognition/index.ts';
import { FileBlockDevice, HostedConsole, HostedMachine } from '../hal/hosted/index.ts';
import type { BlockDevice, Machine } from '../hal/index.ts';
import { bootKernel, LOG_LEVELS, MULTIBOOT2_BOOTLOADER_MAGIC } from '../kernel/index.ts';
import { formatSteps, renderConsentPrompt, taskEnding, TerminalConsentUi, type LineInput } from '../shell/index.ts';
import { parseArgs, type FlagSpec } from './args.ts';
import { installPanicHandlers } from './boot.ts';
import { CopyOnWriteDevice } from '../hal/index.ts';
import { DEFAULT_DISK_BYTES } from './disk.ts';
import { startSystem } from './init.ts';
import { load } from './loader.ts';
import { chosenModelPath, modelModules } from './model-modules.ts';

export const ASK_USAGE = `  chimaera ask [--disk PATH] [--model PATH] [--dry-run] [--yes] [--rounds N] [--arena-mb N] [--loglevel LEVEL] TEXT...
      one request to the cognition daemon: plans with the model (default: the shipped one), asks consent on the terminal
      (--yes allows every item; without a terminal anything that needs consent is denied),
      prints the reply; --dry-run prints the planned actions, one per line, and runs nothing;
      --rounds sets the planning rounds of the task (default 6);
      exit status 0 answered, 1 error, 3 the task ended with a question for you`;

const FLAGS: Record<string, FlagSpec> = {
  disk: { kind: 'value' },
  model: { kind: 'value' },
  'arena-mb': { kind: 'value' },
  rounds: { kind: 'value' },
  loglevel: { kind: 'value' },
  'dry-run': { kind: 'switch', short: 'n' },
  yes: { kind: 'switch', short: 'y' },
};

const DEFAULT_ARENA_MB = 2048;
const MAX_ROUNDS = 32;
/** exit status when the task ended with a question for the user */
export const ASKED_USER_EXIT = 3;

export async function askCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  const text = args.positional.join(' ').trim();
  if (text === '') fail('cli.usage', `ask needs the request as text\n${ASK_USAGE}`);
  const modelPath = chosenModelPath(args.values.get('model'));
  if (modelPath === undefined) fail('llm.not_loaded', 'chimaera ask needs a model to plan with: pass --model PATH (a .gguf file or a Hugging Face folder), or leave --model out to use the shipped default model');
  const arenaMb = Number(args.values.get('arena-mb') ?? DEFAULT_ARENA_MB);
  if (!Number.isInteger(arenaMb) || arenaMb < 16 || arenaMb > 4096) fail('arg.invalid', `--arena-mb must be an integer from 16 to 4096, got "${args.values.get('arena-mb')}"`);
  const logLevel = args.values.get('loglevel') ?? 'warn';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) fail('arg.invalid', `--loglevel must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const rounds = Number(args.values.get('rounds') ?? DEFAULT_DAEMON_LIMITS.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > MAX_ROUNDS) fail('arg.invalid', `--rounds must be an integer from 1 to ${MAX_ROUNDS}, got "${args.values.get('rounds')}"`);
  const dryRun = args.switches.has('dry-run');
  const diskPath = nodePath.resolve(args.values.get('disk') ?? process.env['CHIMAERA_DISK'] ?? 'chimaera.img');
  const diskExists = nodeFs.existsSync(diskPath);
  if (!diskExists && !dryRun) FileBlockDevice.create(diskPath, DEFAULT_DISK_BYTES, { lock: false }).close(); // blank: the kernel formats it
  const diskSize = diskExists || !dryRun ? nodeFs.statSync(diskPath).size : DEFAULT_DISK_BYTES;

  const { bootInfo, machine } = load({
    commandLine: `chimaera loglevel=${logLevel} arena_mb=${arenaMb}`,
    modules: [{ role: 'disk', path: diskPath, size: diskSize }, ...modelModules(modelPath)],
    arenaBytes: arenaMb * 2 ** 20,
    console: new HostedConsole(process.stderr),
  });
  const bootMachine = dryRun ? new DryRunMachine(machine, diskPath, diskExists) : machine;
  const kernel = bootKernel(MULTIBOOT2_BOOTLOADER_MAGIC, bootInfo, bootMachine);
  const removePanicHandlers = installPanicHandlers(kernel);
  try {
    const system = startSystem(kernel, { cognition: { limits: { rounds } } });
    const cognition = system.cognition;
    if (dryRun) {
      const turn = await cognition.planOnce(text);
      for (const call of turn.calls) process.stdout.write(`${renderCall(call)}\n`);
      kernel.shutdown('ask --dry-run done');
      return 0;
    }
    const daemon = cognition.requireDaemon();
    const terminal = process.stdin.isTTY === true ? stdinLines() : undefined;
    const ui = consentUi(args.switches.has('yes') ? 'allow-all' : terminal === undefined ? 'deny-all' : 'ask', terminal);
    const detach = cognition.consent.attach(ui, terminal === undefined ? undefined : async (question, signal) => {
      process.stderr.write(`question: ${question}\n`);
      const answer = await terminal.input.readLine('answer> ', signal);
      return answer === undefined || answer.trim() === '' ? undefined : answer;
    });
    let outcome;
    try {
      outcome = await daemon.run({ text, presence: 'interactive' });
    } finally {
      detach();
      terminal?.close();
    }
    const steps = formatSteps(outcome);
    if (steps.length > 0) process.stderr.write(`${steps.join('\n')}\n`);
    kernel.shutdown('ask done');
    const ending = taskEnding(outcome);
    if ('error' in ending) throw ending.error;
    process.stdout.write(`${ending.text}\n`);
    return outcome.status === 'asked-user' ? ASKED_USER_EXIT : 0;
  } catch (e) {
    if (kernel.state === 'running') kernel.shutdown('ask failed');
    if (e instanceof ChimaeraError) throw e; // main prints it, exit 1
    kernel.panic(String((e as Error)?.stack ?? e), e);
    return machine.exitCode ?? 70;
  } finally {
    removePanicHandlers();
  }
}

/** stdin as answer lines (prompts on stderr) */
function stdinLines(): { input: LineInput; close(): void } {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const lines = rl[Symbol.asyncIterator]();
  return {
    input: {
      async readLine(prompt) {
        rl.setPrompt(prompt);
        rl.prompt();
        const next = await lines.next();
        return next.done === true ? undefined : (next.value as string);
      },
    },
    close: () => rl.close(),
  };
}

/** the terminal's consent UI, or one that answers without asking (--yes; no terminal) and says so */
function consentUi(mode: 'ask' | 'allow-all' | 'deny-all', terminal: { input: LineInput } | undefined): ConsentUi {
  const write = (text: string): void => {
    process.stderr.write(text);
  };
  if (mode === 'ask') return new TerminalConsentUi(terminal!.input, write);
  return {
    async ask(prompt: ConsentPrompt): Promise<ConsentAnswer> {
      write(`${renderConsentPrompt(prompt)}\n`);
      if (mode === 'allow-all') {
        write('  --yes: every item allowed at its default scope\n');
        return allowEveryItem(prompt);
      }
      write('  denied: stdin is not a terminal, so nobody can answer (pass --yes to allow)\n');
      return { kind: 'deny-all' };
    },
  };
}

/**
 * The hosted machine with the boot disk behind a copy-on-write layer in
 * memory (a missing disk reads as zeros: blank). Only the disk is opened as
 * a device; the model modules are read, never written.
 */
class DryRunMachine implements Machine {
  readonly clock: Machine['clock'];
  readonly timers: Machine['timers'];
  readonly console: Machine['console'];

  constructor(private readonly inner: HostedMachine, private readonly diskPath: string, private readonly diskExists: boolean) {
    this.clock = inner.clock;
    this.timers = inner.timers;
    this.console = inner.console;
  }

  openModuleDevice(start: number, end: number): BlockDevice {
    const base = this.diskExists ? FileBlockDevice.open(this.diskPath, { readOnly: true, lock: false }) : undefined;
    if (base !== undefined && base.sectorCount * base.sectorSize !== end - start) {
      base.close();
      fail('boot.module_missing', `dry run: the device module at 0x${start.toString(16)} is not the disk ${this.diskPath}`);
    }
    return new CopyOnWriteDevice(base, Math.floor((end - start) / 512));
  }

  readModule(start: number, end: number): Uint8Array {
    return this.inner.readModule(start, end);
  }

  readModuleRange(start: number, end: number, offset: number, out: Uint8Array): void {
    this.inner.readModuleRange(start, end, offset, out);
  }

  powerOff(code: number): void {
    this.inner.powerOff(code);
  }
}
