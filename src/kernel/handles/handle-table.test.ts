import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChimaeraError, isChimaeraError, type ErrorCode } from '../../common/index.ts';
import { HandleTable } from './handle-table.ts';
import { ALL_RIGHTS, formatRights, hasRights, rightNames, Rights } from './rights.ts';

const failsWith = (code: ErrorCode, fn: () => unknown) => assert.throws(fn, (e) => isChimaeraError(e, code));

test('rights have names and compose as bit sets', () => {
  assert.equal(formatRights(Rights.READ | Rights.DUPLICATE), 'READ|DUPLICATE');
  assert.equal(formatRights(Rights.NONE), 'NONE');
  assert.deepEqual(rightNames(ALL_RIGHTS).length, 8);
  assert.ok(hasRights(Rights.READ | Rights.WRITE, Rights.READ));
  assert.ok(!hasRights(Rights.READ, Rights.READ | Rights.WRITE));
});

test('lookup checks liveness, then type, then rights', () => {
  const table = new HandleTable();
  const volume = { name: 'home' };
  const h = table.create(volume, 'volume', Rights.READ | Rights.DUPLICATE);
  assert.equal(table.lookup(h, 'volume', Rights.READ), volume);
  failsWith('handle.wrong_type', () => table.lookup(h, 'model', Rights.READ));
  assert.throws(() => table.lookup(h, 'volume', Rights.WRITE), (e) => isChimaeraError(e, 'handle.access_denied') && /has READ\|DUPLICATE, needs WRITE/.test(e.message));
  failsWith('handle.invalid', () => table.lookup(9999, 'volume', Rights.NONE));
});

test('duplicate can only drop rights and needs DUPLICATE', () => {
  const table = new HandleTable();
  const root = table.create('obj', 'volume', Rights.READ | Rights.WRITE | Rights.DUPLICATE);
  const readOnly = table.duplicate(root, Rights.READ | Rights.EGRESS);
  assert.equal(table.rightsOf(readOnly), Rights.READ, 'EGRESS was not on the source, so it is not granted');
  failsWith('handle.access_denied', () => table.duplicate(readOnly, Rights.READ));
  assert.notEqual(readOnly, root);
  assert.deepEqual(
    table.list().map((h) => [h.handle, h.parent, h.depth, h.rightsText]),
    [
      [root, undefined, 0, 'READ|WRITE|DUPLICATE'],
      [readOnly, root, 1, 'READ'],
    ],
  );
});

test('createDerived: a narrower object under the parent, rights capped, revoked with it', () => {
  const table = new HandleTable();
  const home = table.create({ dir: '/home' }, 'fs.dir', Rights.READ | Rights.WRITE | Rights.DUPLICATE);
  const notes = table.createDerived(home, { dir: '/home/notes' }, 'fs.dir', Rights.READ | Rights.MANAGE);
  assert.deepEqual(table.lookup(notes, 'fs.dir', Rights.READ), { dir: '/home/notes' });
  assert.equal(table.rightsOf(notes), Rights.READ, 'MANAGE was not on the parent');
  failsWith('handle.access_denied', () => table.createDerived(notes, {}, 'fs.dir', Rights.READ));
  table.revoke(home);
  failsWith('handle.revoked', () => table.lookup(notes, 'fs.dir', Rights.READ));
});

test('close ends one handle; revoking an ancestor still reaches its descendants', () => {
  const table = new HandleTable();
  const a = table.create('x', 't', ALL_RIGHTS);
  const b = table.duplicate(a);
  const c = table.duplicate(b);
  const sibling = table.duplicate(a);
  table.close(b);
  failsWith('handle.invalid', () => table.lookup(b, 't', Rights.NONE));
  assert.equal(table.lookup(c, 't', Rights.READ), 'x', 'child of a closed handle lives on');
  assert.equal(table.revoke(a), 3, 'a, c and sibling end');
  failsWith('handle.revoked', () => table.lookup(c, 't', Rights.NONE));
  failsWith('handle.revoked', () => table.lookup(sibling, 't', Rights.NONE));
  failsWith('handle.revoked', () => table.duplicate(a));
  assert.equal(table.size, 0);
  const fresh = table.create('y', 't', Rights.READ);
  assert.ok(fresh > sibling, 'handle numbers are never reused');
});

