// The compiled action-grammar DFA: typed values (paths, strings with full
// UTF-8 checking, exact integer ranges, enums, recipients, tool names), bounds
// and the call limit, checked against obvious twins (TextDecoder + JSON.parse,
// plain integer comparison); random walks never get stuck.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isChimaeraError } from '../../common/index.ts';
import type { ToolSpec } from '../tool-spec.ts';
import { compileActionGrammar, type ActionGrammar } from './compile.ts';
import type { GrammarCursor } from './dfa.ts';
import { TEST_GRAMMAR_OPTIONS, TEST_TOOLS } from './test-tools.ts';

const grammar = compileActionGrammar(TEST_TOOLS, TEST_GRAMMAR_OPTIONS);
const encoder = new TextEncoder();

/** run the DFA over bytes; the cursor at the end, or undefined if a byte was dead */
function run(g: ActionGrammar, bytes: Uint8Array | number[], from?: GrammarCursor): GrammarCursor | undefined {
  const cursor = from === undefined ? g.dfa.startCursor() : { ...from };
  for (const byte of bytes) if (!g.dfa.step(cursor, byte)) return undefined;
  return cursor;
}

const accepts = (g: ActionGrammar, text: string | Uint8Array): boolean => {
  const cursor = run(g, typeof text === 'string' ? encoder.encode(text) : text);
  return cursor !== undefined && g.dfa.accepting[cursor.state] === 1;
};

const call = (name: string, args: string): string => `<tool_call>\n{"name": "${name}", "arguments": {${args}}}\n</tool_call>`;

test('accepts the canonical Qwen rendering of one and several calls; nothing else around them', () => {
  const one = call('fs.read', '"path": "/home/a.txt"');
  assert.ok(accepts(grammar, one));
  assert.ok(accepts(grammar, [one, call('time.now', ''), call('fs.readdir', '"path": "/home"')].join('\n')));
  assert.ok(!accepts(grammar, ''));
  assert.ok(!accepts(grammar, `${one}\n`)); // a separator promises another call
  assert.ok(!accepts(grammar, ` ${one}`));
  assert.ok(!accepts(grammar, one.replace('"arguments": {', '"arguments":{'))); // fixed spacing
  assert.ok(!accepts(grammar, call('fs.reed', '"path": "/a"')));
});

test('paths: absolute, segments of [A-Za-z0-9_ .-], never empty, "." or ".."', () => {
  const path = (p: string): boolean => accepts(grammar, call('fs.readdir', `"path": ${JSON.stringify(p)}`));
  for (const good of ['/home', '/home/notes/a b.txt', '/a/...', '/.hidden/x', '/x/..y', '/-_. ']) assert.ok(path(good), good);
  for (const bad of ['', '/', 'home', '/home/', '/home//a', '/home/../etc', '/./a', '/a/.', '/a/..', '/é', '/a\\b', '/a:b']) assert.ok(!path(bad), bad);
});

test('keys come in schema order; optional params may be left out, required ones may not', () => {
  assert.ok(accepts(grammar, call('fs.read', '"path": "/a", "offset": 12')));
  assert.ok(!accepts(grammar, call('fs.read', '"offset": 12, "path": "/a"')));
  assert.ok(!accepts(grammar, call('fs.read', '"offset": 12')));
  for (const args of ['', '"last": 3', '"level": "warn"', '"last": 3, "level": "error"']) assert.ok(accepts(grammar, call('klog.read', args)), args);
  assert.ok(!accepts(grammar, call('klog.read', '"level": "warn", "last": 3')));
  assert.ok(!accepts(grammar, call('klog.read', '"level": "debug"')));
  assert.ok(accepts(grammar, call('tool.describe', '"name": "fs.readdir"')));
  assert.ok(!accepts(grammar, call('tool.describe', '"name": "rm"')));
});

test('recipients: [a-z0-9._-]+ with an optional @domain, bounded', () => {
  const to = (r: string): boolean => accepts(grammar, call('share.send', `"to": ${JSON.stringify(r)}, "text": "hi"`));
  for (const good of ['bob', 'bob@x.org', 'a.b-c_d', 'x@y']) assert.ok(to(good), good);
  for (const bad of ['', 'Bob', 'bob@', '@x.org', 'bob@x_y', 'bob@x@y', 'b'.repeat(25)]) assert.ok(!to(bad), bad);
  assert.ok(to('b'.repeat(24)));
});

