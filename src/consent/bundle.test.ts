// Bundling rules in isolation: covered items merge, one file is never widened, fresh items stay apart and exact, hostile answers grant nothing extra.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../hal/memory/index.ts';
import { readAnswer } from './bundle.ts';
import { actionRequest, fsRead, fsWrite, newBroker, taskScope, untrusted } from './testing.ts';
import type { ActionRequest, ConsentAnswer } from './types.ts';

const task = taskScope('t1', 'i1', 'interactive', 'tidy my notes');

function promptFor(plan: ActionRequest[]) {
  const { broker } = newBroker({ clock: new ManualClock(0, Date.UTC(2026, 0, 1)), policy: { rules: [] } });
  return broker.bundle(task, plan, broker.evaluate(task, plan))!;
}

test('a subtree need absorbs the file reads inside it; a single file read stays exact', () => {
  const prompt = promptFor([
    actionRequest(task, 0, 'fs.search', [{ right: 'read', kind: 'path', name: '/home/notes/**' }]),
    fsRead(task, 1, '/home/notes/a.txt'),
    fsRead(task, 2, '/home/notes/deep/b.txt'),
    fsRead(task, 3, '/home/other/c.txt'),
  ]);
  assert.deepEqual(prompt.items.map((i) => [i.resource.pattern, i.actionIds]), [
    ['/home/notes/**', ['t1.0.0', 't1.0.1', 't1.0.2']],
    ['/home/other/c.txt', ['t1.0.3']],
  ]);
  assert.equal(prompt.items[0]!.summary, 'read everything under /home/notes');
});

test('writes are never widened, even to siblings; a tainted write is a separate fresh item', () => {
  const prompt = promptFor([
    fsWrite(task, 0, '/home/out/a.txt'),
    fsWrite(task, 1, '/home/out/b.txt'),
    fsWrite(task, 2, '/home/out/a.txt', untrusted('fs.list', '/home/out')),
  ]);
  assert.deepEqual(prompt.items.map((i) => [i.resource.pattern, i.preselected, i.scopes.join('/'), i.provenance.length]), [
    ['/home/out/a.txt', true, 'task/once', 0],
    ['/home/out/b.txt', true, 'task/once', 0],
    ['/home/out/a.txt', false, 'once', 1],
  ]);
});

test('readAnswer: prototype keys, missing picks and garbage deny; nothing outside the prompt is read', () => {
  const prompt = promptFor([fsWrite(task, 0, '/home/a.txt'), fsWrite(task, 1, '/home/b.txt')]);
  const hostile = JSON.parse('{"kind":"each","items":{"__proto__":{"allow":true},"constructor":{"allow":true}}}') as ConsentAnswer;
  assert.ok(readAnswer(prompt, hostile).choices.every((c) => !c.allow));
  assert.deepEqual(readAnswer(prompt, hostile).ignored.sort(), ['__proto__', 'constructor']);
  for (const garbage of [null, 42, { kind: 'allow-everything' }, { kind: 'each', items: null }]) {
    assert.ok(readAnswer(prompt, garbage as unknown as ConsentAnswer).choices.every((c) => !c.allow), JSON.stringify(garbage));
  }
  const one = readAnswer(prompt, { kind: 'each', items: { [prompt.items[1]!.itemId]: { allow: true } } });
  assert.deepEqual(one.choices.map((c) => [c.allow, c.scope]), [[false, 'task'], [true, 'task']]);
});
