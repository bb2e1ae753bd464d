/** Prompt assembly: Qwen template with <tools>, observations capped head+tail, the budget cut from the bottom. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { USER_LABEL, untrustedLabel } from './labels.ts';
import { assemblePrompt, capText, estimateTokens, toolSchema } from './prompt.ts';
import { createToolRegistry } from './tools/index.ts';
import type { TranscriptEntry } from './transcript.ts';

const tools = createToolRegistry().list();
const request: TranscriptEntry = { kind: 'request', text: 'Summarise /home/notes/trip.txt', label: USER_LABEL };

function readEntry(round: number, index: number, text: string): Extract<TranscriptEntry, { kind: 'call' }> {
  const path = `/home/notes/f${round}-${index}.txt`;
  return { kind: 'call', round, actionId: `t1.${round}.${index}`, call: { tool: 'fs.read', args: { path } }, rendered: `fs.read(path="${path}")`, outcome: 'executed', result: { ok: true, text, label: untrustedLabel({ kind: 'fs.read', ref: path }, 'private') } };
}

test('tool schemas follow the ToolSpec: types, ranges, required parameters', () => {
  assert.deepEqual(toolSchema(tools.find((t) => t.name === 'fs.read')!), {
    type: 'function',
    function: {
      name: 'fs.read',
      description: tools.find((t) => t.name === 'fs.read')!.description,
      parameters: {
        type: 'object',
        properties: {
          path: { type: 'string', description: 'the file to read, e.g. /home/notes/a.txt (absolute path under /home)' },
          offset: { type: 'integer', description: 'byte to start at (default 0)', minimum: 0, maximum: 0xffffffff },
        },
        required: ['path'],
      },
    },
  });
});

test('layout: system rules, facts, sketch and <tools>; request; calls and <tool_response>s', () => {
  const prompt = assemblePrompt({
    tools,
    transcript: [request, readEntry(1, 0, 'Flight on Friday'), { ...readEntry(1, 1, 'fs.not_found: gone'), result: { ok: false, text: 'fs.not_found: gone', label: USER_LABEL } }],
    pinnedFacts: ['Current time: 2026-01-01T09:00:00.000Z'],
    userSketch: 'Likes short answers.',
    recentContext: [{ request: 'what time is it?', reply: 'nine' }],
  });
  const text = prompt.text;
  const order = ['<|im_start|>system\nYou are the assistant of ChimaeraOS', '# Facts\nCurrent time: 2026-01-01T09:00:00.000Z', '# About the user\nLikes short answers.', '<tools>', '"name": "share.send"', '</tools>',
    '<|im_start|>user\nwhat time is it?<|im_end|>', '<|im_start|>assistant\nnine<|im_end|>', '<|im_start|>user\nSummarise /home/notes/trip.txt<|im_end|>',
    '<tool_call>\n{"name": "fs.read", "arguments": {"path": "/home/notes/f1-0.txt"}}\n</tool_call>', '<tool_response>\nFlight on Friday\n</tool_response>', '<tool_response>\nerror: fs.not_found: gone\n</tool_response>'];
  let at = 0;
  for (const piece of order) {
    const found = text.indexOf(piece, at);
    assert.ok(found >= 0, `missing or out of order: ${piece}`);
    at = found + piece.length;
  }
  assert.ok(text.endsWith('<|im_start|>assistant\n'));
  assert.equal(prompt.tokens, estimateTokens(text));
  assert.equal(prompt.overBudget, false);
  const contentSegments = prompt.segments.filter((s) => s.kind === 'content').map((s) => s.text);
  assert.ok(contentSegments.includes('Flight on Friday'), 'tool output is content (tokenized without special tokens)');
});

test('capText keeps head and tail around a marker, within the cap', () => {
  const text = `HEAD${'x'.repeat(5000)}TAIL`;
  const capped = capText(text, 100, estimateTokens);
  assert.ok(estimateTokens(capped) <= 100);
  assert.ok(capped.startsWith('HEADxx'));
  assert.ok(capped.endsWith('xxTAIL'));
  assert.match(capped, /\[… \d+ characters cut …\]/);
  assert.equal(capText('short', 100, estimateTokens), 'short');
});

test('budget: observations capped at 512 tokens; over budget, recent context goes first, then the oldest results; never the request', () => {
  const big = 'y'.repeat(6000);
  const transcript: TranscriptEntry[] = [request, readEntry(1, 0, big), readEntry(2, 0, big), readEntry(3, 0, 'third result')];
  const roomy = assemblePrompt({ tools, transcript, budgetTokens: 100_000 });
  assert.equal(roomy.cut.cappedObservations, 2);
  assert.equal(roomy.cut.observations, 0);
  const recentContext = Array.from({ length: 5 }, (_, i) => ({ request: `old request ${i} ${'z'.repeat(300)}`, reply: 'ok' }));
  const base = assemblePrompt({ tools, transcript: [request], budgetTokens: 100_000 }).tokens;
  const tight = assemblePrompt({ tools, transcript, recentContext, budgetTokens: base + 256 + 300 });
  assert.equal(tight.cut.recentTurns, 5);
  assert.equal(tight.cut.observations, 2, 'both older rounds dropped, the newest kept');
  assert.ok(tight.text.includes('Summarise /home/notes/trip.txt'));
  assert.ok(tight.text.includes('third result'));
  assert.ok(!tight.text.includes('yyyy'));
  assert.equal(tight.text.match(/result left out to fit the context/g)?.length, 2);
  assert.equal(tight.overBudget, false);
  assert.ok(tight.tokens + 256 <= base + 256 + 300);
  const impossible = assemblePrompt({ tools, transcript, budgetTokens: 300 });
  assert.equal(impossible.overBudget, true);
  assert.ok(impossible.text.includes('Summarise /home/notes/trip.txt'), 'the request is never cut');
});
