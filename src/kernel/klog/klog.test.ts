import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, MemoryConsole } from '../../hal/memory/index.ts';
import { formatLogEntry, Klog, type LogEntry } from './klog.ts';

test('entries are stamped with seq and time since boot and formatted dmesg-style', () => {
  const clock = new ManualClock(5000);
  const console = new MemoryConsole();
  const log = new Klog({ clock, console });
  clock.advance(12.345);
  const entry = log.info('mm', 'arena reserved 256 MiB');
  assert.equal(entry.seq, 1);
  assert.ok(Math.abs(entry.time - 12.345) < 1e-9);
  assert.equal(console.text, '[    0.012345] mm: arena reserved 256 MiB\n');
  assert.equal(formatLogEntry({ seq: 1, time: 123_456_789.5, level: 'warn', subsystem: 'x', message: 'm' }, 'with-level'), '[123456.789500] <warn> x: m');
});

test('console echo honours the threshold; the ring keeps everything', () => {
  const clock = new ManualClock();
  const console = new MemoryConsole();
  const log = new Klog({ clock, console, echoLevel: 'warn' });
  log.debug('a', 'quiet');
  log.info('a', 'still quiet');
  log.warn('a', 'loud');
  log.setEchoLevel('none');
  log.panic('a', 'silenced');
  assert.equal(console.text, '[    0.000000] a: loud\n');
  assert.equal(log.size, 4);
});

test('a full ring drops the oldest entries and counts them', () => {
  const log = new Klog({ clock: new ManualClock(), capacity: 3, echoLevel: 'none' });
  for (let i = 1; i <= 5; i++) log.info('t', `m${i}`);
  assert.equal(log.dropped, 2);
  assert.deepEqual(log.entries().map((e) => e.message), ['m3', 'm4', 'm5']);
  assert.deepEqual(log.entries().map((e) => e.seq), [3, 4, 5]);
});

test('dmesg filters by level, subsystem and last', () => {
  const clock = new ManualClock();
  const log = new Klog({ clock, echoLevel: 'none' });
  log.info('mm', 'one');
  clock.advance(1500);
  log.warn('fs', 'two');
  log.error('mm', 'three');
  log.info('mm', 'four');
  assert.deepEqual(log.dmesg({ level: 'warn' }), ['[    1.500000] fs: two', '[    1.500000] mm: three']);
  assert.deepEqual(log.dmesg({ subsystem: 'mm', last: 2 }), ['[    1.500000] mm: three', '[    1.500000] mm: four']);
  assert.deepEqual(log.dmesg({ last: 1, format: 'with-level' }), ['[    1.500000] <info> mm: four']);
});

test('listeners see every entry; a throwing or re-logging listener breaks nothing', () => {
  const log = new Klog({ clock: new ManualClock(), echoLevel: 'none' });
  const seen: LogEntry[] = [];
  log.onEntry(() => {
    throw new Error('broken listener');
  });
  const remove = log.onEntry((entry) => {
    seen.push(entry);
    log.info('listener', `saw ${entry.seq}`); // stored, not re-dispatched
  });
  log.warn('x', 'first');
  remove();
  log.warn('x', 'second');
  assert.deepEqual(seen.map((e) => e.message), ['first']);
  assert.deepEqual(log.entries().map((e) => e.message), ['first', 'saw 1', 'second']);
});
