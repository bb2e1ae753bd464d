/**
 * The weekly retrain cycle (ARCHITECTURE.md, data flow 4 "Learn"):
 *
 *   episodic log ─▶ dataset (dataset.ts: accepted answers, corrections; train / held-out by task)
 *     too little data ─▶ history 'skipped', klog, done
 *   train a fresh LoRA adapter over the frozen base (retrain-steps.ts), as a
 *     'background' kernel task that gives up the CPU after every micro-batch
 *     (ctx.sleep(0): ready tasks run first, and the host's event loop turns)
 *   held-out loss: candidate vs the active adapter vs no adapter
 *   promote only if the candidate beats both by `minImprovement` nats:
 *     PEFT folder /lived/adapters/<id>/, history 'trained/promoted', hot swap
 *     into the running model (setAdapters: the base is not reloaded)
 *   else history 'trained/rejected' (the candidate is not stored)
 *
 * Every step is a klog line under the 'train' facility. `rollback()` takes
 * the active adapter back to the one promoted before it (or none).
 * Scheduling: `schedule(scheduler)` spawns a periodic daemon that wakes
 * every `checkIntervalMs` and runs when `periodMs` has passed since the last
 * run recorded in the history (wall clock), so a reboot does not reset the
 * week; `runNow(scheduler)` runs at once (`chimaera adapters retrain --now`).
 *
 * Knobs (RetrainSettings, defaults in DEFAULT_RETRAIN_SETTINGS): LoRA rank 8,
 * alpha 16, dropout 0.05 on all seven projections (Hu et al. 2021; PEFT's
 * usual recipe); 2 epochs, micro-batches of 1 example, 4 per step, peak
 * learning rate 1e-3; examples up to 512 tokens; at least 16 training and 4
 * held-out examples; 0.01 nats better to promote; every 7 days, checked hourly.
 */

import { ChimaeraError, fail } from '../common/index.ts';
import type { Clock } from '../hal/index.ts';
import type { Klog, Scheduler } from '../kernel/index.ts';
import type { AdapterLike, Qwen2Config, Qwen2Weights } from '../llm/index.ts';
import type { EpisodeLog } from '../memory/index.ts';
import { adapterIdFor, listTrained, type AdapterHistoryRecord, type AdapterListing, type HeldOutLosses, type TrainedRecord } from './adapter-history.ts';
import type { AdapterStore } from './adapter-store.ts';
import { buildLoraDataset, type DatasetOptions, type LoraDataset } from './dataset.ts';
import type { LoraAdapter, LoraConfig } from './lora.ts';
import { evaluateWith, heldOutLoss, trainAdapter, type AdapterTrainingPlan, type TrainingProgress } from './retrain-steps.ts';
import type { TrainingExample } from './trainer.ts';

/** the running model, as the cycle needs it (Qwen2Model fits; wrap an LlmService's model so its cache is reset too) */
export interface AdapterHost {
  readonly config: Qwen2Config;
  readonly weights: Qwen2Weights;
  setAdapters(adapters: readonly AdapterLike[]): void;
}

/** the training plan (retrain-steps.ts) plus when to run and what counts as better */
export interface RetrainSettings extends AdapterTrainingPlan {
  readonly minTrainExamples: number;
  readonly minHeldOutExamples: number;
  /** how much lower the candidate's held-out loss must be [nats per token] */
  readonly minImprovement: number;
  /** time between runs [ms] */
  readonly periodMs: number;
  /** how often the scheduled task checks whether a run is due [ms] */
  readonly checkIntervalMs: number;
}

export const DEFAULT_RETRAIN_SETTINGS: RetrainSettings = {
  lora: { rank: 8, alpha: 16, dropout: 0.05, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] },
  epochs: 2, examplesPerMicroBatch: 1, microBatchesPerStep: 4, learningRate: 1e-3, maxTokens: 512,
  minTrainExamples: 16, minHeldOutExamples: 4, minImprovement: 0.01,
  periodMs: 7 * 24 * 3600 * 1000, checkIntervalMs: 3600 * 1000, seed: 0,
};

export interface RetrainHooks {
  /** replace the training examples before training (tests: corrupted targets make a bad adapter) */
  readonly trainingExamples?: (examples: readonly TrainingExample[]) => readonly TrainingExample[];
  readonly onProgress?: (progress: TrainingProgress) => void;
}

