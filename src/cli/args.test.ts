import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../common/index.ts';
import { parseArgs, parseSize } from './args.ts';

const flags = { disk: { kind: 'value' }, 'disk-size': { kind: 'value' }, recursive: { kind: 'switch', short: 'r' } } as const;

test('parseArgs reads values, switches and positionals', () => {
  const a = parseArgs(['--disk', 'x.img', '-r', 'a', '--disk-size=64M', '--', '--not-a-flag'], flags);
  assert.equal(a.values.get('disk'), 'x.img');
  assert.equal(a.values.get('disk-size'), '64M');
  assert.ok(a.switches.has('recursive'));
  assert.deepEqual(a.positional, ['a', '--not-a-flag']);
});

test('parseArgs rejects unknown and incomplete options', () => {
  assert.throws(() => parseArgs(['--dsik', 'x'], flags), (e) => isChimaeraError(e, 'cli.usage') && /--dsik/.test(e.message));
  assert.throws(() => parseArgs(['--disk'], flags), (e) => isChimaeraError(e, 'cli.usage'));
  assert.throws(() => parseArgs(['--recursive=1'], flags), (e) => isChimaeraError(e, 'cli.usage'));
});

test('parseSize understands binary suffixes and rejects junk', () => {
  assert.equal(parseSize('256M', 'size'), 256 * 2 ** 20);
  assert.equal(parseSize('1g', 'size'), 2 ** 30);
  assert.equal(parseSize('4096', 'size'), 4096);
  assert.equal(parseSize('64MiB', 'size'), 64 * 2 ** 20);
  for (const bad of ['', 'abc', '-5M', '0', '12Q']) assert.throws(() => parseSize(bad, 'size'), (e) => isChimaeraError(e, 'arg.invalid'));
});
