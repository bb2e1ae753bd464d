// The retrain dataset: chat examples count exactly the assistant turns;
// accepted answers, corrections (by command and by "no, I meant …"
// follow-up), left-out tasks by reason; the held-out split is by task id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonLog, RecordLog } from '../fs/index.ts';
import { RamBlockDevice } from '../hal/memory/index.ts';
import { appendCorrection, EpisodeLog } from '../memory/index.ts';
import { encodeChatExample } from './chat-examples.ts';
import { buildLoraDataset, heldOutBucket, type DatasetOptions } from './dataset.ts';
import { characterEncoder, FILE_LABEL, IM_END_ID, IM_START_ID, writeOpenTasks, writeTask } from './retrain-fixtures.ts';

const encoder = characterEncoder(64);
const OPTIONS: DatasetOptions = { encoder, systemPrompt: 'sys', maxTokens: 256, heldOutPercent: 0 };

function ramEpisodes(sectors = 2048): EpisodeLog {
  return new EpisodeLog(new JsonLog(RecordLog.create(new RamBlockDevice(sectors), { logId: 3 })));
}

/** the counted positions' target ids, in order */
function countedText(_tokens: Int32Array, targets: Int32Array): number[] {
  return Array.from(targets).filter((t) => t >= 0);
}

test('a chat example counts each assistant turn and its end marker, nothing else', () => {
  const example = encodeChatExample([
    { role: 'system', content: 'sys' },
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: 'ab' },
    { role: 'tool', content: 'result' },
    { role: 'assistant', content: 'cd' },
  ], encoder)!;
  const enc = (s: string) => [...encoder.encode(s, 'content')];
  // targets of counted positions: a b <|im_end|> (turn 1), c d <|im_end|> (turn 2)
  assert.deepEqual(countedText(example.tokens, example.targets), [...enc('ab'), IM_END_ID, ...enc('cd'), IM_END_ID]);
  assert.equal(example.counted, 6);
  // each counted target is the next token of the sequence
  example.targets.forEach((target, t) => {
    if (target >= 0) assert.equal(target, example.tokens[t + 1]);
  });
  // the first counted target follows "<|im_start|>assistant\n"; the tool response between the turns is context only
  const first = example.targets.findIndex((t) => t >= 0);
  assert.deepEqual(Array.from(example.tokens.slice(first - 10, first + 1)), [IM_START_ID, ...enc('assistant\n')]);
  assert.equal(encodeChatExample([{ role: 'user', content: 'x' }], encoder), undefined);
});

test('accepted answers and corrections become examples; the rest is left out by reason', () => {
  const episodes = ramEpisodes();
  writeTask(episodes, { taskId: 't1', request: 'open mail', turns: ['done mail'], atMs: 1_000 });
  writeTask(episodes, { taskId: 't2', request: 'read a', turns: ['look', 'done a'], results: ['A text'], atMs: 2_000 });
  writeTask(episodes, { taskId: 't3', request: 'open todo', turns: ['done plans'], atMs: 3_000 });
  writeTask(episodes, { taskId: 't4', request: 'no, I meant the todo list', turns: ['done todo'], atMs: 4_000 });
  writeTask(episodes, { taskId: 't5', request: 'open music', turns: ['done photos'], atMs: 10_000_000 });
  writeTask(episodes, { taskId: 't6', request: 'what?', turns: ['ask'], status: 'asked-user', atMs: 20_000_000 });
  writeTask(episodes, { taskId: 't7', request: 'private', turns: ['done private'], label: FILE_LABEL, atMs: 30_000_000 });
  appendCorrection(episodes, { taskId: 't5', atMs: 10_000_500, source: 'command', text: 'I wanted music', answer: 'done music' });
  episodes.append({ kind: 'task-start', taskId: 't8', atMs: 40_000_000, intentId: 'i8', text: 'scripted', presence: 'interactive', label: FILE_LABEL });
  episodes.append({ kind: 'plan', taskId: 't8', atMs: 40_000_001, round: 1, calls: [] });
  episodes.append({ kind: 'end', taskId: 't8', atMs: 40_000_002, status: 'answered', rounds: 1, calls: 0 });

  const dataset = buildLoraDataset(episodes, OPTIONS);
  assert.equal(dataset.tasks, 8);
  assert.deepEqual(dataset.heldOut, []);
  const byTask = new Map(dataset.train.map((e) => [e.taskId, e]));
  assert.deepEqual([...byTask.keys()], ['t1', 't2', 't3', 't5', 't7']);
  assert.deepEqual(dataset.train.map((e) => e.source), ['accepted', 'accepted', 'correction', 'correction', 'accepted']);
  assert.equal(dataset.corrections, 2);
  assert.deepEqual(dataset.skips, { notAnswered: 1, noRawTurn: 1, correctedWithoutAnswer: 0, followUp: 1, private: 0, tooLong: 0 });
  const enc = (s: string) => [...encoder.encode(s, 'content')];
  // t3 ("open todo", answered wrongly) learns the follow-up t4's answer; t5 learns the answer given by `correct`
  assert.deepEqual(countedText(byTask.get('t3')!.tokens, byTask.get('t3')!.targets), [...enc('done todo'), IM_END_ID]);
  assert.deepEqual(countedText(byTask.get('t5')!.tokens, byTask.get('t5')!.targets), [...enc('done music'), IM_END_ID]);
  // two rounds, both counted, the read result in between as context
  assert.equal(byTask.get('t2')!.counted, enc('look').length + enc('done a').length + 2);

  const strict = buildLoraDataset(episodes, { ...OPTIONS, privateTasks: 'exclude', maxTokens: 40 });
  assert.equal(strict.skips.private, 1);
  assert.ok(strict.skips.tooLong >= 1, 'the two-round task is longer than 40 tokens');
  assert.ok(strict.train.every((e) => e.tokens.length <= 40));
});

test('the held-out split is by task id: stable as the log grows, near the asked share', () => {
  const small = ramEpisodes();
  writeOpenTasks(small, 40);
  const large = ramEpisodes(8192);
  writeOpenTasks(large, 400);
  const options = { ...OPTIONS, heldOutPercent: 25 };
  const heldSmall = buildLoraDataset(small, options).heldOut.map((e) => e.taskId);
  const largeSet = buildLoraDataset(large, options);
  const heldLarge = new Set(largeSet.heldOut.map((e) => e.taskId));
  assert.ok(heldSmall.length > 0);
  for (const id of heldSmall) assert.ok(heldLarge.has(id), `${id} stays held out`);
  for (const e of largeSet.train) assert.ok(heldOutBucket(e.taskId) >= 25);
  const share = heldLarge.size / 400;
  assert.ok(share > 0.15 && share < 0.35, `held-out share ${share}`);
});
