/**
 * Command-line arguments: `chimaera <command> [subcommand] [--flag value] [--switch] [positional...]`.
 *
 * A command declares its flags; anything undeclared is a `cli.usage` error
 * (a typo must not be silently ignored). Sizes accept K/M/G suffixes
 * (binary: 256M = 256 MiB).
 */

import { fail } from '../common/index.ts';

export interface FlagSpec {
  /** 'value' takes the next argument (or --name=value); 'switch' is a boolean */
  readonly kind: 'value' | 'switch';
  readonly short?: string;
}

export interface ParsedArgs {
  readonly positional: string[];
  readonly values: Map<string, string>;
  readonly switches: Set<string>;
}

export function parseArgs(argv: readonly string[], flags: Readonly<Record<string, FlagSpec>>): ParsedArgs {
  const positional: string[] = [];
  const values = new Map<string, string>();
  const switches = new Set<string>();
  const byShort = new Map(Object.entries(flags).flatMap(([name, spec]) => (spec.short ? [[spec.short, name] as const] : [])));
  let onlyPositional = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (onlyPositional || arg === '-' || !arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositional = true;
      continue;
    }
    const long = arg.startsWith('--');
    const eq = arg.indexOf('=');
    const rawName = long ? arg.slice(2, eq === -1 ? undefined : eq) : arg.slice(1);
    const name = long ? rawName : byShort.get(rawName);
    const spec = name === undefined ? undefined : flags[name];
    if (name === undefined || spec === undefined) fail('cli.usage', `unknown option ${arg}`);
    if (spec.kind === 'switch') {
      if (long && eq !== -1) fail('cli.usage', `option --${name} takes no value`);
      switches.add(name);
      continue;
    }
    let value: string | undefined;
    if (long && eq !== -1) value = arg.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined) fail('cli.usage', `option ${arg} needs a value`);
    values.set(name, value);
  }
  return { positional, values, switches };
}

/** "256M" → 268435456; plain numbers are bytes; K, M, G, T binary multiples */
export function parseSize(text: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  if (match === null) fail('arg.invalid', `${what}: "${text}" is not a size (examples: 4096, 64M, 1G)`);
  const scale = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[match[2]!.toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  const bytes = Math.round(Number(match[1]) * scale);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) fail('arg.invalid', `${what}: "${text}" is out of range`);
  return bytes;
}

/** exactly `count` positional arguments, or a usage error naming them */
export function expectPositional(args: ParsedArgs, names: readonly string[], usage: string): string[] {
  if (args.positional.length !== names.length) {
    fail('cli.usage', `expected ${names.length} argument${names.length === 1 ? '' : 's'} (${names.join(', ')}), got ${args.positional.length}\n  usage: ${usage}`);
  }
  return args.positional;
}
