// The adapter history: the fold (active adapter, promoted stack, last run),
// its checks, the list and the one-line descriptions; the store refuses a
// history record it does not know.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../common/index.ts';
import { Fat32Volume, formatFat32, JsonLog, openLogFile } from '../fs/index.ts';
import { RamBlockDevice } from '../hal/memory/index.ts';
import { adapterIdFor, describeHistoryRecord, foldHistory, isAdapterHistoryRecord, listTrained, type AdapterHistoryRecord, type TrainedRecord } from './adapter-history.ts';
import { AdapterStore, ADAPTER_HISTORY_PATH } from './adapter-store.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5, 3, 0);

function trained(run: number, outcome: 'promoted' | 'rejected', currentId: string | null): TrainedRecord {
  return {
    kind: 'trained', id: adapterIdFor(run), atMs: T0 + run * 7 * DAY, outcome, reason: 'r', trainExamples: 30, heldOutExamples: 8, trainTokens: 300, heldOutTokens: 80,
    corrections: 1, steps: 15, durationMs: 61_000, losses: { base: 4.5, current: currentId === null ? null : 2.25, candidate: 2 }, currentId,
  };
}

test('fold: promotions stack, rollbacks pop, the last run is the newest trained/skipped/failed record', () => {
  const records: AdapterHistoryRecord[] = [
    trained(1, 'promoted', null),
    { kind: 'skipped', atMs: T0 + 8 * DAY, reason: 'too little data', trainExamples: 3, heldOutExamples: 0 },
    trained(2, 'rejected', 'lora-0001'),
    trained(3, 'promoted', 'lora-0001'),
    { kind: 'failed', id: 'lora-0004', atMs: T0 + 30 * DAY, reason: 'train.diverged: the loss is NaN' },
    { kind: 'rollback', atMs: T0 + 31 * DAY, from: 'lora-0003', to: 'lora-0001', reason: 'rolled back by the user' },
  ];
  assert.ok(records.every(isAdapterHistoryRecord));
  const state = foldHistory(records);
  assert.deepEqual(state, { active: 'lora-0001', promoted: ['lora-0001'], lastRunAtMs: T0 + 30 * DAY, runs: 4 });
  assert.deepEqual(listTrained(records, state).map((l) => [l.record.id, l.status]), [['lora-0001', 'active'], ['lora-0002', 'rejected'], ['lora-0003', 'rolled-back']]);
  assert.deepEqual(foldHistory([]), { active: null, promoted: [], lastRunAtMs: null, runs: 0 });
  assert.throws(() => foldHistory([...records, { kind: 'rollback', atMs: 0, from: 'lora-0003', to: null, reason: 'x' }]), (e) => isChimaeraError(e, 'train.history_invalid'));
  assert.equal(describeHistoryRecord(records[3]!), '2026-01-26 03:00  lora-0003  promoted  held-out 2.0000 (was 2.2500, base 4.5000)  30+8 examples, 15 steps, 61.0 s');
  assert.equal(describeHistoryRecord(records[5]!), '2026-02-05 03:00  rollback  lora-0003 → lora-0001  (rolled back by the user)');
  assert.equal(isAdapterHistoryRecord({ ...records[0], losses: { base: 1, current: null } }), false);
  assert.equal(isAdapterHistoryRecord({ kind: 'promote', atMs: 1 }), false);
});

test('the store keeps the history across a reopen and refuses a record it does not know', () => {
  const device = new RamBlockDevice(66_600);
  formatFat32(device);
  let volume = Fat32Volume.mount(device);
  volume.mkdir('/lived');
  let store = AdapterStore.open(volume);
  store.append(trained(1, 'promoted', null));
  assert.throws(() => store.append({ kind: 'rollback', atMs: 1, from: 'lora-0009', to: null, reason: 'x' }), (e) => isChimaeraError(e, 'train.history_invalid'));
  assert.equal(store.history().length, 1, 'a refused record is not written');
  assert.throws(() => store.load('lora-0001', { layerCount: 1 } as never), (e) => isChimaeraError(e, 'train.adapter_missing'));
  store.close();
  volume.unmount();

  volume = Fat32Volume.mount(device);
  store = AdapterStore.open(volume);
  assert.equal(store.state.active, 'lora-0001');
  store.close();
  const file = openLogFile(volume, ADAPTER_HISTORY_PATH);
  new JsonLog(file.log).appendCommitted({ kind: 'promote', atMs: 5 });
  file.close();
  assert.throws(() => AdapterStore.open(volume), (e) => isChimaeraError(e, 'train.history_invalid') && /record 2/.test(e.message));
  volume.unmount();
});
