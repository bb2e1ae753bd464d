/** The 'compact' prompt style for small models, and the metadata key that selects it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemblePrompt, COMPACT_SYSTEM_RULE, PROMPT_STYLE_METADATA_KEY, promptStyleFromMetadata } from './prompt.ts';
import { createToolRegistry } from './tools/index.ts';
import type { TranscriptEntry } from './transcript.ts';

const tools = createToolRegistry().list();
const trusted = { integrity: 'trusted' as const, private: false, sources: [] };
const transcript: TranscriptEntry[] = [
  { kind: 'request', text: 'read notes/a.txt', label: trusted },
  { kind: 'call', round: 1, actionId: 'a1', call: { tool: 'fs.read', args: { path: '/home/notes/a.txt' } }, rendered: 'fs.read', outcome: 'executed', result: { ok: true, text: 'buy milk', label: trusted } },
];

test('compact: one rule line, no <tools> block, the rounds as tool calls and responses; far shorter than qwen-tools', () => {
  const input = { tools, transcript, pinnedFacts: ['Current time: 2026-01-01T09:00:00.000Z'], recentContext: [{ request: 'hi', reply: 'Hello.' }] };
  const compact = assemblePrompt({ ...input, style: 'compact' });
  const qwen = assemblePrompt(input);
  assert.deepEqual(compact.tools, []);
  assert.equal(compact.text,
    `<|im_start|>system\n${COMPACT_SYSTEM_RULE}<|im_end|>\n`
    + '<|im_start|>user\nhi<|im_end|>\n'
    + '<|im_start|>assistant\n<tool_call>\n{"name": "reply", "arguments": {"text": "Hello."}}\n</tool_call><|im_end|>\n'
    + '<|im_start|>user\nread notes/a.txt<|im_end|>\n'
    + '<|im_start|>assistant\n<tool_call>\n{"name": "fs.read", "arguments": {"path": "/home/notes/a.txt"}}\n</tool_call><|im_end|>\n'
    + '<|im_start|>user\n<tool_response>\nbuy milk\n</tool_response><|im_end|>\n'
    + '<|im_start|>assistant\n');
  assert.ok(qwen.text.includes('<tools>') && qwen.text.includes('Current time'));
  assert.ok(compact.text.length * 5 < qwen.text.length, `${compact.text.length} vs ${qwen.text.length} characters`);
});

test('the GGUF metadata key picks the style; anything else means qwen-tools', () => {
  assert.equal(promptStyleFromMetadata(new Map([[PROMPT_STYLE_METADATA_KEY, 'compact']])), 'compact');
  assert.equal(promptStyleFromMetadata(new Map([[PROMPT_STYLE_METADATA_KEY, { type: 'string', value: 'compact' }]])), 'compact');
  assert.equal(promptStyleFromMetadata({ [PROMPT_STYLE_METADATA_KEY]: 'weird' }), 'qwen-tools');
  assert.equal(promptStyleFromMetadata(new Map()), 'qwen-tools');
});
