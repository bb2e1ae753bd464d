/**
 * The kernel scheduler: cooperative tasks and daemons on one JS thread.
 *
 * One task at a time holds the CPU (the "baton"). It keeps it from dispatch
 * until it calls ctx.yield(), ctx.sleep(), ctx.wait() or its run ends; then
 * the ready queue hands the CPU to the first entry by (priority, arrival).
 * Priority is strict: an 'idle' task runs only when nothing better is ready.
 * A task that awaits something else (not through ctx) keeps the CPU; that
 * is what the watchdog is for.
 *
 * Watchdog: every `watchdogIntervalMs` it looks at running tasks; one whose
 * current run has not yielded, heart-beaten or finished for `stuckAfterMs`
 * is flagged stuck (klog warn "watchdog: task 'x' stuck for 5.0 s", once per
 * episode, plus the onTaskState hook) and loses the CPU so the rest of the
 * system goes on. It keeps running in the background; its next yield brings
 * it back into the queue and ends the episode.
 *
 * A run that throws marks its task failed (klog error), never the kernel.
 * stop() aborts the task's signal, makes its pending yield/sleep/wait reject
 * with 'cancelled', and waits up to `stopTimeoutMs` for the run to end.
 *
 * Dispatch happens in a microtask, so tasks spawned together start in
 * priority order. The watchdog re-arms a timer forever until shutdown()
 * or halt().
 */

import { ChimaeraError, fail } from '../../common/index.ts';
import type { Clock, Timers } from '../../hal/index.ts';
import type { Klog } from '../klog/klog.ts';
import { PRIORITIES, type TaskContext, type TaskInfo, type TaskKind, type TaskSpec, type TaskState, type TaskStateChange } from './task.ts';

export interface SchedulerOptions {
  /** a run silent this long [ms] is stuck; default 5000 */
  readonly stuckAfterMs?: number;
  /** watchdog period [ms]; default min(1000, stuckAfterMs / 2) */
  readonly watchdogIntervalMs?: number;
  /** how long stop() waits for a run to end [ms]; default 2000 */
  readonly stopTimeoutMs?: number;
  /** task life events (the kernel publishes them as 'task.state') */
  readonly onTaskState?: (change: TaskStateChange) => void;
}

interface Task {
  readonly id: number;
  readonly name: string;
  readonly kind: TaskKind;
  readonly priority: number;
  readonly priorityLabel: string;
  readonly spec: TaskSpec;
  readonly controller: AbortController;
  readonly context: TaskContext;
  state: TaskState;
  runs: number;
  busyMs: number;
  lastRunAt: number | undefined;
  stuck: boolean;
  error: string | undefined;
  /** clock time the current run started [ms] */
  runStartedAt: number;
  /** clock time of the last sign of life [ms] */
  progressAt: number;
  /** clock time it got the CPU [ms] */
  heldSince: number;
  /** the current run, settled when it ends (never rejects) */
  run: Promise<void> | undefined;
  /** rejects the pending yield/sleep/wait */
  wake: ((error: ChimaeraError) => void) | undefined;
  /** cancels the timer of a periodic task's next run */
  cancelNextRun: (() => void) | undefined;
}

interface ReadyEntry {
  readonly task: Task;
  readonly order: number;
  readonly dispatch: () => void;
}

const TERMINAL: ReadonlySet<TaskState> = new Set(['stopped', 'failed', 'finished']);
/** finished/stopped/failed tasks kept for ps */
const TERMINAL_KEPT = 64;

export class Scheduler {
  readonly stuckAfterMs: number;
  readonly watchdogIntervalMs: number;
  readonly stopTimeoutMs: number;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly klog: Klog;
  private readonly onTaskState: ((change: TaskStateChange) => void) | undefined;
  private readonly tasks = new Map<number, Task>();
  private readonly readyQueue: ReadyEntry[] = [];
  private holder: Task | undefined;
  private nextId = 1;
  private nextOrder = 0;
  private pumpScheduled = false;
  private mode: 'running' | 'shutting-down' | 'halted' = 'running';
  private cancelWatchdog: (() => void) | undefined;

