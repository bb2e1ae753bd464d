import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../common/index.ts';
import { MemoryMachine } from '../hal/memory/index.ts';
import { encodeBootInfo, MemoryRegionType, MULTIBOOT2_BOOTLOADER_MAGIC, type BootInfo } from './boot/multiboot2.ts';
import { Rights } from './handles/rights.ts';
import { bootKernel } from './kernel.ts';
import { KERNEL_OBJECT_TYPE, registerKernelSyscalls } from './kernel-syscalls.ts';
import { PANIC_EXIT_CODE } from './panic.ts';

const MiB = 2 ** 20;


function bootInfo(commandLine = 'chimaera loglevel=info arena_mb=64', overrides: Partial<BootInfo> = {}): BootInfo {
  return {
    commandLine,
    bootLoaderName: 'test-loader 1.0',
    modules: [
      { start: 0x100000, end: 0x180000, string: 'disk /x/chimaera.img' },
      { start: 0x180000, end: 0x190000, string: 'model /x/qwen.gguf' },
    ],
    basicMemory: { lowerKiB: 639, upperKiB: 256 * 1024 },
    memoryMap: [
      { base: 0, length: 0x9fc00, type: MemoryRegionType.AVAILABLE },
      { base: 0x9fc00, length: 0x100000 - 0x9fc00, type: MemoryRegionType.RESERVED },
      { base: 0x100000, length: 0x90000, type: MemoryRegionType.RESERVED },
      { base: 0x190000, length: 256 * MiB, type: MemoryRegionType.AVAILABLE },
    ],
    ...overrides,
  };
}

function boot(commandLine?: string, overrides?: Partial<BootInfo>) {
  const machine = new MemoryMachine();
  const kernel = bootKernel(MULTIBOOT2_BOOTLOADER_MAGIC, encodeBootInfo(bootInfo(commandLine, overrides)), machine);
  return { machine, kernel };
}

test('boot brings every subsystem up and logs it dmesg-style', () => {
  const { kernel, machine } = boot();
  const text = machine.console.text;
  assert.match(text, /^\[ {4}0\.000000\] boot: multiboot2 info \d+ bytes, loader 'test-loader 1\.0', cmdline 'chimaera loglevel=info arena_mb=64'$/m);
  assert.match(text, /boot: module 0: disk \/x\/chimaera\.img \[0x00100000-0x00180000\) 512 KiB/);
  assert.match(text, /boot: memory map: 4 regions: 257 MiB available, 961 KiB reserved/);
  for (const subsystem of ['mm', 'handles', 'syscalls', 'bus', 'sched', 'kernel']) assert.match(text, new RegExp(`\\] ${subsystem}: `));
  assert.equal(kernel.arena.limitBytes, 64 * MiB);
  assert.equal(kernel.commandLine.program, 'chimaera');
  assert.deepEqual(kernel.modules('model'), [{ role: 'model', name: '/x/qwen.gguf', start: 0x180000, end: 0x190000, string: 'model /x/qwen.gguf' }]);
  assert.equal(kernel.modules().length, 2);
  assert.equal(kernel.requireModule('disk').name, '/x/chimaera.img');
  assert.throws(() => kernel.requireModule('camera'), (e) => isChimaeraError(e, 'boot.module_missing'));
  assert.equal(kernel.state, 'running');
  kernel.scheduler.halt();
});

test('arena defaults to the largest available region; quiet and loglevel set the echo', () => {
  const { kernel, machine } = boot('chimaera quiet');
  assert.equal(kernel.arena.limitBytes, 256 * MiB);
  assert.equal(machine.console.text, '', 'quiet echoes only warnings');
  assert.ok(kernel.klog.size > 5, 'but everything is in the ring');
  kernel.scheduler.halt();
});

test('bad magic, malformed info and bad options fail with clear errors', () => {
  const machine = new MemoryMachine();
  const good = encodeBootInfo(bootInfo());
  assert.throws(() => bootKernel(0x2badb002, good, machine), (e) => isChimaeraError(e, 'boot.bad_magic') && /0x2badb002/.test(e.message));
  assert.match(machine.console.text, /boot: boot failed: boot: magic 0x2badb002/);
  assert.throws(() => bootKernel(MULTIBOOT2_BOOTLOADER_MAGIC, good.subarray(0, good.length - 8), machine), (e) => isChimaeraError(e, 'boot.info_malformed'));
  const withInfo = (commandLine: string, overrides?: Partial<BootInfo>) => () => bootKernel(MULTIBOOT2_BOOTLOADER_MAGIC, encodeBootInfo(bootInfo(commandLine, overrides)), new MemoryMachine());
  assert.throws(withInfo('chimaera arena_mb=lots'), (e) => isChimaeraError(e, 'boot.config_invalid') && /arena_mb=lots/.test(e.message));
  assert.throws(withInfo('chimaera arena_mb=1024'), (e) => isChimaeraError(e, 'boot.config_invalid') && /more than the/.test(e.message));
  assert.throws(withInfo('chimaera loglevel=chatty'), (e) => isChimaeraError(e, 'boot.config_invalid'));
  assert.throws(withInfo('chimaera', { modules: [{ start: 0x10000000, end: 0x20000000, string: 'disk /far' }] }), (e) => isChimaeraError(e, 'boot.module_out_of_range'));
});

