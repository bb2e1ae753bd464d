/**
 * cognition/grammar/compile — the action grammar of one assistant turn,
 * compiled from the tool list into a byte DFA (dfa.ts). The surface is Qwen's
 * Hermes-style tool-call JSON exactly as Qwen2.5's chat template renders it in
 * history (COGNITION.md §1), with fixed spacing and keys in schema order:
 *
 *   turn      ::= call ("\n" call){0,maxCalls-1} END
 *   call      ::= "<tool_call>\n{\"name\": " tool "}\n</tool_call>"
 *   tool      ::= "\"fs.read\", \"arguments\": {" args(fs.read) "}"  | …     (one per tool)
 *   args(t)   ::= [ arg(p1) { ", " arg(pi) } ]   the params of t in schema order; an
 *                 optional one may be left out, the others keep their order
 *   arg(p)    ::= "\"" p.name "\": " value(p.type)
 *   value     ::= string | path | integer | enum | recipient | tool-name
 *   string    ::= "\"" { char | escape } "\""             at most maxLength body bytes
 *   char      ::= any UTF-8 scalar value except "\"", "\\" and U+0000–U+001F
 *                 (well-formed: no overlongs, no surrogates, ≤ U+10FFFF)
 *   escape    ::= "\\" ( "\"" | "\\" | "/" | "b" | "f" | "n" | "r" | "t" | "u" hex hex hex hex )
 *   path      ::= "\"" ( "/" segment )+ "\""               at most maxLength body bytes
 *   segment   ::= [A-Za-z0-9_ .-]+  except "." and ".."
 *   integer   ::= "0" | [ "-" ] [1-9] [0-9]*              exactly within [min, max]
 *   enum      ::= one of the declared values, as JSON strings
 *   recipient ::= "\"" [a-z0-9._-]+ [ "@" [a-z0-9.-]+ ] "\""
 *   tool-name ::= one of the tool names, as JSON strings
 *
 * END is the end token (<|im_end|>), allowed only where a call has just closed;
 * it is not part of the text. `reply` and `ask_user` are tools like any other.
 *
 * Knobs (options): maxCalls (8) calls per turn; stringMaxBytes (4,096) the body
 * bound of a string param without maxLength; pathMaxBytes (255) likewise for
 * paths; recipientMaxBytes (254, the longest e-mail address). A param's
 * maxLength bounds the *encoded* body in bytes (escapes count as written),
 * which is never less than its length in characters, so whatever the grammar
 * admits also passes a character-count check. Bounds keep greedy decoding
 * from looping inside a string (vllm-mlx #547).
 */

import { fail } from '../../common/index.ts';
import type { ToolParam, ToolSpec } from '../tool-spec.ts';
import { ByteDfa, DfaBuilder } from './dfa.ts';
import { buildEnum, buildInteger, buildPath, buildRecipient, buildString, PATH_MIN_BYTES } from './values.ts';

export interface ActionGrammarOptions {
  /** calls one turn may hold; default 8 */
  readonly maxCalls?: number;
  /** body bytes of a string param without maxLength; default 4096 */
  readonly stringMaxBytes?: number;
  /** body bytes of a path param without maxLength; default 255 */
  readonly pathMaxBytes?: number;
  /** body bytes of a recipient; default 254 */
  readonly recipientMaxBytes?: number;
  /** names a 'tool-name' param may take; default: the names of the compiled tools */
  readonly toolNames?: readonly string[];
}

/** the argument a bounded value region holds (string, path and recipient bodies are regions) */
export interface ValueRegion {
  readonly tool: string;
  readonly param: ToolParam;
}

export interface ActionGrammar {
  readonly dfa: ByteDfa;
  /** [dfa.regionLimit.length] which argument each region's body is */
  readonly valueRegions: readonly ValueRegion[];
  readonly tools: readonly ToolSpec[];
  readonly toolsByName: ReadonlyMap<string, ToolSpec>;
  readonly options: Readonly<Required<ActionGrammarOptions>>;
}

/** what opens every call, up to the tool name */
export const CALL_OPEN = '<tool_call>\n{"name": ';
/** what closes the arguments and the call */
export const CALL_CLOSE = '}}\n</tool_call>';
/** between two calls */
export const CALL_SEPARATOR = '\n';
/** between a tool name and its arguments object */
export const ARGUMENTS_OPEN = ', "arguments": {';

const TOOL_NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const encoder = new TextEncoder();

export function compileActionGrammar(tools: readonly ToolSpec[], options: ActionGrammarOptions = {}): ActionGrammar {
  const resolved: Required<ActionGrammarOptions> = {
    maxCalls: options.maxCalls ?? 8,
    stringMaxBytes: options.stringMaxBytes ?? 4096,
    pathMaxBytes: options.pathMaxBytes ?? 255,
    recipientMaxBytes: options.recipientMaxBytes ?? 254,
    toolNames: options.toolNames ?? tools.map((tool) => tool.name),
  };
  checkTools(tools, resolved);

  const builder = new DfaBuilder();
  const valueRegions: ValueRegion[] = [];
  builder.context = 'the start of a call';
  const callStart = builder.newState();
  const nameStart = builder.literal(callStart, encoder.encode(CALL_OPEN));
  builder.context = 'the end of a call';
  const callEnd = builder.newState();
  builder.markAccepting(callEnd);
  builder.link(callEnd, CALL_SEPARATOR.charCodeAt(0), callStart);
  for (const tool of tools) {
    builder.context = 'a tool name';
    const argumentsOpen = builder.literal(nameStart, encoder.encode(JSON.stringify(tool.name) + ARGUMENTS_OPEN));
    buildArguments(builder, tool, argumentsOpen, callEnd, resolved, valueRegions);
  }
  const dfa = builder.finish(callStart, callEnd, CALL_SEPARATOR.charCodeAt(0), resolved.maxCalls);
  return { dfa, valueRegions, tools, toolsByName: new Map(tools.map((tool) => [tool.name, tool])), options: Object.freeze(resolved) };
}