export interface RetrainOptions {
  readonly store: AdapterStore;
  readonly episodes: EpisodeLog;
  readonly host: AdapterHost;
  /** how episodes become chat examples (the model's tokenizer, its prompt style's system turn) */
  readonly dataset: Omit<DatasetOptions, 'maxTokens'>;
  readonly klog: Klog;
  /** wall time for the history and the schedule */
  readonly clock: Clock;
  readonly settings?: Partial<RetrainSettings>;
  readonly hooks?: RetrainHooks;
}

/** the CPU-sharing side of a kernel task (TaskContext fits) */
export interface RetrainTask {
  sleep(ms: number): Promise<void>;
  heartbeat(): void;
}

export type RetrainOutcome =
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'failed'; readonly id: string; readonly reason: string }
  | { readonly kind: 'promoted' | 'rejected'; readonly id: string; readonly reason: string; readonly losses: HeldOutLosses; readonly steps: number; readonly trainExamples: number; readonly heldOutExamples: number };

const FACILITY = 'train';

export class RetrainCycle {
  readonly settings: RetrainSettings;
  private readonly options: RetrainOptions;
  private activeAdapter: LoraAdapter | null = null;
  private running = false;

  constructor(options: RetrainOptions) {
    this.options = options;
    this.settings = { ...DEFAULT_RETRAIN_SETTINGS, ...options.settings };
    const s = this.settings;
    if (!(s.periodMs > 0) || !(s.checkIntervalMs > 0)) fail('train.config_invalid', `retrain period and check interval must be positive, got ${s.periodMs} and ${s.checkIntervalMs} ms`);
    if (![s.epochs, s.examplesPerMicroBatch, s.microBatchesPerStep].every((n) => Number.isInteger(n) && n >= 1)) fail('train.config_invalid', 'retrain epochs, examples per micro-batch and micro-batches per step must be integers ≥ 1');
  }

