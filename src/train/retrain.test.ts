// The retrain cycle end to end on a tiny random Qwen2 and a RAM FAT32 disk:
// episodes in → adapter trained in a background kernel task (an interactive
// task keeps running) → held-out check → promoted and hot-swapped, every
// step in klog; bad adapters are never promoted; rollback restores the
// previous adapter's logits; a reboot keeps the history, the active adapter
// and the week.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../common/index.ts';
import { Fat32Volume, formatFat32 } from '../fs/index.ts';
import type { Clock, Timers } from '../hal/index.ts';
import { HostedClock } from '../hal/hosted/index.ts';
import { ManualClock, RamBlockDevice } from '../hal/memory/index.ts';
import { Klog, Scheduler } from '../kernel/index.ts';
import { Qwen2Model } from '../llm/index.ts';
import { openEpisodeLog, type EpisodeLog } from '../memory/index.ts';
import { AdapterStore, ADAPTER_HISTORY_PATH } from './adapter-store.ts';
import { encodeChatExample } from './chat-examples.ts';
import { characterEncoder, writeOpenTasks } from './retrain-fixtures.ts';
import { RetrainCycle, type RetrainHooks, type RetrainSettings } from './retrain.ts';
import { randomBase, smallConfig } from './test-models.ts';
import type { TrainingExample } from './trainer.ts';

const CONFIG = smallConfig();
const encoder = characterEncoder(CONFIG.vocabSize);
const SETTINGS: Partial<RetrainSettings> = {
  lora: { rank: 4, alpha: 8, dropout: 0, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] },
  epochs: 2, examplesPerMicroBatch: 2, microBatchesPerStep: 1, learningRate: 2e-2, maxTokens: 64,
  minTrainExamples: 16, minHeldOutExamples: 4, minImprovement: 0.01, seed: 3,
};
const PROBE = Array.from(encodeChatExample([{ role: 'user', content: 'open mail' }, { role: 'assistant', content: 'done mail' }], encoder)!.tokens);

interface Rig {
  readonly klog: Klog;
  readonly scheduler: Scheduler;
  readonly device: RamBlockDevice;
  readonly volume: Fat32Volume;
  readonly episodes: EpisodeLog;
  readonly store: AdapterStore;
  readonly model: Qwen2Model;
  cycle(settings?: Partial<RetrainSettings>, hooks?: RetrainHooks): RetrainCycle;
  /** shut down as a reboot would: stop tasks, close the logs, unmount */
  close(): void;
}

function rig(clock: Clock & Timers, device?: RamBlockDevice): Rig {
  const disk = device ?? new RamBlockDevice(66_600);
  if (device === undefined) formatFat32(disk, { label: 'TEST' });
  const klog = new Klog({ clock, echoLevel: 'none' });
  const scheduler = new Scheduler(clock, clock, klog);
  const volume = Fat32Volume.mount(disk, { clock });
  if (!volume.exists('/lived')) volume.mkdir('/lived');
  const episodeFile = openEpisodeLog(volume, { capacityBytes: 256 * 1024, clock });
  const store = AdapterStore.open(volume, { clock, baseModel: 'random-small' });
  const base = randomBase(CONFIG, 31);
  const model = new Qwen2Model(base.config, base.weights);
  return {
    klog, scheduler, device: disk, volume, episodes: episodeFile.episodes, store, model,
    cycle: (settings = {}, hooks) => new RetrainCycle({
      store, episodes: episodeFile.episodes, host: model, klog, clock,
      dataset: { encoder, systemPrompt: null, heldOutPercent: 20 },
      settings: { ...SETTINGS, ...settings }, ...(hooks === undefined ? {} : { hooks }),
    }),
    close() {
      scheduler.halt();
      store.close();
      episodeFile.close();
      volume.unmount();
    },
  };
}

function logits(model: Qwen2Model): Float32Array {
  return model.createContext(64).evaluate(PROBE, { logits: 'all' }).slice();
}

/** a bad adapter: every counted target is token 5 */
const constantTargets: RetrainHooks = {
  trainingExamples: (examples) => examples.map((e): TrainingExample => ({ tokens: e.tokens, targets: Array.from(e.targets!, (t) => (t >= 0 ? 5 : -1)) })),
};

