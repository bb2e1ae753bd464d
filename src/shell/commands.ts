/**
 * The shell's built-in commands. Each is a declaration — name, usage, one
 * line of help — and a `run` that turns its words into syscalls. Later
 * subsystems add their own commands through `Shell`'s extraCommands.
 */

import { fail, formatBytes } from '../common/index.ts';
import type { CommandHost, ShellCommand } from './command.ts';

// The shapes the syscalls return (see fs/syscalls.ts and cli/kernel-syscalls.ts).
interface Entry {
  readonly name: string;
  readonly kind: 'file' | 'directory';
  readonly size: number;
  readonly modifiedAt: number;
}
interface StatFs {
  readonly label: string;
  readonly totalBytes: number;
  readonly freeBytes: number;
  readonly clusterSize: number;
}
interface TaskRow {
  readonly id: number;
  readonly name: string;
  readonly kind: string;
  readonly priority: string;
  readonly state: string;
  readonly runs: number;
  readonly busyMs: number;
}

interface Generation {
  readonly text: string;
  readonly stopReason: string;
}
interface LlmInfo {
  readonly name: string;
  readonly format: string;
  readonly config: { layerCount: number; hiddenSize: number; headCount: number; kvHeadCount: number; intermediateSize: number };
  readonly vocabSize: number;
  readonly weightBytes: number;
  readonly tensorTypes: Record<string, number>;
  readonly loadMs: number;
  readonly queued: number;
  readonly stats: { requests: number; completed: number; cancelled: number; failed: number; generatedTokens: number };
}

function llmHandle(shell: CommandHost): number {
  return shell.handles.llm ?? fail('llm.not_loaded', 'no model is loaded (boot with --model PATH)');
}

/** split leading -x switches from the rest; unknown switches are usage errors */
function switches(args: readonly string[], allowed: string, usage: string): { on: Set<string>; rest: string[] } {
  const on = new Set<string>();
  const rest: string[] = [];
  for (const arg of args) {
    if (arg.length > 1 && arg.startsWith('-') && rest.length === 0) {
      for (const c of arg.slice(1)) {
        if (!allowed.includes(c)) fail('arg.invalid', `unknown option -${c}\n  usage: ${usage}`);
        on.add(c);
      }
    } else rest.push(arg);
  }
  return { on, rest };
}

function arity(args: readonly string[], min: number, max: number, usage: string): void {
  if (args.length < min || args.length > max) fail('arg.missing', `wrong number of arguments\n  usage: ${usage}`);
}

function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function command(name: string, usage: string, summary: string, run: ShellCommand['run']): ShellCommand {
  return { name, usage, summary, run };
}

