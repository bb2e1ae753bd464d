/** Argument checking (typed errors, nothing written), the display form and its parser (round trip, fast-check). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isChimaeraError, type ErrorCode } from '../common/index.ts';
import { checkCall, parseCallSyntax, parseRenderedCall, renderCall } from './actions.ts';
import { createToolRegistry } from './tools/index.ts';
import type { ParamType, ToolCall } from './tool-spec.ts';

const registry = createToolRegistry();

function expectCode(code: ErrorCode, fn: () => unknown, message?: string): void {
  assert.throws(fn, (e) => isChimaeraError(e, code), message ?? `expected ${code}`);
}

test('checkCall: types, ranges, unknown and missing arguments, unknown tools', () => {
  assert.deepEqual(checkCall({ tool: 'fs.read', args: { offset: 4, path: '/home/a.txt' } }, registry), { tool: 'fs.read', args: { path: '/home/a.txt', offset: 4 } });
  expectCode('tool.unknown', () => checkCall({ tool: 'fs.format', args: {} }, registry));
  expectCode('tool.unknown', () => checkCall({ tool: 42, args: {} }, registry));
  expectCode('tool.args_invalid', () => checkCall({ tool: 'fs.read', args: {} }, registry), 'missing path');
  expectCode('tool.args_invalid', () => checkCall({ tool: 'fs.read', args: { path: 7 } }, registry), 'path not a string');
  expectCode('tool.args_invalid', () => checkCall({ tool: 'fs.read', args: { path: '/home/a', offset: -1 } }, registry), 'negative offset');
  expectCode('tool.args_invalid', () => checkCall({ tool: 'fs.read', args: { path: '/home/a', offset: 1.5 } }, registry), 'fractional offset');
  expectCode('tool.args_invalid', () => checkCall({ tool: 'fs.read', args: { path: '/home/a', mode: 'x' } }, registry), 'unknown argument');
  expectCode('tool.args_invalid', () => checkCall({ tool: 'fs.read', args: null }, registry));
  expectCode('tool.args_invalid', () => checkCall({ tool: 'fs.read', args: ['/home/a'] }, registry));
  expectCode('tool.args_invalid', () => checkCall({ tool: 'share.send', args: { to: 'Bob', text: 'x' } }, registry), 'upper-case recipient');
  expectCode('tool.args_invalid', () => checkCall({ tool: 'share.send', args: { to: '..', text: 'x' } }, registry), 'recipient ..');
  expectCode('tool.args_invalid', () => checkCall({ tool: 'share.send', args: { to: 'eve/../../x', text: 'x' } }, registry), 'recipient with /');
  expectCode('tool.args_invalid', () => checkCall({ tool: 'share.send', args: { to: 'bob', text: 'x'.repeat(16_385) } }, registry), 'text too long');
  expectCode('tool.args_invalid', () => checkCall({ tool: 'fs.read', args: { path: `/home/${'a'.repeat(1100)}` } }, registry), 'path too long');
});

test('paths: absolute, no empty/./.. segments, no control or FAT-forbidden characters, only under /home', () => {
  const bad: [string, ErrorCode][] = [
    ['home/a.txt', 'tool.path_invalid'],
    ['/home/../lived/grants', 'tool.path_invalid'],
    ['/home/./a', 'tool.path_invalid'],
    ['/home//a', 'tool.path_invalid'],
    ['/home/a/', 'tool.path_invalid'],
    ['/home/a\u0000b', 'tool.path_invalid'],
    ['/home/a\nb', 'tool.path_invalid'],
    ['/home/a*b', 'tool.path_invalid'],
    ['/', 'tool.path_invalid'],
    ['/lived/grants', 'tool.path_forbidden'],
    ['/lived/audit/x', 'tool.path_forbidden'],
    ['/homework/a.txt', 'tool.path_forbidden'],
    ['/etc/passwd', 'tool.path_forbidden'],
  ];
  for (const [path, code] of bad) expectCode(code, () => checkCall({ tool: 'fs.read', args: { path } }, registry), `${JSON.stringify(path)} → ${code}`);
  assert.equal(checkCall({ tool: 'fs.read', args: { path: '/HOME/Notes/a b.txt' } }, registry).args['path'], '/HOME/Notes/a b.txt');
  assert.equal(checkCall({ tool: 'fs.read', args: { path: '/home' } }, registry).args['path'], '/home');
});

test('renderCall: the display form', () => {
  assert.equal(renderCall({ tool: 'fs.read', args: { path: '/home/a.txt' } }), 'fs.read(path="/home/a.txt")');
  assert.equal(renderCall({ tool: 'fs.read', args: { path: '/home/a "q".txt', offset: 10 } }), 'fs.read(path="/home/a \\"q\\".txt", offset=10)');
  assert.equal(renderCall({ tool: 'time.now', args: {} }), 'time.now()');
  assert.equal(renderCall({ tool: 'reply', args: { text: 'line\nnext' } }), 'reply(text="line\\nnext")');
});

test('parseRenderedCall: syntax errors and type errors are typed', () => {
  assert.deepEqual(parseRenderedCall(' share.send( to="bob" ,text="hi, (you)" ) ', registry), { tool: 'share.send', args: { to: 'bob', text: 'hi, (you)' } });
  for (const text of ['fs.read', 'fs.read(path="/home/a"', 'fs.read(path=/home/a)', 'fs.read(path="/home/a") x', 'Fs.Read(path="/home/a")', 'fs.read(path="a", path="b")', 'fs.read(path="\\q")', 'fs.read(offset=99999999999999999999)']) {
    expectCode('tool.call_malformed', () => parseRenderedCall(text, registry), text);
  }
  expectCode('tool.unknown', () => parseRenderedCall('fs.format(path="/home")', registry));
  expectCode('tool.path_forbidden', () => parseRenderedCall('fs.read(path="/lived/grants")', registry));
  assert.deepEqual(parseCallSyntax('fs.format(disk="all")'), { tool: 'fs.format', args: { disk: 'all' } }, 'syntax only: any tool');
});

/** an arbitrary valid value for one parameter type */
function valueOf(type: ParamType): fc.Arbitrary<string | number> {
  const segment = fc.string({ unit: fc.constantFrom(...'abcXYZ019 _-.é€'), minLength: 1, maxLength: 12 }).filter((s) => s !== '.' && s !== '..');
  switch (type.kind) {
    case 'integer':
      return fc.integer({ min: type.min, max: type.max });
    case 'path':
      return fc.array(segment, { minLength: 0, maxLength: 4 }).map((parts) => ['/home', ...parts].join('/'));
    case 'string':
      return fc.string({ unit: 'grapheme', maxLength: 60 });
    case 'enum':
      return fc.constantFrom(...type.values);
    case 'recipient':
      return fc.tuple(fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,10}$/), fc.option(fc.stringMatching(/^[a-z0-9]{1,8}\.[a-z]{2,4}$/), { nil: undefined })).map(([name, domain]) => (domain === undefined ? name : `${name}@${domain}`));
    case 'tool-name':
      return fc.constantFrom(...registry.list().map((t) => t.name));
  }
}