  constructor(clock: Clock, timers: Timers, klog: Klog, options: SchedulerOptions = {}) {
    this.clock = clock;
    this.timers = timers;
    this.klog = klog;
    this.stuckAfterMs = options.stuckAfterMs ?? 5000;
    this.watchdogIntervalMs = options.watchdogIntervalMs ?? Math.min(1000, this.stuckAfterMs / 2);
    this.stopTimeoutMs = options.stopTimeoutMs ?? 2000;
    this.onTaskState = options.onTaskState;
    this.armWatchdog();
  }

  // ── spawning and listing ──────────────────────────────────────────────────

  spawn(spec: TaskSpec): number {
    if (this.mode !== 'running') fail('sched.shut_down', `sched: cannot start '${spec.name}', the scheduler is shutting down`);
    for (const other of this.tasks.values()) {
      if (other.name === spec.name && !TERMINAL.has(other.state)) fail('sched.task_exists', `sched: a task named '${spec.name}' is already ${other.state} (id ${other.id})`, { name: spec.name });
    }
    const priority = typeof spec.priority === 'number' ? spec.priority : PRIORITIES[spec.priority ?? 'normal'];
    if (!Number.isFinite(priority)) fail('arg.invalid', `sched: priority of '${spec.name}' must be a finite number or a priority name`);
    if (spec.periodMs !== undefined && !(spec.periodMs > 0)) fail('arg.invalid', `sched: period of '${spec.name}' must be a positive number of ms`);
    const id = this.nextId++;
    const controller = new AbortController();
    const now = this.clock.now();
    const task: Task = {
      id,
      name: spec.name,
      kind: spec.kind ?? 'task',
      priority,
      priorityLabel: typeof spec.priority === 'number' ? String(spec.priority) : (spec.priority ?? 'normal'),
      spec,
      controller,
      context: undefined as unknown as TaskContext,
      state: 'ready',
      runs: 0,
      busyMs: 0,
      lastRunAt: undefined,
      stuck: false,
      error: undefined,
      runStartedAt: now,
      progressAt: now,
      heldSince: now,
      run: undefined,
      wake: undefined,
      cancelNextRun: undefined,
    };
    (task as { context: TaskContext }).context = this.makeContext(task);
    this.tasks.set(id, task);
    this.pruneTerminal();
    this.enqueue(task, () => this.startRun(task));
    this.klog.debug('sched', `spawned ${task.kind} '${task.name}' (id ${id}, priority ${task.priorityLabel}${spec.periodMs === undefined ? '' : `, every ${spec.periodMs} ms`})`);
    this.notify(task, 'started');
    return id;
  }

  ps(): TaskInfo[] {
    const now = this.clock.now();
    return [...this.tasks.values()].map((task) => ({
      id: task.id,
      name: task.name,
      kind: task.kind,
      priority: task.priorityLabel,
      state: task.state,
      runs: task.runs,
      busyMs: task.busyMs + (this.holder === task ? now - task.heldSince : 0),
      lastRunAt: task.lastRunAt,
      stuck: task.stuck,
      ...(task.error === undefined ? {} : { error: task.error }),
    }));
  }

  // ── stopping ──────────────────────────────────────────────────────────────

  /** stop a task by id or name; resolves once its run ended, or after stopTimeoutMs */
  async stop(idOrName: number | string): Promise<'stopped' | 'timed-out'> {
    const task = this.find(idOrName);
    if (TERMINAL.has(task.state)) return 'stopped';
    task.controller.abort();
    if (task.run === undefined) {
      this.endOutsideRun(task);
      return 'stopped';
    }
    task.wake?.(this.cancelled(task));
    const run = task.run;
    let cancelTimer: () => void = () => {};
    const outcome = await Promise.race([
      run.then(() => 'stopped' as const),
      new Promise<'timed-out'>((resolve) => {
        cancelTimer = this.timers.schedule(this.stopTimeoutMs, () => resolve('timed-out'));
      }),
    ]);
    cancelTimer();
    if (outcome === 'timed-out' && !TERMINAL.has(task.state)) {
      this.klog.warn('sched', `task '${task.name}' did not stop within ${(this.stopTimeoutMs / 1000).toFixed(1)} s; abandoned`);
      this.release(task);
      task.state = 'stopped';
      this.notify(task, 'stopped');
    }
    return outcome;
  }

