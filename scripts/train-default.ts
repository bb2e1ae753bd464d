// `npm run train:default` — trains the shipped default model from scratch:
//
//   1. corpus      seeded conversations in the daemon's compact chat format
//                  (src/cli/default-model/corpus.ts)
//   2. tokenizer   byte-level BPE learned on that corpus (src/llm/tokenizer/train-bpe.ts)
//   3. model       a small Qwen2 (sizes below), AdamW + warmup/cosine, data-parallel over
//                  --workers threads (scripts/train-default-worker.ts; gradients averaged
//                  through shared memory, every worker applies the same update)
//   4. outputs     models/default/chimaera-default.gguf (F32 + tokenizer + chimaera.prompt_style),
//                  tokenizer.json, tokenizer_config.json, MODEL_CARD.md, training-log.json
//   5. evaluation  the held-out paraphrase set through LlmPlanner (src/cli/default-model/eval-set.ts)
//
// Flags: --steps N (default: fitted to --minutes from a timed calibration), --minutes M (40),
//        --deadline-minutes M (stop early past M minutes of training), --workers W (2), --seed S (7), --out DIR (models/default), --calibrate-only, --skip-eval,
//        --engine wasm|javascript (wasm: the WASM SIMD training kernels, build/wasm/train-kernels.wasm, when built),
//        --init FILE (a second stage: start from that model's weights and tokenizer instead of a random
//        init and a new BPE; its training-log.json is kept as `previous`), --peak LR (3e-3),
//        --hidden H (128; a multiple of 64) and --layers L (4): the model's shape,
//        --no-copy-circuit (start from a plain random init, without the previous-token head and
//        value/output copy maps of src/train/copy-circuit.ts),
//        --drills F (0): the share of copy drills among the examples (corpus.ts copyDrill; an
//        experiment: 0.25 over 52 min did not make the model copy, see the 2026-11-30 note)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Rng } from '../src/common/index.ts';
import { createGrammarMasks, renderActionTurn, TokenVocabulary, type ToolSpec } from '../src/cognition/index.ts';
import { Tokenizer, trainByteLevelBpe, type Qwen2Config } from '../src/llm/index.ts';
import { COPY_CIRCUIT_DEFAULTS, Qwen2Parameters, type CopyCircuitOptions } from '../src/train/index.ts';
import { conversationPrompt, copyDrill, generateConversations, promptTokens, teacherTurn, TOOLS, type Conversation } from '../src/cli/default-model/corpus.ts';
import { encodeDefaultModel, loadDefaultModel, DEFAULT_MODEL_FILE } from '../src/cli/default-model/model-file.ts';
import type { TrainingSummary } from '../src/cli/default-model/finish.ts';

const root = new URL('..', import.meta.url).pathname;
const argv = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};
const flag = (name: string): boolean => argv.includes(`--${name}`);

const SEED = Number(option('seed', '7'));
const WORKERS = Number(option('workers', '2'));
/** who computes the matrix products and attention in the workers */
const ENGINE: 'wasm' | 'javascript' = option('engine', 'wasm') === 'javascript' ? 'javascript' : 'wasm';
const MINUTES = Number(option('minutes', '40'));
const OUT = `${root}${option('out', 'models/default')}`;
/** conversations drawn for training (each is one planning round) */
const CONVERSATIONS = 60_000;
/** conversations the BPE is learned on */
const BPE_CONVERSATIONS = 4000;
const VOCAB_SIZE = 2048;
/** longest training sequence [tokens] */
const MAX_TOKENS = 192;
/** examples per optimizer step (split over the workers) */
const BATCH = 16;
/** model width (heads of 32, FFN 3× wide) and depth */
const HIDDEN = Number(option('hidden', '128'));
const LAYERS = Number(option('layers', '4'));
const CONFIG: Qwen2Config = {
  vocabSize: VOCAB_SIZE, hiddenSize: HIDDEN, intermediateSize: 3 * HIDDEN, layerCount: LAYERS, headCount: HIDDEN / 32, kvHeadCount: 2, headDim: 32,
  ropeTheta: 10000, rmsNormEps: 1e-6, maxContext: 512, tiedEmbeddings: true,
};
const PEAK_LR = Number(option('peak', '3e-3'));
const WEIGHT_DECAY = 0.05;