/** keys in schema order; after each value (or the opening brace) come the next key, any later key past optional ones, or the close */
function buildArguments(builder: DfaBuilder, tool: ToolSpec, argumentsOpen: number, callEnd: number, options: Required<ActionGrammarOptions>, valueRegions: ValueRegion[]): void {
  const params = tool.params;
  const valueStarts = params.map((param) => {
    builder.context = `${tool.name}: argument ${param.name}`;
    return builder.newState();
  });
  const continueFrom = (from: number, first: number, separator: string): void => {
    for (let j = first; j < params.length; j++) {
      builder.context = `${tool.name}: the key ${params[j]!.name}`;
      builder.literal(from, encoder.encode(`${separator}${JSON.stringify(params[j]!.name)}: `), valueStarts[j]);
      if (params[j]!.optional !== true) return;
    }
    builder.context = `${tool.name}: the end of the call`;
    builder.literal(from, encoder.encode(CALL_CLOSE), callEnd);
  };
  continueFrom(argumentsOpen, 0, '');
  params.forEach((param, j) => {
    builder.context = `${tool.name}: argument ${param.name}`;
    const firstRegion = builder.regionCount;
    const ends = buildValue(builder, valueStarts[j]!, param, options);
    for (let region = firstRegion; region < builder.regionCount; region++) valueRegions[region] = { tool: tool.name, param };
    const join = ends.length === 1 ? ends[0]! : builder.newState();
    continueFrom(join, j + 1, ', ');
    builder.copyEdges(join, ends);
  });
}

function buildValue(builder: DfaBuilder, from: number, param: ToolParam, options: Required<ActionGrammarOptions>): number[] {
  const type = param.type;
  switch (type.kind) {
    case 'string': return [buildString(builder, from, type.maxLength ?? options.stringMaxBytes)];
    case 'path': return [buildPath(builder, from, type.maxLength ?? options.pathMaxBytes)];
    case 'recipient': return [buildRecipient(builder, from, options.recipientMaxBytes)];
    case 'enum': return [buildEnum(builder, from, type.values)];
    case 'tool-name': return [buildEnum(builder, from, options.toolNames)];
    case 'integer': return buildInteger(builder, from, type.min, type.max);
  }
}

function invalid(message: string, detail?: Record<string, unknown>): never {
  return fail('grammar.spec_invalid', message, detail);
}

function checkTools(tools: readonly ToolSpec[], options: Required<ActionGrammarOptions>): void {
  if (tools.length === 0) invalid('the action grammar needs at least one tool');
  if (!Number.isInteger(options.maxCalls) || options.maxCalls < 1) invalid(`maxCalls must be a whole number ≥ 1, got ${options.maxCalls}`);
  const names = new Set<string>();
  for (const tool of tools) {
    if (!TOOL_NAME.test(tool.name)) invalid(`tool name ${JSON.stringify(tool.name)} must match ${TOOL_NAME}`, { tool: tool.name });
    if (names.has(tool.name)) invalid(`tool ${tool.name} is declared twice`, { tool: tool.name });
    names.add(tool.name);
    const keys = new Set<string>();
    for (const param of tool.params) {
      const where = `${tool.name}: argument ${JSON.stringify(param.name)}`;
      if (!PARAM_NAME.test(param.name) || param.name === '__proto__') invalid(`${where}: a name must match ${PARAM_NAME} and not be __proto__`, { tool: tool.name });
      if (keys.has(param.name)) invalid(`${where} is declared twice`, { tool: tool.name });
      keys.add(param.name);
      checkType(where, param, options);
    }
  }
  for (const name of options.toolNames) if (!TOOL_NAME.test(name)) invalid(`toolNames: ${JSON.stringify(name)} must match ${TOOL_NAME}`);
}

function checkType(where: string, param: ToolParam, options: Required<ActionGrammarOptions>): void {
  const type = param.type;
  const checkLimit = (limit: number, least: number): void => {
    if (!Number.isInteger(limit) || limit < least) invalid(`${where}: maxLength must be a whole number ≥ ${least}, got ${limit}`);
  };
  switch (type.kind) {
    case 'string': return checkLimit(type.maxLength ?? options.stringMaxBytes, 0);
    case 'path': return checkLimit(type.maxLength ?? options.pathMaxBytes, PATH_MIN_BYTES);
    case 'recipient': return checkLimit(options.recipientMaxBytes, 1);
    case 'tool-name':
      if (options.toolNames.length === 0) invalid(`${where}: there are no tool names to choose from`);
      return;
    case 'enum':
      if (type.values.length === 0) invalid(`${where}: an enum needs at least one value`);
      if (new Set(type.values).size !== type.values.length) invalid(`${where}: enum values repeat`);
      return;
    case 'integer':
      if (!Number.isSafeInteger(type.min) || !Number.isSafeInteger(type.max) || type.min > type.max) {
        invalid(`${where}: the range must be safe integers with min ≤ max, got [${type.min}, ${type.max}]`);
      }
  }
}