  /** stop every task (waiting for each, bounded) and the watchdog */
  async shutdown(): Promise<void> {
    if (this.mode === 'halted') return;
    this.mode = 'shutting-down';
    await Promise.all([...this.tasks.values()].filter((t) => !TERMINAL.has(t.state)).map((t) => this.stop(t.id)));
    this.halt();
  }

  /** stop everything now without waiting (the panic path); runs still in flight are abandoned */
  halt(): void {
    this.mode = 'halted';
    this.cancelWatchdog?.();
    this.cancelWatchdog = undefined;
    for (const task of this.tasks.values()) {
      if (TERMINAL.has(task.state)) continue;
      task.controller.abort();
      task.wake?.(this.cancelled(task));
      if (task.run === undefined) this.endOutsideRun(task);
      else {
        this.release(task);
        task.state = 'stopped';
        this.notify(task, 'stopped');
      }
    }
  }

  private endOutsideRun(task: Task): void {
    this.dequeueTask(task);
    task.cancelNextRun?.();
    task.cancelNextRun = undefined;
    task.state = 'stopped';
    this.notify(task, 'stopped');
  }

  private find(idOrName: number | string): Task {
    if (typeof idOrName === 'number') {
      const task = this.tasks.get(idOrName);
      if (task !== undefined) return task;
    } else {
      let found: Task | undefined;
      for (const task of this.tasks.values()) if (task.name === idOrName && (found === undefined || !TERMINAL.has(task.state))) found = task;
      if (found !== undefined) return found;
    }
    return fail('sched.no_such_task', `sched: no task ${typeof idOrName === 'number' ? `with id ${idOrName}` : `named '${idOrName}'`}`, { task: idOrName });
  }

  // ── runs ──────────────────────────────────────────────────────────────────

  private startRun(task: Task): void {
    task.runs++;
    task.lastRunAt = this.klog.uptime();
    task.runStartedAt = this.clock.now();
    task.run = Promise.resolve()
      .then(() => task.spec.run(task.context))
      .then(
        () => this.finishRun(task, undefined),
        (error: unknown) => this.finishRun(task, { error }),
      );
  }

  private finishRun(task: Task, failure: { error: unknown } | undefined): void {
    this.release(task);
    task.run = undefined;
    task.wake = undefined;
    task.stuck = false;
    if (TERMINAL.has(task.state)) return; // abandoned by stop() or halt()
    if (task.controller.signal.aborted) {
      task.state = 'stopped';
      this.notify(task, 'stopped');
    } else if (failure !== undefined) {
      const error = failure.error;
      task.error = error instanceof ChimaeraError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
      task.state = 'failed';
      this.klog.error('sched', `task '${task.name}' failed: ${task.error}`);
      this.notify(task, 'failed');
    } else if (task.spec.periodMs !== undefined) {
      task.state = 'sleeping';
      const delay = task.runStartedAt + task.spec.periodMs - this.clock.now();
      const queueNextRun = (): void => {
        task.cancelNextRun = undefined;
        task.state = 'ready';
        this.enqueue(task, () => this.startRun(task));
      };
      if (delay <= 0) queueNextRun(); // the run took longer than its period: go again now
      else task.cancelNextRun = this.timers.schedule(delay, queueNextRun);
    } else {
      task.state = 'finished';
      this.klog.debug('sched', `task '${task.name}' finished`);
      this.notify(task, 'stopped');
    }
  }

  // ── the CPU baton and the ready queue ─────────────────────────────────────

  private enqueue(task: Task, dispatch: () => void): ReadyEntry {
    const entry: ReadyEntry = { task, order: this.nextOrder++, dispatch };
    let at = this.readyQueue.length;
    while (at > 0 && this.readyQueue[at - 1]!.task.priority > task.priority) at--;
    this.readyQueue.splice(at, 0, entry);
    this.schedulePump();
    return entry;
  }

