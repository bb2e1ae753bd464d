/**
 * cli/retrain — bringing up the retrain cycle on a booted system: the
 * adapter store in /lived/adapters (closed by a shutdown hook, before the
 * volume unmounts), the active adapter put back on the model, and — when
 * asked — the periodic 'retrain' daemon (train/retrain.ts).
 *
 * One per kernel: a second call returns the first one's objects, so init
 * (the scheduled cycle at boot) and `chimaera adapters` can both call it.
 *
 * The dataset is tokenized as the LLM service tokenizes prompts, with the
 * system turn of the model's prompt style (cognition/prompt.ts): the
 * compact rule line for our small models, the system rules (without the
 * <tools> block, ~2k tokens) for Qwen weights.
 */

import type { Storage } from '../fs/index.ts';
import type { Kernel } from '../kernel/index.ts';
import type { LlmService } from '../llm/index.ts';
import type { EpisodeLog } from '../memory/index.ts';
import { COMPACT_SYSTEM_RULE, SYSTEM_RULES, type PromptStyle } from '../cognition/index.ts';
import { AdapterStore, RetrainCycle, tokenizerChatEncoder, type AdapterHost, type RetrainSettings } from '../train/index.ts';

export interface RetrainService {
  readonly store: AdapterStore;
  /** undefined without a model (the history can still be listed) */
  readonly cycle: RetrainCycle | undefined;
}

export interface RetrainStartOptions {
  /** default 'qwen-tools' */
  readonly promptStyle?: PromptStyle;
  /** 'scheduled': spawn the periodic daemon (boot); 'manual': only on request (default) */
  readonly schedule?: 'scheduled' | 'manual';
  readonly settings?: Partial<RetrainSettings>;
}

const started = new WeakMap<Kernel, RetrainService>();

export function startRetrain(kernel: Kernel, storage: Storage, llm: LlmService | undefined, episodes: EpisodeLog, options: RetrainStartOptions = {}): RetrainService {
  const existing = started.get(kernel);
  if (existing !== undefined) return existing;
  const clock = kernel.machine.clock;
  const store = AdapterStore.open(storage.volume, { clock, ...(llm === undefined ? {} : { baseModel: llm.loaded.name }) });
  kernel.onShutdown('adapters', () => store.close());
  let cycle: RetrainCycle | undefined;
  if (llm === undefined) kernel.klog.info('train', 'no model loaded: the retrain cycle is off (the adapter history can still be listed)');
  else {
    cycle = new RetrainCycle({
      store, episodes, host: serviceHost(llm), klog: kernel.klog, clock,
      dataset: { encoder: tokenizerChatEncoder(llm.loaded.tokenizer), systemPrompt: (options.promptStyle ?? 'qwen-tools') === 'compact' ? COMPACT_SYSTEM_RULE : SYSTEM_RULES },
      ...(options.settings === undefined ? {} : { settings: options.settings }),
    });
    cycle.restore();
    if (options.schedule === 'scheduled') cycle.schedule(kernel.scheduler);
  }
  const service = { store, cycle };
  started.set(kernel, service);
  return service;
}

/**
 * The service's model as the cycle's host. Swapping adapters leaves the
 * service's inference context holding KV entries computed under the old
 * ones for a reused prompt prefix; LlmService needs a setAdapters that
 * also drops that cache (see the report to the lead) — until then the
 * first request after a swap may reuse a stale system-prompt prefix.
 */
function serviceHost(llm: LlmService): AdapterHost {
  const service = llm as LlmService & { setAdapters?: (adapters: Parameters<AdapterHost['setAdapters']>[0]) => void };
  const { model, config } = llm.loaded;
  return {
    config,
    weights: model.weights,
    setAdapters: (adapters) => (service.setAdapters === undefined ? model.setAdapters(adapters) : service.setAdapters(adapters)),
  };
}

/** the shell's adapter commands' port (shell/adapters-commands.ts AdaptersPort) over a started service */
export function retrainPort(kernel: Kernel, service: RetrainService, episodes: EpisodeLog) {
  const { cycle, store } = service;
  return {
    history: () => store.history(),
    active: () => store.state.active,
    retrainNow: cycle === undefined ? undefined : () => cycle.runNow(kernel.scheduler),
    rollback: cycle === undefined ? undefined : () => cycle.rollback(),
    episodes,
    wallTime: () => kernel.machine.clock.wallTime(),
  };
}
