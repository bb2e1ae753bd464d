/**
 * shell/adapters-commands — the shell's face of the retrain cycle
 * (train/retrain.ts) and of corrections (memory/corrections.ts):
 *
 *   adapters list        the adapter history, one line per event, and the active adapter
 *   adapters retrain     start a retrain now, in the background ('retrain-now' task at
 *                        background priority); dmesg shows its train lines, `adapters list`
 *                        its outcome; the shell stays usable meanwhile
 *   adapters rollback    withdraw the active adapter; the one promoted before it (or none)
 *                        is active again, swapped into the running model
 *   correct TASK-ID TEXT...   record that task TASK-ID should have replied TEXT; the next
 *                        retrain trains on that answer instead of the one given
 *
 * These work on the system's objects directly (the Shell's extra commands);
 * cli/retrain.ts builds the port (retrainPort).
 */

import { fail } from '../common/index.ts';
import { renderActionTurn } from '../cognition/index.ts';
import { appendCorrection, type EpisodeLog } from '../memory/index.ts';
import { describeHistoryRecord, type AdapterHistoryRecord, type RetrainOutcome } from '../train/index.ts';
import type { ShellCommand } from './command.ts';

/** what the commands need of the retrain cycle and the episodic log */
export interface AdaptersPort {
  history(): readonly AdapterHistoryRecord[];
  /** the active adapter's id, or null */
  active(): string | null;
  /** start a retrain in a background task; undefined: no model is loaded */
  readonly retrainNow: (() => Promise<RetrainOutcome>) | undefined;
  /** undefined: no model is loaded */
  readonly rollback: (() => { from: string; to: string | null }) | undefined;
  readonly episodes: EpisodeLog;
  /** [ms since the Unix epoch] */
  wallTime(): number;
}

function command(name: string, usage: string, summary: string, run: ShellCommand['run']): ShellCommand {
  return { name, usage, summary, run };
}

function usageError(usage: string): never {
  fail('arg.missing', `wrong arguments\n  usage: ${usage}`);
}

function noModel(): never {
  return fail('llm.not_loaded', 'no model is loaded, so no adapter can be trained or rolled back (boot with --model PATH)');
}

export function adaptersCommands(port: AdaptersPort): ShellCommand[] {
  const adaptersUsage = 'adapters list | retrain | rollback';
  return [
    command('adapters', adaptersUsage, 'LoRA adapters from the weekly retrain: history, retrain now (in the background), roll back', async (shell, args) => {
      if (args.length !== 1) usageError(adaptersUsage);
      switch (args[0]) {
        case 'list': {
          const history = port.history();
          const lines = history.length === 0 ? ['no retrain has run yet'] : history.map(describeHistoryRecord);
          lines.push(`active: ${port.active() ?? 'none (the base model runs alone)'}`);
          shell.print(lines.join('\n'));
          return;
        }
        case 'retrain': {
          const run = (port.retrainNow ?? noModel)();
          // the outcome lands in the history and klog; a failure here is already logged there
          run.catch(() => {});
          shell.print('retrain started in the background (task retrain-now); `dmesg` shows its progress, `adapters list` the outcome');
          return;
        }
        case 'rollback': {
          const { from, to } = (port.rollback ?? noModel)();
          shell.print(`${from} withdrawn; ${to === null ? 'the base model runs without an adapter' : `${to} is active again`}`);
          return;
        }
        default:
          usageError(adaptersUsage);
      }
    }),
    command('correct', 'correct TASK-ID TEXT...', 'say what task TASK-ID should have replied; the next retrain learns that answer', async (shell, args) => {
      if (args.length < 2) usageError('correct TASK-ID TEXT...');
      const taskId = args[0]!;
      const text = args.slice(1).join(' ');
      appendCorrection(port.episodes, {
        taskId, atMs: port.wallTime(), source: 'command', text,
        answer: renderActionTurn([{ tool: 'reply', args: { text } }]),
      });
      shell.print(`correction of ${taskId} recorded; the next retrain trains on it instead of the reply given`);
    }),
  ];
}
