/**
 * The LLM as a kernel service: one loaded model, one inference context,
 * and a daemon task ("llm", interactive priority) that serves generation
 * requests one at a time.
 *
 * Fairness: requests wait in one queue per principal (the caller's name);
 * the daemon takes the oldest request of the next principal in round-robin
 * order, so one busy client cannot starve another. Between tokens the
 * daemon yields through the scheduler, so the shell and other tasks keep
 * running during a long generation, and the watchdog sees it alive.
 *
 * Cancellation: `cancel(requestId)` removes a queued request (it fails with
 * `cancelled`) or stops a running one at the next token (it returns with
 * stopReason 'cancelled' and the text so far).
 *
 * Streaming: a request may ask for its tokens to be published on the event
 * bus as 'llm.token' events carrying its request id.
 */

import { ChimaeraError, fail } from '../../common/index.ts';
import type { Kernel, TaskContext } from '../../kernel/index.ts';
import { renderChatSegments, type ChatMessage } from '../chat/index.ts';
import type { InferenceContext } from '../model/index.ts';
import { generate, type GenerateResult, type SamplerOptions, type TokenConstraint } from '../sampling/index.ts';
import type { AdapterLike } from '../model/index.ts';
import type { LoadedModel } from './load.ts';

export interface GenerationRequest extends SamplerOptions {
  /** raw completion prompt, or … */
  readonly prompt?: string;
  /** … a conversation rendered with the ChatML template (generation prompt added) */
  readonly messages?: readonly ChatMessage[];
  /** tool schemas for the template's <tools> block (with `messages`) */
  readonly tools?: readonly unknown[];
  readonly maxTokens: number;
  readonly stopStrings?: readonly string[];
  /** publish each token on the bus as 'llm.token' */
  readonly stream?: boolean;
  /** caller-chosen id (unique among live requests); one is made up when absent */
  readonly requestId?: string;
  /** restricts the output (the cognition daemon's action grammar): a fresh one per request, whose end token is <|im_end|> or <|endoftext|> */
  readonly constraint?: TokenConstraint;
}

export interface GenerationOutcome extends GenerateResult {
  readonly requestId: string;
  readonly promptTokens: number;
  /** time spent in the queue and generating [ms] */
  readonly queuedMs: number;
  readonly promptMs: number;
  readonly generateMs: number;
}

interface Pending {
  readonly id: string;
  readonly principal: string;
  readonly request: GenerationRequest;
  readonly controller: AbortController;
  readonly enqueuedAt: number;
  resolve(outcome: GenerationOutcome): void;
  reject(error: unknown): void;
}

/** how many tokens the shared context holds */
export const DEFAULT_CONTEXT_TOKENS = 4096;

export class LlmService {
  readonly loaded: LoadedModel;
  private readonly kernel: Kernel;
  private readonly context: InferenceContext;
  /** principal → its waiting requests, oldest first; Map order is the round-robin order */
  private readonly queues = new Map<string, Pending[]>();
  private readonly live = new Map<string, Pending>();
  private wake: (() => void) | undefined;
  private nextRequest = 1;
  private lastPrincipal: string | undefined;
  /** counters for `llm.info` */
  readonly stats = { requests: 0, completed: 0, cancelled: 0, failed: 0, generatedTokens: 0 };

  constructor(kernel: Kernel, loaded: LoadedModel, contextTokens = Math.min(DEFAULT_CONTEXT_TOKENS, loaded.config.maxContext)) {
    this.kernel = kernel;
    this.loaded = loaded;
    this.context = loaded.model.createContext(contextTokens);
    kernel.scheduler.spawn({ name: 'llm', kind: 'daemon', priority: 'interactive', run: (ctx) => this.serve(ctx) });
    kernel.klog.info('llm', `service ready: context ${contextTokens} tokens, requests queue per principal (round-robin)`);
  }
  /**
   * Hot-swap the model's LoRA adapters (no reload of the base). The shared
   * context is reset: its cached prompt prefix was computed under the old ones.
   */
  setAdapters(adapters: readonly AdapterLike[]): void {
    this.loaded.model.setAdapters(adapters);
    this.context.reset();
    this.kernel.klog.info('llm', adapters.length === 0 ? 'adapters cleared: the plain base model serves' : `adapters active: ${adapters.map((a) => a.name).join(', ')}`);
  }


  /** queue a generation; resolves when it ends (also when cancelled while running) */
  submit(request: GenerationRequest, principal: string): Promise<GenerationOutcome> {
    if ((request.prompt === undefined) === (request.messages === undefined)) fail('arg.invalid', 'give either a prompt or messages');
    const id = request.requestId ?? `r${this.nextRequest++}`;
    if (this.live.has(id)) fail('arg.invalid', `request id ${id} is already in use`);
    this.stats.requests++;
    return new Promise<GenerationOutcome>((resolve, reject) => {
      const pending: Pending = { id, principal, request, controller: new AbortController(), enqueuedAt: this.kernel.machine.clock.now(), resolve, reject };
      this.live.set(id, pending);
      const queue = this.queues.get(principal);
      if (queue === undefined) this.queues.set(principal, [pending]);
      else queue.push(pending);
      this.wake?.();
    });
  }

