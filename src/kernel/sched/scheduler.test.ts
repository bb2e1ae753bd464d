import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../../common/index.ts';
import { ManualClock } from '../../hal/memory/index.ts';
import { Klog } from '../klog/klog.ts';
import { Scheduler } from './scheduler.ts';
import type { TaskStateChange } from './task.ts';

/** let every pending microtask (task continuations, dispatch) run */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(options: { stuckAfterMs?: number } = {}) {
  const clock = new ManualClock();
  const klog = new Klog({ clock, echoLevel: 'none' });
  const changes: TaskStateChange[] = [];
  const scheduler = new Scheduler(clock, clock, klog, { ...options, onTaskState: (c) => changes.push(c) });
  return { clock, klog, scheduler, changes };
}

const stateOf = (scheduler: Scheduler, name: string) => scheduler.ps().find((t) => t.name === name)!;

test('ready tasks run by priority; yield lets higher priority go first', async () => {
  const { scheduler } = setup();
  const order: string[] = [];
  const spawnLoop = (name: string, priority: 'interactive' | 'normal' | 'background' | 'idle') =>
    scheduler.spawn({
      name,
      priority,
      run: async (ctx) => {
        for (let i = 0; i < 3; i++) {
          order.push(`${name}${i}`);
          await ctx.yield();
        }
      },
    });
  spawnLoop('idle', 'idle');
  spawnLoop('bg', 'background');
  spawnLoop('n', 'normal');
  spawnLoop('i', 'interactive');
  await settle();
  assert.deepEqual(order, ['i0', 'i1', 'i2', 'n0', 'n1', 'n2', 'bg0', 'bg1', 'bg2', 'idle0', 'idle1', 'idle2']);
  assert.ok(scheduler.ps().every((t) => t.state === 'finished' && t.runs === 1));
  scheduler.halt();
});

test('equal priorities take turns at each yield (FIFO)', async () => {
  const { scheduler } = setup();
  const order: string[] = [];
  for (const name of ['a', 'b']) {
    scheduler.spawn({
      name,
      run: async (ctx) => {
        for (let i = 0; i < 2; i++) {
          order.push(`${name}${i}`);
          await ctx.yield();
        }
      },
    });
  }
  await settle();
  assert.deepEqual(order, ['a0', 'b0', 'a1', 'b1']);
  scheduler.halt();
});

test('periodic tasks run every period and never overlap', async () => {
  const { scheduler, clock } = setup();
  const starts: number[] = [];
  let active = 0;
  let maxActive = 0;
  scheduler.spawn({
    name: 'tick',
    kind: 'daemon',
    periodMs: 100,
    run: async (ctx) => {
      starts.push(clock.now());
      active++;
      maxActive = Math.max(maxActive, active);
      if (starts.length === 2) await ctx.sleep(250); // longer than the period
      active--;
    },
  });
  await settle();
  for (let step = 0; step < 12; step++) {
    clock.advance(50);
    await settle();
  }
  assert.deepEqual(starts, [0, 100, 350, 450, 550]);
  assert.equal(maxActive, 1);
  const info = stateOf(scheduler, 'tick');
  assert.equal(info.kind, 'daemon');
  assert.equal(info.state, 'sleeping');
  assert.equal(info.runs, 5);
  scheduler.halt();
});

test('stop aborts the signal, cancels sleeps and waits for the run to end', async () => {
  const { scheduler, changes } = setup();
  let sawAbort = false;
  const id = scheduler.spawn({
    name: 'sleeper',
    run: async (ctx) => {
      ctx.signal.addEventListener('abort', () => (sawAbort = true));
      for (;;) await ctx.sleep(1000);
    },
  });
  await settle();
  assert.equal(stateOf(scheduler, 'sleeper').state, 'sleeping');
  assert.equal(await scheduler.stop('sleeper'), 'stopped');
  assert.ok(sawAbort);
  assert.equal(stateOf(scheduler, 'sleeper').state, 'stopped');
  assert.deepEqual(changes.map((c) => c.state), ['started', 'stopped']);
  assert.equal(await scheduler.stop(id), 'stopped', 'stopping twice is harmless');
  await assert.rejects(scheduler.stop('nobody'), (e) => isChimaeraError(e, 'sched.no_such_task'));
  // the name is free again
  scheduler.spawn({ name: 'sleeper', run: () => {} });
  assert.throws(() => scheduler.spawn({ name: 'sleeper', run: () => {} }), (e) => isChimaeraError(e, 'sched.task_exists'));
  scheduler.halt();
});

