/** The terminal consent UI: rendering one bundled prompt, and every way of answering it from lines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsentPrompt } from '../consent/index.ts';
import { renderConsentPrompt, scriptedLines, TerminalConsentUi } from './consent-prompt.ts';

const prompt: ConsentPrompt = {
  promptId: 't1.p1',
  taskId: 't1',
  intentText: 'summarise my notes and send them to bob',
  headline: 'To do "summarise my notes and send them to bob" I need:',
  items: [
    { itemId: 't1.p1.i1', right: 'egress', resource: { kind: 'recipient', pattern: 'bob' }, actionIds: ['t1.1.2'], summary: 'send 1 message to bob — uses data from fs.read /home/notes/a.txt', provenance: [{ kind: 'fs.read', ref: '/home/notes/a.txt' }, { kind: 'fs.read', ref: '/home/notes/b.txt' }], preselected: false, scopes: ['once'] },
    { itemId: 't1.p1.i2', right: 'read', resource: { kind: 'log', pattern: 'klog' }, actionIds: ['t1.1.0'], summary: 'read the klog log', provenance: [], preselected: true, scopes: ['task', 'hour', 'always'] },
    { itemId: 't1.p1.i3', right: 'write', resource: { kind: 'path', pattern: '/home/summary.txt' }, actionIds: ['t1.1.1'], summary: 'write /home/summary.txt', provenance: [], preselected: true, scopes: ['task', 'once'] },
  ],
};

function ui(lines: readonly string[]) {
  let shown = '';
  const input = scriptedLines(lines);
  return { consent: new TerminalConsentUi(input, (t) => (shown += t)), input, shown: () => shown };
}

test('the prompt groups items by risk class, numbers them in that order, marks preselected items and shows provenance', () => {
  assert.equal(renderConsentPrompt(prompt), [
    'To do "summarise my notes and send them to bob" I need:',
    '  read',
    '    [x] 1. read the klog log',
    '  write',
    '    [x] 2. write /home/summary.txt',
    '  egress',
    '    [ ] 3. send 1 message to bob  (choose c to allow)',
    '           data from fs.read /home/notes/a.txt',
    '           data from fs.read /home/notes/b.txt',
    '  a = allow the ticked items for this task, h = allow them for 1 hour, d = deny, c = choose each',
  ].join('\n'));
});

test('a, h and d answer the whole bundle; unusable answers are asked again, then denied', async () => {
  assert.deepEqual(await ui(['a']).consent.ask(prompt), { kind: 'allow-all', scope: 'task' });
  assert.deepEqual(await ui([' H ']).consent.ask(prompt), { kind: 'allow-all', scope: 'hour' });
  assert.deepEqual(await ui(['d']).consent.ask(prompt), { kind: 'deny-all' });
  const retried = ui(['maybe', 'a']);
  assert.deepEqual(await retried.consent.ask(prompt), { kind: 'allow-all', scope: 'task' });
  assert.match(retried.shown(), /answer a, h, d or c/);
  const stubborn = ui(['x', 'y', 'z', 'a']);
  assert.deepEqual(await stubborn.consent.ask(prompt), { kind: 'deny-all' });
  assert.equal(stubborn.input.left, 1, 'three tries, then denied');
  assert.deepEqual(await ui([]).consent.ask(prompt), { kind: 'deny-all' }, 'end of input denies');
});

test('c asks each item in display order, with a scope where several are offered', async () => {
  const each = ui(['c', 'y', '2', 'n', 'y']);
  const answer = await each.consent.ask(prompt);
  assert.deepEqual(answer, { kind: 'each', items: { 't1.p1.i2': { allow: true, scope: 'hour' }, 't1.p1.i3': { allow: false }, 't1.p1.i1': { allow: true, scope: 'once' } } });
  assert.deepEqual(each.input.asked, [
    'consent [a/h/d/c]? ',
    '  1. read the klog log — allow [y/n]? ',
    '     scope (1 for this task, 2 for 1 hour, 3 always) [1]? ',
    '  2. write /home/summary.txt — allow [y/n]? ',
    '  3. send 1 message to bob — allow [y/n]? ',
  ]);
  const named = await ui(['c', 'yes', 'always', 'y', '', 'no']).consent.ask(prompt);
  assert.deepEqual(named, { kind: 'each', items: { 't1.p1.i2': { allow: true, scope: 'always' }, 't1.p1.i3': { allow: true, scope: 'task' }, 't1.p1.i1': { allow: false } } });
  assert.deepEqual(await ui(['c', 'y']).consent.ask(prompt), { kind: 'deny-all' }, 'input ending halfway denies everything');
});
