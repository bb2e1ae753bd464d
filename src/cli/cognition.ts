/**
 * cli/cognition — bring-up of the user-facing half of the system at boot,
 * after storage (ARCHITECTURE.md "Boot"):
 *
 *   /lived/episodes   the episodic log (memory/openEpisodeLog)        4 MiB record log
 *   /lived/audit      the consent audit log, SHA-256 hash chain       4 MiB record log
 *   /lived/grants     the persistent grants ('hour', 'always')        256 KiB record log
 *
 * then the consent broker (machine clock, DEFAULT_POLICY), the tool
 * environment — a DirectoryObject rooted at /home, so no tool can name
 * anything under /lived — and, when there is a planner, the cognition
 * daemon. The planner is the model (LlmPlanner over the kernel's LlmService,
 * its grammar masks built on first use so boot stays fast) or one injected
 * by tests. Without either there is no daemon: `ask` fails llm.not_loaded,
 * while `grants`, `revoke`, `audit` and `why` still work.
 *
 * Who answers consent prompts and ask_user changes with the front end (the
 * shell, `chimaera ask`), so the daemon gets a relay: a front end attaches
 * its UI for as long as it runs; with none attached every prompt is denied
 * (fail closed) and ask_user stays unanswered.
 *
 * The log files are closed (committed) by a shutdown hook, which runs
 * before the volume is unmounted (hooks run newest first).
 */

import { fail } from '../common/index.ts';
import { AuditLog, ConsentBroker, DEFAULT_POLICY, GrantStore, type ConsentAnswer, type ConsentPolicy, type ConsentPrompt, type ConsentUi } from '../consent/index.ts';
import { assemblePrompt, copyArgumentsFromMetadata, promptStyleFromMetadata, type PromptStyle, CognitionDaemon, createLlmPlanner, createToolRegistry, USER_LABEL, type DaemonLimits, type Planner, type PlannerInput, type PlannedTurn, type ToolEnvironment, type ToolRegistry } from '../cognition/index.ts';
import { DirectoryObject, type Storage } from '../fs/index.ts';
import type { Kernel } from '../kernel/index.ts';
import { DEFAULT_CONTEXT_TOKENS, type LlmService } from '../llm/index.ts';
import { openEpisodeLog, type EpisodeLog } from '../memory/index.ts';

/** audit log capacity [bytes]: ~10 000 records of ~400 bytes */
const AUDIT_LOG_BYTES = 4 * 2 ** 20;
/** episodic log capacity [bytes] */
const EPISODE_LOG_BYTES = 4 * 2 ** 20;
/** grant store capacity [bytes] */
const GRANTS_LOG_BYTES = 256 * 1024;

export type AskUserFunction = (question: string, signal?: AbortSignal) => Promise<string | undefined>;

/** the daemon's ConsentUi and ask_user, forwarded to whichever front end is attached */
export class ConsentRelay implements ConsentUi {
  private ui: ConsentUi | undefined;
  private askUserTarget: AskUserFunction | undefined;

  /** route prompts (and ask_user) to `ui` until the returned function is called */
  attach(ui: ConsentUi, askUser?: AskUserFunction): () => void {
    const previous = { ui: this.ui, askUser: this.askUserTarget };
    this.ui = ui;
    this.askUserTarget = askUser;
    return () => {
      this.ui = previous.ui;
      this.askUserTarget = previous.askUser;
    };
  }

  get attached(): boolean {
    return this.ui !== undefined;
  }

  async ask(prompt: ConsentPrompt, signal?: AbortSignal): Promise<ConsentAnswer> {
    if (this.ui === undefined) return { kind: 'deny-all' };
    return this.ui.ask(prompt, signal);
  }

  readonly askUser: AskUserFunction = async (question, signal) => this.askUserTarget?.(question, signal);
}

/** the cognition half of a running system (System.cognition) */
export interface SystemCognition {
  /** how prompts are laid out for the loaded model ('compact' for our default model) */
  readonly promptStyle: PromptStyle;
  readonly broker: ConsentBroker;
  readonly audit: AuditLog;
  readonly grantStore: GrantStore;
  readonly episodes: EpisodeLog;
  readonly registry: ToolRegistry<ToolEnvironment>;
  /** what tools may touch: /home only */
  readonly env: ToolEnvironment;
  /** undefined without a model (and without an injected planner) */
  readonly planner: Planner | undefined;
  readonly daemon: CognitionDaemon | undefined;
  /** where the daemon's consent prompts and ask_user questions go */
  readonly consent: ConsentRelay;
  /** the daemon, or llm.not_loaded */
  requireDaemon(): CognitionDaemon;
  /**
   * plan only (`chimaera ask --dry-run`): the first round of a task, prompted
   * as the daemon would (without the recent-task context), straight from the
   * planner; nothing reaches the broker, nothing runs, nothing is logged
   */
  planOnce(text: string, signal?: AbortSignal): Promise<PlannedTurn>;
}

export interface CognitionOptions {
  /** plan with this instead of the model (tests, scripted runs) */
  readonly planner?: Planner;
  /** default DEFAULT_POLICY */
  readonly policy?: ConsentPolicy;
  readonly limits?: Partial<DaemonLimits>;
}

