/** shell — layer 6: the terminal shell over the syscall table (compositor and voice come later). */
export { Shell } from './shell.ts';
export type { CommandHost, ShellCommand, ShellHandles, ShellIo, SyscallPort } from './command.ts';
export { COMMANDS } from './commands.ts';
export { runTerminal, type TerminalMode } from './terminal.ts';
export { splitWords } from './words.ts';
