/**
 * The shell: a command table over the syscall interface.
 *
 * The shell holds handles like any other kernel client — a kernel handle
 * (klog, mm, scheduler, shutdown) and a directory handle for the volume —
 * and every command is one or more syscalls made with them. It never reaches
 * into a subsystem directly, so what the shell can do is exactly what its
 * handles' rights allow.
 *
 * Input comes from the terminal (interactive, with line editing) or from a
 * pipe (script mode: each line is echoed after a prompt, run, and the shell
 * shuts the system down at end of input). See terminal.ts.
 */

import { ChimaeraError, isChimaeraError } from '../common/index.ts';
import { normalizePath } from '../fs/index.ts';
import type { CommandHost, LineInput, ShellCommand, ShellHandles, ShellIo, ShellState, SyscallPort } from './command.ts';
import { COMMANDS } from './commands.ts';
import { splitWords } from './words.ts';

export class Shell implements CommandHost {
  readonly port: SyscallPort;
  readonly handles: ShellHandles;
  readonly io: ShellIo;
  /** current directory (absolute) */
  cwd = '/home';
  state: ShellState = 'running';
  /** commands that failed so far (script mode exits non-zero if any did) */
  failures = 0;
  /** answers read mid-command (set by the terminal, or by tests) */
  lineInput: LineInput | undefined;
  private readonly commands: ReadonlyMap<string, ShellCommand>;

  constructor(port: SyscallPort, handles: ShellHandles, io: ShellIo, extraCommands: readonly ShellCommand[] = []) {
    this.port = port;
    this.handles = handles;
    this.io = io;
    this.commands = new Map([...COMMANDS, ...extraCommands].map((c) => [c.name, c]));
  }

  get commandList(): readonly ShellCommand[] {
    return [...this.commands.values()];
  }

  prompt(): string {
    return `chimaera:${this.cwd}$ `;
  }

  /** run one input line; errors are printed, never thrown */
  async runLine(line: string): Promise<void> {
    let words: string[];
    try {
      words = splitWords(line);
    } catch (e) {
      this.report(e);
      return;
    }
    if (words.length === 0) return;
    const [name, ...args] = words as [string, ...string[]];
    const command = this.commands.get(name);
    if (command === undefined) {
      this.report(new ChimaeraError('shell.unknown_command', `${name}: command not found`));
      return;
    }
    try {
      await command.run(this, args);
    } catch (e) {
      this.report(e);
    }
  }

  /** absolute, normalised path for a shell argument (relative to cwd) */
  resolvePath(path: string): string {
    return normalizePath(path.startsWith('/') ? path : `${this.cwd}/${path}`);
  }

  print(text: string): void {
    this.io.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  }

  private report(e: unknown): void {
    this.failures++;
    if (isChimaeraError(e)) this.print(`error ${e.describe()}`);
    else throw e; // a bug: let it reach the panic path
  }
}
