import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../common/index.ts';
import { splitWords } from './words.ts';

test('splitWords handles quotes, escapes and comments', () => {
  assert.deepEqual(splitWords('  write /home/a.txt "hello world"  '), ['write', '/home/a.txt', 'hello world']);
  assert.deepEqual(splitWords(`echo 'it''s' "a\\"b" c\\ d`), ['echo', 'its', 'a"b', 'c d']);
  assert.deepEqual(splitWords('ls /home # list'), ['ls', '/home']);
  assert.deepEqual(splitWords('write x "line\\nnext"'), ['write', 'x', 'line\nnext']);
  assert.deepEqual(splitWords('a ""'), ['a', '']);
  assert.deepEqual(splitWords(''), []);
});

test('splitWords rejects unterminated quotes with a typed error', () => {
  assert.throws(() => splitWords('write "oops'), (e) => isChimaeraError(e, 'arg.invalid'));
  assert.throws(() => splitWords("write 'oops"), (e) => isChimaeraError(e, 'arg.invalid'));
});
