/**
 * The shipped default model (models/default/): it loads with our engine,
 * says it wants the compact prompt and copied arguments, carries the same tokenizer as its
 * tokenizer.json (identical ids in @huggingface/tokenizers), and reaches
 * issue 7's target (≥ 90% exact first action on the whole held-out set,
 * honest replies out of scope) through LlmPlanner. Skipped, saying why, when the
 * model files are absent (before `npm run train:default` has been run).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { copyArgumentsFromMetadata, promptStyleFromMetadata } from '../../cognition/index.ts';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { Tokenizer } from '../../llm/index.ts';
import { conversationPrompt, generateConversations } from './corpus.ts';
import { EVAL_SET } from './eval-set.ts';
import { evaluateFirstActions, formatReport } from './evaluate.ts';
import { DEFAULT_MODEL_FILE, loadDefaultModel } from './model-file.ts';

const folder = new URL('../../../models/default/', import.meta.url);
const modelUrl = new URL(DEFAULT_MODEL_FILE, folder);
const absent = existsSync(modelUrl) ? false : `models/default/${DEFAULT_MODEL_FILE} is absent (run npm run train:default)`;

test('the shipped model loads, asks for the compact prompt and carries its tokenizer.json', { skip: absent }, () => {
  assert.ok(statSync(modelUrl).size <= 25 * 2 ** 20, 'at most 25 MB');
  const loaded = loadDefaultModel(new Uint8Array(readFileSync(modelUrl)));
  assert.equal(promptStyleFromMetadata(loaded.metadata), 'compact');
  assert.equal(copyArgumentsFromMetadata(loaded.metadata), 'from-conversation');
  assert.equal(loaded.config.vocabSize, loaded.tokenizer.vocabSize);
  const json = JSON.parse(readFileSync(new URL('tokenizer.json', folder), 'utf8'));
  const config = JSON.parse(readFileSync(new URL('tokenizer_config.json', folder), 'utf8'));
  const fromJson = Tokenizer.fromTokenizerJson(json, config);
  const reference = new HfTokenizer(json, config);
  const samples = generateConversations(99, 40).map((c) => conversationPrompt(c).text);
  for (const sample of [...samples, 'Translate good morning into German, ünïcödé 数字 42']) {
    const ids = loaded.tokenizer.encode(sample);
    assert.deepEqual(fromJson.encode(sample), ids);
    assert.deepEqual(reference.encode(sample).ids, ids, 'the shipped tokenizer.json encodes the same in @huggingface/tokenizers');
  }
  assert.ok(existsSync(new URL('MODEL_CARD.md', folder)), 'the model card ships beside the model');
});

/** issue 7's target for the first action on held-out requests */
const TARGET_EXACT_MATCH = 0.9;
/** out-of-scope requests that must get an honest reply (the shipped model: 16/16, see MODEL_CARD.md) */
const HONESTY_FLOOR = 0.9;

test(`the shipped model reaches ≥ ${TARGET_EXACT_MATCH * 100}% exact first action on the whole held-out set and answers out-of-scope requests honestly, through LlmPlanner`, { skip: absent }, async () => {
  const loaded = loadDefaultModel(new Uint8Array(readFileSync(modelUrl)));
  const report = await evaluateFirstActions(loaded.model, loaded.tokenizer, EVAL_SET, { copyArguments: copyArgumentsFromMetadata(loaded.metadata) });
  const misses = report.results.filter((r) => !r.correct).map((r) => `${r.item.request} → ${JSON.stringify(r.actual ?? r.error)}`);
  const detail = `${formatReport(report).join('\n')}\nmisses:\n${misses.join('\n')}`;
  assert.equal(report.items, EVAL_SET.length);
  assert.ok(report.exactMatch >= TARGET_EXACT_MATCH, detail);
  assert.ok(report.honesty[1] >= 16 && report.honesty[0] / report.honesty[1] >= HONESTY_FLOOR, detail);
});
