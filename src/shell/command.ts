/**
 * What a shell command is, and what it may use of the shell that runs it.
 * (A separate file so that the command table and the shell do not import
 * each other.)
 */

export interface SyscallPort {
  /** make one syscall; an error result is thrown as its ChimaeraError */
  call<T = unknown>(name: string, handle: number, args?: Record<string, unknown>): Promise<T>;
}

export interface ShellHandles {
  /** kernel object handle: klog, meminfo, ps, syscalls, shutdown */
  readonly kernel: number;
  /** directory handle for the root of the boot volume */
  readonly root: number;
  /** the LLM, when a model was loaded at boot */
  readonly llm?: number;
}

export interface ShellIo {
  write(text: string): void;
}

export type ShellState = 'running' | 'shutdown-requested';

/** a source of answer lines (consent prompts, ask_user); undefined = end of input */
export interface LineInput {
  readLine(prompt: string, signal?: AbortSignal): Promise<string | undefined>;
}

/** the part of the shell a command sees */
export interface CommandHost {
  readonly port: SyscallPort;
  readonly handles: ShellHandles;
  readonly io: ShellIo;
  readonly commandList: readonly ShellCommand[];
  cwd: string;
  state: ShellState;
  /** where a command reads answers mid-command (the terminal; a script in tests); absent: nothing can be asked */
  readonly lineInput: LineInput | undefined;
  resolvePath(path: string): string;
  /** write text, adding a final newline if it lacks one */
  print(text: string): void;
}

export interface ShellCommand {
  readonly name: string;
  /** e.g. "ls [-l] [PATH]" */
  readonly usage: string;
  readonly summary: string;
  run(shell: CommandHost, args: readonly string[]): Promise<void>;
}
