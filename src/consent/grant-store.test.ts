// Grant store: persistent grants survive reopening, revoked and expired ones do not, ids never repeat, a damaged log drops everything (fail closed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, RamBlockDevice } from '../hal/memory/index.ts';
import { JsonLog, RecordLog, formatFat32, Fat32Volume } from '../fs/index.ts';
import { GrantStore } from './grant-store.ts';
import { HOUR_MS, makeGrant } from './grants.ts';
import { ConsentBroker } from './broker.ts';
import { AuditLog } from './audit.ts';
import { fsRead, taskScope } from './testing.ts';
import type { GrantScope } from './types.ts';

const NOW = Date.UTC(2026, 0, 1);
const task = taskScope();

function draft(store: GrantStore, scope: GrantScope, pattern: string, nowMs = NOW) {
  return makeGrant({ id: store.newId(), right: 'read', resource: { kind: 'path', pattern }, scope, task, actionIds: ['t1.0.0'], fresh: false, nowMs, createdBy: 1 });
}

test('persisted: always and hour grants come back; once/task/session ones, revoked and expired ones do not', () => {
  const device = new RamBlockDevice(256);
  const store = GrantStore.overRecordLog(RecordLog.create(device, { logId: 4 }), NOW);
  const always = draft(store, 'always', '/home/notes/**');
  const hour = draft(store, 'hour', '/home/a.txt');
  const shortHour = draft(store, 'hour', '/home/b.txt', NOW - HOUR_MS + 10);
  const revoked = draft(store, 'always', '/home/c.txt');
  const taskLived = draft(store, 'task', '/home/d.txt');
  for (const g of [always, hour, shortHour, revoked, taskLived]) store.add(g);
  store.revoke(revoked.id, NOW);
  assert.equal(store.all().length, 4);

  const reopened = GrantStore.overRecordLog(RecordLog.open(device).log, NOW + 10);
  assert.deepEqual(reopened.all().map((g) => g.id).sort(), [always.id, hour.id].sort(), 'shortHour expired at exactly NOW + 10');
  assert.deepEqual(reopened.get(always.id), always);
  assert.equal(reopened.loadProblem, undefined);
  assert.notEqual(reopened.newId(), always.id);
  assert.equal(reopened.epoch, store.epoch + 1, 'ids of this opening cannot collide with the last');
  const later = GrantStore.overRecordLog(RecordLog.open(device).log, NOW + HOUR_MS);
  assert.deepEqual(later.all().map((g) => g.id), [always.id], 'the hour grant is gone an hour later');
});

test('a damaged grant record drops every persisted grant (a lost revocation must not revive one)', () => {
  const device = new RamBlockDevice(256);
  const log = RecordLog.create(device, { logId: 5 });
  const store = GrantStore.overRecordLog(log, NOW);
  store.add(draft(store, 'always', '/home/x.txt'));
  new JsonLog(log).appendCommitted({ kind: 'mystery' });
  const reopened = GrantStore.overRecordLog(RecordLog.open(device).log, NOW);
  assert.deepEqual(reopened.all(), []);
  assert.match(reopened.loadProblem ?? '', /not a grant store record/);
});

test('on a FAT32 volume: the broker persists an always grant to /lived/grants and a new broker honours it', () => {
  const device = new RamBlockDevice(66_600);
  formatFat32(device, { label: 'TEST' });
  const volume = Fat32Volume.mount(device);
  volume.mkdir('/lived');
  const clock = new ManualClock(0, NOW);
  const opened = GrantStore.open(volume, { nowMs: clock.wallTime() });
  const broker = new ConsentBroker({ clock, audit: AuditLog.inMemory(clock), store: opened.store });
  const read = fsRead(task, 0, '/etc/motd');
  const prompt = broker.bundle(task, [read], broker.evaluate(task, [read]))!;
  assert.deepEqual(prompt.items[0]!.scopes, ['task', 'hour', 'always']);
  const [made] = broker.answer(task, prompt, { kind: 'each', items: { [prompt.items[0]!.itemId]: { allow: true, scope: 'always' } } });
  assert.equal(made?.scope, 'always');
  opened.close();
  assert.ok(volume.exists('/lived/grants'));

  const again = GrantStore.open(volume, { nowMs: clock.wallTime() });
  const next = new ConsentBroker({ clock, audit: AuditLog.inMemory(clock), store: again.store });
  const otherTask = taskScope('t2', 'i2');
  const laterRead = fsRead(otherTask, 0, '/etc/motd');
  assert.equal(next.evaluate(otherTask, [laterRead]).get('t2.0.0')?.kind, 'allow', 'an always grant serves any later intent');
  assert.equal(next.revoke(made!.id).length, 1);
  again.close();
  const third = GrantStore.open(volume, { nowMs: clock.wallTime() });
  assert.deepEqual(third.store.all(), [], 'the revocation was persisted');
  third.close();
});
