/**
 * The shipped default model (models/default/): it loads with our engine,
 * says it wants the compact prompt and copied arguments, carries the same tokenizer as its
 * tokenizer.json (identical ids in @huggingface/tokenizers), keeps its
 * measured score on a 20-item subset of the held-out set through LlmPlanner,
 * and (a todo test) the 90% target. Skipped, saying why, when the
 * model files are absent (before `npm run train:default` has been run).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { copyArgumentsFromMetadata, promptStyleFromMetadata } from '../../cognition/index.ts';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { Tokenizer } from '../../llm/index.ts';
import { conversationPrompt, generateConversations } from './corpus.ts';
import { evalSubset } from './eval-set.ts';
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
/**
 * What the shipped model must at least keep on the subset (a regression floor, below its
 * measured subset score; see MODEL_CARD.md). The shipped model does not reach the target yet:
 * raise this to TARGET_EXACT_MATCH when a retrained model does.
 */
const SHIPPED_FLOOR = 0.75;

async function subsetReport() {
  const loaded = loadDefaultModel(new Uint8Array(readFileSync(modelUrl)));
  return evaluateFirstActions(loaded.model, loaded.tokenizer, evalSubset(20), { copyArguments: copyArgumentsFromMetadata(loaded.metadata) });
}

test('the shipped model keeps its measured first-action score on a 20-item held-out subset, through LlmPlanner', { skip: absent }, async () => {
  const report = await subsetReport();
  const misses = report.results.filter((r) => !r.correct).map((r) => `${r.item.request} → ${JSON.stringify(r.actual ?? r.error)}`);
  assert.ok(report.exactMatch >= SHIPPED_FLOOR, `${formatReport(report).join('\n')}\nmisses:\n${misses.join('\n')}`);
  assert.ok(report.honesty[0] >= 1, 'an out-of-scope request gets an honest reply');
});

test(`≥ ${TARGET_EXACT_MATCH * 100}% exact match on the subset (issue 7's target)`, { skip: absent, todo: 'not reached by the shipped model: see MODEL_CARD.md' }, async () => {
  const report = await subsetReport();
  assert.ok(report.exactMatch >= TARGET_EXACT_MATCH, formatReport(report).join('\n'));
});