const started = performance.now();
const elapsed = (): number => (performance.now() - started) / 1000;
const log = (text: string): void => console.log(`[${elapsed().toFixed(0).padStart(5)} s] ${text}`);

// ── 1–2. corpus and tokenizer ──────────────────────────────────────────────

const conversations = generateConversations(SEED, CONVERSATIONS);
const heldOut = generateConversations(SEED + 1000, 300);
const turnText = (c: Conversation): string => renderActionTurn(c.turn, TOOLS as readonly ToolSpec[]);
// --init: a second stage on a trained model keeps its tokenizer (and its tokenizer files)
const INIT = option('init', '');
const initModel = INIT === '' ? undefined : loadDefaultModel(new Uint8Array(readFileSync(INIT)), INIT);
/** the random init's copy circuit (src/train/copy-circuit.ts): with it the model learns to copy names from the request; none under --init */
const COPY_CIRCUIT: CopyCircuitOptions | undefined = flag('no-copy-circuit') || initModel !== undefined ? undefined : COPY_CIRCUIT_DEFAULTS;
const previousRun = INIT === '' ? undefined : JSON.parse(readFileSync(`${OUT}/training-log.json`, 'utf8')) as TrainingSummary;
// same-class pairs: a name is the same tokens in the request and in a JSON value, so copying it is token for token
const bpe = initModel !== undefined ? undefined : trainByteLevelBpe(conversations.slice(0, BPE_CONVERSATIONS).map((c) => conversationPrompt(c).text + turnText(c)), { vocabSize: VOCAB_SIZE, pairs: 'same-class' });
const tokenizer = initModel?.tokenizer ?? Tokenizer.fromTokenizerJson(bpe!.tokenizerJson, bpe!.tokenizerConfig, 'tokenizer.json');
const merges = bpe?.merges.length ?? tokenizer.vocabSize - 256 - 3;
log(`tokenizer: ${merges} merges, vocabulary ${tokenizer.vocabSize}${initModel === undefined ? '' : ` (from ${INIT})`}`);
const endTokenId = tokenizer.specialTokens.get('<|im_end|>')!;
const masks = createGrammarMasks(TOOLS, TokenVocabulary.fromTokenizer(tokenizer, { size: VOCAB_SIZE }), endTokenId);

interface Example { tokens: Int32Array; targets: Int32Array }
function toExample(c: Conversation): Example | undefined {
  const prompt = promptTokens(conversationPrompt(c), tokenizer);
  const turn = teacherTurn(turnText(c), masks, tokenizer);
  const all = [...prompt, ...turn.ids];
  if (all.length > MAX_TOKENS) return undefined;
  const tokens = Int32Array.from(all.slice(0, -1));
  const targets = new Int32Array(tokens.length).fill(-1);
  // loss only on the tokens the model chooses; the decoder forces the rest (grammar literals)
  for (let i = 0; i < turn.ids.length; i++) if (turn.chosen[i]) targets[prompt.length - 1 + i] = turn.ids[i]!;
  return { tokens, targets };
}
/** copy drills (corpus.ts copyDrill) added to the conversations: this share of all examples */
const DRILL_SHARE = Number(option('drills', '0'));
function drillExample(rng: Rng): Example {
  const { passage, stretch } = copyDrill(rng);
  const separator = tokenizer.specialTokens.get('<|endoftext|>')!;
  const copy = tokenizer.encode(stretch, { specialTokens: 'as-text' });
  const tokens = Int32Array.from([separator, ...tokenizer.encode(passage, { specialTokens: 'as-text' }), separator, ...copy]);
  const targets = new Int32Array(tokens.length).fill(-1);
  // every token of the stretch after its first (the first says where it starts)
  for (let i = tokens.length - copy.length; i < tokens.length - 1; i++) targets[i] = tokens[i + 1]!;
  return { tokens, targets };
}
const conversationExamples = conversations.map(toExample).filter((e): e is Example => e !== undefined);
const drillRng = new Rng(SEED + 2);
const drills = Array.from({ length: Math.round((conversationExamples.length * DRILL_SHARE) / (1 - DRILL_SHARE)) }, () => drillExample(drillRng));
const examples = [...conversationExamples, ...drills];
const heldOutExamples = heldOut.map(toExample).filter((e): e is Example => e !== undefined);
const positions = examples.reduce((s, e) => s + e.tokens.length, 0);
const counted = examples.reduce((s, e) => s + e.targets.filter((t) => t >= 0).length, 0);
log(`corpus: ${conversationExamples.length} conversations (${conversations.length - conversationExamples.length} over ${MAX_TOKENS} tokens left out) and ${drills.length} copy drills, ${positions} tokens, ${counted} target tokens; mean ${(positions / examples.length).toFixed(1)} tokens`);

