/**
 * cognition/grammar/parse — a complete action turn back into calls, and calls
 * into the exact bytes the grammar accepts.
 *
 *   parseActionTurn(text, tools)   runs the grammar's own DFA over the text, so
 *                                  it accepts exactly what constrained decoding
 *                                  can produce; a mismatch is a typed error
 *                                  naming the byte, where it was and what could
 *                                  have come; then each call's JSON is read
 *                                  and its integers range-checked
 *   renderActionTurn(calls, tools) the canonical text (JSON.stringify escapes,
 *                                  keys in schema order):
 *                                  parseActionTurn(renderActionTurn(c)) = c
 *
 * The text is the turn as generation returns it: the end token is not part of
 * it (a trailing "<|im_end|>" is tolerated and dropped).
 */

import { fail } from '../../common/index.ts';
import type { ArgumentValue } from '../../consent/index.ts';
import type { ToolCall, ToolSpec } from '../tool-spec.ts';
import { ARGUMENTS_OPEN, CALL_CLOSE, CALL_OPEN, CALL_SEPARATOR, compileActionGrammar, type ActionGrammar } from './compile.ts';
import type { GrammarCursor } from './dfa.ts';

const END_MARKER = '<|im_end|>';
const CALL_TAIL = '\n</tool_call>';
const encoder = new TextEncoder();
const compiled = new WeakMap<readonly ToolSpec[], ActionGrammar>();

function grammarFor(tools: readonly ToolSpec[] | ActionGrammar): ActionGrammar {
  if (!Array.isArray(tools)) return tools as ActionGrammar;
  const list = tools as readonly ToolSpec[];
  let grammar = compiled.get(list);
  if (grammar === undefined) {
    grammar = compileActionGrammar(list);
    compiled.set(list, grammar);
  }
  return grammar;
}

function describeByte(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? JSON.stringify(String.fromCharCode(byte)) : `0x${byte.toString(16).padStart(2, '0')}`;
}

function describeExpected(bytes: readonly number[]): string {
  if (bytes.length === 0) return 'nothing more';
  if (bytes.length > 12) return `one of ${bytes.length} bytes`;
  return bytes.map(describeByte).join(', ');
}

/** the calls of a complete turn; fails grammar.turn_malformed or grammar.integer_out_of_range */
export function parseActionTurn(text: string, tools: readonly ToolSpec[] | ActionGrammar): ToolCall[] {
  const grammar = grammarFor(tools);
  const dfa = grammar.dfa;
  const body = text.endsWith(END_MARKER) ? text.slice(0, -END_MARKER.length) : text;
  const bytes = encoder.encode(body);
  const cursor: GrammarCursor = dfa.startCursor();
  for (let i = 0; i < bytes.length; i++) {
    const before = { ...cursor };
    if (!dfa.step(cursor, bytes[i]!)) {
      fail('grammar.turn_malformed', `action turn, byte ${i} (${describeByte(bytes[i]!)}) in ${dfa.context[before.state]}: expected ${describeExpected(dfa.allowedBytes(before))}`, { offset: i, state: before.state });
    }
  }
  if (dfa.accepting[cursor.state] !== 1) {
    fail('grammar.turn_malformed', `action turn ends early, in ${dfa.context[cursor.state]} after ${bytes.length} bytes: expected ${describeExpected(dfa.allowedBytes(cursor))}`, { offset: bytes.length, state: cursor.state });
  }
  // the DFA vouches for the shape: a raw newline cannot occur inside a JSON string, so "\n</tool_call>" splits calls
  const pieces = body.split(CALL_TAIL);
  pieces.pop(); // '' after the last call
  return pieces.map((piece, index) => {
    const json = piece.slice((index === 0 ? 0 : CALL_SEPARATOR.length) + '<tool_call>\n'.length);
    const parsed = JSON.parse(json) as { name: string; arguments: Record<string, ArgumentValue> };
    const tool = grammar.toolsByName.get(parsed.name)!;
    const args: Record<string, ArgumentValue> = {};
    for (const param of tool.params) {
      if (!Object.hasOwn(parsed.arguments, param.name)) continue;
      const value = parsed.arguments[param.name]!;
      if (param.type.kind === 'integer' && (typeof value !== 'number' || value < param.type.min || value > param.type.max)) {
        fail('grammar.integer_out_of_range', `call ${index + 1}, ${tool.name}: ${param.name}=${String(value)} is outside [${param.type.min}, ${param.type.max}]`, { call: index, tool: tool.name, param: param.name });
      }
      args[param.name] = value;
    }
    return { tool: tool.name, args };
  });
}

/** the canonical text of a turn (without the end token); with `tools`, keys follow schema order */
export function renderActionTurn(calls: readonly ToolCall[], tools?: readonly ToolSpec[]): string {
  const byName = tools === undefined ? undefined : new Map(tools.map((tool) => [tool.name, tool]));
  return calls
    .map((call) => {
      const spec = byName?.get(call.tool);
      const keys = spec === undefined ? Object.keys(call.args) : spec.params.map((param) => param.name).filter((name) => Object.hasOwn(call.args, name));
      const entries = keys.map((key) => `${JSON.stringify(key)}: ${renderValue(call.args[key]!)}`).join(', ');
      return `${CALL_OPEN}${JSON.stringify(call.tool)}${ARGUMENTS_OPEN}${entries}${CALL_CLOSE}`;
    })
    .join(CALL_SEPARATOR);
}

function renderValue(value: ArgumentValue): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) fail('arg.invalid', `renderActionTurn: argument value ${value} is not a safe integer`);
    return String(value);
  }
  return JSON.stringify(value);
}
