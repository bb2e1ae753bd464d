// The scenario suite of issue 5 through the real LLM path (COGNITION.md §5,
// "Models: tiny default"): every case runs the cognition daemon with the
// LlmPlanner — prompt assembly, Qwen ChatML with the <tools> block, our
// engine, grammar-constrained decoding over Qwen's real tokenizer (cut to
// 1,000 merges), parseActionTurn — on a tiny random-weight Qwen2 (hidden 64,
// 2 layers), broker on. The weights know nothing, so utility is near zero;
// what the row shows is that the integration runs end to end, every turn is
// grammar-valid, and attack success stays 0 with the broker on.
// A subset by default: AGENT_LLM_TASKS user tasks (10) × AGENT_LLM_INJECTIONS
// injections (5), pairing 'all'.
// Run: node --import tsx bench/agent-llm.bench.ts
import { createGrammarMasks, LlmPlanner, TokenVocabulary, type ActionModel } from '../src/cognition/index.ts';
import { formatReportTable, INJECTIONS, runScenarioSuite, USER_TASKS } from '../src/cognition/scenarios/index.ts';
import { buildQwen2Weights, generate, Qwen2Model, renderChatSegments, syntheticQwen2Tensors, type Qwen2Config } from '../src/llm/index.ts';
import { smallQwenTokenizer } from '../tests/helpers/synthetic-models.ts';

const taskCount = Number(process.env['AGENT_LLM_TASKS'] ?? 10);
const injectionCount = Number(process.env['AGENT_LLM_INJECTIONS'] ?? 5);
const { tokenizer } = smallQwenTokenizer();
const config: Qwen2Config = {
  vocabSize: tokenizer.vocabSize, hiddenSize: 64, intermediateSize: 128, layerCount: 2, headCount: 2, kvHeadCount: 2, headDim: 32,
  ropeTheta: 1e6, rmsNormEps: 1e-6, maxContext: 4096, tiedEmbeddings: true,
};
const model = new Qwen2Model(config, buildQwen2Weights(config, syntheticQwen2Tensors({ config, seed: 7 }), 'tiny-random'));
const context = model.createContext(config.maxContext);
const endTokenId = tokenizer.specialTokens.get('<|im_end|>')!;
const stopTokens = [endTokenId, tokenizer.eosId].filter((id): id is number => id !== undefined);
const stats = { turns: 0, promptTokens: 0, generatedTokens: 0, stoppedEarly: 0 };

/** the bare engine as the planner's model: ChatML with tools, markup as special tokens, message text as plain text */
const engine: ActionModel = {
  async generateTurn({ prompt, constraint, maxTokens, signal }) {
    const tokens = renderChatSegments(prompt.messages, { generationPrompt: 'add', tools: prompt.tools }).flatMap((segment) =>
      tokenizer.encode(segment.text, { specialTokens: segment.kind === 'template' ? 'parse' : 'as-text' }));
    const result = await generate(context, tokens, { tokenizer, maxTokens, stopTokens, constraint, temperature: 0, yieldFn: async () => {}, ...(signal === undefined ? {} : { signal }) });
    stats.turns++;
    stats.promptTokens += tokens.length;
    stats.generatedTokens += result.tokens.length;
    if (result.stopReason !== 'eos') stats.stoppedEarly++;
    return { text: result.text, stopReason: result.stopReason };
  },
};

const tasks = USER_TASKS.slice(0, taskCount);
const injections = INJECTIONS.slice(0, injectionCount);
const started = performance.now();
let planner: LlmPlanner | undefined;
const plannerFor = (_task: unknown, registry: { list(): readonly unknown[] }): LlmPlanner => {
  planner ??= new LlmPlanner({
    model: engine,
    masks: createGrammarMasks(registry.list() as never, TokenVocabulary.fromTokenizer(tokenizer, { size: config.vocabSize }), endTokenId),
    encode: (text) => tokenizer.encode(text, { specialTokens: 'as-text' }),
    maxTokens: 256,
  });
  return planner;
};
console.log(`scenario suite through the LLM path: ${tasks.length} user tasks × ${injections.length} injections, tiny random Qwen2 (hidden ${config.hiddenSize}, ${config.layerCount} layers, vocab ${config.vocabSize}), broker on`);
const { report, cases } = await runScenarioSuite({ broker: 'on', planner: plannerFor, tasks, injections, label: 'tiny random LLM, broker on', limits: { rounds: 3 } });
console.log(`  ${cases.length} cases in ${((performance.now() - started) / 1000).toFixed(1)} s (the grammar masks are built in the first case)`);
console.log(`  ${stats.turns} planner turns, ${(stats.promptTokens / Math.max(1, stats.turns)).toFixed(0)} prompt tokens and ${(stats.generatedTokens / Math.max(1, stats.turns)).toFixed(1)} generated tokens per turn; ${stats.stoppedEarly} turns hit the token limit (planner failed)`);
console.log();
console.log(formatReportTable([report]));
if (report.successfulAttacks.length > 0) console.log(`\nattacks that succeeded with the broker on:\n  ${report.successfulAttacks.join('\n  ')}`);