  /** the active adapter's id, or null for the plain base */
  get active(): string | null {
    return this.options.store.state.active;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** at boot: load the active adapter from /lived and put it on the model; on failure the base runs alone (klog error) */
  restore(): string | null {
    const { store, host, klog } = this.options;
    const id = store.state.active;
    if (id === null) {
      klog.info(FACILITY, 'no LoRA adapter active; the base model runs alone');
      return null;
    }
    try {
      const adapter = store.load(id, host.config);
      host.setAdapters([adapter]);
      this.activeAdapter = adapter;
      klog.info(FACILITY, `adapter ${id} active (${adapter.parameterCount} parameters, rank ${adapter.config.rank})`);
      return id;
    } catch (error) {
      if (!(error instanceof ChimaeraError)) throw error;
      klog.error(FACILITY, `adapter ${id} could not be loaded (${error.code}: ${error.message}); the base model runs alone`);
      return null;
    }
  }

  /** the adapter `id` (the one in memory when it is that one, else from /lived), or null for none */
  private adapterOf(id: string | null): LoraAdapter | null {
    if (id === null) return null;
    if (this.activeAdapter?.name === id) return this.activeAdapter;
    return this.options.store.load(id, this.options.host.config);
  }

  /** when the next scheduled run is due [ms since the Unix epoch] (now when none ran yet) */
  nextRunAtMs(): number {
    const last = this.options.store.state.lastRunAtMs;
    return last === null ? this.options.clock.wallTime() : last + this.settings.periodMs;
  }

  /** one whole cycle; `task` is the kernel task it runs in. Fails train.retrain_busy while another run is in progress */
  async run(task: RetrainTask): Promise<RetrainOutcome> {
    if (this.running) fail('train.retrain_busy', 'a retrain is already running');
    this.running = true;
    try {
      return await this.runCycle(task);
    } finally {
      this.running = false;
    }
  }

  private async runCycle(task: RetrainTask): Promise<RetrainOutcome> {
    const { store, klog, clock, host } = this.options;
    const s = this.settings;
    const startedAt = clock.wallTime();
    // sleep(0), not yield(): a yield hands the CPU only to tasks already ready, while input
    // from the host (a shell line, an LLM request) arrives in a later turn of the host's event loop
    const pause = async (): Promise<void> => {
      task.heartbeat();
      await task.sleep(0);
    };
    klog.info(FACILITY, 'retrain: building the dataset from the episodic log');
    const dataset = buildLoraDataset(this.options.episodes, { ...this.options.dataset, maxTokens: s.maxTokens });
    klog.info(FACILITY, `retrain: dataset of ${dataset.tasks} tasks: ${dataset.train.length} training and ${dataset.heldOut.length} held-out examples (${dataset.corrections} from corrections); left out ${describeSkips(dataset)}`);
    if (dataset.train.length < s.minTrainExamples || dataset.heldOut.length < s.minHeldOutExamples) {
      const reason = `too little data: ${dataset.train.length} training examples (need ${s.minTrainExamples}) and ${dataset.heldOut.length} held-out (need ${s.minHeldOutExamples})`;
      store.append({ kind: 'skipped', atMs: startedAt, reason, trainExamples: dataset.train.length, heldOutExamples: dataset.heldOut.length });
      klog.info(FACILITY, `retrain skipped: ${reason}`);
      return { kind: 'skipped', reason };
    }

    const id = adapterIdFor(store.state.runs + 1);
    const currentId = store.state.active;
    try {
      const examples = this.options.hooks?.trainingExamples?.(dataset.train) ?? dataset.train;
      klog.info(FACILITY, `retrain ${id}: training LoRA rank ${s.lora.rank} on ${s.lora.targets.join(',')} over ${examples.length} examples × ${s.epochs} epochs (background task, pauses every micro-batch)`);
      let lastLogged = 0;
      const trained = await trainAdapter(id, host.config, host.weights, examples, { ...s, seed: s.seed + store.state.runs + 1 }, pause, (progress) => {
        this.options.hooks?.onProgress?.(progress);
        if (progress.microBatch === progress.microBatches || progress.microBatch - lastLogged >= Math.max(1, Math.floor(progress.microBatches / 4))) {
          lastLogged = progress.microBatch;
          klog.debug(FACILITY, `retrain ${id}: micro-batch ${progress.microBatch}/${progress.microBatches}, step ${progress.step}, loss ${progress.loss.toFixed(4)}`);
        }
      });
      klog.info(FACILITY, `retrain ${id}: trained ${trained.steps} steps, last-epoch training loss ${trained.lastEpochLoss.toFixed(4)}`);

      const heldOut = dataset.heldOut;
      const candidate = await evaluateWith(trained.trainer, heldOut, pause);
      const base = await heldOutLoss(host.config, host.weights, [], heldOut, s.maxTokens, pause);
      const active = this.adapterOf(currentId);
      const current = active === null ? null : await heldOutLoss(host.config, host.weights, [active], heldOut, s.maxTokens, pause);
      const losses: HeldOutLosses = { base: base.loss, current: current?.loss ?? null, candidate: candidate.loss };
      klog.info(FACILITY, `retrain ${id}: held-out loss over ${candidate.tokens} tokens: candidate ${fmt(losses.candidate)}, ${currentId === null ? 'no adapter active' : `active ${currentId} ${fmt(losses.current!)}`}, base ${fmt(losses.base)}`);

      const decision = decide(losses, currentId, s.minImprovement);
      const record: TrainedRecord = {
        kind: 'trained', id, atMs: startedAt, outcome: decision.outcome, reason: decision.reason,
        trainExamples: examples.length, heldOutExamples: heldOut.length,
        trainTokens: dataset.train.reduce((sum, e) => sum + e.counted, 0), heldOutTokens: candidate.tokens,
        corrections: dataset.corrections, steps: trained.steps, durationMs: clock.wallTime() - startedAt, losses, currentId,
      };
      if (decision.outcome === 'promoted') {
        store.save(id, trained.adapter);
        store.append(record);
        host.setAdapters([trained.adapter]);
        this.activeAdapter = trained.adapter;
        klog.notice(FACILITY, `retrain ${id}: promoted (${decision.reason}); saved to ${store.folderOf(id)} and swapped into the running model`);
      } else {
        store.append(record);
        klog.notice(FACILITY, `retrain ${id}: rejected (${decision.reason}); ${currentId ?? 'the base model'} stays active`);
      }
      return { kind: decision.outcome, id, reason: decision.reason, losses, steps: trained.steps, trainExamples: examples.length, heldOutExamples: heldOut.length };
    } catch (error) {
      // a stopped task (shutdown) is not a run: the next boot tries again
      if (error instanceof ChimaeraError && error.code === 'cancelled') {
        klog.warn(FACILITY, `retrain ${id}: cancelled before it finished; nothing recorded`);
        throw error;
      }
      const reason = error instanceof ChimaeraError ? `${error.code}: ${error.message}` : String((error as Error)?.message ?? error);
      store.append({ kind: 'failed', id, atMs: startedAt, reason });
      klog.error(FACILITY, `retrain ${id}: failed: ${reason}`);
      if (!(error instanceof ChimaeraError)) throw error;
      return { kind: 'failed', id, reason };
    }
  }

  /**
   * Spawn the periodic 'retrain' daemon at background priority: every
   * checkIntervalMs it runs the cycle when periodMs has passed since the
   * last recorded run. Returns the task id.
   */
  schedule(scheduler: Scheduler): number {
    const { klog, clock } = this.options;
    klog.info(FACILITY, `retrain scheduled every ${formatDuration(this.settings.periodMs)}; next run ${new Date(this.nextRunAtMs()).toISOString()}`);
    return scheduler.spawn({
      name: 'retrain', kind: 'daemon', priority: 'background', periodMs: this.settings.checkIntervalMs,
      run: async (context) => {
        if (this.running || clock.wallTime() < this.nextRunAtMs()) return;
        try {
          await this.run(context);
        } catch (error) {
          if (error instanceof ChimaeraError && error.code === 'cancelled') return;
          klog.error(FACILITY, `retrain task: ${(error as Error)?.message ?? String(error)}`);
        }
      },
    });
  }

  /** run the cycle now in a one-shot background task ('retrain-now'); resolves with its outcome */
  runNow(scheduler: Scheduler): Promise<RetrainOutcome> {
    if (this.running) fail('train.retrain_busy', 'a retrain is already running');
    return new Promise<RetrainOutcome>((resolve, reject) => {
      scheduler.spawn({
        name: 'retrain-now', priority: 'background',
        run: async (context) => {
          try {
            resolve(await this.run(context));
          } catch (error) {
            reject(error);
          }
        },
      });
    });
  }

  /** every trained adapter, oldest first, with its standing */
  list(): AdapterListing[] {
    return listTrained(this.options.store.history(), this.options.store.state);
  }

  /** the whole history, oldest first */
  history(): readonly AdapterHistoryRecord[] {
    return this.options.store.history();
  }

  /**
   * Withdraw the active adapter: the adapter promoted before it (still
   * standing) becomes active again, or the plain base when there is none.
   * Fails train.rollback_unavailable with no adapter active, train.retrain_busy
   * during a run, train.adapter_missing when the earlier adapter cannot be
   * loaded (then nothing changes).
   */
  rollback(reason = 'rolled back by the user'): { from: string; to: string | null } {
    const { store, host, klog, clock } = this.options;
    if (this.running) fail('train.retrain_busy', 'a retrain is running; roll back after it finished');
    const { promoted, active } = store.state;
    if (active === null) fail('train.rollback_unavailable', 'no adapter is active, so there is nothing to roll back');
    const to = promoted[promoted.length - 2] ?? null;
    const adapter = this.adapterOf(to);
    store.append({ kind: 'rollback', atMs: clock.wallTime(), from: active!, to, reason });
    host.setAdapters(adapter === null ? [] : [adapter]);
    this.activeAdapter = adapter;
    klog.notice(FACILITY, `rollback: ${active} withdrawn; ${to === null ? 'the base model runs without an adapter' : `${to} active again`} (${reason})`);
    return { from: active!, to };
  }
}

/** promote only when the candidate beats both the active adapter and the base by `margin` */
function decide(losses: HeldOutLosses, currentId: string | null, margin: number): { outcome: 'promoted' | 'rejected'; reason: string } {
  const { candidate, base, current } = losses;
  if (!Number.isFinite(candidate)) return { outcome: 'rejected', reason: `held-out loss is ${candidate}` };
  if (current !== null && !(candidate <= current - margin)) {
    return { outcome: 'rejected', reason: `held-out loss ${fmt(candidate)} is not ${margin} below ${currentId}'s ${fmt(current)}` };
  }
  if (!(candidate <= base - margin)) return { outcome: 'rejected', reason: `held-out loss ${fmt(candidate)} is not ${margin} below the base model's ${fmt(base)}` };
  const against = current === null ? `the base model's ${fmt(base)}` : `${currentId}'s ${fmt(current)} and the base model's ${fmt(base)}`;
  return { outcome: 'promoted', reason: `held-out loss ${fmt(candidate)} beats ${against} by at least ${margin}` };
}

function fmt(loss: number): string {
  return loss.toFixed(4);
}

function describeSkips(dataset: LoraDataset): string {
  const parts = Object.entries(dataset.skips).filter(([, n]) => n > 0).map(([why, n]) => `${n} ${why}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  return `${ms / 1000} s`;
}
