/**
 * `chimaera adapters list|retrain --now|rollback [--disk PATH] [--model PATH]`
 * — the LoRA adapters the retrain cycle made, from the host:
 *
 *   list            the history in /lived/adapters/history, one line per event,
 *                   then which adapter is active (needs no model)
 *   retrain --now   boot with the model, run one retrain cycle now (dataset from
 *                   the episodic log, train, held-out check, promote or reject),
 *                   print the outcome; klog's train lines on stderr
 *   rollback        withdraw the active adapter; the one promoted before it
 *                   (or none) is active again from the next boot on
 *
 * The system boots as for `chimaera ask` (disk and model as Multiboot2
 * modules, startSystem), the retrain cycle comes up through startRetrain,
 * and the kernel shuts down cleanly at the end, so the history and the
 * adapter folders are on the disk when the command returns.
 * Exit status: 0 done (a skipped or rejected retrain included), 1 on errors.
 */

import * as nodeFs from 'node:fs';
import * as nodePath from 'node:path';
import { ChimaeraError, fail } from '../common/index.ts';
import type { PromptStyle } from '../cognition/index.ts';
import { HostedConsole } from '../hal/hosted/index.ts';
import { bootKernel, LOG_LEVELS, MULTIBOOT2_BOOTLOADER_MAGIC, type Kernel } from '../kernel/index.ts';
import { describeHistoryRecord, type RetrainOutcome } from '../train/index.ts';
import { parseArgs, type FlagSpec } from './args.ts';
import { installPanicHandlers } from './boot.ts';
import { startSystem } from './init.ts';
import { load } from './loader.ts';
import { modelModules } from './model-modules.ts';
import { startRetrain, type RetrainService } from './retrain.ts';

export const ADAPTERS_USAGE = `  chimaera adapters list [--disk PATH]
      the LoRA adapter history (trained, promoted or rejected with held-out losses, rollbacks) and the active adapter
  chimaera adapters retrain --now [--disk PATH] [--model PATH] [--prompt-style compact|qwen-tools] [--loglevel LEVEL]
      run the retrain cycle now: dataset from the episodic log, train, held-out check, promote only if better
  chimaera adapters rollback [--disk PATH] [--model PATH]
      withdraw the active adapter; the one promoted before it (or none) becomes active again`;

const FLAGS: Record<string, FlagSpec> = {
  disk: { kind: 'value' },
  model: { kind: 'value' },
  'prompt-style': { kind: 'value' },
  'arena-mb': { kind: 'value' },
  loglevel: { kind: 'value' },
  now: { kind: 'switch' },
};

const DEFAULT_ARENA_MB = 2048;

