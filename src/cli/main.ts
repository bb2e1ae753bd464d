/**
 * `chimaera` — the command-line entry point.
 *
 *   chimaera boot [...]     boot the system to the shell (see boot.ts)
 *   chimaera ask ...        one request to the cognition daemon (see ask.ts)
 *   chimaera disk ...       inspect and change disk images from the host (see disk.ts)
 *   chimaera llm ...        run, chat with, inspect and quantize models (see llm.ts)
 *   chimaera adapters ...   LoRA adapters: list, retrain now, roll back (see adapters.ts)
 *   chimaera anomaly ...    score CSV rows with an Isolation Forest (see anomaly.ts)
 *   chimaera sensors ...    record this machine's coarsened sensor events (see sensors.ts)
 *   chimaera help           this text
 *
 * Expected failures print their code, message and hint on stderr and exit
 * with status 1 (2 for usage errors); anything else is a bug and keeps its
 * stack trace.
 */

import { ChimaeraError } from '../common/index.ts';
import { BOOT_USAGE, bootCommand } from './boot.ts';
import { ASK_USAGE, askCommand } from './ask.ts';
import { DISK_USAGE, runDiskCommand } from './disk.ts';
import { LLM_USAGE, llmCommand } from './llm.ts';
import { SENSORS_USAGE, sensorsCommand } from './sensors.ts';
import { ANOMALY_USAGE, anomalyCommand } from './anomaly.ts';
import { ADAPTERS_USAGE, adaptersCommand } from './adapters.ts';

export const VERSION = '0.1.0';

const USAGE = `ChimaeraOS ${VERSION}
usage: chimaera COMMAND [ARGS]

${BOOT_USAGE}

${ASK_USAGE}

${DISK_USAGE}

${LLM_USAGE}

${ANOMALY_USAGE}

${ADAPTERS_USAGE}

${SENSORS_USAGE}

  chimaera help       this text
  chimaera version    print the version`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'boot':
        return await bootCommand(rest);
      case 'ask':
        return await askCommand(rest);
      case 'disk':
        return runDiskCommand(rest, { out: (text) => process.stdout.write(text) });
      case 'llm':
        return await llmCommand(rest);
      case 'adapters':
        return await adaptersCommand(rest);
      case 'anomaly':
        return anomalyCommand(rest, { out: (text) => process.stdout.write(text) });
      case 'sensors':
        return await sensorsCommand(rest, { out: (text) => process.stdout.write(text) });
      case 'version':
      case '--version':
        process.stdout.write(`${VERSION}\n`);
        return 0;
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return 0;
      case undefined:
        process.stderr.write(`${USAGE}\n`);
        return 2;
      default:
        throw new ChimaeraError('cli.usage', `unknown command "${command}"`);
    }
  } catch (e) {
    if (!(e instanceof ChimaeraError)) throw e;
    process.stderr.write(`chimaera: ${e.describe()}\n`);
    return e.code === 'cli.usage' ? 2 : 1;
  }
}
