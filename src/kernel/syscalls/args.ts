/**
 * A tiny schema language for syscall arguments. A schema DECODES an
 * untyped value (from the shell, the LLM's tool call, a test) into a typed
 * one, or fails 'syscall.bad_args' naming the argument and what it expected:
 *
 *   const args = { path: arg.string({ maxLength: 4096 }), offset: arg.integer({ min: 0 }).optional() };
 *   decodeArgs(args, { path: '/home/a' }, 'fs.read')   // → { path: string; offset?: number }
 *
 * Kinds: string, integer, number, boolean, bytes (Uint8Array), enum, array,
 * object; modifiers .optional() and .default(value).
 */

import { fail } from '../../common/index.ts';

export class Arg<T> {
  /** "string (at most 4096 chars)", for `syscalls` listings */
  readonly description: string;
  readonly isOptional: boolean;
  private readonly decoder: (value: unknown, name: string) => T;

  constructor(description: string, decoder: (value: unknown, name: string) => T, isOptional = false) {
    this.description = description;
    this.decoder = decoder;
    this.isOptional = isOptional;
  }

  /** decode `value`; `name` is the argument's path for messages ("path", "items[2]") */
  decode(value: unknown, name: string): T {
    return this.decoder(value, name);
  }

  /** absent (undefined) is allowed and decodes to undefined */
  optional(): Arg<T | undefined> {
    return new Arg<T | undefined>(`${this.description}, optional`, (value, name) => (value === undefined ? undefined : this.decoder(value, name)), true);
  }

  /** absent decodes to `value` */
  default(value: T): Arg<T> {
    return new Arg<T>(`${this.description}, default ${JSON.stringify(value)}`, (raw, name) => (raw === undefined ? value : this.decoder(raw, name)), true);
  }
}

export type ArgShape = Readonly<Record<string, Arg<unknown>>>;
export type InferArg<A> = A extends Arg<infer T> ? T : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** the typed argument object a shape decodes to (optional args become optional keys) */
export type ArgsOf<S extends ArgShape> = Simplify<
  { [K in keyof S as undefined extends InferArg<S[K]> ? never : K]: InferArg<S[K]> } & {
    [K in keyof S as undefined extends InferArg<S[K]> ? K : never]?: InferArg<S[K]>;
  }
>;

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'string') return `a string of ${value.length} chars`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

function badArg(name: string, expected: string, value: unknown): never {
  return fail('syscall.bad_args', `argument '${name}' must be ${expected}, got ${describeValue(value)}`, { argument: name });
}

function rangeText(what: string, min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${what} from ${min} to ${max}`;
  if (min !== undefined) return `${what} of at least ${min}`;
  if (max !== undefined) return `${what} of at most ${max}`;
  return what;
}

function lengthText(what: string, unit: string, min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${what} of ${min} to ${max} ${unit}`;
  if (min !== undefined) return `${what} of at least ${min} ${unit}`;
  if (max !== undefined) return `${what} of at most ${max} ${unit}`;
  return what;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** decode an object of arguments against `shape`; unknown keys are refused */
export function decodeShape<S extends ArgShape>(shape: S, value: unknown, prefix = ''): ArgsOf<S> {
  const record = value === undefined ? {} : value;
  if (!isPlainObject(record)) return badArg(prefix === '' ? '(arguments)' : prefix.slice(0, -1), 'an object of named arguments', value);
  for (const key of Object.keys(record)) {
    if (!Object.hasOwn(shape, key)) {
      fail('syscall.bad_args', `unknown argument '${prefix}${key}' (known: ${Object.keys(shape).join(', ') || 'none'})`, { argument: `${prefix}${key}` });
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(shape)) {
    const raw = record[key];
    if (raw === undefined && !schema.isOptional) fail('syscall.bad_args', `argument '${prefix}${key}' (${schema.description}) is missing`, { argument: `${prefix}${key}` });
    const decoded = schema.decode(raw, `${prefix}${key}`);
    if (decoded !== undefined) out[key] = decoded;
  }
  return out as ArgsOf<S>;
}

export const arg = {
  string(options: { minLength?: number; maxLength?: number; pattern?: RegExp } = {}): Arg<string> {
    let expected = lengthText('a string', 'chars', options.minLength, options.maxLength);
    if (options.pattern !== undefined) expected += ` matching ${String(options.pattern)}`;
    return new Arg(expected, (value, name) => {
      if (typeof value !== 'string') return badArg(name, expected, value);
      if (options.minLength !== undefined && value.length < options.minLength) return badArg(name, expected, value);
      if (options.maxLength !== undefined && value.length > options.maxLength) return badArg(name, expected, value);
      if (options.pattern !== undefined && !options.pattern.test(value)) return badArg(name, expected, value);
      return value;
    });
  },

  /** a safe integer (a number with no fraction) */
  integer(options: { min?: number; max?: number } = {}): Arg<number> {
    const expected = rangeText('an integer', options.min, options.max);
    return new Arg(expected, (value, name) => {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return badArg(name, expected, value);
      if ((options.min !== undefined && value < options.min) || (options.max !== undefined && value > options.max)) return badArg(name, expected, value);
      return value;
    });
  },

  /** a finite number */
  number(options: { min?: number; max?: number } = {}): Arg<number> {
    const expected = rangeText('a finite number', options.min, options.max);
    return new Arg(expected, (value, name) => {
      if (typeof value !== 'number' || !Number.isFinite(value)) return badArg(name, expected, value);
      if ((options.min !== undefined && value < options.min) || (options.max !== undefined && value > options.max)) return badArg(name, expected, value);
      return value;
    });
  },

  boolean(): Arg<boolean> {
    return new Arg('a boolean', (value, name) => (typeof value === 'boolean' ? value : badArg(name, 'a boolean', value)));
  },

  bytes(options: { maxLength?: number } = {}): Arg<Uint8Array> {
    const expected = lengthText('bytes (Uint8Array)', 'bytes', undefined, options.maxLength);
    return new Arg(expected, (value, name) => {
      if (!(value instanceof Uint8Array)) return badArg(name, expected, value);
      if (options.maxLength !== undefined && value.length > options.maxLength) return badArg(name, expected, value);
      return value;
    });
  },

  enum<const V extends string>(values: readonly V[]): Arg<V> {
    const expected = `one of ${values.map((v) => `'${v}'`).join(', ')}`;
    return new Arg(expected, (value, name) => ((values as readonly unknown[]).includes(value) ? (value as V) : badArg(name, expected, value)));
  },

  array<T>(item: Arg<T>, options: { maxLength?: number } = {}): Arg<T[]> {
    const expected = lengthText(`an array of ${item.description}`, 'items', undefined, options.maxLength);
    return new Arg(expected, (value, name) => {
      if (!Array.isArray(value)) return badArg(name, expected, value);
      if (options.maxLength !== undefined && value.length > options.maxLength) return badArg(name, expected, value);
      return value.map((element, index) => item.decode(element, `${name}[${index}]`));
    });
  },

  object<S extends ArgShape>(shape: S): Arg<ArgsOf<S>> {
    const expected = `an object {${Object.keys(shape).join(', ')}}`;
    return new Arg(expected, (value, name) => {
      if (!isPlainObject(value)) return badArg(name, expected, value);
      return decodeShape(shape, value, `${name}.`);
    });
  },
};

/** "path: string of at most 4096 chars; offset: integer of at least 0, optional" */
export function describeShape(shape: ArgShape): string {
  return Object.entries(shape)
    .map(([key, schema]) => `${key}: ${schema.description}`)
    .join('; ');
}