// ── 3. workers ─────────────────────────────────────────────────────────────

const parameterCount = Qwen2Parameters.initialize(CONFIG, SEED).parameterCount;
log(`model: ${(parameterCount / 1e6).toFixed(2)}M parameters (hidden ${CONFIG.hiddenSize}, ${CONFIG.layerCount} layers, ${CONFIG.headCount} heads / ${CONFIG.kvHeadCount} kv, ffn ${CONFIG.intermediateSize}, vocab ${VOCAB_SIZE}, tied)`);
const allExamples = [...examples, ...heldOutExamples];
const initial = initModel === undefined ? undefined : (() => {
  const shape = (c: Qwen2Config): string => JSON.stringify([c.vocabSize, c.hiddenSize, c.intermediateSize, c.layerCount, c.headCount, c.kvHeadCount, c.headDim, c.tiedEmbeddings]);
  if (shape(initModel.config) !== shape(CONFIG)) throw new Error(`${INIT}: its shape differs from this script's model`);
  return Qwen2Parameters.fromWeights(initModel.config, initModel.model.weights).tensors.map((t) => t.values);
})();
if (INIT !== '') log(`continuing from ${INIT}`);
const heldOutIndices = heldOutExamples.map((_, i) => examples.length + i);

interface Pool { workers: Worker[]; request(i: number, message: unknown): Promise<any>; average: Float32Array; gradients: Float32Array; close(): Promise<void> }
function startPool(totalSteps: number): Promise<Pool> {
  const gradientsBuffer = new SharedArrayBuffer(WORKERS * parameterCount * 4);
  const averageBuffer = new SharedArrayBuffer(parameterCount * 4);
  const pending: ((value: any) => void)[][] = Array.from({ length: WORKERS }, () => []);
  const workers = Array.from({ length: WORKERS }, (_, slot) => {
    // tsx's loader hooks are registered inside the worker before the TypeScript entry is imported
    const entry = JSON.stringify(new URL('./train-default-worker.ts', import.meta.url).href);
    const worker = new Worker(`import('tsx/esm/api').then((api) => { api.register(); return import(${entry}); })`, {
      eval: true,
      workerData: {
        config: CONFIG, seed: SEED, maxTokens: MAX_TOKENS, weightDecay: WEIGHT_DECAY, examples: allExamples,
        schedule: { peak: PEAK_LR, warmupSteps: Math.max(1, Math.min(100, Math.floor(totalSteps / 15))), totalSteps, minimumRatio: 0.05 },
        gradients: gradientsBuffer, average: averageBuffer, slot, engine: ENGINE, ...(COPY_CIRCUIT === undefined ? {} : { copyCircuit: COPY_CIRCUIT }), ...(initial === undefined ? {} : { initial }),
      },
    });
    worker.on('message', (message) => pending[slot]!.shift()?.(message));
    worker.on('error', (error) => {
      console.error(`worker ${slot} failed:`, error);
      process.exit(1);
    });
    return worker;
  });
  const request = (i: number, message: unknown): Promise<any> => new Promise((resolve) => {
    pending[i]!.push(resolve);
    if (message !== null) workers[i]!.postMessage(message);
  });
  const ready = workers.map((_, i) => request(i, null));
  return Promise.all(ready).then(() => ({
    workers, request, average: new Float32Array(averageBuffer), gradients: new Float32Array(gradientsBuffer),
    close: async () => { await Promise.all(workers.map((w) => w.terminate())); },
  }));
}