const trainLines = (klog: Klog): string[] => klog.entries({ subsystem: 'train' }).map((e) => e.message);

test('episodes in → adapter trained in a background task while an interactive task runs → held-out check → promoted and hot-swapped; klog shows each step', async () => {
  const r = rig(new HostedClock());
  const keepAlive = setInterval(() => {}, 1000); // the host clock's timers are unref'd
  try {
    writeOpenTasks(r.episodes, 48);
    const before = logits(r.model);
    let beats = 0;
    let stop = false;
    r.scheduler.spawn({
      name: 'shell', priority: 'interactive',
      run: async (ctx) => {
        while (!stop) {
          beats++;
          await ctx.sleep(1);
        }
      },
    });
    const beatsAtMicroBatch: number[] = [];
    const cycle = r.cycle({}, { onProgress: () => beatsAtMicroBatch.push(beats) });
    const outcome = await cycle.runNow(r.scheduler);
    stop = true;

    assert.equal(outcome.kind, 'promoted', JSON.stringify(outcome));
    if (outcome.kind !== 'promoted') return;
    assert.equal(outcome.id, 'lora-0001');
    assert.ok(outcome.losses.candidate < outcome.losses.base - 0.5, `held-out ${outcome.losses.candidate} vs base ${outcome.losses.base}`);
    assert.equal(outcome.losses.current, null);
    assert.ok(outcome.heldOutExamples >= 4 && outcome.trainExamples >= 16);
    // the interactive task kept running between micro-batches
    assert.ok(beatsAtMicroBatch.length >= 30);
    const progressed = beatsAtMicroBatch.filter((b, i) => i > 0 && b > beatsAtMicroBatch[i - 1]!).length;
    assert.ok(progressed >= beatsAtMicroBatch.length / 2, `the shell task ran between ${progressed} of ${beatsAtMicroBatch.length} micro-batches`);
    // the retrain ran as a background task
    assert.equal(r.scheduler.ps().find((t) => t.name === 'retrain-now')?.priority, 'background');
    // hot swap: the running model now answers differently, base untouched
    assert.equal(cycle.active, 'lora-0001');
    assert.equal(r.model.adapters.length, 1);
    const after = logits(r.model);
    assert.ok(after.some((v, i) => Math.abs(v - before[i]!) > 1e-3));
    r.model.setAdapters([]);
    assert.deepEqual(logits(r.model), before);
    // stored as PEFT files, recorded in the history
    assert.ok(r.volume.exists('/lived/adapters/lora-0001/adapter_config.json'));
    assert.ok(r.volume.exists('/lived/adapters/lora-0001/adapter_model.safetensors'));
    assert.ok(r.volume.exists(ADAPTER_HISTORY_PATH));
    assert.deepEqual(r.store.history().map((h) => [h.kind, 'outcome' in h ? h.outcome : '']), [['trained', 'promoted']]);
    const lines = trainLines(r.klog);
    for (const step of [/dataset of 48 tasks/, /training LoRA rank 4/, /trained \d+ steps/, /held-out loss over \d+ tokens: candidate .* no adapter active, base/, /promoted .*swapped into the running model/]) {
      assert.ok(lines.some((line) => step.test(line)), `klog lacks ${step}: ${lines.join(' | ')}`);
    }
  } finally {
    clearInterval(keepAlive);
    r.close();
  }
});

test('too little data: skipped, recorded, nothing trained', async () => {
  const r = rig(new ManualClock());
  try {
    writeOpenTasks(r.episodes, 6);
    const task = { sleep: async () => {}, heartbeat: () => {} };
    const outcome = await r.cycle().run(task);
    assert.equal(outcome.kind, 'skipped');
    assert.match(trainLines(r.klog).at(-1)!, /retrain skipped: too little data/);
    assert.equal(r.store.history()[0]!.kind, 'skipped');
    assert.equal(r.store.state.lastRunAtMs, Date.UTC(2026, 0, 1));
  } finally {
    r.close();
  }
});

