/**
 * Tool calls in model output, Qwen2.5 style:
 *
 *   some text<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>
 *
 * Model output is untrusted. The parser never throws on it: every block
 * that is not a well-formed call becomes an `llm.tool_call_malformed` error
 * in `errors` and is dropped. Checked: the block is closed; it is at most
 * `maxCallChars` long; it parses as JSON (any exception caught); it is an
 * object with a non-empty string `name` (≤ 128 chars, no control chars) and
 * `arguments` that is an object (or a JSON string of one, or absent → {});
 * nesting is at most `maxDepth` deep and no key is "__proto__" (so callers
 * can copy arguments without prototype pollution); at most `maxCalls` calls.
 * `content` is the text outside the blocks, trimmed.
 */

import { ChimaeraError } from '../../common/index.ts';

export interface ParsedToolCall {
  readonly name: string;
  readonly arguments: Readonly<Record<string, unknown>>;
}

export interface ToolCallParse {
  /** text outside <tool_call> blocks, trimmed */
  readonly content: string;
  readonly toolCalls: readonly ParsedToolCall[];
  /** one llm.tool_call_malformed per rejected block */
  readonly errors: readonly ChimaeraError[];
}

export interface ToolCallLimits {
  /** default 16 */
  readonly maxCalls?: number;
  /** characters inside one block; default 65536 */
  readonly maxCallChars?: number;
  /** JSON nesting depth; default 32 */
  readonly maxDepth?: number;
}

const OPEN = '<tool_call>';
const CLOSE = '</tool_call>';
const NAME_LIMIT = 128;

function malformed(index: number, message: string): ChimaeraError {
  return new ChimaeraError('llm.tool_call_malformed', `tool call ${index}: ${message}`, { detail: { index } });
}

/** depth of a parsed JSON value, or -1 if a "__proto__" key occurs (stops early past `limit`) */
function inspect(value: unknown, depth: number, limit: number): number {
  if (depth > limit) return depth;
  if (typeof value !== 'object' || value === null) return depth;
  let deepest = depth;
  if (Array.isArray(value)) {
    for (const item of value) {
      const d = inspect(item, depth + 1, limit);
      if (d < 0) return -1;
      deepest = Math.max(deepest, d);
    }
    return deepest;
  }
  for (const key of Object.keys(value)) {
    if (key === '__proto__') return -1;
    const d = inspect((value as Record<string, unknown>)[key], depth + 1, limit);
    if (d < 0) return -1;
    deepest = Math.max(deepest, d);
  }
  return deepest;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseOne(body: string, index: number, limits: Required<ToolCallLimits>): ParsedToolCall | ChimaeraError {
  if (body.length > limits.maxCallChars) return malformed(index, `is ${body.length} characters long, the limit is ${limits.maxCallChars}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return malformed(index, 'is not valid JSON');
  }
  if (!isPlainObject(parsed)) return malformed(index, 'is not a JSON object');
  const depth = inspect(parsed, 0, limits.maxDepth);
  if (depth < 0) return malformed(index, 'uses the key "__proto__"');
  if (depth > limits.maxDepth) return malformed(index, `nests deeper than ${limits.maxDepth} levels`);
  const name = parsed['name'];
  // eslint-disable-next-line no-control-regex
  if (typeof name !== 'string' || name.length === 0 || name.length > NAME_LIMIT || /[\u0000-\u001f\u007f]/.test(name)) {
    return malformed(index, `has no usable "name" (a non-empty string of at most ${NAME_LIMIT} printable characters)`);
  }
  let args = parsed['arguments'];
  if (args === undefined) args = {};
  if (typeof args === 'string') {
    try {
      args = JSON.parse(args);
    } catch {
      return malformed(index, `("${name}") has "arguments" that is a string but not JSON`);
    }
    const argsDepth = inspect(args, 1, limits.maxDepth);
    if (argsDepth < 0) return malformed(index, 'uses the key "__proto__"');
    if (argsDepth > limits.maxDepth) return malformed(index, `nests deeper than ${limits.maxDepth} levels`);
  }
  if (!isPlainObject(args)) return malformed(index, `("${name}") has "arguments" that is not a JSON object`);
  return { name, arguments: args };
}

/** split model output into text and tool calls; never throws on the text */
export function parseToolCalls(text: string, limits: ToolCallLimits = {}): ToolCallParse {
  const l: Required<ToolCallLimits> = { maxCalls: limits.maxCalls ?? 16, maxCallChars: limits.maxCallChars ?? 65536, maxDepth: limits.maxDepth ?? 32 };
  const toolCalls: ParsedToolCall[] = [];
  const errors: ChimaeraError[] = [];
  let content = '';
  let position = 0;
  let index = 0;
  while (position < text.length) {
    const open = text.indexOf(OPEN, position);
    if (open < 0) {
      content += text.slice(position);
      break;
    }
    content += text.slice(position, open);
    const bodyStart = open + OPEN.length;
    const close = text.indexOf(CLOSE, bodyStart);
    const nextOpen = text.indexOf(OPEN, bodyStart);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
      // unclosed: drop it, resume at the next block if there is one
      errors.push(malformed(index++, 'is not closed by </tool_call>'));
      if (nextOpen < 0) break;
      position = nextOpen;
      continue;
    }
    if (index >= l.maxCalls) errors.push(malformed(index, `exceeds the limit of ${l.maxCalls} calls`));
    else {
      const result = parseOne(text.slice(bodyStart, close).trim(), index, l);
      if (result instanceof ChimaeraError) errors.push(result);
      else toolCalls.push(result);
    }
    index++;
    position = close + CLOSE.length;
  }
  return { content: content.trim(), toolCalls, errors };
}