const batchRng = new Rng(SEED + 1);
async function trainStep(pool: Pool): Promise<{ loss: number; tokens: number; learningRate: number; gradientNorm: number }> {
  const indices = Array.from({ length: BATCH }, () => batchRng.int(0, examples.length - 1));
  const share = Math.ceil(BATCH / WORKERS);
  const reports = await Promise.all(pool.workers.map((_, w) => pool.request(w, { kind: 'accumulate', indices: indices.slice(w * share, (w + 1) * share) })));
  const { average, gradients } = pool;
  average.fill(0);
  for (let w = 0; w < WORKERS; w++) {
    const offset = w * parameterCount;
    for (let i = 0; i < parameterCount; i++) average[i]! += gradients[offset + i]!;
  }
  for (let i = 0; i < parameterCount; i++) average[i]! /= WORKERS;
  const steps = await Promise.all(pool.workers.map((_, w) => pool.request(w, { kind: 'step' })));
  const loss = reports.reduce((s, r) => s + r.loss, 0) / WORKERS;
  return { loss, tokens: reports.reduce((s, r) => s + r.positions, 0), learningRate: steps[0].learningRate, gradientNorm: steps[0].gradientNorm };
}

async function heldOutLoss(pool: Pool): Promise<number> {
  const share = Math.ceil(heldOutIndices.length / WORKERS);
  const reports = await Promise.all(pool.workers.map((_, w) => pool.request(w, { kind: 'evaluate', indices: heldOutIndices.slice(w * share, (w + 1) * share) })));
  const tokens = reports.reduce((s, r) => s + r.tokens, 0);
  return reports.reduce((s, r) => s + r.loss * r.tokens, 0) / tokens;
}

async function currentParameters(pool: Pool): Promise<Qwen2Parameters> {
  const { values } = await pool.request(0, { kind: 'parameters' });
  const parameters = Qwen2Parameters.initialize(CONFIG, SEED);
  parameters.tensors.forEach((t, i) => t.values.set(values[i]));
  return parameters;
}

// calibration: time a few steps on a throwaway pool, then fit the step count to the budget
let totalSteps = Number(option('steps', '0'));
let secondsPerStepCalibrated = 0;
if (totalSteps === 0 || flag('calibrate-only')) {
  const pool = await startPool(1000);
  await trainStep(pool);
  const t0 = performance.now();
  const calibrationSteps = 3;
  let tokens = 0;
  for (let i = 0; i < calibrationSteps; i++) tokens += (await trainStep(pool)).tokens;
  secondsPerStepCalibrated = (performance.now() - t0) / 1000 / calibrationSteps;
  await pool.close();
  log(`calibration: ${secondsPerStepCalibrated.toFixed(2)} s/step, ${(tokens / calibrationSteps / secondsPerStepCalibrated).toFixed(0)} tokens/s over ${WORKERS} workers`);
  if (flag('calibrate-only')) process.exit(0);
  if (totalSteps === 0) totalSteps = Math.max(50, Math.floor((MINUTES * 60 - elapsed()) / secondsPerStepCalibrated));
}
log(`training ${totalSteps} steps × ${BATCH} examples`);

// ── training ───────────────────────────────────────────────────────────────