test('warnings reach the bus as klog.alert; task life as task.state', async () => {
  const { kernel } = boot();
  const alerts = kernel.bus.subscribe(['klog.alert']);
  const tasks = kernel.bus.subscribe(['task.state']);
  kernel.klog.info('x', 'not an alert');
  kernel.klog.warn('fs', 'disk nearly full');
  kernel.scheduler.spawn({
    name: 'oops',
    run: () => {
      throw new Error('bad');
    },
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(
    alerts.poll().map((e) => e.payload),
    [
      { level: 'warn', subsystem: 'fs', message: 'disk nearly full' },
      { level: 'error', subsystem: 'sched', message: "task 'oops' failed: bad" },
    ],
  );
  assert.deepEqual(tasks.poll().map((e) => e.payload.state), ['started', 'failed']);
  kernel.scheduler.halt();
});

test('kernel syscalls answer through the table with a kernel handle', async () => {
  const { kernel } = boot();
  registerKernelSyscalls(kernel);
  const handle = kernel.handles.create(kernel, KERNEL_OBJECT_TYPE, Rights.READ);
  const caller = { handles: kernel.handles };
  kernel.arena.alloc(3 * MiB, 'llm');
  const meminfo = await kernel.syscalls.dispatch(caller, 'mm.info', handle, {});
  assert.ok(meminfo.ok && /llm +3\.0 MiB {2}1/.test(meminfo.value as string));
  const dmesg = await kernel.syscalls.dispatch(caller, 'klog.read', handle, { subsystem: 'mm' });
  assert.ok(dmesg.ok && (dmesg.value as string[]).every((line) => line.includes('] mm: ')));
  const stop = await kernel.syscalls.dispatch(caller, 'sched.stop', handle, { task: 'x' });
  assert.ok(!stop.ok && stop.error.code === 'handle.access_denied', 'stopping tasks needs MANAGE');
  const listing = await kernel.syscalls.dispatch(caller, 'kernel.syscalls', handle, {});
  assert.ok(listing.ok && (listing.value as { name: string; right: string }[]).some((s) => s.name === 'sched.stop' && s.right === 'MANAGE'));
  kernel.scheduler.halt();
});

test('shutdown halts tasks, runs hooks newest first, powers off with 0', async () => {
  const { kernel, machine } = boot();
  const order: string[] = [];
  kernel.onShutdown('fs', () => order.push('fs'));
  kernel.onShutdown('llm', () => order.push('llm'));
  const removed = kernel.onShutdown('gone', () => order.push('gone'));
  removed();
  kernel.scheduler.spawn({ name: 'daemon', kind: 'daemon', run: (ctx) => ctx.sleep(60_000) });
  await new Promise((resolve) => setImmediate(resolve));
  kernel.shutdown('test over');
  assert.deepEqual(order, ['llm', 'fs']);
  assert.deepEqual(machine.powerOffs, [0]);
  assert.equal(kernel.state, 'off');
  assert.equal(kernel.scheduler.ps()[0]!.state, 'stopped');
  assert.equal(machine.clock.pendingCount, 0, 'no timers left running');
  kernel.shutdown('again');
  assert.deepEqual(machine.powerOffs, [0], 'shutdown happens once');
});

test('panic logs the reason, runs every hook even if one throws, and powers off non-zero', () => {
  const { kernel, machine } = boot();
  const ran: string[] = [];
  kernel.onShutdown('fs', () => ran.push('fs'));
  kernel.onShutdown('broken', () => {
    throw new Error('hook exploded');
  });
  kernel.onShutdown('llm', () => ran.push('llm'));
  kernel.panic('invariant violated in test', new TypeError('x is undefined'));
  assert.deepEqual(ran, ['llm', 'fs']);
  assert.deepEqual(machine.powerOffs, [PANIC_EXIT_CODE]);
  assert.equal(kernel.state, 'panicked');
  const panicLines = kernel.klog.dmesg({ level: 'panic' });
  assert.match(panicLines[0]!, /panic: Kernel panic - not syncing: invariant violated in test$/);
  assert.match(panicLines[1]!, /panic: cause: TypeError: x is undefined$/);
  assert.ok(panicLines.some((line) => /kernel: shutdown hook 'broken' failed: Error: hook exploded$/.test(line)));
  assert.match(panicLines.at(-1)!, /panic: system halted$/);
  assert.match(machine.console.text, /panic: system halted\n$/);
  kernel.panic('second fault');
  assert.deepEqual(machine.powerOffs, [PANIC_EXIT_CODE], 'a nested panic does not power off twice');
});
