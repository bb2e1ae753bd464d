/**
 * The default model's corpus and eval set: deterministic by seed, every
 * kind of round present, every target turn accepted by the action grammar
 * and spelled by the teacher exactly as the constrained decoder would take
 * it, and an eval set that is large enough, well-typed and disjoint from
 * the training requests.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGrammarMasks, GrammarConstraint, parseActionTurn, renderActionTurn, TokenVocabulary, type ToolSpec } from '../../cognition/index.ts';
import { Tokenizer, trainByteLevelBpe } from '../../llm/index.ts';
import { Rng } from '../../common/index.ts';
import { conversationPrompt, copyDrill, generateConversations, promptTokens, teacherTurnTokens, TOOLS } from './corpus.ts';
import { EVAL_SET, evalSubset } from './eval-set.ts';

const tools = TOOLS as readonly ToolSpec[];

test('the same seed gives the same conversations; another seed gives others', () => {
  const a = generateConversations(5, 200);
  assert.deepEqual(generateConversations(5, 200), a);
  const b = generateConversations(6, 200);
  assert.notDeepEqual(b, a);
});

test('a copy drill repeats a whole-word stretch of its passage, deterministically by seed', () => {
  const draw = (seed: number): ReturnType<typeof copyDrill>[] => {
    const rng = new Rng(seed);
    return Array.from({ length: 300 }, () => copyDrill(rng));
  };
  const drills = draw(3);
  assert.deepEqual(draw(3), drills);
  for (const { passage, stretch } of drills) {
    assert.ok(stretch.length > 0 && !stretch.startsWith(' ') && !stretch.endsWith(' '));
    assert.ok(` ${passage} `.includes(` ${stretch} `), `${JSON.stringify(stretch)} is not a stretch of ${JSON.stringify(passage)}`);
  }
  assert.ok(new Set(drills.map((d) => d.stretch.split(' ').length)).size >= 6, 'stretches of many lengths');
});

test('the mix has every kind of round and every tool as a first action', () => {
  const conversations = generateConversations(11, 3000);
  const kinds = new Map<string, number>();
  for (const c of conversations) kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
  assert.deepEqual([...kinds.keys()].sort(), ['clarify-act', 'clarify-ask', 'first-action', 'follow-up', 'out-of-scope', 'self', 'with-context']);
  assert.ok(kinds.get('first-action')! > 1700 && kinds.get('first-action')! < 2000, `first actions: ${kinds.get('first-action')}`);
  const firstTools = new Set(conversations.filter((c) => c.kind === 'first-action').map((c) => c.turn[0]!.tool));
  assert.equal(firstTools.size, 11);
  // follow-ups after a refusal answer honestly
  const refusals = conversations.filter((c) => c.kind === 'follow-up' && c.transcript.some((e) => e.kind === 'call' && e.outcome === 'denied'));
  assert.ok(refusals.length > 20);
  for (const c of refusals) assert.match(String(c.turn[0]!.args['text']), /not allowed/);
  // the compact prompt has no <tools> block and shows the request
  const prompt = conversationPrompt(conversations[0]!);
  assert.deepEqual(prompt.tools, []);
  assert.ok(!prompt.text.includes('<tools>'));
});

test('every target turn is a turn the grammar accepts, and the teacher spells it as the constrained decoder would', () => {
  const conversations = generateConversations(12, 400);
  const bpe = trainByteLevelBpe(conversations.slice(0, 200).map((c) => conversationPrompt(c).text + renderActionTurn(c.turn, tools)), { vocabSize: 700 });
  const tokenizer = Tokenizer.fromTokenizerJson(bpe.tokenizerJson, bpe.tokenizerConfig);
  const endId = tokenizer.specialTokens.get('<|im_end|>')!;
  const masks = createGrammarMasks(tools, TokenVocabulary.fromTokenizer(tokenizer), endId);
  for (const c of conversations.slice(200, 260)) {
    const text = renderActionTurn(c.turn, tools);
    assert.deepEqual(parseActionTurn(text, tools), c.turn);
    const ids = teacherTurnTokens(text, masks, tokenizer);
    assert.equal(ids[ids.length - 1], endId);
    assert.equal(tokenizer.decode(ids.slice(0, -1)), text);
    // the forced opening is exactly what the constraint feeds at inference
    const forced = new GrammarConstraint(masks, { encode: (t) => tokenizer.encode(t, { specialTokens: 'as-text' }) }).forcedTokens(64);
    assert.ok(forced.length > 0);
    assert.deepEqual(ids.slice(0, forced.length), [...forced]);
    const prompt = promptTokens(conversationPrompt(c), tokenizer);
    assert.equal(prompt[0], tokenizer.specialTokens.get('<|im_start|>'));
  }
});

test('the eval set: ≥ 120 well-typed items, out-of-scope ones, no request seen in training', () => {
  assert.ok(EVAL_SET.length >= 120, `${EVAL_SET.length} items`);
  assert.ok(EVAL_SET.filter((i) => i.expected === 'honest-reply').length >= 12);
  for (const item of EVAL_SET) {
    if (item.expected === 'honest-reply') continue;
    assert.deepEqual(parseActionTurn(renderActionTurn([item.expected], tools), tools), [item.expected], item.request);
  }
  const trainingRequests = new Set(generateConversations(7, 24_000).flatMap((c) => c.transcript.filter((e) => e.kind === 'request').map((e) => (e as { text: string }).text.toLowerCase())));
  const seen = EVAL_SET.filter((i) => trainingRequests.has(i.request.toLowerCase()));
  assert.deepEqual(seen.map((i) => i.request), []);
  const subset = evalSubset(20);
  assert.equal(new Set(subset).size, 20);
});
