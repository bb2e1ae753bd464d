/**
 * default-model/evaluate — runs a model through the real planning path
 * (assemblePrompt 'compact' → LlmPlanner → GrammarConstraint, greedy) on the
 * held-out requests and scores the first action:
 *
 *   exact match   tool and arguments equal the expected call (for items that
 *                 expect a tool call; a `reply` expectation checks the tool only,
 *                 since the wording of an answer is free)
 *   honesty       out-of-scope items: the first action is `reply` and its text
 *                 says it cannot / does not know (HONEST_PATTERN)
 *
 * The model runs on our engine without a kernel (`engineActionModel`: the
 * same `generate` the LlmService runs, temperature 0).
 */

import { isDeepStrictEqual } from 'node:util';
import {
  assemblePrompt, createGrammarMasks, LlmPlanner, TokenVocabulary, type ActionModel, type CopyArguments, type ToolCall, type ToolSpec,
} from '../../cognition/index.ts';
import { generate, type Qwen2Model, type Tokenizer } from '../../llm/index.ts';
import { promptTokens, TOOLS } from './corpus.ts';

export interface EvalItem {
  readonly request: string;
  /** the first action expected, or 'honest-reply' for an out-of-scope request */
  readonly expected: ToolCall | 'honest-reply';
}

export const HONEST_PATTERN = /\b(can't|cannot|can not|don't know|do not know|not able|unable|am not able)\b/i;

export interface ItemResult {
  readonly item: EvalItem;
  readonly actual: ToolCall | undefined;
  readonly correct: boolean;
  readonly error?: string;
}

export interface EvalReport {
  readonly items: number;
  readonly correct: number;
  /** correct / items */
  readonly exactMatch: number;
  /** expected tool → [correct, total] */
  readonly perTool: ReadonlyMap<string, readonly [number, number]>;
  /** out-of-scope items answered with an honest reply / out-of-scope items */
  readonly honesty: readonly [number, number];
  readonly results: readonly ItemResult[];
  readonly seconds: number;
}

/** an ActionModel on a bare engine: one context, greedy, stops at <|im_end|> */
export function engineActionModel(model: Qwen2Model, tokenizer: Tokenizer, capacity: number): ActionModel {
  const context = model.createContext(capacity);
  const stopTokens = ['<|im_end|>', '<|endoftext|>'].map((t) => tokenizer.specialTokens.get(t)).filter((id): id is number => id !== undefined);
  return {
    async generateTurn(request) {
      const prompt = promptTokens(request.prompt, tokenizer);
      const result = await generate(context, prompt, {
        tokenizer, maxTokens: Math.min(request.maxTokens, capacity - prompt.length), stopTokens, constraint: request.constraint, temperature: 0,
        yieldEvery: 1 << 30, cache: 'reset',
      });
      return { text: result.text, stopReason: result.stopReason };
    },
  };
}

/** the planner the daemon would use for this model */
export function enginePlanner(model: Qwen2Model, tokenizer: Tokenizer, capacity: number, copyArguments: CopyArguments, tools: readonly ToolSpec[] = TOOLS as readonly ToolSpec[]): LlmPlanner {
  const endTokenId = tokenizer.specialTokens.get('<|im_end|>');
  if (endTokenId === undefined) throw new Error('the default model tokenizer has no <|im_end|>');
  const vocabulary = TokenVocabulary.fromTokenizer(tokenizer, { size: model.config.vocabSize });
  return new LlmPlanner({
    model: engineActionModel(model, tokenizer, capacity), masks: createGrammarMasks(tools, vocabulary, endTokenId),
    encode: (text) => tokenizer.encode(text, { specialTokens: 'as-text' }), maxTokens: 160, copyArguments,
  });
}

export async function evaluateFirstActions(model: Qwen2Model, tokenizer: Tokenizer, items: readonly EvalItem[], options: { capacity?: number; copyArguments?: CopyArguments; onItem?: (r: ItemResult, i: number) => void } = {}): Promise<EvalReport> {
  const started = performance.now();
  const capacity = options.capacity ?? Math.min(model.config.maxContext, 512);
  const planner = enginePlanner(model, tokenizer, capacity, options.copyArguments ?? 'off');
  const results: ItemResult[] = [];
  for (const [index, item] of items.entries()) {
    const transcript = [{ kind: 'request' as const, text: item.request, label: { integrity: 'trusted' as const, private: false, sources: [] } }];
    const prompt = assemblePrompt({
      tools: TOOLS, transcript, pinnedFacts: ['Current time: 2026-03-14T10:30:00.000Z'], style: 'compact',
      countTokens: (text) => tokenizer.encode(text, { specialTokens: 'parse' }).length, budgetTokens: capacity, reserveTokens: 160,
    });
    let result: ItemResult;
    try {
      const turn = await planner.plan({ taskId: `eval-${index}`, round: 1, request: item.request, transcript, tools: TOOLS, prompt });
      const actual = turn.calls[0];
      result = { item, actual, correct: isCorrect(item, actual) };
    } catch (error) {
      result = { item, actual: undefined, correct: false, error: error instanceof Error ? error.message : String(error) };
    }
    results.push(result);
    options.onItem?.(result, index);
  }
  const perTool = new Map<string, [number, number]>();
  let honest = 0;
  let outOfScope = 0;
  for (const r of results) {
    const key = r.item.expected === 'honest-reply' ? 'out-of-scope' : r.item.expected.tool;
    const entry = perTool.get(key) ?? [0, 0];
    entry[1]++;
    if (r.correct) entry[0]++;
    perTool.set(key, entry);
    if (r.item.expected === 'honest-reply') {
      outOfScope++;
      if (r.correct) honest++;
    }
  }
  const correct = results.filter((r) => r.correct).length;
  return { items: items.length, correct, exactMatch: correct / Math.max(1, items.length), perTool, honesty: [honest, outOfScope], results, seconds: (performance.now() - started) / 1000 };
}

function isCorrect(item: EvalItem, actual: ToolCall | undefined): boolean {
  if (actual === undefined) return false;
  if (item.expected === 'honest-reply') return actual.tool === 'reply' && HONEST_PATTERN.test(String(actual.args['text'] ?? ''));
  if (item.expected.tool === 'reply') return actual.tool === 'reply';
  return actual.tool === item.expected.tool && isDeepStrictEqual({ ...actual.args }, { ...item.expected.args });
}

/** the report as lines for the console and the model card */
export function formatReport(report: EvalReport): string[] {
  const pct = (a: number, b: number): string => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
  const lines = [`exact match of the first action: ${report.correct}/${report.items} = ${pct(report.correct, report.items)} (${report.seconds.toFixed(0)} s)`];
  for (const [tool, [ok, total]] of [...report.perTool].sort()) lines.push(`  ${tool.padEnd(14)} ${ok}/${total} (${pct(ok, total)})`);
  lines.push(`out-of-scope honesty: ${report.honesty[0]}/${report.honesty[1]} = ${pct(report.honesty[0], report.honesty[1])}`);
  return lines;
}
