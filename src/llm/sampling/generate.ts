/**
 * The generation loop: evaluate the prompt (reusing whatever prefix the
 * context already holds), then sample, stream and evaluate one token at a
 * time until an end-of-sequence token, a stop string, the token limit, a
 * full context or cancellation.
 *
 * Streaming: onToken(id, textPiece) is called for every generated token with
 * the text that became safe to show — '' while a possible stop-string prefix
 * or an incomplete UTF-8 character is held back. When generation ends, one
 * last call onToken(-1, rest) delivers any held-back text (only if non-empty).
 * The concatenation of all pieces equals `text`.
 *
 * The loop yields to the host event loop after every `yieldEvery` tokens so
 * an AbortSignal (cancel) can fire between tokens.
 *
 * With a `constraint` (constraint.ts), every sampled token comes from the
 * constraint's mask, and a continuation the constraint forces is fed without
 * sampling: its ids are accepted, streamed and evaluated in one batch with the
 * token before them (the first ones with the prompt), so a literal of n tokens
 * costs one forward pass instead of n. At temperature 0, where the constraint
 * offers whole alternatives (a value copied from the request), they are
 * scored whole by the model first (alternatives.ts) and the constraint holds
 * the masks to the winner. Generation ends ('eos') when the
 * constraint is complete or an end token is sampled. Forced tokens count
 * towards maxTokens. Without a constraint the loop is exactly the plain one.
 */

import { fail } from '../../common/index.ts';
import { Sampler, type SamplerOptions } from './sampler.ts';
import { StopStringMatcher } from './stop-strings.ts';
import type { TokenConstraint } from './constraint.ts';
import { scoreAlternatives } from './alternatives.ts';

/** the part of an inference context generation uses (InferenceContext fits) */
export interface GenerationContext {
  readonly vocabSize: number;
  readonly capacity: number;
  readonly length: number;
  tokens(): Int32Array;
  truncate(length: number): void;
  /** 'last' → [vocab] (may be a reused buffer); 'all' → a new [tokens, vocab] */
  evaluate(tokens: ArrayLike<number>, options?: { logits?: 'last' | 'all' }): Float32Array;
}

/** the part of a tokenizer generation uses (llm/tokenizer's Tokenizer fits) */
export interface TextDecoding {
  decode(ids: ArrayLike<number>): string;
  newStreamDecoder(): { push(id: number): string; flush(): string };
}

export type StopReason = 'eos' | 'stop-string' | 'max-tokens' | 'context-full' | 'cancelled';

export interface GenerateOptions extends SamplerOptions {
  readonly tokenizer: TextDecoding;
  /** most tokens to generate (≥ 1) */
  readonly maxTokens: number;
  /** end-of-sequence ids (e.g. <|im_end|>, <|endoftext|>): generation stops before them */
  readonly stopTokens?: readonly number[];
  /** generation stops when the text contains one; `text` ends before it */
  readonly stopStrings?: readonly string[];
  readonly onToken?: (id: number, textPiece: string) => void;
  readonly signal?: AbortSignal;
  /** tokens between yields to the event loop; default 1 */
  readonly yieldEvery?: number;
  /** how to yield (a kernel task passes its ctx.yield so the scheduler stays in charge); default: a 0 ms timer */
  readonly yieldFn?: () => Promise<void>;
  /** 'reuse' (default): keep the cached prefix the prompt shares with the context; 'reset': start over */
  readonly cache?: 'reuse' | 'reset';
  /** restricts every token to what it allows and feeds what it forces (see the header) */
  readonly constraint?: TokenConstraint;
}

export interface GenerateResult {
  /** generated ids, without the end-of-sequence token */
  readonly tokens: number[];
  /** generated text, up to (not including) a stop string */
  readonly text: string;
  readonly stopReason: StopReason;
  /** prompt tokens that were already in the context's cache */
  readonly reusedPromptTokens: number;
}

const yieldToHost = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