mkdirSync(OUT, { recursive: true });
const pool = await startPool(totalSteps);
const trainStarted = performance.now();
const curve: { step: number; loss: number; heldOut?: number; seconds: number }[] = [];
let tokensSeen = 0;
let window = 0;
let windowSteps = 0;
let lastSnapshot = performance.now();
const writeModel = async (note: string): Promise<Qwen2Parameters> => {
  const parameters = await currentParameters(pool);
  writeFileSync(`${OUT}/${DEFAULT_MODEL_FILE}`, encodeDefaultModel(parameters, tokenizer, { name: 'chimaera-default', description: `ChimaeraOS default model (${note})` }));
  return parameters;
};
if (bpe !== undefined) {
  writeFileSync(`${OUT}/tokenizer.json`, `${JSON.stringify(bpe.tokenizerJson, null, 1)}\n`);
  writeFileSync(`${OUT}/tokenizer_config.json`, `${JSON.stringify(bpe.tokenizerConfig, null, 2)}\n`);
}
/** --deadline-minutes: stop early (before the schedule ends) rather than run past a time budget */
const DEADLINE_SECONDS = Number(option('deadline-minutes', 'Infinity')) * 60;
let stepsDone = 0;
for (let step = 1; step <= totalSteps; step++) {
  if ((performance.now() - trainStarted) / 1000 > DEADLINE_SECONDS) {
    log(`deadline reached: stopping after ${stepsDone} of ${totalSteps} steps`);
    break;
  }
  const report = await trainStep(pool);
  stepsDone = step;
  tokensSeen += report.tokens;
  window += report.loss;
  windowSteps++;
  if (step % 25 === 0 || step === totalSteps) {
    const seconds = (performance.now() - trainStarted) / 1000;
    const entry: { step: number; loss: number; heldOut?: number; seconds: number } = { step, loss: window / windowSteps, seconds };
    if (step % 200 === 0 || step === totalSteps || (performance.now() - trainStarted) / 1000 > DEADLINE_SECONDS) entry.heldOut = await heldOutLoss(pool);
    curve.push(entry);
    log(`step ${step}/${totalSteps} loss ${entry.loss.toFixed(4)}${entry.heldOut === undefined ? '' : ` held-out ${entry.heldOut.toFixed(4)}`} lr ${report.learningRate.toExponential(2)} |g| ${report.gradientNorm.toFixed(2)} ${(tokensSeen / seconds).toFixed(0)} tokens/s`);
    window = 0;
    windowSteps = 0;
    writeFileSync(`${OUT}/training-log.json`, `${JSON.stringify({ totalSteps, tokensSeen, curve }, null, 1)}\n`);
  }
  if (performance.now() - lastSnapshot > 8 * 60_000) {
    await writeModel(`snapshot at step ${step}`);
    lastSnapshot = performance.now();
  }
}
const trainSeconds = (performance.now() - trainStarted) / 1000;
const parameters = await writeModel(`${stepsDone} steps`);
await pool.close();
log(`trained in ${(trainSeconds / 60).toFixed(1)} min, ${tokensSeen} tokens seen; wrote ${OUT}/${DEFAULT_MODEL_FILE}`);

const summary = {
  seed: SEED, workers: WORKERS, config: CONFIG, parameters: parameterCount, vocabulary: tokenizer.vocabSize, merges,
  conversations: CONVERSATIONS, examples: conversationExamples.length, copyDrills: drills.length, ...(COPY_CIRCUIT === undefined ? {} : { copyCircuit: COPY_CIRCUIT }), corpusTokens: positions, targetTokens: counted, maxTokens: MAX_TOKENS, batch: BATCH,
  peakLearningRate: PEAK_LR, weightDecay: WEIGHT_DECAY, engine: ENGINE, totalSteps: stepsDone, plannedSteps: totalSteps, tokensSeen, trainSeconds, totalSeconds: elapsed(), secondsPerStepCalibrated, curve,
  ...(previousRun === undefined ? {} : { initFrom: INIT, previous: previousRun }),
};
writeFileSync(`${OUT}/training-log.json`, `${JSON.stringify(summary, null, 1)}\n`);

// ── 5. evaluation and the model card ──────────────────────────────────────

if (!flag('skip-eval')) {
  const { finishDefaultModel } = await import('../src/cli/default-model/finish.ts');
  await finishDefaultModel(OUT, parameters, tokenizer, summary);
}
log('done');
