/** Coarsening of paths, processes and ports before hashing. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coarsenPath, extensionClassOf, portClassOf, processBasename } from './coarsen.ts';

test('coarsen: paths keep the top two folders under the longest root, plus the extension class', () => {
  const roots = ['/home/me', '/home/me/watched'];
  assert.deepEqual(coarsenPath('/home/me/projects/os/src/kernel/a.ts', roots), { pathClass: 'projects/os|code', extensionClass: 'code' });
  assert.deepEqual(coarsenPath('/home/me/watched/x/y/z/photo.JPG', roots), { pathClass: 'x/y|image', extensionClass: 'image' });
  assert.deepEqual(coarsenPath('/home/me/notes.md', roots), { pathClass: '|text', extensionClass: 'text' });
  assert.deepEqual(coarsenPath('/usr/lib/node/x.so', roots), { pathClass: '/usr/lib|binary', extensionClass: 'binary' });
  assert.deepEqual(coarsenPath('/home/meadow/a/b/c.txt', roots).pathClass, '/home/meadow|text', 'a root matches whole components only');
});

test('coarsen: extension classes', () => {
  assert.equal(extensionClassOf('Makefile'), 'none');
  assert.equal(extensionClassOf('/a/.bashrc'), 'none');
  assert.equal(extensionClassOf('pkg.tar.gz'), 'archive');
  assert.equal(extensionClassOf('data.json'), 'data');
  assert.equal(extensionClassOf('weird.xyz'), 'other');
  assert.equal(extensionClassOf('trailing.'), 'none');
});

test('coarsen: processes become basenames; ports become service classes', () => {
  assert.equal(processBasename('/usr/bin/node'), 'node');
  assert.equal(processBasename('node'), 'node');
  assert.equal(portClassOf(45678, 443, 'ESTABLISHED'), '443', 'outbound: the remote service port');
  assert.equal(portClassOf(22, 51000, 'ESTABLISHED'), '22', 'inbound: the local service port');
  assert.equal(portClassOf(5432, 0, 'LISTEN'), 'listen');
  assert.equal(portClassOf(40000, 8080, 'SYN_SENT'), 'registered');
  assert.equal(portClassOf(40000, 50000, 'ESTABLISHED'), 'ephemeral');
});