export async function generate(context: GenerationContext, promptTokens: ArrayLike<number>, options: GenerateOptions): Promise<GenerateResult> {
  if (!Number.isInteger(options.maxTokens) || options.maxTokens < 1) fail('arg.invalid', `maxTokens must be a whole number ≥ 1, got ${options.maxTokens}`);
  if (promptTokens.length === 0) fail('arg.invalid', 'generation needs at least one prompt token');
  if (promptTokens.length > context.capacity) {
    fail('llm.context_full', `the prompt has ${promptTokens.length} tokens, the context holds ${context.capacity}`, { tokens: promptTokens.length, capacity: context.capacity });
  }
  const yieldEvery = options.yieldEvery ?? 1;
  const stopTokens = new Set(options.stopTokens ?? []);
  const sampler = new Sampler(context.vocabSize, options);
  const matcher = new StopStringMatcher(options.stopStrings ?? []);
  const decoder = options.tokenizer.newStreamDecoder();
  const generated: number[] = [];
  let text = '';
  const emit = (id: number, piece: string): void => {
    text += piece;
    if (id >= 0 || piece.length > 0) options.onToken?.(id, piece);
  };

  // prompt: reuse the shared prefix, evaluate the rest (at least one token, for its logits)
  let reused = 0;
  if (options.cache !== 'reset') {
    const cached = context.tokens();
    while (reused < cached.length && reused < promptTokens.length && cached[reused] === promptTokens[reused]) reused++;
    if (reused === promptTokens.length) reused--;
  }
  context.truncate(reused);
  const rest = Array.from({ length: promptTokens.length - reused }, (_, i) => promptTokens[reused + i]!);
  const windowStart = Math.max(0, promptTokens.length - sampler.options.penaltyLastN);
  for (let i = windowStart; i < promptTokens.length; i++) sampler.accept(promptTokens[i]!);
  if (options.signal?.aborted) return { tokens: generated, text, stopReason: 'cancelled', reusedPromptTokens: reused };
  const constraint = options.constraint;

  let stopReason: StopReason = 'max-tokens';
  /** take what the constraint forces into `batch` (accepted, streamed); false when a stop string ended the text */
  const takeForced = (batch: number[]): boolean => {
    const room = Math.min(options.maxTokens - generated.length, context.capacity - context.length - batch.length);
    if (room <= 0) return true;
    for (const id of constraint!.forcedTokens(room)) {
      constraint!.accept(id);
      sampler.accept(id);
      generated.push(id);
      batch.push(id);
      const check = matcher.push(decoder.push(id));
      emit(id, check.released);
      if (check.stopped) return false;
    }
    return true;
  };

  const first = rest;
  if (constraint !== undefined && !takeForced(first)) stopReason = 'stop-string';
  let logits = stopReason === 'stop-string' || generated.length >= options.maxTokens ? new Float32Array(0) : context.evaluate(first, { logits: 'last' });

  while (stopReason !== 'stop-string' && generated.length < options.maxTokens) {
    if (options.signal?.aborted) { stopReason = 'cancelled'; break; }
    if (constraint?.isComplete() === true) { stopReason = 'eos'; break; }
    const offered = sampler.options.temperature <= 0 ? constraint?.alternatives?.() : null;
    if (offered != null) {
      const atChoice = Float32Array.from(logits); // the context's buffer is overwritten by scoring
      const best = scoreAlternatives(context, atChoice, offered);
      if (best !== null) constraint?.choose?.(best.candidate, best.count, best.closer);
      logits = atChoice;
    }
    const id = sampler.sample(logits, constraint?.nextMask());
    if (stopTokens.has(id)) { constraint?.accept(id); stopReason = 'eos'; break; }
    constraint?.accept(id);
    sampler.accept(id);
    generated.push(id);
    const check = matcher.push(decoder.push(id));
    emit(id, check.released);
    if (check.stopped) { stopReason = 'stop-string'; break; }
    if (generated.length >= options.maxTokens) { stopReason = 'max-tokens'; break; }
    if (context.length >= context.capacity) { stopReason = 'context-full'; break; }
    const batch = [id];
    if (constraint !== undefined && !takeForced(batch)) { stopReason = 'stop-string'; break; }
    if (generated.length >= options.maxTokens) { stopReason = 'max-tokens'; break; }
    logits = context.evaluate(batch, { logits: 'last' });
    if (generated.length % yieldEvery === 0 || batch.length > 1) await (options.yieldFn ?? yieldToHost)();
  }
  if (stopReason !== 'stop-string') {
    const tail = matcher.push(decoder.flush());
    if (tail.stopped) stopReason = 'stop-string';
    emit(-1, tail.released + matcher.finish());
  }
  return { tokens: generated, text, stopReason, reusedPromptTokens: reused };
}