  private dequeueTask(task: Task): void {
    for (let i = this.readyQueue.length - 1; i >= 0; i--) if (this.readyQueue[i]!.task === task) this.readyQueue.splice(i, 1);
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.holder === undefined && this.readyQueue.length > 0 && this.mode !== 'halted') {
      const entry = this.readyQueue.shift()!;
      const task = entry.task;
      const now = this.clock.now();
      this.holder = task;
      task.heldSince = now;
      task.state = 'running';
      this.markProgress(task);
      entry.dispatch();
    }
  }

  private release(task: Task): void {
    if (this.holder !== task) return;
    task.busyMs += this.clock.now() - task.heldSince;
    this.holder = undefined;
    this.schedulePump();
  }

  private markProgress(task: Task): void {
    task.progressAt = this.clock.now();
    if (task.stuck) {
      task.stuck = false;
      this.klog.notice('watchdog', `task '${task.name}' is making progress again`);
    }
  }

  // ── the task context ──────────────────────────────────────────────────────

  private makeContext(task: Task): TaskContext {
    return {
      taskId: task.id,
      name: task.name,
      signal: task.controller.signal,
      yield: () =>
        this.suspend(task, 'ready', (ready) => {
          ready();
          return () => {};
        }),
      sleep: (ms: number) => this.suspend(task, 'sleeping', (ready) => this.timers.schedule(ms, ready)),
      wait: async <T>(work: Promise<T>): Promise<T> => {
        let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
        await this.suspend(task, 'sleeping', (ready) => {
          work.then(
            (value) => {
              outcome = { ok: true, value };
              ready();
            },
            (error: unknown) => {
              outcome = { ok: false, error };
              ready();
            },
          );
          return () => {};
        });
        if (outcome!.ok) return outcome!.value;
        throw outcome!.error;
      },
      heartbeat: () => this.markProgress(task),
    };
  }

  /**
   * Give up the CPU in `state` until `arm`'s trigger calls ready(); then
   * queue for the CPU and resolve once dispatched. `arm` returns a disarm.
   */
  private suspend(task: Task, state: 'ready' | 'sleeping', arm: (ready: () => void) => () => void): Promise<void> {
    if (task.controller.signal.aborted) return Promise.reject(this.cancelled(task));
    this.markProgress(task);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let entry: ReadyEntry | undefined;
      let disarm: (() => void) | undefined;
      const ready = (): void => {
        if (settled) return;
        disarm = undefined;
        task.state = 'ready';
        entry = this.enqueue(task, () => {
          settled = true;
          task.wake = undefined;
          resolve();
        });
      };
      task.wake = (error) => {
        if (settled) return;
        settled = true;
        disarm?.();
        if (entry !== undefined) this.readyQueue.splice(this.readyQueue.indexOf(entry), 1);
        task.wake = undefined;
        reject(error);
      };
      task.state = state;
      this.release(task);
      const disarmer = arm(ready);
      if (!settled && entry === undefined) disarm = disarmer;
    });
  }

  private cancelled(task: Task): ChimaeraError {
    return new ChimaeraError('cancelled', `task '${task.name}' is being stopped`);
  }

  // ── watchdog ──────────────────────────────────────────────────────────────

  private armWatchdog(): void {
    this.cancelWatchdog = this.timers.schedule(this.watchdogIntervalMs, () => {
      this.watchdogTick();
      if (this.mode !== 'halted') this.armWatchdog();
    });
  }

  private watchdogTick(): void {
    const now = this.clock.now();
    for (const task of this.tasks.values()) {
      if (task.state !== 'running' || task.stuck || task.run === undefined) continue;
      const silentMs = now - task.progressAt;
      if (silentMs < this.stuckAfterMs) continue;
      task.stuck = true;
      this.klog.warn('watchdog', `task '${task.name}' stuck for ${(silentMs / 1000).toFixed(1)} s`);
      this.notify(task, 'stuck');
      this.release(task);
    }
  }

  private notify(task: Task, state: TaskStateChange['state']): void {
    if (this.onTaskState === undefined) return;
    try {
      this.onTaskState({ taskId: task.id, name: task.name, state });
    } catch {
      // a broken hook must not break scheduling
    }
  }

  private pruneTerminal(): void {
    const terminal = [...this.tasks.values()].filter((t) => TERMINAL.has(t.state));
    for (const task of terminal.slice(0, Math.max(0, terminal.length - TERMINAL_KEPT))) this.tasks.delete(task.id);
  }
}
