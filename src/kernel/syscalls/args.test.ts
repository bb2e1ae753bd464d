import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../../common/index.ts';
import { arg, decodeShape, describeShape, type ArgsOf } from './args.ts';

const badArgs = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (e) => isChimaeraError(e, 'syscall.bad_args') && pattern.test(e.message));

const readArgs = {
  path: arg.string({ maxLength: 16 }),
  offset: arg.integer({ min: 0 }).optional(),
  mode: arg.enum(['text', 'binary']).default('text'),
};

test('decodes typed args; optional and default fill in', () => {
  const args = decodeShape(readArgs, { path: '/home/a' });
  assert.deepEqual(args, { path: '/home/a', mode: 'text' });
  const typed: ArgsOf<typeof readArgs> = args; // { path: string; offset?: number; mode?: 'text' | 'binary' }
  assert.equal(typed.path.length, 7);
  assert.deepEqual(decodeShape(readArgs, { path: '/x', offset: 3, mode: 'binary' }), { path: '/x', offset: 3, mode: 'binary' });
});

test('bad input names the argument and what was expected', () => {
  badArgs(() => decodeShape(readArgs, {}), /argument 'path' \(a string of at most 16 chars\) is missing/);
  badArgs(() => decodeShape(readArgs, { path: 5 }), /argument 'path' must be a string of at most 16 chars, got number 5/);
  badArgs(() => decodeShape(readArgs, { path: 'x'.repeat(17) }), /'path'.*got a string of 17 chars/);
  badArgs(() => decodeShape(readArgs, { path: '/a', offset: -1 }), /'offset' must be an integer of at least 0/);
  badArgs(() => decodeShape(readArgs, { path: '/a', offset: 1.5 }), /'offset'/);
  badArgs(() => decodeShape(readArgs, { path: '/a', mode: 'rot13' }), /'mode' must be one of 'text', 'binary'/);
  badArgs(() => decodeShape(readArgs, { path: '/a', extra: 1 }), /unknown argument 'extra' \(known: path, offset, mode\)/);
  badArgs(() => decodeShape(readArgs, ['/a']), /must be an object of named arguments, got an array/);
  badArgs(() => decodeShape(readArgs, null), /got null/);
});

test('bytes, booleans, numbers, arrays and nested objects', () => {
  const shape = {
    data: arg.bytes({ maxLength: 4 }),
    flush: arg.boolean(),
    temperature: arg.number({ min: 0, max: 2 }),
    tags: arg.array(arg.string(), { maxLength: 3 }),
    window: arg.object({ width: arg.integer({ min: 1 }), height: arg.integer({ min: 1 }) }).optional(),
  };
  const data = new Uint8Array([1, 2]);
  const args = decodeShape(shape, { data, flush: false, temperature: 0.7, tags: ['a', 'b'], window: { width: 80, height: 24 } });
  assert.equal(args.data, data);
  assert.equal(args.window?.width, 80);
  badArgs(() => decodeShape(shape, { data: [1, 2], flush: true, temperature: 1, tags: [] }), /'data' must be bytes \(Uint8Array\) of at most 4 bytes, got an array/);
  badArgs(() => decodeShape(shape, { data, flush: 'yes', temperature: 1, tags: [] }), /'flush' must be a boolean/);
  badArgs(() => decodeShape(shape, { data, flush: true, temperature: Number.NaN, tags: [] }), /'temperature' must be a finite number from 0 to 2/);
  badArgs(() => decodeShape(shape, { data, flush: true, temperature: 1, tags: ['a', 7] }), /argument 'tags\[1\]' must be a string/);
  badArgs(() => decodeShape(shape, { data, flush: true, temperature: 1, tags: [], window: { width: 0, height: 1 } }), /argument 'window\.width' must be an integer of at least 1/);
  badArgs(() => decodeShape(shape, { data, flush: true, temperature: 1, tags: [], window: { width: 1, height: 1, depth: 1 } }), /unknown argument 'window\.depth'/);
  assert.match(describeShape(shape), /^data: bytes \(Uint8Array\) of at most 4 bytes; flush: a boolean; .*window: an object \{width, height\}, optional$/);
});
