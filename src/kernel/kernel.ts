/**
 * The Kernel object and its entry point, `bootKernel`.
 *
 * bootKernel(magic, bootInfoBytes, machine) is what a Multiboot2 loader
 * jumps to. In order:
 *   1. klog (first, so everything after it is logged; time 0 = now)
 *   2. check the magic (boot.bad_magic), decode the boot information
 *      (boot.info_malformed), parse the command line (boot.config_invalid)
 *      and log what the loader passed: modules, memory map
 *   3. mm (the arena), handles, syscalls, the event bus, the scheduler with
 *      its watchdog — each logged as it comes up
 * Command-line options: loglevel=debug|info|notice|warn|error|panic|none,
 * quiet (= loglevel=warn), arena_mb=N (1…4096; default the largest
 * available memory region, at most 4 GiB), watchdog_ms=N (stuck threshold).
 *
 * shutdown(reason) and panic(reason, error?) are synchronous (see panic.ts
 * for why): they halt the scheduler, run the shutdown hooks newest first and
 * power the machine off, with 0 (1 if a hook failed) or PANIC_EXIT_CODE.
 * shutdownGracefully(reason) first lets the tasks stop (bounded).
 */

import { fail, formatBytes, formatDuration } from '../common/index.ts';
import type { Machine } from '../hal/index.ts';
import { availableBytes, checkModulesInMemory, describeModule, describeRegion, largestAvailableRegion, parseModule, summarizeMemoryMap, type KernelModule } from './boot/boot-modules.ts';
import { parseCommandLine, type CommandLine } from './boot/command-line.ts';
import { decodeBootInfo, MULTIBOOT2_BOOTLOADER_MAGIC, type BootInfo } from './boot/multiboot2.ts';
import { EventBus } from './bus/event-bus.ts';
import { HandleTable } from './handles/handle-table.ts';
import { Klog, LOG_LEVELS, type LogLevel } from './klog/klog.ts';
import { Arena } from './mm/arena.ts';
import { WASM_MAX_PAGES, WASM_PAGE_SIZE } from './mm/wasm-memory.ts';
import { describePanicCause, PANIC_EXIT_CODE, SHUTDOWN_HOOK_FAILED_EXIT_CODE, ShutdownHooks, type ShutdownHook } from './panic.ts';
import { Scheduler } from './sched/scheduler.ts';
import { SyscallTable } from './syscalls/syscall-table.ts';

const MiB = 2 ** 20;
const ARENA_MAX_BYTES = WASM_MAX_PAGES * WASM_PAGE_SIZE;
/** arena when the loader describes no memory at all [bytes] */
const ARENA_FALLBACK_BYTES = 256 * MiB;

export interface BootOptions {
  /** klog ring [entries]; default 4096 */
  readonly klogCapacity?: number;
  /** event-bus ring [events]; default 4096 */
  readonly busCapacity?: number;
  /** stop() patience per task [ms]; default 2000 */
  readonly stopTimeoutMs?: number;
}

export type KernelState = 'running' | 'shutting-down' | 'off' | 'panicked';

export interface KernelParts {
  readonly machine: Machine;
  readonly klog: Klog;
  readonly bootInfo: BootInfo;
  readonly commandLine: CommandLine;
  readonly arena: Arena;
  readonly handles: HandleTable;
  readonly syscalls: SyscallTable;
  readonly bus: EventBus;
  readonly scheduler: Scheduler;
}

export class Kernel implements KernelParts {
  readonly machine: Machine;
  readonly klog: Klog;
  readonly bootInfo: BootInfo;
  readonly commandLine: CommandLine;
  readonly arena: Arena;
  readonly handles: HandleTable;
  readonly syscalls: SyscallTable;
  readonly bus: EventBus;
  readonly scheduler: Scheduler;
  private readonly shutdownHooks = new ShutdownHooks();
  private currentState: KernelState = 'running';

  constructor(parts: KernelParts) {
    this.machine = parts.machine;
    this.klog = parts.klog;
    this.bootInfo = parts.bootInfo;
    this.commandLine = parts.commandLine;
    this.arena = parts.arena;
    this.handles = parts.handles;
    this.syscalls = parts.syscalls;
    this.bus = parts.bus;
    this.scheduler = parts.scheduler;
  }