test('property: integers are accepted exactly within [min, max] (JSON form: no leading zeros, no -0)', () => {
  fc.assert(fc.property(
    fc.integer({ min: -100_000, max: 100_000 }), fc.integer({ min: 0, max: 100_000 }), fc.array(fc.integer({ min: -300_000, max: 300_000 }), { minLength: 1, maxLength: 20 }),
    (min, span, probes) => {
      const max = min + span;
      const g = compileActionGrammar([{ ...TEST_TOOLS[0]!, name: 'n', params: [{ name: 'v', type: { kind: 'integer', min, max }, description: '', role: 'option' }] }]);
      for (const n of [...probes, min, max, min - 1, max + 1, 0]) {
        assert.equal(accepts(g, call('n', `"v": ${n}`)), n >= min && n <= max, `${n} in [${min}, ${max}]`);
      }
      assert.ok(!accepts(g, call('n', '"v": -0')));
      if (min <= 7 && 7 <= max) assert.ok(!accepts(g, call('n', '"v": 07')));
    },
  ), { numRuns: 120 });
  assert.ok(accepts(grammar, call('math.add', '"a": -50, "b": 7')));
  assert.ok(!accepts(grammar, call('math.add', '"a": 1235, "b": 7')));
  assert.ok(!accepts(grammar, call('math.add', '"a": 3, "b": 8')));
});

// obvious twin for string bodies: valid UTF-8 (TextDecoder, fatal) that JSON.parse reads as a string
function twinAcceptsBody(body: Uint8Array): boolean {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    return typeof JSON.parse(`"${text}"`) === 'string';
  } catch {
    return false;
  }
}

