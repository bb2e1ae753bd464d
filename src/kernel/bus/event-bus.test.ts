import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError, type BusEvent } from '../../common/index.ts';
import { ManualClock } from '../../hal/memory/index.ts';
import { EventBus } from './event-bus.ts';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function makeBus(capacity = 8) {
  const clock = new ManualClock(1000);
  return { clock, bus: new EventBus({ clock, bootTime: 1000, capacity }) };
}

const fsOp = (path: string) => ({ op: 'write' as const, path, bytes: 1 });

test('publish stamps seq and time; each subscriber polls from its own cursor', () => {
  const { bus, clock } = makeBus();
  const early = bus.subscribe('*');
  clock.advance(5);
  const first = bus.publish('fs.op', fsOp('/a'));
  assert.deepEqual({ seq: first.seq, time: first.time }, { seq: 1, time: 5 });
  const late = bus.subscribe('*');
  bus.publish('task.state', { taskId: 1, name: 't', state: 'started' });
  assert.deepEqual(early.poll().map((e) => e.seq), [1, 2]);
  assert.deepEqual(late.poll().map((e) => e.seq), [2], 'a new subscriber sees only what comes after it');
  assert.deepEqual(early.poll(), []);
});

test('topic filters are typed and poll(max) pages through', () => {
  const { bus } = makeBus();
  const files = bus.subscribe(['fs.op']);
  for (let i = 0; i < 3; i++) {
    bus.publish('fs.op', fsOp(`/f${i}`));
    bus.publish('klog.alert', { level: 'warn', subsystem: 'x', message: 'm' });
  }
  const page = files.poll(2);
  const paths: string[] = page.map((event) => event.payload.path); // payload typed as EventMap['fs.op']
  assert.deepEqual(paths, ['/f0', '/f1']);
  assert.deepEqual(files.poll().map((e) => e.payload.path), ['/f2']);
});

test('a slow subscriber loses the oldest events and counts only wanted ones', () => {
  const { bus } = makeBus(4);
  const slow = bus.subscribe(['fs.op']);
  const all = bus.subscribe('*');
  for (let i = 1; i <= 6; i++) bus.publish('fs.op', fsOp(`/${i}`));
  bus.publish('klog.alert', { level: 'error', subsystem: 'x', message: 'm' });
  bus.publish('klog.alert', { level: 'error', subsystem: 'x', message: 'm' });
  // ring holds seq 5..8; seq 1..4 were overwritten unread
  assert.equal(slow.dropped, 4);
  assert.equal(all.dropped, 4);
  assert.deepEqual(slow.poll().map((e) => e.payload.path), ['/5', '/6']);
  assert.deepEqual(all.poll().map((e) => e.seq), [5, 6, 7, 8]);
  for (let i = 0; i < 4; i++) bus.publish('klog.alert', { level: 'warn', subsystem: 'x', message: 'm' });
  assert.equal(slow.dropped, 4, 'overwriting topics it does not want costs it nothing');
  assert.equal(all.dropped, 4, 'it had read 7 and 8 before they were overwritten');
  const stats = bus.stats();
  assert.equal(stats.published, 12);
  assert.equal(stats.retained, 4);
  assert.deepEqual(stats.subscribers.map((s) => [s.dropped, s.delivered]), [[4, 2], [4, 4]]);
});

test('push subscribers get events in a microtask; one throwing does not stop the others', async () => {
  const { bus } = makeBus();
  const got: BusEvent<'fs.op'>[] = [];
  const thrower = bus.subscribe(['fs.op'], {
    name: 'thrower',
    onEvent: () => {
      throw new Error('subscriber bug');
    },
  });
  bus.subscribe(['fs.op'], { name: 'collector', onEvent: (e) => got.push(e) });
  bus.publish('fs.op', fsOp('/a'));
  bus.publish('fs.op', fsOp('/b'));
  assert.equal(got.length, 0, 'not delivered inside publish');
  await settle();
  assert.deepEqual(got.map((e) => e.payload.path), ['/a', '/b']);
  assert.equal(bus.stats().subscribers.find((s) => s.name === 'thrower')!.listenerErrors, 2);
  thrower.close();
  assert.throws(() => thrower.poll(), (e) => isChimaeraError(e, 'bus.closed'));
  assert.deepEqual(bus.stats().subscribers.map((s) => s.name), ['collector']);
});
