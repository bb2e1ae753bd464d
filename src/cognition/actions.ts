/**
 * cognition/actions — tool calls as values: argument checking against a
 * ToolSpec, the display form of a call and its parser.
 *
 * Display form (logs, prompts, consent text, `--dry-run`, tests):
 *
 *   call   ::= tool "(" [ arg { ", " arg } ] ")"
 *   tool   ::= name { "." name }          name ::= [a-z] [a-z0-9_]*
 *   arg    ::= name "=" value             value ::= json-string | integer
 *   integer::= ["-"] digit { digit }
 *
 * `renderCall` writes the arguments in the spec's parameter order (it does
 * not need a spec: it writes them in the order the call holds them, and a
 * checked call holds them in parameter order), strings as JSON.
 * `parseRenderedCall` is its inverse and type-checks the result, so
 * parse(render(c)) equals c for every checked call (actions.test.ts).
 *
 * Checks (all typed errors, before anything runs): unknown tool; unknown,
 * missing or duplicate argument; wrong type; integer out of range; string
 * too long; path not absolute, with an empty, "." or ".." segment, a control
 * character or a character FAT forbids; path outside /home (tools are given
 * a /home capability and nothing else).
 */

import { fail } from '../common/index.ts';
import type { ArgumentValue } from '../consent/index.ts';
import type { ParamType, ToolCall, ToolSpec } from './tool-spec.ts';

/** the longest path a tool accepts [UTF-16 units] unless its param says less */
export const DEFAULT_PATH_LENGTH = 1024;
/** the longest string argument unless its param says less [UTF-16 units] */
export const DEFAULT_STRING_LENGTH = 65_536;
/** the longest recipient [characters] */
export const RECIPIENT_LENGTH = 128;
/** the subtree every tool path must stay in */
export const HOME_ROOT = '/home';

/** what argument checking needs from a registry */
export interface ToolLookup {
  get(name: string): ToolSpec<unknown> | undefined;
  has(name: string): boolean;
}

const TOOL_NAME = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$/;
const RECIPIENT = /^[a-z0-9][a-z0-9._-]*(?:@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)?$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const FAT_FORBIDDEN = /["*:<>?\\|]/;

// ── argument checking ──────────────────────────────────────────────────────

/** "/home/notes/a.txt" → ok; fails tool.path_invalid or tool.path_forbidden */
export function checkToolPath(value: string, where: string, maxLength = DEFAULT_PATH_LENGTH): void {
  if (value.length > maxLength) fail('tool.args_invalid', `${where}: path is ${value.length} characters, the limit is ${maxLength}`, { where });
  if (!value.startsWith('/')) fail('tool.path_invalid', `${where}: ${JSON.stringify(value)} is not an absolute path`, { where });
  if (CONTROL.test(value)) fail('tool.path_invalid', `${where}: the path contains a control character`, { where });
  const segments = value.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') fail('tool.path_invalid', `${where}: ${JSON.stringify(value)} has an empty, "." or ".." segment`, { where });
    if (FAT_FORBIDDEN.test(segment)) fail('tool.path_invalid', `${where}: ${JSON.stringify(segment)} contains a character FAT names cannot hold (" * : < > ? \\ |)`, { where });
  }
  if (segments[0]!.toLowerCase() !== HOME_ROOT.slice(1)) fail('tool.path_forbidden', `${where}: ${JSON.stringify(value)} is outside ${HOME_ROOT}`, { where });
}

function checkValue(type: ParamType, value: unknown, where: string, tools: ToolLookup): ArgumentValue {
  switch (type.kind) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail('tool.args_invalid', `${where}: expected an integer, got ${describe(value)}`, { where });
      if (value < type.min || value > type.max) fail('tool.args_invalid', `${where}: ${value} is outside ${type.min}..${type.max}`, { where });
      return value;
    case 'path':
      if (typeof value !== 'string') fail('tool.args_invalid', `${where}: expected a path string, got ${describe(value)}`, { where });
      checkToolPath(value, where, type.maxLength ?? DEFAULT_PATH_LENGTH);
      return value;
    case 'string': {
      if (typeof value !== 'string') fail('tool.args_invalid', `${where}: expected a string, got ${describe(value)}`, { where });
      const limit = type.maxLength ?? DEFAULT_STRING_LENGTH;
      if (value.length > limit) fail('tool.args_invalid', `${where}: text is ${value.length} characters, the limit is ${limit}`, { where });
      return value;
    }
    case 'enum':
      if (typeof value !== 'string' || !type.values.includes(value)) fail('tool.args_invalid', `${where}: expected one of ${type.values.join(', ')}, got ${describe(value)}`, { where });
      return value;
    case 'recipient':
      if (typeof value !== 'string') fail('tool.args_invalid', `${where}: expected a recipient, got ${describe(value)}`, { where });
      if (value.length > RECIPIENT_LENGTH || !RECIPIENT.test(value)) fail('tool.args_invalid', `${where}: ${JSON.stringify(value.slice(0, 80))} is not a recipient (lower-case name, optionally @domain)`, { where });
      return value;
    case 'tool-name':
      if (typeof value !== 'string' || !tools.has(value)) fail('tool.args_invalid', `${where}: ${describe(value)} is not a tool name`, { where });
      return value;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'number' ? String(value) : typeof value;
}