  get state(): KernelState {
    return this.currentState;
  }

  /** boot modules, optionally only those of one role ('disk', 'model') */
  modules(role?: string): KernelModule[] {
    const all = this.bootInfo.modules.map(parseModule);
    return role === undefined ? all : all.filter((m) => m.role === role);
  }

  /** the one module of `role`; fails boot.module_missing */
  requireModule(role: string): KernelModule {
    return this.modules(role)[0] ?? fail('boot.module_missing', `boot: no '${role}' module was passed to the kernel`, { role });
  }

  /** run `hook` at shutdown or panic (newest first); returns an unregister function */
  onShutdown(name: string, hook: ShutdownHook): () => void {
    return this.shutdownHooks.register(name, hook);
  }

  /** clean power-off: halt tasks, run the hooks, power off with 0 (1 if a hook failed) */
  shutdown(reason: string): void {
    if (this.currentState !== 'running') return;
    this.currentState = 'shutting-down';
    this.klog.notice('kernel', `shutdown: ${reason}`);
    this.scheduler.halt();
    const failures = this.shutdownHooks.runAll(this.klog, 'error');
    this.klog.notice('kernel', failures === 0 ? 'power off' : `power off (${failures} shutdown hook${failures === 1 ? '' : 's'} failed)`);
    this.currentState = 'off';
    this.machine.powerOff(failures === 0 ? 0 : SHUTDOWN_HOOK_FAILED_EXIT_CODE);
  }

  /** let every task stop (each bounded by the scheduler's stop timeout), then shutdown(reason) */
  async shutdownGracefully(reason: string): Promise<void> {
    if (this.currentState !== 'running') return;
    this.klog.info('kernel', `stopping tasks before shutdown (${reason})`);
    await this.scheduler.shutdown();
    this.shutdown(reason);
  }

  /** halt after a fatal fault: log, run the hooks best-effort, power off with PANIC_EXIT_CODE */
  panic(reason: string, error?: unknown): void {
    if (this.currentState === 'panicked') {
      this.klog.panic('panic', `nested panic while halting: ${reason}`);
      return;
    }
    this.currentState = 'panicked';
    this.klog.panic('panic', `Kernel panic - not syncing: ${reason}`);
    for (const line of describePanicCause(error)) this.klog.panic('panic', line);
    try {
      this.scheduler.halt();
    } catch (e) {
      this.klog.panic('panic', `scheduler halt failed: ${String(e)}`);
    }
    const failures = this.shutdownHooks.runAll(this.klog, 'panic');
    if (failures > 0) this.klog.panic('panic', `${failures} shutdown hook${failures === 1 ? '' : 's'} failed`);
    this.klog.panic('panic', 'system halted');
    this.machine.powerOff(PANIC_EXIT_CODE);
  }
}

// ── boot ──────────────────────────────────────────────────────────────────