  /** cancel a queued or running request; false if there is no such live request */
  cancel(requestId: string): boolean {
    const pending = this.live.get(requestId);
    if (pending === undefined) return false;
    pending.controller.abort();
    const queue = this.queues.get(pending.principal);
    const index = queue?.indexOf(pending) ?? -1;
    if (queue !== undefined && index >= 0) {
      queue.splice(index, 1);
      if (queue.length === 0) this.queues.delete(pending.principal);
      this.live.delete(requestId);
      this.stats.cancelled++;
      pending.reject(new ChimaeraError('cancelled', `request ${requestId} was cancelled before it started`));
    }
    return true;
  }

  /** requests waiting (not counting the running one) */
  get queued(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  tokenize(text: string, specialTokens: 'parse' | 'as-text' = 'parse'): number[] {
    return this.loaded.tokenizer.encode(text, { specialTokens });
  }

  /** mean-pooled final hidden state (after the output norm); uses its own short context */
  embed(text: string): Float32Array {
    const tokens = this.tokenize(text, 'as-text');
    if (tokens.length === 0) fail('arg.invalid', 'cannot embed empty text');
    const context = this.loaded.model.createContext(tokens.length);
    return context.embed(tokens, { pooling: 'mean' }).slice();
  }

  private next(): Pending | undefined {
    const principals = [...this.queues.keys()];
    if (principals.length === 0) return undefined;
    const after = this.lastPrincipal === undefined ? -1 : principals.indexOf(this.lastPrincipal);
    const principal = principals[(after + 1) % principals.length] ?? principals[0]!;
    // a principal that was just served goes to the back of the rotation
    const queue = this.queues.get(principal)!;
    const pending = queue.shift()!;
    this.queues.delete(principal);
    if (queue.length > 0) this.queues.set(principal, queue);
    this.lastPrincipal = principal;
    return pending;
  }

  private async serve(ctx: TaskContext): Promise<void> {
    while (!ctx.signal.aborted) {
      const pending = this.next();
      if (pending === undefined) {
        await ctx.wait(new Promise<void>((resolve) => (this.wake = resolve)));
        this.wake = undefined;
        continue;
      }
      try {
        pending.resolve(await this.run(pending, ctx));
      } catch (e) {
        this.stats.failed++;
        pending.reject(e);
      } finally {
        this.live.delete(pending.id);
      }
    }
  }

  private async run(pending: Pending, ctx: TaskContext): Promise<GenerationOutcome> {
    const { request } = pending;
    const { tokenizer } = this.loaded;
    const clock = this.kernel.machine.clock;
    const started = clock.now();
    // chat: ChatML markup is tokenized with special tokens, message text as plain text, so a
    // user (or a file the user pastes) cannot forge <|im_start|> turns
    const promptTokens =
      request.prompt !== undefined
        ? tokenizer.encode(request.prompt, { specialTokens: 'parse' })
        : renderChatSegments(request.messages!, { generationPrompt: 'add', ...(request.tools === undefined ? {} : { tools: request.tools }) }).flatMap((segment) =>
            tokenizer.encode(segment.text, { specialTokens: segment.kind === 'template' ? 'parse' : 'as-text' }),
          );
    const stopTokens = [tokenizer.eosId, tokenizer.specialTokens.get('<|im_end|>'), tokenizer.specialTokens.get('<|endoftext|>')].filter((x): x is number => x !== undefined);
    let firstTokenAt: number | undefined;
    const result = await generate(this.context, promptTokens, {
      ...request,
      tokenizer,
      stopTokens,
      stopStrings: request.stopStrings ?? [],
      signal: pending.controller.signal,
      yieldFn: () => ctx.yield(),
      onToken: (token, text) => {
        firstTokenAt ??= clock.now();
        ctx.heartbeat();
        if (request.stream === true) this.kernel.bus.publish('llm.token', { requestId: pending.id, principal: pending.principal, token, text });
      },
    });
    const ended = clock.now();
    this.stats.generatedTokens += result.tokens.length;
    if (result.stopReason === 'cancelled') this.stats.cancelled++;
    else this.stats.completed++;
    return {
      ...result,
      requestId: pending.id,
      promptTokens: promptTokens.length,
      queuedMs: started - pending.enqueuedAt,
      promptMs: (firstTokenAt ?? ended) - started,
      generateMs: ended - (firstTokenAt ?? ended),
    };
  }
}
