/**
 * The syscall table: one declaration per call (xv6 syscall.c, SerenityOS
 * Syscall.h), each naming the object type and the right it needs.
 *
 * dispatch(caller, name, handle, rawArgs), in this order:
 *   1. find the declaration               → 'syscall.unknown'
 *   2. check the caller's handle: alive, of the declared type, holding the
 *      declared right (before anything else runs or changes)
 *                                         → 'handle.*'
 *   3. decode the untyped arguments       → 'syscall.bad_args'
 *   4. call the handler (sync or async) with the object and typed args
 * Every ChimaeraError becomes an error Result. Anything else thrown is a bug
 * and propagates (the caller's panic path deals with it).
 */

import { ChimaeraError, err, fail, ok, type Result } from '../../common/index.ts';
import type { HandleTable } from '../handles/handle-table.ts';
import { formatRights, type RightsMask } from '../handles/rights.ts';
import { decodeShape, describeShape, type ArgsOf, type ArgShape } from './args.ts';

/** who is calling: whose handle table the handle is looked up in */
export interface SyscallCaller {
  readonly handles: HandleTable;
  /** for logs and audit: 'shell', 'cognition', 'tool:web.fetch', … */
  readonly principal?: string;
}

export interface SyscallContext {
  readonly caller: SyscallCaller;
  readonly syscall: string;
  readonly handle: number;
}

export interface SyscallDefinition<S extends ArgShape = ArgShape, O = unknown, R = unknown> {
  /** "subsystem.verb", e.g. 'fs.read' */
  readonly name: string;
  /** one line for the `syscalls` listing */
  readonly summary: string;
  /** the handle must refer to an object of this type */
  readonly objectType: string;
  /** …and hold these rights (Rights.NONE for none) */
  readonly right: RightsMask;
  readonly args: S;
  readonly handler: (context: SyscallContext, object: O, args: ArgsOf<S>) => R | Promise<R>;
}

/** a table holds calls of every shape, so its entries are typed loosely */
type AnySyscall = SyscallDefinition<any, any, any>;

const NAME_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/**
 * Declare a syscall. The handler's `args` type is inferred from `args`;
 * annotate the handler's `object` parameter with the object's type.
 */
export function defineSyscall<S extends ArgShape, O, R>(definition: SyscallDefinition<S, O, R>): SyscallDefinition<S, O, R> {
  if (!NAME_PATTERN.test(definition.name)) throw new Error(`syscall name '${definition.name}' is not of the form subsystem.verb`);
  return definition;
}

export interface SyscallInfo {
  readonly name: string;
  readonly objectType: string;
  readonly right: RightsMask;
  /** "READ|WRITE" */
  readonly rightsText: string;
  readonly summary: string;
  /** "path: a string of at most 4096 chars; …" */
  readonly args: string;
  /** dispatches that reached the handle check */
  readonly calls: number;
  /** of those, how many returned an error */
  readonly failures: number;
}

interface TableEntry {
  readonly definition: AnySyscall;
  calls: number;
  failures: number;
}

export class SyscallTable {
  private readonly entries = new Map<string, TableEntry>();

  register(definition: AnySyscall): void {
    if (!NAME_PATTERN.test(definition.name)) throw new Error(`syscall name '${definition.name}' is not of the form subsystem.verb`);
    if (this.entries.has(definition.name)) fail('syscall.exists', `syscall '${definition.name}' is already registered`, { name: definition.name });
    this.entries.set(definition.name, { definition, calls: 0, failures: 0 });
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  get size(): number {
    return this.entries.size;
  }

  async dispatch(caller: SyscallCaller, name: string, handle: number, rawArgs: unknown): Promise<Result<unknown>> {
    const entry = this.entries.get(name);
    if (entry === undefined) return err(new ChimaeraError('syscall.unknown', `no syscall named '${name}'`, { detail: { name } }));
    const { definition } = entry;
    entry.calls++;
    try {
      const object: unknown = caller.handles.lookup(handle, definition.objectType, definition.right);
      let args: Record<string, unknown>;
      try {
        args = decodeShape(definition.args, rawArgs);
      } catch (e) {
        if (e instanceof ChimaeraError) throw new ChimaeraError(e.code, `${name}: ${e.message}`, { detail: { ...e.detail, syscall: name } });
        throw e;
      }
      const value: unknown = await definition.handler({ caller, syscall: name, handle }, object, args);
      return ok(value);
    } catch (e) {
      if (!(e instanceof ChimaeraError)) throw e;
      entry.failures++;
      return err(e);
    }
  }

  /** every syscall, by name, for the `syscalls` shell command */
  list(): SyscallInfo[] {
    return [...this.entries.values()]
      .map(({ definition, calls, failures }) => ({
        name: definition.name,
        objectType: definition.objectType,
        right: definition.right,
        rightsText: formatRights(definition.right),
        summary: definition.summary,
        args: describeShape(definition.args),
        calls,
        failures,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
