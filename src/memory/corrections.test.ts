/** Corrections in the episodic log: stored by command (validated), implied by "no, I meant …" follow-ups, invisible to the task readers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../common/index.ts';
import { JsonLog, RecordLog } from '../fs/index.ts';
import { RamBlockDevice } from '../hal/memory/index.ts';
import { appendCorrection, EpisodeLog, findFollowUpCorrections, followUpCorrection, readCorrections, type EpisodeLabel } from './index.ts';

const USER: EpisodeLabel = { integrity: 'trusted', private: false, sources: [{ kind: 'user', ref: 'request' }] };

function start(episodes: EpisodeLog, taskId: string, text: string, atMs: number): void {
  episodes.append({ kind: 'task-start', taskId, atMs, intentId: `i${taskId}`, text, presence: 'interactive', label: USER });
  episodes.append({ kind: 'end', taskId, atMs: atMs + 1, status: 'answered', rounds: 1, calls: 1 });
}

test('followUpCorrection: "no, I meant …" and friends give the corrected request; other requests give nothing', () => {
  assert.equal(followUpCorrection('no, I meant the Q3 report'), 'the Q3 report');
  assert.equal(followUpCorrection('No — I wanted /home/b.txt'), '/home/b.txt');
  assert.equal(followUpCorrection('I meant: tomorrow'), 'tomorrow');
  assert.equal(followUpCorrection("that's wrong, I asked for the plumber's number"), "the plumber's number");
  assert.equal(followUpCorrection('what did I mean by that note?'), undefined);
  assert.equal(followUpCorrection('no'), undefined);
  assert.equal(followUpCorrection('list my meant files'), undefined);
});

test('appendCorrection stores a validated record beside the episodes; readers of tasks skip it; it survives a reopen', () => {
  const device = new RamBlockDevice(1024);
  const episodes = new EpisodeLog(new JsonLog(RecordLog.create(device, { logId: 5 })));
  start(episodes, 't1', 'open todo', 1_000);
  const seq = appendCorrection(episodes, { taskId: 't1', atMs: 2_000, source: 'command', text: 'the todo list', answer: 'done todo' });
  assert.ok(seq > 0);
  const bad = (correction: Parameters<typeof appendCorrection>[1]) => assert.throws(() => appendCorrection(episodes, correction), (e) => isChimaeraError(e, 'memory.correction_invalid'));
  bad({ taskId: 't9', atMs: 1, source: 'command', text: 'x', answer: 'y' });
  bad({ taskId: 't1', atMs: 1, source: 'command', text: '  ', answer: 'y' });
  bad({ taskId: 't1', atMs: 1, source: 'command', text: 'x' });
  bad({ taskId: 't1', atMs: 1, source: 'follow-up', text: 'x' });
  assert.deepEqual([...episodes.records()].map((e) => e.record.kind), ['task-start', 'end']);
  const reopened = new EpisodeLog(new JsonLog(RecordLog.open(device).log));
  assert.deepEqual(readCorrections(reopened).map((c) => c.record), [
    { kind: 'correction', taskId: 't1', atMs: 2_000, source: 'command', text: 'the todo list', answer: 'done todo' },
  ]);
});

test('findFollowUpCorrections: a follow-up corrects the task just before it, within the window', () => {
  const episodes = new EpisodeLog(new JsonLog(RecordLog.create(new RamBlockDevice(1024), { logId: 6 })));
  start(episodes, 't1', 'open the report', 1_000);
  start(episodes, 't2', 'no, I meant the Q3 report', 30_000);
  start(episodes, 't3', 'open music', 100_000);
  start(episodes, 't4', 'I meant jazz', 100_000 + 11 * 60_000);
  assert.deepEqual(findFollowUpCorrections(episodes), [
    { kind: 'correction', taskId: 't1', atMs: 30_000, source: 'follow-up', text: 'the Q3 report', byTaskId: 't2' },
  ]);
  assert.equal(findFollowUpCorrections(episodes, 12 * 60_000).length, 2);
});
