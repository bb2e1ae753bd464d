/**
 * The kernel's own syscalls, on a handle of type 'kernel' (the Kernel
 * object): what the shell's dmesg, meminfo, ps, syscalls, handles and bus
 * commands call. Reading needs READ; stopping a task needs MANAGE.
 */

import { LOG_LEVELS } from './klog/klog.ts';
import type { Kernel } from './kernel.ts';
import { Rights } from './handles/rights.ts';
import { formatMeminfo } from './mm/arena.ts';
import { arg } from './syscalls/args.ts';
import { defineSyscall } from './syscalls/syscall-table.ts';

/** the object type of a handle to the kernel itself */
export const KERNEL_OBJECT_TYPE = 'kernel';

export const KERNEL_SYSCALLS = [
  defineSyscall({
    name: 'klog.read',
    summary: 'kernel log lines, dmesg-style (level, subsystem and last filter)',
    objectType: KERNEL_OBJECT_TYPE,
    right: Rights.READ,
    args: { level: arg.enum(LOG_LEVELS).optional(), subsystem: arg.string({ maxLength: 64 }).optional(), last: arg.integer({ min: 1 }).optional() },
    handler: (_context, kernel: Kernel, args) => kernel.klog.dmesg(args),
  }),
  defineSyscall({
    name: 'mm.info',
    summary: 'the memory arena: limit, committed, used, free, per owner (text)',
    objectType: KERNEL_OBJECT_TYPE,
    right: Rights.READ,
    args: {},
    handler: (_context, kernel: Kernel) => formatMeminfo(kernel.arena.meminfo()),
  }),
  defineSyscall({
    name: 'mm.stats',
    summary: 'the memory arena as numbers',
    objectType: KERNEL_OBJECT_TYPE,
    right: Rights.READ,
    args: {},
    handler: (_context, kernel: Kernel) => kernel.arena.meminfo(),
  }),
  defineSyscall({
    name: 'sched.ps',
    summary: 'kernel tasks and daemons: state, runs, CPU time, stuck flag',
    objectType: KERNEL_OBJECT_TYPE,
    right: Rights.READ,
    args: {},
    handler: (_context, kernel: Kernel) => kernel.scheduler.ps(),
  }),
  defineSyscall({
    name: 'sched.stop',
    summary: 'stop a task by name (waits for it, bounded)',
    objectType: KERNEL_OBJECT_TYPE,
    right: Rights.MANAGE,
    args: { task: arg.string({ minLength: 1, maxLength: 128 }) },
    handler: (_context, kernel: Kernel, args) => kernel.scheduler.stop(args.task),
  }),
  defineSyscall({
    name: 'kernel.syscalls',
    summary: 'the syscall table: name, right needed, summary',
    objectType: KERNEL_OBJECT_TYPE,
    right: Rights.READ,
    args: {},
    handler: (_context, kernel: Kernel) =>
      kernel.syscalls.list().map((s) => ({ name: s.name, objectType: s.objectType, right: s.rightsText, summary: s.summary, args: s.args, calls: s.calls, failures: s.failures })),
  }),
  defineSyscall({
    name: 'kernel.handles',
    summary: 'live handles: number, type, rights, where derived from',
    objectType: KERNEL_OBJECT_TYPE,
    right: Rights.READ,
    args: {},
    handler: (_context, kernel: Kernel) =>
      kernel.handles.list().map((h) => ({ handle: h.handle, type: h.type, rights: h.rightsText, depth: h.depth, ...(h.parent === undefined ? {} : { parent: h.parent }) })),
  }),
  defineSyscall({
    name: 'bus.stats',
    summary: 'event bus: published, capacity, per-subscriber drops',
    objectType: KERNEL_OBJECT_TYPE,
    right: Rights.READ,
    args: {},
    handler: (_context, kernel: Kernel) => kernel.bus.stats(),
  }),
];

/** register KERNEL_SYSCALLS in the kernel's table */
export function registerKernelSyscalls(kernel: Kernel): void {
  for (const definition of KERNEL_SYSCALLS) kernel.syscalls.register(definition);
}