export function startCognition(kernel: Kernel, storage: Storage, llm: LlmService | undefined, options: CognitionOptions = {}): SystemCognition {
  const { volume } = storage;
  const clock = kernel.machine.clock;
  const opened: (() => void)[] = [];
  const closeAll = (): void => {
    for (const close of opened.splice(0).reverse()) {
      try {
        close();
      } catch (error) {
        kernel.klog.error('cognition', `closing a /lived log failed: ${(error as Error).message}`);
      }
    }
  };
  let cognition: SystemCognition;
  try {
    const episodeFile = openEpisodeLog(volume, { capacityBytes: EPISODE_LOG_BYTES, clock });
    opened.push(episodeFile.close);
    const auditFile = AuditLog.open(volume, { capacityBytes: AUDIT_LOG_BYTES, clock });
    opened.push(auditFile.close);
    const grantFile = GrantStore.open(volume, { nowMs: clock.wallTime(), capacityBytes: GRANTS_LOG_BYTES });
    opened.push(grantFile.close);
    if (grantFile.store.loadProblem !== undefined) kernel.klog.warn('consent', `persisted grants dropped: ${grantFile.store.loadProblem}`);
    const verification = auditFile.audit.verify();
    if (!verification.ok) kernel.klog.error('consent', `audit log hash chain broken at record ${verification.atSeq}: ${verification.problem}`);

    const broker = new ConsentBroker({ clock, store: grantFile.store, audit: auditFile.audit, policy: options.policy ?? DEFAULT_POLICY });
    const registry = createToolRegistry();
    const env: ToolEnvironment = { home: new DirectoryObject(volume, '/home'), volume, episodes: episodeFile.episodes, klog: kernel.klog, clock };
    const planner = options.planner ?? (llm === undefined ? undefined : new LazyLlmPlanner(llm, registry));
    const consent = new ConsentRelay();
    // our small default model was trained on the compact prompt (its GGUF says so); real Qwen weights get the <tools> block
    const promptStyle = llm === undefined ? 'qwen-tools' : promptStyleFromMetadata(llm.loaded.chimaera);
    const budget = llm === undefined || options.planner !== undefined ? {} : modelBudget(llm, promptStyle);
    const daemon = planner === undefined ? undefined : new CognitionDaemon({
      registry, env, broker, planner, consentUi: consent, askUser: consent.askUser, episodes: episodeFile.episodes, clock, timers: kernel.machine.timers,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...budget,
      promptStyle,
    });
    const requirePlanner = (): Planner => planner ?? fail('llm.not_loaded', 'no model is loaded, so there is nothing to plan with (boot or ask with --model PATH)');
    cognition = {
      promptStyle,
      broker, audit: auditFile.audit, grantStore: grantFile.store, episodes: episodeFile.episodes, registry, env, planner, daemon, consent,
      requireDaemon: () => {
        requirePlanner();
        return daemon!;
      },
      planOnce: (text, signal) => {
        const transcript = [{ kind: 'request' as const, text, label: USER_LABEL }];
        const prompt = assemblePrompt({ tools: registry.list(), transcript, pinnedFacts: [`Current time: ${new Date(clock.wallTime()).toISOString()}`], ...budget, style: promptStyle });
        return requirePlanner().plan({ taskId: 'dry-run', round: 1, request: text, transcript, tools: registry.list(), prompt }, signal);
      },
    };
  } catch (error) {
    closeAll();
    throw error;
  }
  kernel.onShutdown('cognition', closeAll);
  const grants = cognition.broker.grants().length;
  kernel.klog.info('cognition', `episodes, audit (${cognition.audit.head.seq} records) and grants (${grants} live) open in /lived; ${cognition.daemon === undefined ? 'no model: no cognition daemon' : 'cognition daemon ready'}`);
  return cognition;
}

/** the prompt budget of the model's context, counted with its own tokenizer */
/** compact-prompt models are small and trained on short sequences (the default model: ≤ 160 tokens) */
const COMPACT_BUDGET_TOKENS = 512;

function modelBudget(llm: LlmService, style: PromptStyle): { budgetTokens: number; countTokens: (text: string) => number } {
  return {
    budgetTokens: Math.min(style === 'compact' ? COMPACT_BUDGET_TOKENS : DEFAULT_CONTEXT_TOKENS, llm.loaded.config.maxContext),
    countTokens: (text) => llm.tokenize(text, 'as-text').length,
  };
}

/** the LlmPlanner, built on the first plan: its masks over the vocabulary take seconds, boot should not */
class LazyLlmPlanner implements Planner {
  private planner: Planner | undefined;

  constructor(private readonly llm: LlmService, private readonly registry: ToolRegistry<ToolEnvironment>) {}

  plan(input: PlannerInput, signal?: AbortSignal): Promise<PlannedTurn> {
    // a model may ask (GGUF chimaera.copy_arguments) that quoted arguments be spelled from the conversation
    this.planner ??= createLlmPlanner(this.llm, this.registry.list(), { copyArguments: copyArgumentsFromMetadata(this.llm.loaded.chimaera) });
    return this.planner.plan(input, signal);
  }
}