/**
 * Check a call against its spec. Returns the call with its arguments in
 * parameter order. Fails tool.unknown, tool.args_invalid, tool.path_invalid
 * or tool.path_forbidden, naming the tool and argument.
 */
export function checkCall(call: { tool: unknown; args: unknown }, tools: ToolLookup): ToolCall {
  if (typeof call.tool !== 'string') fail('tool.unknown', `the call has no tool name`);
  const spec = tools.get(call.tool);
  if (spec === undefined) fail('tool.unknown', `no tool is named ${JSON.stringify(call.tool.slice(0, 80))}`, { tool: call.tool });
  const given = call.args;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) fail('tool.args_invalid', `${spec.name}: arguments must be an object`);
  const known = new Set(spec.params.map((p) => p.name));
  for (const name of Object.keys(given)) {
    if (!known.has(name)) fail('tool.args_invalid', `${spec.name}: unknown argument ${JSON.stringify(name.slice(0, 60))} (takes ${spec.params.map((p) => p.name).join(', ') || 'nothing'})`, { tool: spec.name });
  }
  const args: Record<string, ArgumentValue> = {};
  for (const param of spec.params) {
    const where = `${spec.name}.${param.name}`;
    if (!Object.hasOwn(given, param.name) || (given as Record<string, unknown>)[param.name] === undefined) {
      if (param.optional === true) continue;
      fail('tool.args_invalid', `${where}: missing (${param.description})`, { where });
    }
    args[param.name] = checkValue(param.type, (given as Record<string, unknown>)[param.name], where, tools);
  }
  return { tool: spec.name, args };
}

// ── display form ───────────────────────────────────────────────────────────

/** fs.read(path="/home/a.txt") */
export function renderCall(call: ToolCall): string {
  const parts = Object.entries(call.args).map(([name, value]) => `${name}=${typeof value === 'number' ? String(value) : JSON.stringify(value)}`);
  return `${call.tool}(${parts.join(', ')})`;
}

/** the inverse of renderCall, type-checked; fails tool.call_malformed on syntax, else like checkCall */
export function parseRenderedCall(text: string, tools: ToolLookup): ToolCall {
  return checkCall(parseCallSyntax(text), tools);
}

/**
 * The display form read back without a registry: syntax only (the tool may
 * not exist, arguments are not type-checked). Scripted planners and the
 * adversarial tests write calls this way; the daemon checks them.
 */
export function parseCallSyntax(text: string): ToolCall {
  function malformed(what: string, at: number): never {
    return fail('tool.call_malformed', `${what} at character ${at} of ${JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text)}`, { at });
  }
  const source = text.trim();
  const open = source.indexOf('(');
  if (open < 0) malformed('expected "("', source.length);
  const tool = source.slice(0, open);
  if (!TOOL_NAME.test(tool)) malformed(`${JSON.stringify(tool.slice(0, 60))} is not a tool name`, 0);
  const args: Record<string, ArgumentValue> = Object.create(null) as Record<string, ArgumentValue>;
  let at = open + 1;
  const skipSpaces = (): void => {
    while (source[at] === ' ') at++;
  };
  skipSpaces();
  if (source[at] !== ')') {
    for (;;) {
      skipSpaces();
      const nameMatch = /^[a-z][a-z0-9_]*/.exec(source.slice(at));
      if (nameMatch === null) malformed('expected an argument name', at);
      const name = nameMatch[0];
      at += name.length;
      skipSpaces();
      if (source[at] !== '=') malformed(`expected "=" after ${name}`, at);
      at++;
      skipSpaces();
      if (Object.hasOwn(args, name)) malformed(`argument ${name} given twice`, at);
      if (source[at] === '"') {
        const end = endOfJsonString(source, at);
        if (end < 0) malformed('unterminated string', at);
        try {
          args[name] = JSON.parse(source.slice(at, end)) as string;
        } catch {
          malformed('invalid string escape', at);
        }
        at = end;
      } else {
        const numberMatch = /^-?\d+/.exec(source.slice(at));
        if (numberMatch === null) malformed(`expected a string or an integer for ${name}`, at);
        const value = Number(numberMatch[0]);
        if (!Number.isSafeInteger(value)) malformed(`${numberMatch[0]} is not a safe integer`, at);
        args[name] = value;
        at += numberMatch[0].length;
      }
      skipSpaces();
      if (source[at] === ',') {
        at++;
        continue;
      }
      if (source[at] === ')') break;
      malformed('expected "," or ")"', at);
    }
  }
  if (at !== source.length - 1) malformed('text after ")"', at + 1);
  return { tool, args: { ...args } };
}

/** index just past the closing quote of the JSON string starting at `start`, or -1 */
function endOfJsonString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '"') return i + 1;
  }
  return -1;
}
