/** LlmPlanner through the grammar constraint, with a byte-level test model that follows the masks; and inside the daemon. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../common/index.ts';
import { AuditLog, ConsentBroker } from '../consent/index.ts';
import { maskAllows, type TokenConstraint } from '../llm/index.ts';
import { CognitionDaemon } from './daemon.ts';
import { createRamEnvironment } from './fixtures.ts';
import { renderActionTurn, TokenVocabulary } from './grammar/index.ts';
import { createGrammarMasks, LlmPlanner, type ActionModel } from './llm-planner.ts';
import { assemblePrompt } from './prompt.ts';
import type { ToolCall } from './tool-spec.ts';
import { createToolRegistry } from './tools/index.ts';

const registry = createToolRegistry();
const END = 256;
/** ids 0–255: one byte each; 256: <|im_end|> (control) */
const vocabulary = new TokenVocabulary([...Array.from({ length: 256 }, (_, b) => Uint8Array.of(b)), new TextEncoder().encode('<|im_end|>')], new Uint8Array(257).fill(1).fill(0, 256));
const masks = createGrammarMasks(registry.list(), vocabulary, END);
const utf8 = new TextDecoder();

/** a "model" that wants to write `target` byte by byte, taking forced tokens and checking every choice against the mask */
function byteModel(targets: string[], seen: { refused: number[] } = { refused: [] }): ActionModel {
  return {
    async generateTurn({ constraint, maxTokens }) {
      const want = new TextEncoder().encode(targets.shift() ?? '');
      const out: number[] = [];
      const take = (c: TokenConstraint, id: number): void => {
        c.accept(id);
        if (id !== END) out.push(id);
      };
      while (out.length < maxTokens) {
        for (const id of constraint.forcedTokens(64)) take(constraint, id);
        if (constraint.isComplete()) break;
        const mask = constraint.nextMask();
        const next = out.length < want.length ? want[out.length]! : END;
        if (!maskAllows(mask, next)) {
          seen.refused.push(next);
          return { text: utf8.decode(Uint8Array.from(out)), stopReason: 'max-tokens' };
        }
        take(constraint, next);
        if (next === END) break;
      }
      return { text: utf8.decode(Uint8Array.from(out)), stopReason: 'eos' };
    },
  };
}

function input(round = 1) {
  const transcript = [{ kind: 'request' as const, text: 'x', label: { integrity: 'trusted' as const, private: false, sources: [] } }];
  return { taskId: 't1', round, request: 'x', transcript, tools: registry.list(), prompt: assemblePrompt({ tools: registry.list(), transcript }) };
}

test('a turn the grammar accepts comes back as calls, with the raw text', async () => {
  const calls: ToolCall[] = [{ tool: 'fs.read', args: { path: '/home/notes/a.txt' } }, { tool: 'share.send', args: { to: 'bob@x.org', text: 'hi "you"\n' } }];
  const planner = new LlmPlanner({ model: byteModel([renderActionTurn(calls, registry.list())]), masks });
  const turn = await planner.plan(input());
  assert.deepEqual(turn.calls, calls);
  assert.match(turn.raw!, /^<tool_call>\n\{"name": "fs.read"/);
});

test('the grammar refuses an unknown tool and a bad path while decoding; the planner fails typed', async () => {
  for (const bad of ['<tool_call>\n{"name": "fs.format", "arguments": {}}\n</tool_call>', '<tool_call>\n{"name": "fs.read", "arguments": {"path": "/home/../x"}}\n</tool_call>']) {
    const seen = { refused: [] as number[] };
    const planner = new LlmPlanner({ model: byteModel([bad], seen), masks });
    await assert.rejects(planner.plan(input()), (e) => isChimaeraError(e, 'daemon.planner_failed'));
    assert.equal(seen.refused.length, 1, bad);
  }
});

test('the daemon runs an LlmPlanner end to end', async () => {
  const ram = createRamEnvironment({ files: { '/home/notes/a.txt': 'buy milk' } });
  const model = byteModel([
    renderActionTurn([{ tool: 'fs.read', args: { path: '/home/notes/a.txt' } }], registry.list()),
    renderActionTurn([{ tool: 'reply', args: { text: 'You need to buy milk.' } }], registry.list()),
  ]);
  const daemon = new CognitionDaemon({
    registry, env: ram.env, broker: new ConsentBroker({ clock: ram.clock, audit: AuditLog.inMemory(ram.clock) }), planner: new LlmPlanner({ model, masks }),
    consentUi: { ask: async () => ({ kind: 'deny-all' }) }, episodes: ram.episodes, clock: ram.clock,
  });
  const outcome = await daemon.run({ text: 'What is on my list?' });
  assert.equal(outcome.status, 'answered');
  assert.equal(outcome.reply, 'You need to buy milk.');
  const plan = ram.episodes.task(outcome.taskId).find((e) => e.record.kind === 'plan')!.record as { raw?: string };
  assert.match(plan.raw!, /"fs.read"/);
});