test('property: a string body is accepted iff it is valid UTF-8 and a valid JSON string body (escapes, no raw controls)', () => {
  const g = compileActionGrammar([{ ...TEST_TOOLS[0]!, name: 's', params: [{ name: 'v', type: { kind: 'string', maxLength: 1000 }, description: '', role: 'data' }] }]);
  const opened = run(g, encoder.encode('<tool_call>\n{"name": "s", "arguments": {"v": "'))!;
  const closing = encoder.encode('"}}\n</tool_call>');
  const interesting = [0x41, 0x7f, 0x20, 0x1f, 0x0a, 0x00, 0x22, 0x5c, 0x75, 0x6e, 0x30, 0x66, 0x80, 0xbf, 0x9f, 0xa0, 0x90, 0x8f, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
  fc.assert(fc.property(fc.array(fc.constantFrom(...interesting), { maxLength: 24 }), (bytes) => {
    const body = Uint8Array.from(bytes);
    if (body.includes(0x22)) return; // a quote ends the body: covered below
    const inner = run(g, body, opened);
    const whole = inner === undefined ? undefined : run(g, closing, inner);
    const dfaAccepts = whole !== undefined && g.dfa.accepting[whole.state] === 1;
    assert.equal(dfaAccepts, twinAcceptsBody(body), `body ${Buffer.from(body).toString('hex')}`);
  }), { numRuns: 3000 });
  // tokens may end inside a character: each prefix of a valid 4-byte character is alive
  const emoji = encoder.encode('😀');
  for (let i = 1; i <= emoji.length; i++) assert.ok(run(g, emoji.subarray(0, i), opened) !== undefined);
  for (const bad of [[0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5]]) assert.equal(run(g, bad, opened), undefined, bad.join(' '));
});

test('bounds: a body holds at most maxLength bytes as written; a multi-byte character or escape that would not fit is refused at its first byte', () => {
  const write = (text: string): string => call('fs.write', `"path": "/a", "text": ${text}`);
  assert.ok(accepts(grammar, write(JSON.stringify('x'.repeat(48)))));
  assert.ok(!accepts(grammar, write(JSON.stringify('x'.repeat(49)))));
  assert.ok(accepts(grammar, write(JSON.stringify(`${'x'.repeat(46)}\n`)))); // "\n" is two bytes as written
  assert.ok(!accepts(grammar, write(JSON.stringify(`${'x'.repeat(47)}\n`))));
  const prefix = encoder.encode(`<tool_call>\n{"name": "fs.write", "arguments": {"path": "/a", "text": "${'x'.repeat(46)}`);
  const at46 = run(grammar, prefix)!;
  assert.ok(run(grammar, encoder.encode('é'), at46) !== undefined); // 2 bytes fit
  assert.equal(run(grammar, [0xe2], at46), undefined); // a 3-byte character would not
  assert.ok(run(grammar, encoder.encode('\\n'), at46) !== undefined);
  assert.equal(run(grammar, encoder.encode('\\'), { ...at46, count: at46.count + 1 }), undefined); // no room for even a short escape
  assert.deepEqual(grammar.dfa.allowedBytes(run(grammar, encoder.encode('xx'), at46)!), [0x22]); // full: only the closing quote
  const path = encoder.encode(`<tool_call>\n{"name": "fs.readdir", "arguments": {"path": "/${'a/'.repeat(19)}`);
  const full = run(grammar, path)!; // 39 bytes: "/" needs one more segment byte, which is the 40th
  assert.deepEqual(grammar.dfa.allowedBytes(full).length, 65);
  assert.deepEqual(grammar.dfa.allowedBytes(run(grammar, encoder.encode('a'), full)!), [0x22]);
});

test('a turn holds at most maxCalls calls; after the last one only the end remains', () => {
  const one = call('time.now', '');
  assert.ok(accepts(grammar, Array(4).fill(one).join('\n')));
  assert.ok(!accepts(grammar, Array(5).fill(one).join('\n')));
  const afterFour = run(grammar, encoder.encode(Array(4).fill(one).join('\n')))!;
  assert.deepEqual(grammar.dfa.allowedBytes(afterFour), []);
  assert.equal(grammar.dfa.accepting[afterFour.state], 1);
});

test('property: random walks never get stuck: every cursor allows a byte or may end, and each walk ends in a parseable number of calls', () => {
  fc.assert(fc.property(fc.infiniteStream(fc.nat()), (choices) => {
    const cursor = grammar.dfa.startCursor();
    const it = choices[Symbol.iterator]();
    for (let steps = 0; steps < 5000; steps++) {
      const allowed = grammar.dfa.allowedBytes(cursor);
      const accepting = grammar.dfa.accepting[cursor.state] === 1;
      assert.ok(allowed.length > 0 || accepting, `stuck in ${grammar.dfa.context[cursor.state]}`);
      const pick = it.next().value as number;
      if (allowed.length === 0 || (accepting && pick % 3 === 0)) return;
      assert.ok(grammar.dfa.step(cursor, allowed[pick % allowed.length]!));
    }
    assert.fail('a walk ran 5000 bytes: some bound does not hold');
  }), { numRuns: 300 });
});

test('tool specs that cannot be compiled fail grammar.spec_invalid', () => {
  const base = TEST_TOOLS[1]!;
  const bad: (readonly ToolSpec[])[] = [
    [],
    [base, base],
    [{ ...base, name: 'bad name' }],
    [{ ...base, params: [base.params[0]!, base.params[0]!] }],
    [{ ...base, params: [{ ...base.params[0]!, name: '__proto__' }] }],
    [{ ...base, params: [{ ...base.params[0]!, type: { kind: 'enum', values: [] } }] }],
    [{ ...base, params: [{ ...base.params[0]!, type: { kind: 'integer', min: 3, max: 2 } }] }],
    [{ ...base, params: [{ ...base.params[0]!, type: { kind: 'integer', min: 0, max: 2 ** 60 } }] }],
    [{ ...base, params: [{ ...base.params[0]!, type: { kind: 'path', maxLength: 1 } }] }],
  ];
  for (const tools of bad) assert.throws(() => compileActionGrammar(tools), (e) => isChimaeraError(e, 'grammar.spec_invalid'), JSON.stringify(tools.map((t) => t.name)));
});
