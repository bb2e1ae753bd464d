/**
 * kernel — layer 2: Multiboot2 boot information, klog, the memory arena,
 * handles and rights, the syscall table, the scheduler with its watchdog,
 * the event bus, panic, and the Kernel object that holds them all.
 * Imports common and hal only.
 */

// boot
export {
  MULTIBOOT2_BOOTLOADER_MAGIC,
  MemoryRegionType,
  memoryRegionTypeName,
  encodeBootInfo,
  encodeBootInfoInto,
  decodeBootInfo,
  decodeBootInfoAt,
  encodingLength,
  type BootInfo,
  type BootModule,
  type MemoryRegion,
} from './boot/multiboot2.ts';
export { parseCommandLine, CommandLine } from './boot/command-line.ts';
export type { KernelModule } from './boot/boot-modules.ts';

// klog
export { Klog, LOG_LEVELS, levelRank, formatLogEntry, type LogLevel, type LogEntry, type LogFilter, type LogLineFormat, type KlogOptions } from './klog/klog.ts';

// mm
export { Arena, formatMeminfo, type Allocation, type MemInfo, type OwnerUsage, type ArenaOptions, type AllocationContents } from './mm/arena.ts';
export { WASM_PAGE_SIZE, WASM_MAX_PAGES, type WasmMemory } from './mm/wasm-memory.ts';

// handles
export { Rights, ALL_RIGHTS, RIGHT_NAMES, hasRights, rightNames, formatRights, type RightName, type RightsMask } from './handles/rights.ts';
export { HandleTable, type HandleInfo } from './handles/handle-table.ts';

// syscalls
export { arg, Arg, decodeShape, describeShape, type ArgShape, type ArgsOf, type InferArg } from './syscalls/args.ts';
export { defineSyscall, SyscallTable, type SyscallCaller, type SyscallContext, type SyscallDefinition, type SyscallInfo } from './syscalls/syscall-table.ts';

// sched
export { Scheduler, type SchedulerOptions } from './sched/scheduler.ts';
export { PRIORITIES, type PriorityName, type TaskPriority, type TaskKind, type TaskState, type TaskContext, type TaskSpec, type TaskInfo, type TaskStateChange } from './sched/task.ts';

// bus
export { EventBus, type Subscription, type SubscribeOptions, type TopicEvent, type BusStats, type SubscriberStats, type EventBusOptions } from './bus/event-bus.ts';

// panic, kernel
export { PANIC_EXIT_CODE, SHUTDOWN_HOOK_FAILED_EXIT_CODE, describeError, type ShutdownHook } from './panic.ts';
export { Kernel, bootKernel, type BootOptions, type KernelState, type KernelParts } from './kernel.ts';
export { KERNEL_OBJECT_TYPE, KERNEL_SYSCALLS, registerKernelSyscalls } from './kernel-syscalls.ts';
