/**
 * Errors as data: one registry of stable error codes for the whole system.
 *
 * Every expected failure that crosses a subsystem boundary is a
 * `ChimaeraError` whose `code` comes from `ERROR_CODES` below. A code never
 * changes meaning once shipped; its `id` is the number the syscall ABI
 * returns, and its `hint` tells the user what to do about it. The message
 * carries the specifics ("chimaera.img: FAT copy 2 disagrees with copy 1 at
 * sector 38").
 *
 * Broken invariants (bugs) are not ChimaeraErrors: they are panics.
 *
 * Adding a code: append it to its section with the next free id of that
 * section. Never reuse or renumber an id.
 */

export interface ErrorCodeInfo {
  /** stable numeric id, unique across the registry */
  readonly id: number;
  /** what the user can do about it */
  readonly hint: string;
}

export const ERROR_CODES = {
  // ── general (1xx) ────────────────────────────────────────────────────────
  'arg.invalid': { id: 100, hint: 'Check the value against the command or syscall documentation.' },
  'arg.missing': { id: 101, hint: 'Supply the missing argument; `help` lists what each command takes.' },
  'internal': { id: 102, hint: 'This is a bug in ChimaeraOS; please report it with the dmesg output.' },
  'cancelled': { id: 103, hint: 'The operation was cancelled before it finished; run it again if you still need it.' },
  'timeout': { id: 104, hint: 'The operation took too long; retry, or raise the time limit.' },
  'unsupported': { id: 105, hint: 'This feature or format variant is not supported yet.' },

  // ── boot (2xx) ───────────────────────────────────────────────────────────
  'boot.bad_magic': { id: 200, hint: 'The kernel must be entered by a Multiboot2 loader (magic 0x36d76289).' },
  'boot.info_malformed': { id: 201, hint: 'The boot-information structure is damaged; rebuild it with the loader.' },
  'boot.module_missing': { id: 202, hint: 'Pass the module to the loader (for example --disk PATH or --model PATH).' },
  'boot.module_out_of_range': { id: 203, hint: 'A boot module lies outside the memory the loader described.' },
  'boot.config_invalid': { id: 204, hint: 'Fix the kernel command line or the config option named in the message.' },

  // ── kernel: memory, handles, syscalls, scheduler, bus (3xx) ────────────
  'mm.out_of_memory': { id: 300, hint: 'The kernel arena is full; free memory (unload a model) or boot with a larger arena (--arena-mb).' },
  'mm.bad_free': { id: 301, hint: 'The allocation was already freed or never existed; this is a bug in the caller.' },
  'mm.too_large': { id: 302, hint: 'The request exceeds the arena limit; use a smaller model or a larger arena.' },
  'handle.invalid': { id: 310, hint: 'The handle does not exist or was closed; obtain a new one.' },
  'handle.revoked': { id: 311, hint: 'The handle was revoked by its grantor; request access again.' },
  'handle.access_denied': { id: 312, hint: 'The handle lacks the right this operation needs; ask for a handle with that right.' },
  'handle.wrong_type': { id: 313, hint: 'The handle refers to a different kind of object than this operation expects.' },
  'syscall.unknown': { id: 320, hint: 'No syscall has that name; see the syscall table (`syscalls` in the shell).' },
  'syscall.bad_args': { id: 321, hint: 'The syscall arguments do not match its declaration; see the message for which one.' },
  'syscall.exists': { id: 322, hint: 'Two subsystems registered the same syscall name; this is a bug in the boot wiring.' },
  'sched.task_exists': { id: 330, hint: 'A task with this name is already running; stop it first or pick another name.' },
  'sched.no_such_task': { id: 331, hint: 'No task has that name or id; `ps` lists the running tasks.' },
  'sched.shut_down': { id: 332, hint: 'The scheduler has shut down (the system is halting); no new tasks can start.' },
  'bus.closed': { id: 340, hint: 'The subscription was closed; subscribe again.' },

  // ── block devices (4xx) ──────────────────────────────────────────────────
  'dev.out_of_range': { id: 400, hint: 'The access runs past the end of the device; the image may be truncated.' },
  'dev.io': { id: 401, hint: 'The host could not read or write the disk image; check the file and its permissions.' },
  'dev.misaligned': { id: 402, hint: 'Block I/O must be a whole number of sectors; this is a bug in the caller.' },
  'dev.read_only': { id: 403, hint: 'The device was opened read-only.' },
  'dev.busy': { id: 404, hint: 'Another ChimaeraOS instance holds the disk image; shut it down first.' },

  // ── file system (5xx) ────────────────────────────────────────────────────
  'fs.not_found': { id: 500, hint: 'Check the path; `ls` shows what the directory holds.' },
  'fs.exists': { id: 501, hint: 'Something already has that name; remove it or choose another name.' },
  'fs.not_dir': { id: 502, hint: 'A component of the path is a file, not a directory.' },
  'fs.is_dir': { id: 503, hint: 'The path names a directory; use a directory operation (ls, rmdir).' },
  'fs.not_empty': { id: 504, hint: 'Remove the directory contents first (or use the recursive option).' },
  'fs.no_space': { id: 505, hint: 'The volume is full; delete files or create a larger disk (--disk-size).' },
  'fs.name_invalid': { id: 506, hint: 'FAT names may not contain " * / : < > ? \\ | or control characters, and are at most 255 UTF-16 units.' },
  'fs.read_only': { id: 507, hint: 'The volume is mounted read-only.' },
  'fs.corrupt': { id: 508, hint: 'The volume is damaged; run `chimaera disk fsck IMAGE` (or fsck.fat) to see what is wrong.' },
  'fs.not_fat32': { id: 509, hint: 'The image is not a FAT32 volume; format it with `chimaera disk mkfs IMAGE`.' },
  'fs.file_too_large': { id: 510, hint: 'FAT32 files are limited to 4 GiB - 1 byte.' },
  'fs.busy': { id: 511, hint: 'The file is open elsewhere; close it first.' },
  'fs.unmounted': { id: 512, hint: 'The volume was unmounted; mount it again.' },
  'fs.path_invalid': { id: 513, hint: 'Paths are absolute and use / as separator, for example /home/notes.txt.' },

  // ── record log (6xx) ─────────────────────────────────────────────────────
  'log.full': { id: 600, hint: 'The log reached its capacity; rotate it or give it more space.' },
  'log.record_too_large': { id: 601, hint: 'A single record must fit in the log segment; split the payload.' },
  'log.corrupt': { id: 602, hint: 'The log header is damaged; the log cannot be opened safely.' },
  'log.closed': { id: 603, hint: 'The log was closed; open it again.' },
  'log.record_not_json': { id: 604, hint: 'The record is not the JSON this log expects; read it as raw bytes (records()) to inspect it.' },

  // ── shell and command line (9xx) ─────────────────────────────────────────
  'cli.usage': { id: 900, hint: 'Run `chimaera help` for the commands and their arguments.' },
  'cli.host_io': { id: 901, hint: 'Check that the host path exists and is readable/writable.' },
  'shell.unknown_command': { id: 910, hint: 'Type `help` for the list of commands.' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A failure a caller can expect and act on. */
export class ChimaeraError extends Error {
  readonly code: ErrorCode;
  /** extra structured facts (offsets, sizes, names) for logs and tests */
  readonly detail: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options?: { detail?: Record<string, unknown>; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChimaeraError';
    this.code = code;
    this.detail = options?.detail;
  }

  get id(): number {
    return ERROR_CODES[this.code].id;
  }

  get hint(): string {
    return ERROR_CODES[this.code].hint;
  }

  /** "fs.not_found: /home/x.txt does not exist (hint: Check the path; …)" */
  describe(): string {
    return `${this.code}: ${this.message}\n  hint: ${this.hint}`;
  }
}

/** Throw a typed error in one expression. */
export function fail(code: ErrorCode, message: string, detail?: Record<string, unknown>): never {
  throw new ChimaeraError(code, message, detail === undefined ? undefined : { detail });
}

export function isChimaeraError(value: unknown, code?: ErrorCode): value is ChimaeraError {
  return value instanceof ChimaeraError && (code === undefined || value.code === code);
}

// ── Result: the shape that crosses the syscall boundary ────────────────────

export type Result<T, E = ChimaeraError> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): Result<T, never> {
  return { ok: true, value };
}

export function err<E>(error: E): Result<never, E> {
  return { ok: false, error };
}

/**
 * Run `fn`, turning a thrown ChimaeraError into an error result. Anything
 * else thrown is a bug and is re-thrown so it reaches the panic path.
 */
export function attempt<T>(fn: () => T): Result<T> {
  try {
    return ok(fn());
  } catch (e) {
    if (e instanceof ChimaeraError) return err(e);
    throw e;
  }
}

/** Async twin of `attempt`. */
export async function attemptAsync<T>(fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return ok(await fn());
  } catch (e) {
    if (e instanceof ChimaeraError) return err(e);
    throw e;
  }
}