// ── property: a random program against a model of the derivation tree ──────

type Operation =
  | { kind: 'create'; rights: number }
  | { kind: 'duplicate'; pick: number; mask: number }
  | { kind: 'close'; pick: number }
  | { kind: 'revoke'; pick: number };

const rightsArb = fc.nat({ max: ALL_RIGHTS });
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), rights: rightsArb }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), pick: fc.nat(), mask: rightsArb }) },
  fc.record({ kind: fc.constant('close' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('revoke' as const), pick: fc.nat() }),
);

interface ModelHandle {
  readonly handle: number;
  readonly parent: number | undefined;
  readonly rights: number;
  readonly type: string;
  readonly object: object;
  status: 'live' | 'closed' | 'revoked';
}

function expectedError(status: ModelHandle['status']): ErrorCode {
  return status === 'revoked' ? 'handle.revoked' : 'handle.invalid';
}

function errorCode(fn: () => unknown): ErrorCode | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof ChimaeraError) return e.code;
    throw e;
  }
}

test('property: rights are monotone down the tree; dead handles fail; revocation reaches exactly the descendants', () => {
  fc.assert(
    fc.property(fc.array(operation, { maxLength: 80 }), (program) => {
      const table = new HandleTable();
      const model: ModelHandle[] = [];
      const byHandle = new Map<number, ModelHandle>();
      const isDescendant = (candidate: ModelHandle, ancestor: number): boolean => {
        for (let up: number | undefined = candidate.handle; up !== undefined; up = byHandle.get(up)!.parent) if (up === ancestor) return true;
        return false;
      };
      for (const op of program) {
        if (op.kind === 'create') {
          const object = {};
          const type = model.length % 2 === 0 ? 'volume' : 'model';
          const handle = table.create(object, type, op.rights);
          const entry: ModelHandle = { handle, parent: undefined, rights: op.rights, type, object, status: 'live' };
          model.push(entry);
          byHandle.set(handle, entry);
          continue;
        }
        if (model.length === 0) continue;
        const target = model[op.pick % model.length]!;
        if (op.kind === 'duplicate') {
          if (target.status !== 'live') assert.equal(errorCode(() => table.duplicate(target.handle, op.mask)), expectedError(target.status));
          else if (!hasRights(target.rights, Rights.DUPLICATE)) assert.equal(errorCode(() => table.duplicate(target.handle, op.mask)), 'handle.access_denied');
          else {
            const handle = table.duplicate(target.handle, op.mask);
            assert.ok(!byHandle.has(handle), 'handle reused');
            const entry: ModelHandle = { handle, parent: target.handle, rights: target.rights & op.mask, type: target.type, object: target.object, status: 'live' };
            model.push(entry);
            byHandle.set(handle, entry);
          }
        } else if (op.kind === 'close') {
          if (target.status !== 'live') assert.equal(errorCode(() => table.close(target.handle)), expectedError(target.status));
          else {
            table.close(target.handle);
            target.status = 'closed';
          }
        } else if (target.status !== 'live') {
          assert.equal(errorCode(() => table.revoke(target.handle)), expectedError(target.status));
        } else {
          const reached = model.filter((m) => m.status === 'live' && isDescendant(m, target.handle));
          assert.equal(table.revoke(target.handle), reached.length);
          for (const m of reached) m.status = 'revoked';
        }
        // invariants over every handle ever issued
        for (const m of model) {
          if (m.status === 'live') {
            assert.equal(table.lookup(m.handle, m.type, m.rights), m.object);
            const rights = table.rightsOf(m.handle);
            assert.equal(rights, m.rights);
            if (m.parent !== undefined) assert.equal(rights & ~byHandle.get(m.parent)!.rights, 0, 'a right the source lacked');
          } else {
            assert.equal(errorCode(() => table.lookup(m.handle, m.type, Rights.NONE)), expectedError(m.status));
          }
        }
        assert.equal(table.size, model.filter((m) => m.status === 'live').length);
      }
    }),
    { numRuns: 300 },
  );
});