export async function adaptersCommand(argv: readonly string[], out: (text: string) => void = (text) => process.stdout.write(text)): Promise<number> {
  const [sub, ...rest] = argv;
  const args = parseArgs(rest, FLAGS);
  if (args.positional.length > 0) fail('cli.usage', `unexpected argument "${args.positional[0]}"\n${ADAPTERS_USAGE}`);
  if (sub !== 'list' && sub !== 'retrain' && sub !== 'rollback') fail('cli.usage', `unknown adapters command "${sub ?? ''}"\n${ADAPTERS_USAGE}`);
  if (sub === 'retrain' && !args.switches.has('now')) fail('cli.usage', `adapters retrain runs the cycle at once and needs --now (the weekly run is scheduled at boot)\n${ADAPTERS_USAGE}`);
  const style = args.values.get('prompt-style') ?? 'qwen-tools';
  if (style !== 'compact' && style !== 'qwen-tools') fail('arg.invalid', `--prompt-style must be compact or qwen-tools, got "${style}"`);
  const modelPath = sub === 'list' ? undefined : (args.values.get('model') ?? process.env['CHIMAERA_MODEL'] ?? fail('llm.not_loaded', `chimaera adapters ${sub} needs the base model: pass --model PATH (a .gguf file or a Hugging Face folder)`));
  const logLevel = args.values.get('loglevel') ?? (sub === 'retrain' ? 'info' : 'warn');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) fail('arg.invalid', `--loglevel must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const arenaMb = Number(args.values.get('arena-mb') ?? DEFAULT_ARENA_MB);
  if (!Number.isInteger(arenaMb) || arenaMb < 16 || arenaMb > 4096) fail('arg.invalid', `--arena-mb must be an integer from 16 to 4096, got "${args.values.get('arena-mb')}"`);
  const diskPath = nodePath.resolve(args.values.get('disk') ?? process.env['CHIMAERA_DISK'] ?? 'chimaera.img');
  if (!nodeFs.existsSync(diskPath)) fail('cli.host_io', `no disk image at ${diskPath} (give --disk PATH; \`chimaera boot\` makes one)`);

  const { bootInfo, machine } = load({
    commandLine: `chimaera loglevel=${logLevel} arena_mb=${arenaMb}`,
    modules: [{ role: 'disk', path: diskPath, size: nodeFs.statSync(diskPath).size }, ...(modelPath === undefined ? [] : modelModules(modelPath))],
    arenaBytes: arenaMb * 2 ** 20,
    console: new HostedConsole(process.stderr),
  });
  const kernel = bootKernel(MULTIBOOT2_BOOTLOADER_MAGIC, bootInfo, machine);
  const removePanicHandlers = installPanicHandlers(kernel);
  try {
    const system = startSystem(kernel);
    const service = startRetrain(kernel, system.storage, system.llm, system.cognition.episodes, { promptStyle: style as PromptStyle });
    if (sub === 'list') out(formatAdapters(service));
    else if (sub === 'retrain') {
      // the kernel's timers do not hold the process open (they are unref'd); the retrain pauses on them
      const keepAlive = setInterval(() => {}, 60_000);
      try {
        out(`${describeOutcome(await requireCycle(service).runNow(kernel.scheduler))}\n`);
      } finally {
        clearInterval(keepAlive);
      }
    }
    else {
      const { from, to } = requireCycle(service).rollback();
      out(`${from} withdrawn; ${to === null ? 'the base model runs without an adapter' : `${to} is active again`}\n`);
    }
    kernel.shutdown(`adapters ${sub} done`);
    return 0;
  } catch (e) {
    shutDownAfterFailure(kernel, sub);
    if (e instanceof ChimaeraError) throw e; // main prints it, exit 1
    kernel.panic(String((e as Error)?.stack ?? e), e);
    return machine.exitCode ?? 70;
  } finally {
    removePanicHandlers();
  }
}

function shutDownAfterFailure(kernel: Kernel, sub: string): void {
  if (kernel.state === 'running') kernel.shutdown(`adapters ${sub} failed`);
}

function requireCycle(service: RetrainService): NonNullable<RetrainService['cycle']> {
  return service.cycle ?? fail('llm.not_loaded', 'no model was loaded, so no adapter can be trained or loaded');
}

/** the history, one line per event, then the active adapter */
export function formatAdapters(service: RetrainService): string {
  const history = service.store.history();
  const lines = history.length === 0 ? ['no retrain has run yet'] : history.map(describeHistoryRecord);
  const active = service.store.state.active;
  lines.push(`active: ${active ?? 'none (the base model runs alone)'}`);
  return `${lines.join('\n')}\n`;
}

export function describeOutcome(outcome: RetrainOutcome): string {
  switch (outcome.kind) {
    case 'skipped':
      return `retrain skipped: ${outcome.reason}`;
    case 'failed':
      return `retrain ${outcome.id} failed: ${outcome.reason}`;
    default:
      return `${outcome.id} ${outcome.kind}: ${outcome.reason} (${outcome.trainExamples} training and ${outcome.heldOutExamples} held-out examples, ${outcome.steps} steps)`;
  }
}