export const COMMANDS: readonly ShellCommand[] = [
  command('help', 'help [COMMAND]', 'list commands, or show one command’s usage', async (shell, args) => {
    if (args.length > 0) {
      const c = shell.commandList.find((x) => x.name === args[0]);
      if (c === undefined) fail('shell.unknown_command', `${args[0]}: no such command`);
      shell.print(`${c.usage}\n  ${c.summary}`);
      return;
    }
    const width = Math.max(...shell.commandList.map((c) => c.usage.length));
    shell.print(shell.commandList.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`).join('\n'));
  }),

  command('dmesg', 'dmesg [-l LEVEL]', 'print the kernel log (optionally at or above LEVEL)', async (shell, args) => {
    const usage = 'dmesg [-l LEVEL]';
    let level: string | undefined;
    if (args[0] === '-l') {
      arity(args, 2, 2, usage);
      level = args[1];
    } else arity(args, 0, 0, usage);
    const lines = await shell.port.call<string[]>('klog.read', shell.handles.kernel, level === undefined ? {} : { level });
    shell.print(lines.join('\n'));
  }),

  command('meminfo', 'meminfo', 'kernel memory arena: size, use, per-owner accounting', async (shell, args) => {
    arity(args, 0, 0, 'meminfo');
    shell.print(await shell.port.call<string>('mm.info', shell.handles.kernel));
  }),

  command('ps', 'ps', 'kernel tasks and daemons', async (shell, args) => {
    arity(args, 0, 0, 'ps');
    const rows = await shell.port.call<TaskRow[]>('sched.ps', shell.handles.kernel);
    const lines = ['  ID  NAME                  KIND    PRIORITY     STATE      RUNS   BUSY'];
    for (const t of rows) {
      lines.push(
        `${String(t.id).padStart(4)}  ${t.name.padEnd(20)}  ${t.kind.padEnd(6)}  ${t.priority.padEnd(11)}  ${t.state.padEnd(9)}  ${String(t.runs).padStart(5)}  ${t.busyMs.toFixed(1)} ms`,
      );
    }
    shell.print(lines.join('\n'));
  }),

  command('ls', 'ls [-l] [PATH]', 'list a directory', async (shell, args) => {
    const usage = 'ls [-l] [PATH]';
    const { on, rest } = switches(args, 'l', usage);
    arity(rest, 0, 1, usage);
    const path = shell.resolvePath(rest[0] ?? '.');
    const entries = await shell.port.call<Entry[]>('fs.readdir', shell.handles.root, { path });
    if (on.has('l')) {
      shell.print(entries.map((e) => `${e.kind === 'directory' ? 'd' : '-'} ${String(e.size).padStart(10)} ${formatTime(e.modifiedAt)} ${e.name}${e.kind === 'directory' ? '/' : ''}`).join('\n'));
    } else {
      shell.print(entries.map((e) => (e.kind === 'directory' ? `${e.name}/` : e.name)).join('\n'));
    }
  }),

  command('cat', 'cat PATH...', 'print files', async (shell, args) => {
    arity(args, 1, Infinity, 'cat PATH...');
    for (const arg of args) {
      const bytes = await shell.port.call<Uint8Array>('fs.read', shell.handles.root, { path: shell.resolvePath(arg) });
      shell.io.write(decoder.decode(bytes));
    }
  }),

  command('write', 'write PATH TEXT...', 'replace a file with TEXT (and a newline)', async (shell, args) => {
    arity(args, 2, Infinity, 'write PATH TEXT...');
    const data = encoder.encode(`${args.slice(1).join(' ')}\n`);
    await shell.port.call('fs.write', shell.handles.root, { path: shell.resolvePath(args[0]!), data });
  }),

  command('append', 'append PATH TEXT...', 'add TEXT (and a newline) to the end of a file', async (shell, args) => {
    arity(args, 2, Infinity, 'append PATH TEXT...');
    const data = encoder.encode(`${args.slice(1).join(' ')}\n`);
    await shell.port.call('fs.append', shell.handles.root, { path: shell.resolvePath(args[0]!), data });
  }),

  command('rm', 'rm [-r] PATH...', 'remove files (-r: directories and their contents)', async (shell, args) => {
    const usage = 'rm [-r] PATH...';
    const { on, rest } = switches(args, 'r', usage);
    arity(rest, 1, Infinity, usage);
    for (const arg of rest) {
      const path = shell.resolvePath(arg);
      const stat = await shell.port.call<Entry>('fs.stat', shell.handles.root, { path });
      if (stat.kind === 'directory') {
        if (!on.has('r')) fail('fs.is_dir', `${path} is a directory (use rm -r or rmdir)`);
        await shell.port.call('fs.rmdir', shell.handles.root, { path, recursive: true });
      } else {
        await shell.port.call('fs.unlink', shell.handles.root, { path });
      }
    }
  }),

  command('mkdir', 'mkdir [-p] PATH...', 'make directories (-p: with parents, no error if present)', async (shell, args) => {
    const usage = 'mkdir [-p] PATH...';
    const { on, rest } = switches(args, 'p', usage);
    arity(rest, 1, Infinity, usage);
    for (const arg of rest) await shell.port.call('fs.mkdir', shell.handles.root, { path: shell.resolvePath(arg), recursive: on.has('p') });
  }),

  command('rmdir', 'rmdir PATH...', 'remove empty directories', async (shell, args) => {
    arity(args, 1, Infinity, 'rmdir PATH...');
    for (const arg of args) await shell.port.call('fs.rmdir', shell.handles.root, { path: shell.resolvePath(arg) });
  }),

  command('mv', 'mv FROM TO', 'rename or move a file or directory', async (shell, args) => {
    arity(args, 2, 2, 'mv FROM TO');
    await shell.port.call('fs.rename', shell.handles.root, { from: shell.resolvePath(args[0]!), to: shell.resolvePath(args[1]!) });
  }),

  command('stat', 'stat PATH', 'size, kind and times of a file or directory', async (shell, args) => {
    arity(args, 1, 1, 'stat PATH');
    const path = shell.resolvePath(args[0]!);
    const s = await shell.port.call<Entry>('fs.stat', shell.handles.root, { path });
    shell.print(`${path}\n  kind: ${s.kind}\n  size: ${s.size} bytes\n  modified: ${formatTime(s.modifiedAt)}`);
  }),

  command('df', 'df', 'volume size and free space', async (shell, args) => {
    arity(args, 0, 0, 'df');
    const s = await shell.port.call<StatFs>('fs.statfs', shell.handles.root);
    const used = s.totalBytes - s.freeBytes;
    shell.print(
      `volume ${s.label || '(no label)'}: ${formatBytes(s.totalBytes)} total, ${formatBytes(used)} used, ${formatBytes(s.freeBytes)} free (${((100 * used) / s.totalBytes).toFixed(1)}%), cluster ${formatBytes(s.clusterSize)}`,
    );
  }),

  command('cd', 'cd [PATH]', 'change the current directory (default /home)', async (shell, args) => {
    arity(args, 0, 1, 'cd [PATH]');
    const path = shell.resolvePath(args[0] ?? '/home');
    const s = await shell.port.call<Entry>('fs.stat', shell.handles.root, { path });
    if (s.kind !== 'directory') fail('fs.not_dir', `${path} is not a directory`);
    shell.cwd = path;
  }),

  command('pwd', 'pwd', 'print the current directory', async (shell, args) => {
    arity(args, 0, 0, 'pwd');
    shell.print(shell.cwd);
  }),

  command('echo', 'echo TEXT...', 'print TEXT', async (shell, args) => {
    shell.print(args.join(' '));
  }),

  command('syscalls', 'syscalls', 'the syscall table: name, right needed, summary', async (shell, args) => {
    arity(args, 0, 0, 'syscalls');
    const rows = await shell.port.call<{ name: string; right: string; summary: string }[]>('kernel.syscalls', shell.handles.kernel);
    const nameWidth = Math.max(...rows.map((r) => r.name.length));
    const rightWidth = Math.max(...rows.map((r) => r.right.length));
    shell.print(rows.map((r) => `  ${r.name.padEnd(nameWidth)}  ${r.right.padEnd(rightWidth)}  ${r.summary}`).join('\n'));
  }),

  command('handles', 'handles', 'the shell’s handles and their rights', async (shell, args) => {
    arity(args, 0, 0, 'handles');
    const rows = await shell.port.call<{ handle: number; type: string; rights: string; parent?: number }[]>('kernel.handles', shell.handles.kernel);
    shell.print(rows.map((r) => `  ${String(r.handle).padStart(6)}  ${r.type.padEnd(10)}  ${r.rights}${r.parent === undefined ? '' : `  (from ${r.parent})`}`).join('\n'));
  }),

  command('chat', 'chat TEXT...', 'one plain chat turn with the model (ChatML, no tools) and its reply', async (shell, args) => {
    arity(args, 1, Infinity, 'chat TEXT...');
    const reply = await shell.port.call<Generation>('llm.generate', llmHandle(shell), { messages: [{ role: 'user', content: args.join(' ') }], maxTokens: 256, temperature: 0 });
    shell.print(reply.text);
  }),

  command('complete', 'complete TEXT...', 'raw completion: print what the model writes after TEXT (greedy, 64 tokens)', async (shell, args) => {
    arity(args, 1, Infinity, 'complete TEXT...');
    const reply = await shell.port.call<Generation>('llm.generate', llmHandle(shell), { prompt: args.join(' '), maxTokens: 64, temperature: 0 });
    shell.print(reply.text);
  }),

  command('llm', 'llm', 'the loaded model: shapes, tensor types, requests served', async (shell, args) => {
    arity(args, 0, 0, 'llm');
    const info = await shell.port.call<LlmInfo>('llm.info', llmHandle(shell));
    const c = info.config;
    shell.print(
      [
        `${info.name} (${info.format}): qwen2, ${c.layerCount} layers, hidden ${c.hiddenSize}, heads ${c.headCount}/${c.kvHeadCount}, ffn ${c.intermediateSize}, vocab ${info.vocabSize}`,
        `weights ${formatBytes(info.weightBytes)}: ${Object.entries(info.tensorTypes).map(([t, n]) => `${n} ${t}`).join(', ')}; loaded in ${info.loadMs.toFixed(0)} ms`,
        `requests ${info.stats.requests} (completed ${info.stats.completed}, cancelled ${info.stats.cancelled}, failed ${info.stats.failed}), ${info.stats.generatedTokens} tokens generated, ${info.queued} queued`,
      ].join('\n'),
    );
  }),

  command('shutdown', 'shutdown', 'flush and unmount the disks, then power off', async (shell, args) => {
    arity(args, 0, 0, 'shutdown');
    shell.state = 'shutdown-requested';
  }),
];
