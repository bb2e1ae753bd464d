/**
 * default-model/finish — the last stage of `npm run train:default`: load
 * the GGUF just written (the shipped bytes, through our engine), run the
 * held-out evaluation through LlmPlanner, and write eval-report.json and
 * MODEL_CARD.md with the measured figures. `scripts/eval-default.ts` runs
 * it again on the files in models/default/.
 */

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { copyArgumentsFromMetadata } from '../../cognition/index.ts';
import type { Tokenizer } from '../../llm/index.ts';
import { COPY_CIRCUIT_DEFAULTS, type CopyCircuitOptions } from '../../train/index.ts';
import { EVAL_SET } from './eval-set.ts';
import { evaluateFirstActions, formatReport, type EvalReport } from './evaluate.ts';
import { DEFAULT_MODEL_FILE, loadDefaultModel } from './model-file.ts';

/** what train-default.ts records (training-log.json) */
export interface TrainingSummary {
  readonly seed: number;
  readonly workers: number;
  readonly config: { hiddenSize: number; intermediateSize: number; layerCount: number; headCount: number; kvHeadCount: number; headDim: number; maxContext: number; vocabSize: number };
  readonly parameters: number;
  readonly vocabulary: number;
  readonly merges: number;
  readonly conversations: number;
  readonly examples: number;
  /** copy drills trained on besides the conversations (absent in older logs: none) */
  readonly copyDrills?: number;
  /** the random init's copy circuit (src/train/copy-circuit.ts; absent in older logs and in a second stage: none) */
  readonly copyCircuit?: CopyCircuitOptions;
  readonly corpusTokens: number;
  readonly targetTokens: number;
  readonly maxTokens: number;
  readonly batch: number;
  readonly peakLearningRate: number;
  readonly weightDecay: number;
  readonly totalSteps: number;
  readonly tokensSeen: number;
  readonly trainSeconds: number;
  readonly totalSeconds: number;
  /** the training kernels: 'wasm' (WebAssembly SIMD) or 'javascript' (absent in older logs: javascript) */
  readonly engine?: 'wasm' | 'javascript';
  readonly curve: readonly { step: number; loss: number; heldOut?: number; seconds: number }[];
  /** a second stage (--init) records the model file it started from and that run's summary */
  readonly initFrom?: string;
  readonly previous?: TrainingSummary;
}

/**
 * Evaluate `${outDir}/chimaera-default.gguf` and write the report and the card. `trained`
 * and `tokenizer` are what the training run holds; the file must agree with them.
 */
export async function finishDefaultModel(outDir: string, trained: { readonly parameterCount: number }, tokenizer: Tokenizer, summary: TrainingSummary, log: (line: string) => void = console.log): Promise<EvalReport> {
  const path = `${outDir}/${DEFAULT_MODEL_FILE}`;
  const loaded = loadDefaultModel(new Uint8Array(readFileSync(path)));
  if (loaded.tokenizer.vocabSize !== tokenizer.vocabSize || loaded.config.vocabSize !== tokenizer.vocabSize) throw new Error(`${path}: its vocabulary differs from the trained tokenizer`);
  if (summary.parameters !== trained.parameterCount) throw new Error('the training summary and the trained parameters disagree on the size');
  const report = await evaluateFirstActions(loaded.model, loaded.tokenizer, EVAL_SET, { copyArguments: copyArgumentsFromMetadata(loaded.metadata) });
  for (const line of formatReport(report)) log(line);
  // the model alone, without copied arguments: how much of the score is the decoder's
  const alone = await evaluateFirstActions(loaded.model, loaded.tokenizer, EVAL_SET, { copyArguments: 'off' });
  log(`without copied arguments: ${alone.correct}/${alone.items}`);
  const failures = report.results.filter((r) => !r.correct).map((r) => ({ request: r.item.request, expected: r.item.expected, actual: r.actual ?? null, error: r.error ?? null }));
  writeFileSync(`${outDir}/eval-report.json`, `${JSON.stringify({
    items: report.items, correct: report.correct, exactMatch: report.exactMatch, honesty: report.honesty,
    perTool: Object.fromEntries(report.perTool), seconds: report.seconds,
    withoutCopiedArguments: { correct: alone.correct, exactMatch: alone.exactMatch, honesty: alone.honesty, perTool: Object.fromEntries(alone.perTool) },
    failures,
  }, null, 1)}\n`);
  writeFileSync(`${outDir}/MODEL_CARD.md`, modelCard(summary, report, alone, statSync(path).size, tokenizer));
  return report;
}

