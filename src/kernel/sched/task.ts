/**
 * Kernel task shapes: what `Scheduler.spawn` takes, what a task's run sees
 * (its context) and what `ps` reports.
 */

/** named priorities and their numbers; lower runs first, numbers may be given directly */
export const PRIORITIES = { interactive: 0, normal: 10, background: 20, idle: 30 } as const;
export type PriorityName = keyof typeof PRIORITIES;
export type TaskPriority = PriorityName | number;

export type TaskKind = 'task' | 'daemon';

/**
 * ready     waiting in the ready queue for the CPU
 * running   holds the CPU (or, once flagged stuck, held it and has not come back)
 * sleeping  in sleep() / wait(), or between runs of a periodic task
 * stopped   stopped by stop() / shutdown
 * failed    its run threw
 * finished  a one-shot task whose run returned
 */
export type TaskState = 'ready' | 'running' | 'sleeping' | 'stopped' | 'failed' | 'finished';

export interface TaskContext {
  readonly taskId: number;
  readonly name: string;
  /** aborted when the task is stopped; pass it on to long operations */
  readonly signal: AbortSignal;
  /**
   * Cooperative point: give the CPU to any ready task of higher (or equal,
   * FIFO) priority, resume when dispatched again. Rejects with 'cancelled'
   * once the task is being stopped.
   */
  yield(): Promise<void>;
  /** give up the CPU for `ms` [ms] (via the HAL timers); rejects with 'cancelled' on stop */
  sleep(ms: number): Promise<void>;
  /** await outside work (I/O, a worker) without holding the CPU; rejects with 'cancelled' on stop */
  wait<T>(work: Promise<T>): Promise<T>;
  /** tell the watchdog the task is alive and making progress */
  heartbeat(): void;
}

export interface TaskSpec {
  readonly name: string;
  /** default 'normal' */
  readonly priority?: TaskPriority;
  readonly kind?: TaskKind;
  /** run again every `periodMs` [ms] after each run starts, never overlapping */
  readonly periodMs?: number;
  readonly run: (context: TaskContext) => Promise<void> | void;
}

export interface TaskInfo {
  readonly id: number;
  readonly name: string;
  readonly kind: TaskKind;
  /** 'normal', or the number as text */
  readonly priority: string;
  readonly state: TaskState;
  /** runs started */
  readonly runs: number;
  /** time holding the CPU [ms] */
  readonly busyMs: number;
  /** when the last run started [ms since boot] */
  readonly lastRunAt: number | undefined;
  /** flagged by the watchdog and not heard from since */
  readonly stuck: boolean;
  /** why it failed */
  readonly error?: string;
}

/** what the kernel hears about task life (to publish as 'task.state') */
export type TaskStateChange = { readonly taskId: number; readonly name: string; readonly state: 'started' | 'stopped' | 'failed' | 'stuck' };