const anyCheckedCall: fc.Arbitrary<ToolCall> = fc.constantFrom(...registry.list()).chain((spec) =>
  fc.tuple(...spec.params.map((p) => (p.optional === true ? fc.option(valueOf(p.type), { nil: undefined }) : valueOf(p.type)))).map((values) => {
    const args: Record<string, string | number> = {};
    spec.params.forEach((p, i) => {
      if (values[i] !== undefined) args[p.name] = values[i]!;
    });
    return { tool: spec.name, args };
  }),
);

test('property: parse(render(call)) = call for every checked call', () => {
  fc.assert(
    fc.property(anyCheckedCall, (call) => {
      const checked = checkCall(call, registry);
      assert.deepEqual(parseRenderedCall(renderCall(checked), registry), checked);
    }),
    { numRuns: 500 },
  );
});

test('property: the parser never throws anything but a typed error on arbitrary text', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), anyCheckedCall.map((c) => renderCall(c)).chain((r) => fc.nat(r.length).map((n) => r.slice(0, n)))), (text) => {
      try {
        parseRenderedCall(text, registry);
      } catch (error) {
        assert.ok(isChimaeraError(error), `untyped error for ${JSON.stringify(text)}: ${String(error)}`);
      }
    }),
    { numRuns: 500 },
  );
});