/** the two-stage story: what the first run did, what this one added, the totals */
function stageNote(s: TrainingSummary, p: TrainingSummary): string {
  const last = p.curve[p.curve.length - 1];
  return `
**Two stages.** This model was trained in two runs of the same script. Stage 1 (from a random
init, seed ${p.seed}): ${p.totalSteps} steps, peak learning rate ${p.peakLearningRate}, ${p.tokensSeen.toLocaleString('en-US')} tokens, ${(p.trainSeconds / 60).toFixed(1)} min, final
training loss ${last === undefined ? 'n/a' : last.loss.toFixed(3)}${last?.heldOut === undefined ? '' : `, held-out ${last.heldOut.toFixed(3)}`}, its held-out loss still falling. Stage 2
(\`--init ${s.initFrom ?? 'the stage-1 model'}\`, the same tokenizer) continued on a fresh draw of the same corpus
(seed ${s.seed}) at a lower peak learning rate. The figures above are stage 2's; in total:
${(p.totalSteps + s.totalSteps).toLocaleString('en-US')} steps, ${(p.tokensSeen + s.tokensSeen).toLocaleString('en-US')} tokens, ${((p.trainSeconds + s.trainSeconds) / 60).toFixed(1)} min of training.
`;
}

/** the init's copy circuit (src/train/copy-circuit.ts) and why it is there */
function copyCircuitNote(options: CopyCircuitOptions): string {
  const c = { ...COPY_CIRCUIT_DEFAULTS, ...options };
  return `
**Initialisation.** GPT-2's (normal, std 0.02, residual projections scaled by 1/√(2·layers)), then
a copy circuit set into the attention weights (src/train/copy-circuit.ts, \`Qwen2Parameters.initialize\`
with \`copyCircuit\`): in layer 0, KV head 0 is a previous-token head (zero query and key weights,
biases of magnitude ${c.sharpness} that make RoPE's score peak one position back, whatever the tokens), and in
every layer each KV head's value and output projections start as an identity on a slice of the
residual stream (gain ${c.copyGain}; ${c.previousTokenGain} for the previous-token head). Training then only has to find
the induction head's query/key match to copy names from the request token by token. From a plain
random init a model of this shape did not learn to copy within an hour (its copied tokens cost
3–6 nats each, about what it would pay without reading the request); with the circuit, held-out loss
drops sharply once the induction head forms (the curve below).
`;
}