export function bootKernel(magic: number, bootInfoBytes: Uint8Array, machine: Machine, options: BootOptions = {}): Kernel {
  const klog = new Klog({ clock: machine.clock, console: machine.console, ...(options.klogCapacity === undefined ? {} : { capacity: options.klogCapacity }) });
  const started = machine.clock.now();
  try {
    return bringUp(klog, magic, bootInfoBytes, machine, options, started);
  } catch (e) {
    klog.error('boot', `boot failed: ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  }
}

function bringUp(klog: Klog, magic: number, bytes: Uint8Array, machine: Machine, options: BootOptions, started: number): Kernel {
  if (magic !== MULTIBOOT2_BOOTLOADER_MAGIC) {
    fail('boot.bad_magic', `boot: magic 0x${(magic >>> 0).toString(16).padStart(8, '0')} is not the Multiboot2 magic 0x36d76289`, { magic });
  }
  const bootInfo = decodeBootInfo(bytes);
  const commandLine = parseCommandLine(bootInfo.commandLine ?? '');
  const echoLevel = commandLine.flag('quiet') ? 'warn' : commandLine.choice<LogLevel | 'none'>('loglevel', [...LOG_LEVELS, 'none'], 'info');
  klog.setEchoLevel(echoLevel);
  checkModulesInMemory(bootInfo);

  klog.info('boot', `multiboot2 info ${bytes.length} bytes, loader '${bootInfo.bootLoaderName ?? 'unknown'}', cmdline '${commandLine.text}'`);
  for (const [index, module] of bootInfo.modules.map(parseModule).entries()) klog.info('boot', `module ${index}: ${describeModule(module)}`);
  if (bootInfo.basicMemory !== undefined) {
    klog.info('boot', `basic memory: lower ${bootInfo.basicMemory.lowerKiB} KiB, upper ${formatBytes(bootInfo.basicMemory.upperKiB * 1024)}`);
  }
  klog.info('boot', `memory map: ${summarizeMemoryMap(bootInfo.memoryMap)}`);
  for (const region of bootInfo.memoryMap) klog.debug('boot', `  ${describeRegion(region)}`);

  // mm
  const arenaLimit = arenaLimitBytes(bootInfo, commandLine);
  const arena = new Arena({ limitBytes: arenaLimit });
  klog.info('mm', `arena: shared WebAssembly memory, limit ${formatBytes(arenaLimit)} (${Math.ceil(arenaLimit / WASM_PAGE_SIZE)} pages of 64 KiB), grown on demand`);

  const handles = new HandleTable();
  klog.info('handles', 'handle table ready (rights shrink on duplicate, revocation follows the derivation tree)');
  const syscalls = new SyscallTable();
  klog.info('syscalls', 'syscall table ready');

  const bus = new EventBus({ clock: machine.clock, bootTime: klog.bootTime, ...(options.busCapacity === undefined ? {} : { capacity: options.busCapacity }) });
  klog.onEntry((entry) => {
    if (entry.level === 'warn' || entry.level === 'error' || entry.level === 'panic') {
      bus.publish('klog.alert', { level: entry.level, subsystem: entry.subsystem, message: entry.message });
    }
  });
  klog.info('bus', `event bus: ring of ${bus.capacity} events`);

  const stuckAfterMs = commandLine.integer('watchdog_ms', { min: 10, max: 3_600_000 }, 5000);
  const scheduler = new Scheduler(machine.clock, machine.timers, klog, {
    stuckAfterMs,
    ...(options.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: options.stopTimeoutMs }),
    onTaskState: (change) => bus.publish('task.state', change),
  });
  klog.info('sched', `scheduler ready: watchdog every ${formatDuration(scheduler.watchdogIntervalMs)}, stuck after ${formatDuration(stuckAfterMs)}`);

  const kernel = new Kernel({ machine, klog, bootInfo, commandLine, arena, handles, syscalls, bus, scheduler });
  klog.notice('kernel', `up in ${formatDuration(machine.clock.now() - started)}`);
  return kernel;
}

/** arena_mb= if given (checked against the memory the loader reported), else the largest available region, capped at 4 GiB */
function arenaLimitBytes(info: BootInfo, commandLine: CommandLine): number {
  const reported = info.memoryMap.length > 0 ? availableBytes(info.memoryMap) : info.basicMemory !== undefined ? info.basicMemory.upperKiB * 1024 : undefined;
  const requestedMb = commandLine.integer('arena_mb', { min: 1, max: ARENA_MAX_BYTES / MiB });
  if (requestedMb !== undefined) {
    const requested = requestedMb * MiB;
    if (reported !== undefined && requested > reported) {
      fail('boot.config_invalid', `kernel command line: arena_mb=${requestedMb} is more than the ${formatBytes(reported)} of memory the loader reported`, { option: 'arena_mb' });
    }
    return requested;
  }
  const largest = info.memoryMap.length > 0 ? largestAvailableRegion(info.memoryMap) : (reported ?? ARENA_FALLBACK_BYTES);
  return Math.min(ARENA_MAX_BYTES, Math.max(WASM_PAGE_SIZE, Math.floor(largest / WASM_PAGE_SIZE) * WASM_PAGE_SIZE));
}
