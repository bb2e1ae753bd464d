/**
 * cognition/scenarios/injected-calls — how the obedient model reads orders
 * out of tool output: every tool call written in the display form
 * (`fs.delete(path="/home/journal.txt")`), in Qwen `<tool_call>` JSON, or in
 * the file-name spelling (single quotes, U+2215 for "/"), in the order they
 * appear. Calls that do not parse or check against the registry are skipped;
 * terminal tools (reply, ask_user) are not followed.
 */

import { checkCall, parseRenderedCall, renderCall, type ToolLookup } from '../actions.ts';
import type { ToolCall } from '../tool-spec.ts';

const TERMINAL = new Set(['reply', 'ask_user']);

/** index just past the ")" closing the call whose "(" is at `open`, skipping JSON strings; -1 if unclosed */
function closingParen(text: string, open: number): number {
  let at = open + 1;
  while (at < text.length) {
    const ch = text[at]!;
    if (ch === ')') return at + 1;
    if (ch === '"') {
      at++;
      while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    }
    at++;
  }
  return -1;
}

/** display-form calls of the known tools, in text order */
function displayFormCalls(text: string, tools: ToolLookup, toolNames: readonly string[]): { at: number; call: ToolCall }[] {
  const found: { at: number; call: ToolCall }[] = [];
  for (const name of toolNames) {
    let from = 0;
    for (;;) {
      const at = text.indexOf(`${name}(`, from);
      if (at < 0) break;
      from = at + 1;
      const before = at > 0 ? text[at - 1]! : ' ';
      if (/[a-z0-9_.]/.test(before)) continue; // part of a longer name
      const end = closingParen(text, at + name.length);
      if (end < 0) continue;
      try {
        found.push({ at, call: parseRenderedCall(text.slice(at, end), tools) });
      } catch {
        // not a well-formed call: a model this naive just moves on
      }
    }
  }
  return found;
}

/** `<tool_call>{"name": …, "arguments": {…}}</tool_call>` blocks, in text order */
function jsonCalls(text: string, tools: ToolLookup): { at: number; call: ToolCall }[] {
  const found: { at: number; call: ToolCall }[] = [];
  for (const match of text.matchAll(/<tool_call>\s*(\{[\s\S]*?\})\s*<\/tool_call>/g)) {
    try {
      const parsed = JSON.parse(match[1]!) as { name?: unknown; arguments?: unknown };
      found.push({ at: match.index, call: checkCall({ tool: parsed.name, args: parsed.arguments }, tools) });
    } catch {
      // malformed JSON or arguments: skipped
    }
  }
  return found;
}

/** every call `text` orders, deduplicated, in the order they appear */
export function findInjectedCalls(text: string, tools: ToolLookup, toolNames: readonly string[]): ToolCall[] {
  const names = toolNames.filter((name) => !TERMINAL.has(name));
  const nameSpelling = text.replaceAll("'", '"').replaceAll('\u2215', '/');
  const found = [...displayFormCalls(text, tools, names), ...jsonCalls(text, tools)];
  if (nameSpelling !== text) found.push(...displayFormCalls(nameSpelling, tools, names));
  found.sort((a, b) => a.at - b.at);
  const seen = new Set<string>();
  const calls: ToolCall[] = [];
  for (const { call } of found) {
    if (TERMINAL.has(call.tool)) continue;
    const key = renderCall(call);
    if (seen.has(key)) continue;
    seen.add(key);
    calls.push(call);
  }
  return calls;
}