test('a bad adapter is never promoted: not over the base, not over a good active adapter; rollback restores logits; a reboot keeps history and the active adapter', async () => {
  const clock = new ManualClock();
  const r = rig(clock);
  const task = { sleep: async () => {}, heartbeat: () => {} };
  let afterGood: Float32Array;
  let afterBetter: Float32Array;
  const baseLogits = logits(r.model);
  let device: RamBlockDevice;
  try {
    writeOpenTasks(r.episodes, 48);
    // bad first: worse than the plain base
    const bad = await r.cycle({ epochs: 1 }, constantTargets).run(task);
    assert.equal(bad.kind, 'rejected', JSON.stringify(bad));
    assert.ok(bad.kind === 'rejected' && bad.losses.candidate > bad.losses.base);
    assert.equal(r.store.state.active, null);
    assert.equal(r.model.adapters.length, 0);
    assert.equal(r.volume.exists('/lived/adapters/lora-0001'), false, 'a rejected adapter is not stored');

    // a good one (1 epoch), then a bad one against it, then a better one (4 epochs)
    const good = await r.cycle({ epochs: 1 }).run(task);
    assert.equal(good.kind, 'promoted', JSON.stringify(good));
    afterGood = logits(r.model);
    const badAgain = await r.cycle({ epochs: 1 }, constantTargets).run(task);
    assert.equal(badAgain.kind, 'rejected');
    assert.ok(badAgain.kind === 'rejected' && badAgain.losses.current !== null && badAgain.losses.candidate > badAgain.losses.current);
    assert.match(badAgain.reason, /lora-0002/);
    assert.deepEqual(logits(r.model), afterGood, 'a rejected adapter leaves the running model alone');
    const better = await r.cycle({ epochs: 4 }).run(task);
    assert.equal(better.kind, 'promoted', JSON.stringify(better));
    assert.ok(better.kind === 'promoted' && better.losses.current !== null && better.losses.candidate < better.losses.current - 0.01);
    afterBetter = logits(r.model);
    const cycle = r.cycle();
    assert.deepEqual(cycle.list().map((l) => [l.record.id, l.status]), [['lora-0001', 'rejected'], ['lora-0002', 'standing'], ['lora-0003', 'rejected'], ['lora-0004', 'active']]);

    // rollback: lora-0002 again, then the base; then nothing left
    assert.deepEqual(cycle.rollback(), { from: 'lora-0004', to: 'lora-0002' });
    assert.deepEqual(logits(r.model), afterGood);
    assert.match(trainLines(r.klog).at(-1)!, /rollback: lora-0004 withdrawn; lora-0002 active again/);
    device = r.device;
  } finally {
    r.close();
  }

  // reboot: same disk, fresh model over the same base weights
  const rebooted = rig(clock, device);
  try {
    const cycle = rebooted.cycle({ periodMs: 600_000, checkIntervalMs: 60_000, minTrainExamples: 1000 });
    assert.equal(logits(rebooted.model).every((v, i) => v === baseLogits[i]), true);
    assert.equal(cycle.restore(), 'lora-0002');
    assert.deepEqual(logits(rebooted.model), afterGood);
    assert.equal(rebooted.store.history().length, 5);
    assert.deepEqual(cycle.rollback(), { from: 'lora-0002', to: null });
    assert.deepEqual(logits(rebooted.model), baseLogits);
    assert.throws(() => cycle.rollback(), (e) => isChimaeraError(e, 'train.rollback_unavailable'));
    assert.notDeepEqual(afterBetter, afterGood);

    // the week survives the reboot: the scheduled task does not run before the period is over
    const lastRun = rebooted.store.state.lastRunAtMs!;
    assert.equal(cycle.nextRunAtMs(), lastRun + 600_000);
    cycle.schedule(rebooted.scheduler);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(rebooted.store.history().length, 6, 'no run right after boot');
    clock.advance(Math.max(0, lastRun + 600_000 - clock.wallTime()) + 60_000);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(rebooted.store.history().at(-1)!.kind, 'skipped', 'ran once the period was over');
  } finally {
    rebooted.close();
  }
});
