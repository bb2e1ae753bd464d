/**
 * cognition/llm-planner — the model as planner: one assistant turn is
 * generated from the assembled prompt under the action grammar
 * (GrammarConstraint: only token sequences the grammar accepts, forced
 * literals fed without sampling), then read back with parseActionTurn.
 * The daemon still checks every call: the grammar shapes the output, it
 * does not authorise it.
 *
 * The model is reached through a narrow port (`ActionModel`), so the
 * planner runs on the kernel's LlmService (`llmServiceActionModel`), a bare
 * engine, or a test double.
 */

import { fail } from '../common/index.ts';
import type { GenerationRequest, LlmService, TokenConstraint } from '../llm/index.ts';
import { compileActionGrammar, CopyConstraint, copySources, GrammarConstraint, GrammarMasks, parseActionTurn, TokenVocabulary } from './grammar/index.ts';
import type { Planner, PlannerInput, PlannedTurn } from './planner.ts';
import { metadataText, type AssembledPrompt } from './prompt.ts';
import type { ToolSpec } from './tool-spec.ts';

/** what the planner needs of a model: one constrained assistant turn */
export interface ActionModel {
  generateTurn(request: { readonly prompt: AssembledPrompt; readonly constraint: TokenConstraint; readonly maxTokens: number; readonly signal?: AbortSignal }): Promise<{ readonly text: string; readonly stopReason?: string }>;
}

export interface LlmPlannerOptions {
  readonly model: ActionModel;
  /** the grammar's token masks over the model's vocabulary (build once per tool set and model: see createGrammarMasks) */
  readonly masks: GrammarMasks;
  /** the model's tokenizer for forced text (special tokens as text); default: longest match over the vocabulary */
  readonly encode?: (text: string) => readonly number[];
  /** tokens per turn (default 512) */
  readonly maxTokens?: number;
  /** 'from-conversation': quoted arguments are spelled from the prompt (grammar/copy.ts; for small models); default 'off' */
  readonly copyArguments?: CopyArguments;
}

export type CopyArguments = 'off' | 'from-conversation';

/** GGUF metadata key through which a model asks for copied arguments (our default model sets "from-conversation") */
export const COPY_ARGUMENTS_METADATA_KEY = 'chimaera.copy_arguments';

/** the copy mode a model's metadata asks for; 'off' when it says nothing (or something unknown) */
export function copyArgumentsFromMetadata(metadata: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>): CopyArguments {
  return metadataText(metadata, COPY_ARGUMENTS_METADATA_KEY) === 'from-conversation' ? 'from-conversation' : 'off';
}

export const DEFAULT_TURN_TOKENS = 512;

export class LlmPlanner implements Planner {
  private readonly options: LlmPlannerOptions;

  constructor(options: LlmPlannerOptions) {
    this.options = options;
  }

  async plan(input: PlannerInput, signal?: AbortSignal): Promise<PlannedTurn> {
    if (input.prompt.overBudget) fail('daemon.planner_failed', `the prompt of task ${input.taskId} needs ${input.prompt.tokens} tokens even after cutting; raise the budget or shorten the request`);
    const grammar = new GrammarConstraint(this.options.masks, this.options.encode === undefined ? {} : { encode: this.options.encode });
    const constraint = this.options.copyArguments === 'from-conversation'
      ? new CopyConstraint(grammar, copySources(input.prompt.messages))
      : grammar;
    const generated = await this.options.model.generateTurn({
      prompt: input.prompt,
      constraint,
      maxTokens: this.options.maxTokens ?? DEFAULT_TURN_TOKENS,
      ...(signal === undefined ? {} : { signal }),
    });
    if (generated.stopReason === 'cancelled') fail('cancelled', `planning of task ${input.taskId} was cancelled`);
    if (!constraint.isComplete()) fail('daemon.planner_failed', `the model stopped before finishing its turn (${generated.stopReason ?? 'unknown reason'}, ${generated.text.length} characters)`);
    return { calls: parseActionTurn(generated.text, this.options.masks.grammar), raw: generated.text };
  }
}

/** the masks for a tool set over a tokenizer's vocabulary; `endTokenId` is <|im_end|> */
export function createGrammarMasks(tools: readonly ToolSpec<never>[] | readonly ToolSpec<unknown>[], vocabulary: TokenVocabulary, endTokenId: number): GrammarMasks {
  return new GrammarMasks(compileActionGrammar(tools as readonly ToolSpec[]), vocabulary, { endTokenId });
}

/**
 * The kernel's LlmService as an ActionModel. The prompt goes as chat
 * messages, so file contents are tokenized with special tokens off; the
 * tool schemas go as `tools` (rendered into the system turn by the
 * service's ChatML template).
 */
export function llmServiceActionModel(service: LlmService, principal = 'cognition'): ActionModel {
  let next = 1;
  return {
    async generateTurn(request) {
      const requestId = `${principal}-${next++}`;
      const generation: GenerationRequest & { readonly tools?: readonly unknown[] } = {
        messages: request.prompt.messages,
        tools: request.prompt.tools,
        maxTokens: request.maxTokens,
        constraint: request.constraint,
        temperature: 0,
        requestId,
      };
      const onAbort = (): void => {
        service.cancel(requestId);
      };
      request.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const outcome = await service.submit(generation, principal);
        return { text: outcome.text, stopReason: outcome.stopReason };
      } finally {
        request.signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}

/** an LlmPlanner on the kernel's LlmService for these tools (vocabulary and masks built here: seconds on a 152k vocabulary) */
export function createLlmPlanner(service: LlmService, tools: readonly ToolSpec<never>[] | readonly ToolSpec<unknown>[], options: { maxTokens?: number; copyArguments?: CopyArguments } = {}): LlmPlanner {
  const tokenizer = service.loaded.tokenizer;
  const endTokenId = tokenizer.specialTokens.get('<|im_end|>');
  if (endTokenId === undefined) fail('tokenizer.unsupported', 'the model has no <|im_end|> token; the action grammar needs a ChatML (Qwen) model');
  const vocabulary = TokenVocabulary.fromTokenizer(tokenizer, { size: service.loaded.config.vocabSize });
  return new LlmPlanner({
    model: llmServiceActionModel(service),
    masks: createGrammarMasks(tools, vocabulary, endTokenId),
    encode: (text) => service.tokenize(text, 'as-text'),
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
    ...(options.copyArguments === undefined ? {} : { copyArguments: options.copyArguments }),
  });
}
