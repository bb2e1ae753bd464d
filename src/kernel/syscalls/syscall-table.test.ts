import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fail, isChimaeraError, type Result } from '../../common/index.ts';
import { HandleTable } from '../handles/handle-table.ts';
import { Rights } from '../handles/rights.ts';
import { arg } from './args.ts';
import { defineSyscall, SyscallTable } from './syscall-table.ts';

interface Volume {
  files: Map<string, string>;
  writes: number;
}

function setup() {
  const volume: Volume = { files: new Map([['/home/a', 'hello world']]), writes: 0 };
  const table = new SyscallTable();
  table.register(
    defineSyscall({
      name: 'fs.read',
      summary: 'read a file',
      objectType: 'volume',
      right: Rights.READ,
      args: { path: arg.string({ maxLength: 4096 }), offset: arg.integer({ min: 0 }).optional() },
      handler: (_context, object: Volume, args) => {
        const text = object.files.get(args.path) ?? fail('fs.not_found', `${args.path} does not exist`);
        return text.slice(args.offset ?? 0);
      },
    }),
  );
  table.register(
    defineSyscall({
      name: 'fs.write',
      summary: 'write a file',
      objectType: 'volume',
      right: Rights.WRITE,
      args: { path: arg.string(), text: arg.string() },
      handler: async (context, object: Volume, args) => {
        await Promise.resolve();
        object.writes++;
        object.files.set(args.path, args.text);
        return { bytes: args.text.length, by: context.caller.principal };
      },
    }),
  );
  table.register(
    defineSyscall({
      name: 'fs.buggy',
      summary: 'a handler with a bug',
      objectType: 'volume',
      right: Rights.NONE,
      args: {},
      handler: () => {
        throw new TypeError('bug');
      },
    }),
  );
  const handles = new HandleTable();
  const readWrite = handles.create(volume, 'volume', Rights.READ | Rights.WRITE | Rights.DUPLICATE);
  const readOnly = handles.duplicate(readWrite, Rights.READ);
  const caller = { handles, principal: 'test' };
  return { volume, table, handles, readWrite, readOnly, caller };
}

const errorCode = (result: Result<unknown>) => (result.ok ? 'ok' : result.error.code);

test('dispatch decodes args and calls sync and async handlers', async () => {
  const { table, caller, readWrite, volume } = setup();
  assert.deepEqual(await table.dispatch(caller, 'fs.read', readWrite, { path: '/home/a', offset: 6 }), { ok: true, value: 'world' });
  assert.deepEqual(await table.dispatch(caller, 'fs.write', readWrite, { path: '/home/b', text: 'hi' }), { ok: true, value: { bytes: 2, by: 'test' } });
  assert.equal(volume.files.get('/home/b'), 'hi');
});

test('the handle is checked before arguments or state', async () => {
  const { table, caller, readOnly, handles, volume } = setup();
  assert.equal(errorCode(await table.dispatch(caller, 'fs.write', readOnly, { path: '/x', text: 'y' })), 'handle.access_denied');
  assert.equal(errorCode(await table.dispatch(caller, 'fs.write', readOnly, { wrong: true })), 'handle.access_denied', 'rights first, args second');
  const model = handles.create({}, 'model', Rights.READ);
  assert.equal(errorCode(await table.dispatch(caller, 'fs.read', model, { path: '/home/a' })), 'handle.wrong_type');
  handles.revoke(readOnly);
  assert.equal(errorCode(await table.dispatch(caller, 'fs.read', readOnly, { path: '/home/a' })), 'handle.revoked');
  assert.equal(volume.writes, 0);
});

test('errors become results: unknown call, bad args, handler failure; bugs propagate', async () => {
  const { table, caller, readWrite } = setup();
  assert.equal(errorCode(await table.dispatch(caller, 'fs.nope', readWrite, {})), 'syscall.unknown');
  const bad = await table.dispatch(caller, 'fs.read', readWrite, { path: 7 });
  assert.ok(!bad.ok && bad.error.code === 'syscall.bad_args' && /^fs\.read: argument 'path'/.test(bad.error.message));
  assert.equal(errorCode(await table.dispatch(caller, 'fs.read', readWrite, { path: '/missing' })), 'fs.not_found');
  await assert.rejects(table.dispatch(caller, 'fs.buggy', readWrite, {}), TypeError);
});

test('list describes every call with its right and counts', async () => {
  const { table, caller, readWrite } = setup();
  await table.dispatch(caller, 'fs.read', readWrite, { path: '/home/a' });
  await table.dispatch(caller, 'fs.read', readWrite, { path: '/missing' });
  const read = table.list().find((s) => s.name === 'fs.read')!;
  assert.deepEqual(
    { ...read, args: undefined },
    { name: 'fs.read', objectType: 'volume', right: Rights.READ, rightsText: 'READ', summary: 'read a file', args: undefined, calls: 2, failures: 1 },
  );
  assert.match(read.args, /path: a string of at most 4096 chars; offset: an integer of at least 0, optional/);
  assert.deepEqual(table.list().map((s) => s.name), ['fs.buggy', 'fs.read', 'fs.write']);
  assert.throws(() => table.register(table.list().length ? defineSyscall({ name: 'fs.read', summary: '', objectType: 'v', right: 0, args: {}, handler: () => 0 }) : (undefined as never)), (e) =>
    isChimaeraError(e, 'syscall.exists'),
  );
  assert.throws(() => defineSyscall({ name: 'Bad Name', summary: '', objectType: 'v', right: 0, args: {}, handler: () => 0 }), /subsystem\.verb/);
});
