import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../../common/index.ts';
import { parseCommandLine } from './command-line.ts';

const invalid = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (e) => isChimaeraError(e, 'boot.config_invalid') && pattern.test(e.message));

test('program, key=value options and bare flags', () => {
  const line = parseCommandLine('chimaera loglevel=info arena_mb=512 quiet');
  assert.equal(line.program, 'chimaera');
  assert.deepEqual([...line.options], [['loglevel', 'info'], ['arena_mb', '512'], ['quiet', true]]);
  assert.equal(line.choice('loglevel', ['debug', 'info', 'warn'] as const), 'info');
  assert.equal(line.integer('arena_mb', { min: 1, max: 4096 }), 512);
  assert.equal(line.flag('quiet'), true);
  assert.equal(line.flag('verbose'), false);
  assert.equal(line.integer('watchdog_ms', {}, 5000), 5000);
  assert.equal(line.string('root'), undefined);
});

test('quotes group words, the last repeated key wins, blanks are ignored', () => {
  const line = parseCommandLine('  chimaera  label="my disk" x=1 x=2  ');
  assert.equal(line.string('label'), 'my disk');
  assert.equal(line.integer('x'), 2);
  assert.equal(parseCommandLine('').program, '');
  assert.equal(parseCommandLine('k empty=').string('empty'), '');
});

test('bad values fail boot.config_invalid naming the option', () => {
  const line = parseCommandLine('chimaera arena_mb=lots loglevel=chatty quiet=maybe big=99999 bare');
  invalid(() => line.integer('arena_mb', { min: 1 }), /arena_mb=lots is not an integer/);
  invalid(() => line.integer('big', { max: 4096 }), /big=99999 is not an integer in \[.*, 4096\]/);
  invalid(() => line.choice('loglevel', ['info', 'warn']), /loglevel=chatty is not one of info, warn/);
  invalid(() => line.flag('quiet'), /quiet=maybe is not a yes\/no value/);
  invalid(() => line.string('bare'), /option 'bare' needs a value/);
  invalid(() => parseCommandLine('chimaera "unclosed'), /unterminated double quote/);
  invalid(() => parseCommandLine('chimaera =5'), /does not start with an option name/);
});
