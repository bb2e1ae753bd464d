// parseActionTurn / renderActionTurn: the round trip over random well-typed
// calls, typed errors that say where a turn went wrong, and the real tool
// registry compiled and round-tripped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isChimaeraError } from '../../common/index.ts';
import type { ArgumentValue } from '../../consent/index.ts';
import type { ParamType, ToolCall, ToolSpec } from '../tool-spec.ts';
import { createToolRegistry } from '../tools/index.ts';
import { compileActionGrammar } from './compile.ts';
import { parseActionTurn, renderActionTurn } from './parse.ts';
import { TEST_GRAMMAR_OPTIONS, TEST_TOOLS } from './test-tools.ts';
import { PATH_SEGMENT_CHARS, RECIPIENT_DOMAIN_CHARS, RECIPIENT_NAME_CHARS } from './values.ts';

const grammar = compileActionGrammar(TEST_TOOLS, TEST_GRAMMAR_OPTIONS);
const utf8Length = (text: string): number => new TextEncoder().encode(text).length;
const chars = (alphabet: string, min: number, max: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...alphabet), { minLength: min, maxLength: max }).map((a) => a.join(''));

/** well-typed values of a param type, within its bound */
function valueOf(type: ParamType, toolNames: readonly string[]): fc.Arbitrary<ArgumentValue> {
  switch (type.kind) {
    case 'integer': return fc.integer({ min: type.min, max: type.max });
    case 'enum': return fc.constantFrom(...type.values);
    case 'tool-name': return fc.constantFrom(...toolNames);
    case 'recipient':
      return fc.tuple(chars(RECIPIENT_NAME_CHARS, 1, 10), fc.option(chars(RECIPIENT_DOMAIN_CHARS, 1, 10))).map(([name, domain]) => (domain === null ? name : `${name}@${domain}`));
    case 'path': {
      const segment = chars(PATH_SEGMENT_CHARS, 1, 8).filter((s) => s !== '.' && s !== '..');
      return fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => `/${s.join('/')}`).filter((p) => utf8Length(p) <= (type.maxLength ?? 255));
    }
    case 'string': {
      const piece = fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('\ud800', '\udfff', '"', '\\', '\n', '\u0000', '\u2028', '/', '</tool_call>'));
      return fc.array(piece, { maxLength: 6 }).map((p) => p.join('')).filter((s) => utf8Length(JSON.stringify(s)) - 2 <= (type.maxLength ?? 4096));
    }
  }
}

function callOf(tool: ToolSpec, toolNames: readonly string[]): fc.Arbitrary<ToolCall> {
  const entries = tool.params.map((param) => {
    const value = valueOf(param.type, toolNames);
    return param.optional === true ? fc.option(value).map((v) => [param.name, v] as const) : value.map((v) => [param.name, v] as const);
  });
  return fc.tuple(...entries).map((pairs) => ({
    tool: tool.name,
    args: Object.fromEntries(pairs.filter(([, v]) => v !== null)) as Record<string, ArgumentValue>,
  }));
}

const anyCall = fc.oneof(...TEST_TOOLS.map((tool) => callOf(tool, TEST_TOOLS.map((t) => t.name))));

test('property: parse(render(calls)) = calls for well-typed calls, and render is stable', () => {
  fc.assert(fc.property(fc.array(anyCall, { minLength: 1, maxLength: TEST_GRAMMAR_OPTIONS.maxCalls }), (calls) => {
    const text = renderActionTurn(calls, TEST_TOOLS);
    const parsed = parseActionTurn(text, grammar);
    assert.deepEqual(parsed, calls);
    assert.equal(renderActionTurn(parsed, TEST_TOOLS), text);
  }), { numRuns: 400 });
});

test('the rendering is exactly the Qwen2.5 template form; a trailing <|im_end|> is tolerated', () => {
  const calls: ToolCall[] = [{ tool: 'fs.read', args: { path: '/home/a.txt', offset: 3 } }, { tool: 'time.now', args: {} }];
  const text = renderActionTurn(calls, TEST_TOOLS);
  assert.equal(text, '<tool_call>\n{"name": "fs.read", "arguments": {"path": "/home/a.txt", "offset": 3}}\n</tool_call>\n<tool_call>\n{"name": "time.now", "arguments": {}}\n</tool_call>');
  assert.deepEqual(parseActionTurn(`${text}<|im_end|>`, grammar), calls);
});

test('malformed turns fail grammar.turn_malformed naming the byte, the place and what was expected', () => {
  const good = renderActionTurn([{ tool: 'fs.read', args: { path: '/home/a.txt' } }], TEST_TOOLS);
  const cases: [string, RegExp][] = [
    [good.replace('/home/a.txt', '/home/../a.txt'), /byte 63 \("\/"\) in fs\.read: argument path: expected one of 66 bytes/], // ".." dies at its "/\"
    [good.replace('"path"', '"paht"'), /in fs\.read: the key path: expected "t"/],
    [good.replace("fs.read", "fs.rm"), /byte 26 \("m"\) in a tool name: expected "e"/],
    [good.slice(0, -3), /ends early, in fs\.read: the end of the call after \d+ bytes: expected "l"/],
    ['', /ends early, in the start of a call after 0 bytes: expected "<"/],
    [`${good}\n${good}\n${good}\n${good}\n${good}`, /byte \d+ \("\\n"|0x0a/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseActionTurn(text, grammar), (e) => isChimaeraError(e, 'grammar.turn_malformed') && message.test(e.message), text);
  }
});

test('the real tool registry compiles; one call of every tool round-trips', () => {
  const tools = createToolRegistry().list() as readonly ToolSpec[];
  const real = compileActionGrammar(tools);
  const names = tools.map((t) => t.name);
  fc.assert(fc.property(fc.array(fc.oneof(...tools.map((tool) => callOf(tool, names))), { minLength: 1, maxLength: 8 }), (calls) => {
    assert.deepEqual(parseActionTurn(renderActionTurn(calls, tools), real), calls);
  }), { numRuns: 100 });
  assert.ok(names.includes('reply') && names.includes('share.send'));
});