function modelCard(s: TrainingSummary, report: EvalReport, alone: EvalReport, fileBytes: number, tokenizer: Tokenizer): string {
  const c = s.config;
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  // rows where the held-out loss was measured (every 200 steps and the last), when the log has them
  const measured = s.curve.some((e) => e.heldOut !== undefined) ? s.curve.filter((e, i) => e.heldOut !== undefined || i === 0) : s.curve;
  const at = (fraction: number) => measured[Math.min(measured.length - 1, Math.max(0, Math.round(fraction * (measured.length - 1))))];
  const curveRows = [0, 0.1, 0.25, 0.5, 0.75, 1].map((f) => at(f)).filter((e, i, all) => e !== undefined && all.indexOf(e) === i)
    .map((e) => `| ${e!.step} | ${e!.loss.toFixed(3)} | ${e!.heldOut === undefined ? '' : e!.heldOut.toFixed(3)} | ${(e!.seconds / 60).toFixed(1)} |`);
  const heldOut = [...s.curve].reverse().find((e) => e.heldOut !== undefined)?.heldOut;
  const toolRows = [...report.perTool].sort().map(([tool, [ok, total]]) => `| ${tool} | ${ok}/${total} | ${pct(ok / total)} |`);
  const failures = report.results.filter((r) => !r.correct).slice(0, 12).map((r) => {
    const expected = r.item.expected === 'honest-reply' ? 'an honest reply' : JSON.stringify({ tool: r.item.expected.tool, args: r.item.expected.args });
    const actual = r.actual === undefined ? `(failed: ${r.error ?? 'no call'})` : JSON.stringify({ tool: r.actual.tool, args: r.actual.args });
    return `- "${r.item.request}" — expected ${expected}, got ${actual}`;
  });
  return `# chimaera-default — model card

The default model of ChimaeraOS: what \`npm start\` runs when no \`--model\` is given.
A small Qwen2-architecture model trained from scratch by our own engine (src/train) on a
corpus we generate, to speak the cognition daemon's action grammar. It is a planner for
the tools of this system, not a general assistant: it knows nothing beyond its corpus.

## Files

- \`${DEFAULT_MODEL_FILE}\` — ${(fileBytes / 2 ** 20).toFixed(2)} MiB, GGUF v3, F32 tensors; the tokenizer
  (tokenizer.ggml.*, pre-tokenizer qwen2), \`chimaera.prompt_style = "compact"\` and
  \`chimaera.copy_arguments = "from-conversation"\` in the metadata
- \`tokenizer.json\`, \`tokenizer_config.json\` — the same BPE in the Hugging Face format
- \`training-log.json\` — the run's settings and loss curve; \`eval-report.json\` — the evaluation

## Model

| | |
|---|---|
| architecture | Qwen2 (RMSNorm, RoPE θ=10000, GQA, SwiGLU, q/k/v biases), tied embeddings |
| parameters | ${s.parameters.toLocaleString('en-US')} (${(s.parameters / 1e6).toFixed(2)}M) |
| shape | hidden ${c.hiddenSize}, ${c.layerCount} layers, ${c.headCount} heads / ${c.kvHeadCount} KV heads of ${c.headDim}, FFN ${c.intermediateSize} |
| vocabulary | ${tokenizer.vocabSize}: 256 bytes + ${s.merges} merges + <\\|endoftext\\|>, <\\|im_start\\|>, <\\|im_end\\|> |
| context | trained on sequences ≤ ${s.maxTokens} tokens; metadata context ${c.maxContext} |

## Data

${s.conversations.toLocaleString('en-US')} conversations drawn from seeded templates (src/cli/default-model/: slots.ts,
intents.ts, dialogue.ts, corpus.ts; seed ${s.seed}), each one planning round exactly as the daemon
assembles it (prompt style "compact": a one-line system rule, the request, earlier rounds and
their observations) followed by the assistant turn the grammar-constrained decoder should
produce. Mix: first action for a request (62%; all 11 acting tools, 30–45 phrasings each, file and
folder names composed from word lists and, a third of the time, random syllable words (half plain
consonant–vowel, half English-shaped with clusters: slots.ts \`syllableWord\`); most message
texts, search words and many recipients made of random words so they must be copied from the
request, not recalled), a reply after the tool's observation (14%: listings, file contents,
confirmations, "not found", consent refusals answered honestly), questions about the system itself
(6%), out-of-scope requests answered "I can't / I don't know" plus what it can do (8%), unclear
requests that ask_user first and act on the answer (6%), a request with an earlier task as recent
context (4%). ${s.examples.toLocaleString('en-US')} examples fit in ${s.maxTokens} tokens:
${s.corpusTokens.toLocaleString('en-US')} tokens, of which ${s.targetTokens.toLocaleString('en-US')} are training targets: the loss is taken only on
the assistant-turn tokens the model chooses; the grammar literals the decoder forces (the
<tool_call> frame, keys, the rest of a tool name) are fed as input but not taught.

${s.copyDrills === undefined || s.copyDrills === 0 ? '' : `Copy drills: ${s.copyDrills.toLocaleString('en-US')} more sequences (corpus.ts \`copyDrill\`), each a passage of request-like words
(names, file names, message texts, random syllables) then one whole-word stretch of it again, the
loss on the repeat after its first token: copying token by token, which conversations teach only a
few tokens at a time.

`}The tokenizer was learned on the first 4,000 conversations with same-class merges
(src/llm/tokenizer/train-bpe.ts, \`pairs: 'same-class'\`): no merge joins letters or digits with a
space or punctuation, so a name is spelled by the same tokens in the request (" notes", "'notes")
as in a JSON value ("\\"notes"), and copying it is token for token.

## Training

AdamW (β 0.9/0.999, weight decay ${s.weightDecay}), peak learning rate ${s.peakLearningRate}, linear warmup then
cosine to 5% of peak, gradient clipping at norm 1, ${s.batch} examples per step, ${s.totalSteps} steps,
data-parallel over ${s.workers} worker threads (gradients averaged in shared memory), on ${s.engine === 'wasm' ? 'the WebAssembly SIMD training kernels (build/wasm/train-kernels.wasm)' : 'the JavaScript training kernels'}.
Tokens seen: ${s.tokensSeen.toLocaleString('en-US')} (prompt and target positions). Training time:
${(s.trainSeconds / 60).toFixed(1)} min (${(s.totalSeconds / 60).toFixed(1)} min for the whole script before evaluation), on a
2-core machine shared with other work.
${s.copyCircuit === undefined ? '' : copyCircuitNote(s.copyCircuit)}${s.previous === undefined ? '' : stageNote(s, s.previous)}

| step | training loss | held-out loss | minutes |
|---|---|---|---|
${curveRows.join('\n')}

Final held-out loss (300 conversations from another seed, target tokens only): ${heldOut === undefined ? 'n/a' : heldOut.toFixed(3)} nats/token.

## Evaluation

${report.items} held-out requests written by hand separately from the training templates
(src/cli/default-model/eval-set.ts: other phrasings and slot values), run through the real
planning path (assemblePrompt 'compact' → LlmPlanner → grammar constraint with copied arguments,
greedy decoding on our engine). Copied arguments (src/cognition/grammar/copy.ts, asked for by the
file's metadata): paths, recipients, search words and message texts are spelled from spans of the
request (a path segment by segment) that start and end on whole words, take a quotation whole or not
at all, do not reuse what an earlier argument copied, and keep fs.move's destination different from
its source, so the model chooses where a value starts
and stops but cannot drift to a name it saw in training; at the start of each piece the candidates
are scored whole by the model (mean log-probability per token, llm/sampling/alternatives.ts) rather
than committed at their first token; reply and ask_user text stay free. Exact match = the first action's tool and arguments equal the expected ones
(for "about the system" items only the tool \`reply\` is checked, as wording is free);
out-of-scope items must be a \`reply\` saying it cannot do it or does not know.

- **exact match of the first action: ${report.correct}/${report.items} = ${pct(report.exactMatch)}**
- **out-of-scope honesty: ${report.honesty[0]}/${report.honesty[1]} = ${pct(report.honesty[0] / Math.max(1, report.honesty[1]))}**
- the model alone (the same run without copied arguments): ${alone.correct}/${alone.items} = ${pct(alone.exactMatch)} exact, honesty ${alone.honesty[0]}/${alone.honesty[1]}

| expected tool | correct | rate |
|---|---|---|
${toolRows.join('\n')}

${failures.length === 0 ? 'No failures.' : `Misses (first ${failures.length}):\n\n${failures.join('\n')}`}

## Limits

- It only knows the tools of this system and the phrasings its corpus covers; unusual wording,
  long requests or several steps in one request often fail. Replies after observations are
  template-like.
- Paths must be named the way the corpus names them (\`/home/F/N\`, \`F/N\`, \`N in my F folder\`, …).
${s.copyCircuit === undefined ? `- Where it misses, it is mostly in what it copies: which stretch a message text is, and paths
  composed from two mentions ("N in my F folder", rename targets). The model has not learned to copy
  token by token (its loss on the second token of a copied name is still 3–6 nats, about what it
  would be without reading the request): the copy constraint spells the values, and the model only
  ranks the stretches the constraint offers, often preferring short common words ("the", "to").` : `- It copies token by token (the copy circuit). Where it misses, it picks the wrong tool for a
  phrasing its templates do not separate (write or append, a question about the time taken as out
  of scope), or composes a path badly: the copy constraint lets a path repeat segments of the
  request ("/home/music/home/music/…").`}
- Use the compact prompt style and a small budget (≈ 512 tokens): it never saw the <tools> block.

## Reproduce

${s.previous === undefined
    ? `\`npm run train:default\` (scripts/train-default.ts; \`--steps ${s.totalSteps}\` for this exact step count, \`--workers ${s.workers}\`, seed ${s.seed}).`
    : `\`npm run train:default -- --steps ${s.previous.totalSteps}\` trains stage 1 from scratch (seed ${s.previous.seed}), then
\`npm run train:default -- --init models/default/${DEFAULT_MODEL_FILE} --seed ${s.seed} --steps ${s.totalSteps} --peak ${s.peakLearningRate}\` runs stage 2.`} \`node --import tsx scripts/eval-default.ts\` re-runs the evaluation.
`;
}
