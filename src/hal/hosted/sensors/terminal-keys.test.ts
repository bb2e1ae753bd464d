/** Terminal key classification and the keyboard source the shell feeds. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../memory/index.ts';
import type { KeyReading } from '../../sensors.ts';
import { classifyKeypress, TerminalKeySource } from './terminal-keys.ts';

test('terminal keys: classes only, never the key; nothing while stopped', () => {
  assert.equal(classifyKeypress('a', { name: 'a' }), 'printable');
  assert.equal(classifyKeypress(' ', { name: 'space' }), 'printable');
  assert.equal(classifyKeypress('\r', { name: 'return' }), 'enter');
  assert.equal(classifyKeypress('\x7f', { name: 'backspace' }), 'backspace');
  assert.equal(classifyKeypress(undefined, { name: 'left' }), 'navigation');
  assert.equal(classifyKeypress('\x03', { name: 'c', ctrl: true }), 'modifier');
  assert.equal(classifyKeypress(undefined, { name: 'f5' }), 'modifier');
  assert.equal(classifyKeypress('\x00', undefined), undefined);
  const clock = new ManualClock(42);
  const keys = new TerminalKeySource(clock);
  const readings: KeyReading[] = [];
  keys.feedKeypress('x', { name: 'x' });
  keys.start((r) => readings.push(r));
  keys.feedKeypress('y', { name: 'y' });
  keys.stop();
  keys.feedKeypress('z', { name: 'z' });
  assert.deepEqual(readings, [{ kind: 'kbd', atMs: 42, keyClass: 'printable' }]);
});
