/**
 * The LLM syscalls, on handles of type 'llm' (the object is the LlmService):
 *
 *   llm.info       READ     model, shapes, tensor types, service counters
 *   llm.tokenize   READ     text → token ids
 *   llm.detokenize READ     token ids → text
 *   llm.generate   EXECUTE  completion (prompt) or chat (messages); queued fairly
 *   llm.embed      EXECUTE  mean-pooled final hidden state of a text
 *   llm.cancel     EXECUTE  cancel a queued or running request by id
 */

import { arg, defineSyscall, Rights, type SyscallTable } from '../../kernel/index.ts';
import type { LlmService } from './llm-service.ts';

export const LLM_OBJECT_TYPE = 'llm';

const message = arg.object({
  role: arg.enum(['system', 'user', 'assistant', 'tool'] as const),
  content: arg.string({ maxLength: 1_000_000 }),
});

export const LLM_SYSCALLS = [
  defineSyscall({
    name: 'llm.info',
    summary: 'the loaded model: architecture, shapes, tensor types, load time, service counters',
    objectType: LLM_OBJECT_TYPE,
    right: Rights.READ,
    args: {},
    handler: (_ctx, llm: LlmService) => {
      const { name, format, config, weightBytes, tensorTypes, loadMs, tokenizer } = llm.loaded;
      return { name, format, architecture: 'qwen2', config, weightBytes, tensorTypes: Object.fromEntries(tensorTypes), loadMs, vocabSize: tokenizer.vocabSize, queued: llm.queued, stats: { ...llm.stats } };
    },
  }),
  defineSyscall({
    name: 'llm.tokenize',
    summary: 'text → token ids (special tokens parsed unless asText)',
    objectType: LLM_OBJECT_TYPE,
    right: Rights.READ,
    args: { text: arg.string({ maxLength: 4_000_000 }), asText: arg.boolean().default(false) },
    handler: (_ctx, llm: LlmService, a) => llm.tokenize(a.text, a.asText ? 'as-text' : 'parse'),
  }),
  defineSyscall({
    name: 'llm.detokenize',
    summary: 'token ids → text',
    objectType: LLM_OBJECT_TYPE,
    right: Rights.READ,
    args: { tokens: arg.array(arg.integer({ min: 0 }), { maxLength: 1_000_000 }) },
    handler: (_ctx, llm: LlmService, a) => llm.loaded.tokenizer.decode(a.tokens),
  }),
  defineSyscall({
    name: 'llm.generate',
    summary: 'generate a completion (prompt) or a chat reply (messages); queued fairly per caller',
    objectType: LLM_OBJECT_TYPE,
    right: Rights.EXECUTE,
    args: {
      prompt: arg.string({ maxLength: 1_000_000 }).optional(),
      messages: arg.array(message, { maxLength: 1000 }).optional(),
      maxTokens: arg.integer({ min: 1, max: 32768 }).default(256),
      temperature: arg.number({ min: 0, max: 100 }).optional(),
      topK: arg.integer({ min: 0 }).optional(),
      topP: arg.number({ min: 0, max: 1 }).optional(),
      minP: arg.number({ min: 0, max: 1 }).optional(),
      repetitionPenalty: arg.number({ min: 0 }).optional(),
      presencePenalty: arg.number().optional(),
      seed: arg.integer({ min: 0, max: 0xffffffff }).optional(),
      stop: arg.array(arg.string({ minLength: 1, maxLength: 256 }), { maxLength: 16 }).optional(),
      stream: arg.boolean().default(false),
      requestId: arg.string({ minLength: 1, maxLength: 64 }).optional(),
    },
    handler: (ctx, llm: LlmService, a) => {
      const { stop, ...rest } = a;
      const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
      return llm.submit({ ...defined, maxTokens: a.maxTokens, ...(stop === undefined ? {} : { stopStrings: stop }) }, ctx.caller.principal ?? `handle:${ctx.handle}`);
    },
  }),
  defineSyscall({
    name: 'llm.embed',
    summary: 'embedding of a text: mean-pooled final hidden state',
    objectType: LLM_OBJECT_TYPE,
    right: Rights.EXECUTE,
    args: { text: arg.string({ minLength: 1, maxLength: 1_000_000 }) },
    handler: (_ctx, llm: LlmService, a) => llm.embed(a.text),
  }),
  defineSyscall({
    name: 'llm.cancel',
    summary: 'cancel a queued or running generation by request id',
    objectType: LLM_OBJECT_TYPE,
    right: Rights.EXECUTE,
    args: { requestId: arg.string({ minLength: 1, maxLength: 64 }) },
    handler: (_ctx, llm: LlmService, a) => llm.cancel(a.requestId),
  }),
];

export function registerLlmSyscalls(table: SyscallTable): void {
  for (const definition of LLM_SYSCALLS) table.register(definition);
}
