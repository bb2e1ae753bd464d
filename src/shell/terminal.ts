/**
 * The terminal front end of the shell.
 *
 * Interactive (a TTY on both ends): line editing, history and tab completion
 * of command names via node:readline; Ctrl-D shuts down, Ctrl-C clears the
 * line. Script mode (stdin is a pipe or file): every line is echoed after
 * the prompt so the transcript reads like a session, then run; at end of
 * input the shell asks for shutdown. A command that asks something
 * (a consent prompt) reads its answer from the same lines
 * (`shell.lineInput`), echoed in script mode.
 */

import * as readline from 'node:readline';
import type { Shell } from './shell.ts';

export type TerminalMode = 'interactive' | 'script';

export async function runTerminal(shell: Shell, input: NodeJS.ReadableStream, output: NodeJS.WritableStream, mode: TerminalMode): Promise<void> {
  const rl = readline.createInterface({
    input,
    output: mode === 'interactive' ? output : undefined,
    terminal: mode === 'interactive',
    historySize: 500,
    completer: (line: string) => {
      const names = shell.commandList.map((c) => c.name);
      const hits = names.filter((n) => n.startsWith(line));
      return [hits.length > 0 ? hits : names, line];
    },
  });
  if (mode === 'interactive') {
    rl.on('SIGINT', () => {
      rl.write(null, { ctrl: true, name: 'u' });
      output.write('\n');
      rl.prompt();
    });
    rl.setPrompt(shell.prompt());
    rl.prompt();
  }
  // one line iterator for commands and for answers read mid-command (consent, ask_user)
  const lines = rl[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string | undefined> => {
    const next = await lines.next();
    return next.done === true ? undefined : (next.value as string);
  };
  shell.lineInput = {
    async readLine(prompt: string): Promise<string | undefined> {
      if (mode === 'interactive') {
        rl.setPrompt(prompt);
        rl.prompt();
      }
      const line = await nextLine();
      if (mode === 'script') shell.print(`${prompt}${line ?? '(end of input)'}`);
      return line;
    },
  };
  try {
    for (let line = await nextLine(); line !== undefined; line = await nextLine()) {
      if (mode === 'script') shell.print(`${shell.prompt()}${line}`);
      await shell.runLine(line);
      if (shell.state === 'shutdown-requested') break;
      if (mode === 'interactive') {
        rl.setPrompt(shell.prompt());
        rl.prompt();
      }
    }
  } finally {
    shell.lineInput = undefined;
    rl.close();
  }
  shell.state = 'shutdown-requested';
}
