// Re-runs the default model's evaluation (src/cli/default-model/finish.ts) on the files in
// models/default/: loads chimaera-default.gguf through our engine, scores the held-out set
// through LlmPlanner, rewrites eval-report.json and MODEL_CARD.md from training-log.json.
// Usage: node --import tsx scripts/eval-default.ts [--out models/default]
import { readFileSync } from 'node:fs';
import { Tokenizer } from '../src/llm/index.ts';
import { finishDefaultModel, type TrainingSummary } from '../src/cli/default-model/finish.ts';

const root = new URL('..', import.meta.url).pathname;
const i = process.argv.indexOf('--out');
const out = `${root}${i >= 0 ? process.argv[i + 1] : 'models/default'}`;
const summary = JSON.parse(readFileSync(`${out}/training-log.json`, 'utf8')) as TrainingSummary;
const tokenizer = Tokenizer.fromTokenizerJson(JSON.parse(readFileSync(`${out}/tokenizer.json`, 'utf8')), JSON.parse(readFileSync(`${out}/tokenizer_config.json`, 'utf8')));
await finishDefaultModel(out, { parameterCount: summary.parameters }, tokenizer, summary);
