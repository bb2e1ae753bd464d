/** shell — layer 6: the terminal shell over the syscall table (compositor and voice come later). */
export { Shell } from './shell.ts';
export type { CommandHost, LineInput, ShellCommand, ShellHandles, ShellIo, SyscallPort } from './command.ts';
export { COMMANDS } from './commands.ts';
export { runTerminal, type TerminalMode } from './terminal.ts';
export { splitWords } from './words.ts';
export { renderConsentPrompt, scriptedLines, TerminalConsentUi } from './consent-prompt.ts';
export { cognitionCommands, formatAuditRecord, formatGrants, formatSteps, parseRevokeTarget, taskEnding, type CognitionPort } from './cognition-commands.ts';
export { adaptersCommands, type AdaptersPort } from './adapters-commands.ts';
export { perceptionCommands, type PerceptionPort } from './perception-commands.ts';