test('stop gives up after stopTimeoutMs on a task that ignores it', async () => {
  const { scheduler, clock, klog } = setup();
  scheduler.spawn({ name: 'deaf', run: () => new Promise<void>(() => {}) });
  await settle();
  const stopping = scheduler.stop('deaf');
  await settle();
  clock.advance(scheduler.stopTimeoutMs);
  assert.equal(await stopping, 'timed-out');
  assert.equal(stateOf(scheduler, 'deaf').state, 'stopped');
  assert.match(klog.dmesg({ level: 'warn' }).join('\n'), /task 'deaf' did not stop within 2\.0 s/);
  scheduler.halt();
});

test('a task that throws is marked failed and logged; the others carry on', async () => {
  const { scheduler, klog, changes } = setup();
  let laterRan = false;
  scheduler.spawn({
    name: 'broken',
    priority: 'interactive',
    run: () => {
      throw new Error('wheel fell off');
    },
  });
  scheduler.spawn({ name: 'later', run: () => void (laterRan = true) });
  await settle();
  const broken = stateOf(scheduler, 'broken');
  assert.equal(broken.state, 'failed');
  assert.equal(broken.error, 'wheel fell off');
  assert.ok(laterRan);
  assert.deepEqual(klog.dmesg({ level: 'error' }), ["[    0.000000] sched: task 'broken' failed: wheel fell off"]);
  assert.ok(changes.some((c) => c.name === 'broken' && c.state === 'failed'));
  scheduler.halt();
});

test('watchdog flags a task that awaits forever, once per episode, and hands the CPU on', async () => {
  const { scheduler, clock, klog, changes } = setup({ stuckAfterMs: 5000 });
  let otherRan = false;
  scheduler.spawn({ name: 'hang', priority: 'interactive', run: () => new Promise<void>(() => {}) });
  scheduler.spawn({ name: 'other', run: () => void (otherRan = true) });
  await settle();
  assert.equal(otherRan, false, 'the hung task holds the CPU');
  for (let step = 0; step < 12; step++) {
    clock.advance(1000);
    await settle();
  }
  const warnings = klog.dmesg({ subsystem: 'watchdog' });
  assert.deepEqual(warnings, ["[    5.000000] watchdog: task 'hang' stuck for 5.0 s"]);
  assert.equal(stateOf(scheduler, 'hang').stuck, true);
  assert.equal(stateOf(scheduler, 'hang').busyMs, 5000);
  assert.deepEqual(changes.filter((c) => c.state === 'stuck').map((c) => c.name), ['hang']);
  assert.ok(otherRan, 'the rest of the system went on');
  scheduler.halt();
});

test('heartbeats keep a long run from being flagged', async () => {
  const { scheduler, clock, klog } = setup({ stuckAfterMs: 5000 });
  let beat: (() => void) | undefined;
  scheduler.spawn({
    name: 'busy',
    run: (ctx) =>
      new Promise<void>(() => {
        beat = () => ctx.heartbeat();
      }),
  });
  await settle();
  for (let step = 0; step < 20; step++) {
    clock.advance(1000);
    if (step % 3 === 0) beat!();
    await settle();
  }
  assert.deepEqual(klog.dmesg({ subsystem: 'watchdog' }), []);
  scheduler.halt();
});

test('wait() gives up the CPU while outside work is pending; busy time counts only held time', async () => {
  const { scheduler, clock } = setup();
  const order: string[] = [];
  let finishWork: (value: number) => void = () => {};
  scheduler.spawn({
    name: 'io',
    priority: 'interactive',
    run: async (ctx) => {
      clock.advance(30); // 30 ms of "work" while holding the CPU
      const value = await ctx.wait(new Promise<number>((resolve) => (finishWork = resolve)));
      order.push(`io got ${value}`);
    },
  });
  scheduler.spawn({ name: 'cpu', run: () => void order.push('cpu ran') });
  await settle();
  assert.deepEqual(order, ['cpu ran']);
  finishWork(42);
  await settle();
  assert.deepEqual(order, ['cpu ran', 'io got 42']);
  assert.equal(stateOf(scheduler, 'io').busyMs, 30);
  scheduler.halt();
});

test('shutdown stops everything, cancels the watchdog and refuses new tasks', async () => {
  const { scheduler, clock } = setup();
  scheduler.spawn({ name: 'a', kind: 'daemon', periodMs: 50, run: () => {} });
  scheduler.spawn({ name: 'b', run: async (ctx) => ctx.sleep(10_000) });
  await settle();
  await scheduler.shutdown();
  assert.ok(scheduler.ps().every((t) => t.state === 'stopped'));
  assert.equal(clock.pendingCount, 0, 'no timers left');
  assert.throws(() => scheduler.spawn({ name: 'c', run: () => {} }), (e) => isChimaeraError(e, 'sched.shut_down'));
});
