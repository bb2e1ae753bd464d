/** The episodic log: typed records in a record log, read back by task, BM25 search keeping stored labels, on RAM and on FAT32. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../common/index.ts';
import { Fat32Volume, formatFat32, JsonLog, RecordLog } from '../fs/index.ts';
import { ManualClock, RamBlockDevice } from '../hal/memory/index.ts';
import { EPISODE_TEXT_LIMIT, EpisodeLog, openEpisodeLog, searchTerms, type EpisodeLabel, type EpisodeRecord } from './index.ts';

const USER: EpisodeLabel = { integrity: 'trusted', private: false, sources: [{ kind: 'user', ref: 'request' }] };
const FILE: EpisodeLabel = { integrity: 'untrusted', private: true, sources: [{ kind: 'fs.read', ref: '/home/notes/trip.txt' }] };

function ramLog(): { episodes: EpisodeLog; device: RamBlockDevice } {
  const device = new RamBlockDevice(2048);
  return { episodes: new EpisodeLog(new JsonLog(RecordLog.create(device, { logId: 7 }))), device };
}

function task(episodes: EpisodeLog, taskId: string, request: string, result: string, reply: string): void {
  episodes.append({ kind: 'task-start', taskId, atMs: 1, intentId: `i${taskId}`, text: request, presence: 'interactive', label: USER });
  episodes.append({ kind: 'plan', taskId, atMs: 2, round: 1, calls: [{ actionId: `${taskId}.1.0`, rendered: 'fs.read(path="/home/notes/trip.txt")' }] });
  episodes.append({ kind: 'decision', taskId, atMs: 3, actionId: `${taskId}.1.0`, decision: 'allow', step: 'allow-rule', reason: 'policy' });
  episodes.append({ kind: 'exec', taskId, atMs: 4, actionId: `${taskId}.1.0`, rendered: 'fs.read(path="/home/notes/trip.txt")', ok: true, text: result, label: FILE });
  episodes.append({ kind: 'reply', taskId, atMs: 5, text: reply, label: FILE });
  episodes.append({ kind: 'end', taskId, atMs: 6, status: 'answered', rounds: 1, calls: 1 });
}

test('records read back by task, in order, after reopening the log', () => {
  const { episodes, device } = ramLog();
  task(episodes, 't1', 'when is my flight to Oslo?', 'Flight SK123 to Oslo on Friday 8:05', 'Friday at 8:05');
  task(episodes, 't2', 'what did the plumber say?', 'Plumber comes Tuesday', 'Tuesday');
  assert.deepEqual(episodes.task('t1').map((e) => e.record.kind), ['task-start', 'plan', 'decision', 'exec', 'reply', 'end']);
  const reopened = new EpisodeLog(new JsonLog(RecordLog.open(device).log));
  const t2 = reopened.task('t2');
  assert.equal(t2.length, 6);
  assert.deepEqual(t2[3]!.record, { kind: 'exec', taskId: 't2', atMs: 4, actionId: 't2.1.0', rendered: 'fs.read(path="/home/notes/trip.txt")', ok: true, text: 'Plumber comes Tuesday', label: FILE });
  assert.deepEqual(reopened.recentTasks(5).map((t) => [t.taskId, t.request, t.reply, t.status]), [
    ['t1', 'when is my flight to Oslo?', 'Friday at 8:05', 'answered'],
    ['t2', 'what did the plumber say?', 'Tuesday', 'answered'],
  ]);
  assert.deepEqual(reopened.recentTasks(1, { excludeTaskId: 't2' }).map((t) => t.taskId), ['t1']);
});

test('search: BM25 over text records, best first, labels as stored', () => {
  const { episodes } = ramLog();
  task(episodes, 't1', 'when is my flight to Oslo?', 'Flight SK123 to Oslo on Friday 8:05', 'Friday at 8:05');
  task(episodes, 't2', 'what did the plumber say?', 'Plumber comes Tuesday, bring the invoice', 'Tuesday');
  task(episodes, 't3', 'list my invoices', 'invoice-2025-01.pdf invoice-2025-02.pdf', 'two invoices');
  const oslo = episodes.search('Oslo flight', 2);
  assert.equal(oslo.length, 2);
  assert.equal(oslo[0]!.taskId, 't1');
  assert.ok(oslo[0]!.score >= oslo[1]!.score);
  assert.ok(oslo.every((hit) => hit.taskId === 't1'));
  const exec = oslo.find((hit) => hit.kind === 'exec')!;
  assert.deepEqual(exec.label, FILE, 'a recalled file excerpt stays untrusted and private');
  const request = episodes.search('when is my flight', 5).find((hit) => hit.kind === 'task-start')!;
  assert.deepEqual(request.label, USER);
  assert.deepEqual(episodes.search('plumber', 5, { excludeTaskId: 't2' }), []);
  assert.equal(episodes.search('invoice', 1)[0]!.taskId, 't3', 'more occurrences in a short text rank higher');
  assert.deepEqual(episodes.search('giraffe', 3), []);
  assert.throws(() => episodes.search('  ', 3), (e) => isChimaeraError(e, 'memory.query_invalid'));
  assert.throws(() => episodes.search('oslo', 0), (e) => isChimaeraError(e, 'memory.query_invalid'));
});

test('malformed records are refused; long texts are cut with a marker', () => {
  const { episodes } = ramLog();
  assert.throws(() => episodes.append({ kind: 'reply', taskId: 't1', atMs: 0, text: 'x' } as unknown as EpisodeRecord), (e) => isChimaeraError(e, 'memory.episode_invalid'));
  assert.throws(() => episodes.append({ kind: 'gossip', taskId: 't1', atMs: 0 } as unknown as EpisodeRecord), (e) => isChimaeraError(e, 'memory.episode_invalid'));
  episodes.append({ kind: 'exec', taskId: 't1', atMs: 0, actionId: 't1.1.0', rendered: 'fs.read(path="/home/big")', ok: true, text: 'y'.repeat(EPISODE_TEXT_LIMIT + 10), label: FILE });
  const stored = episodes.task('t1')[0]!.record as { text: string };
  assert.ok(stored.text.startsWith('y'.repeat(EPISODE_TEXT_LIMIT)));
  assert.match(stored.text, /\[… 10 more characters not stored\]$/);
  assert.deepEqual(searchTerms('Send bob@x.org the Q3-report.pdf, ok?'), ['send', 'bob@x.org', 'bob', 'x', 'org', 'the', 'q3-report.pdf', 'q3', 'report', 'pdf', 'ok']);
});

test('openEpisodeLog keeps the log in /lived/episodes on a FAT32 volume across remounts', () => {
  const device = new RamBlockDevice(66_600);
  formatFat32(device, { label: 'EPIS' });
  const clock = new ManualClock(0, Date.UTC(2026, 0, 2));
  let volume = Fat32Volume.mount(device, { clock });
  volume.mkdir('/lived');
  const file = openEpisodeLog(volume, { capacityBytes: 64 * 1024, clock });
  task(file.episodes, 't1', 'water the plants?', 'plants: water on Mondays', 'Mondays');
  file.close();
  volume.unmount();
  volume = Fat32Volume.mount(device, { clock });
  assert.equal(volume.stat('/lived/episodes').size, 64 * 1024);
  const again = openEpisodeLog(volume, { clock });
  assert.equal(again.episodes.search('plants water', 1)[0]!.taskId, 't1');
  again.close();
});
