/**
 * Qwen2 hyper-parameters and how to read them from a GGUF file's metadata
 * or from a Hugging Face config.json. Qwen2 and Qwen2.5 share this shape.
 *
 * GGUF keys (llama.cpp naming, prefix = general.architecture = "qwen2"):
 *   qwen2.context_length, qwen2.embedding_length, qwen2.feed_forward_length,
 *   qwen2.block_count, qwen2.attention.head_count, qwen2.attention.head_count_kv,
 *   qwen2.rope.freq_base, qwen2.attention.layer_norm_rms_epsilon,
 *   optional qwen2.attention.key_length (head dim), qwen2.vocab_size;
 *   the vocabulary size otherwise comes from tokenizer.ggml.tokens or the
 *   token_embd.weight tensor, and tied embeddings = no output.weight tensor.
 */

import { gguf, type GgufValue } from '../gguf/index.ts';
import { fail } from '../../common/index.ts';
import type { Tensor } from '../tensor.ts';

export interface Qwen2Config {
  /** tokens in the vocabulary (rows of the embedding table) */
  readonly vocabSize: number;
  /** model width d_model */
  readonly hiddenSize: number;
  /** FFN inner width */
  readonly intermediateSize: number;
  readonly layerCount: number;
  /** query heads */
  readonly headCount: number;
  /** key/value heads (grouped-query attention: headCount is a multiple) */
  readonly kvHeadCount: number;
  /** width of one head */
  readonly headDim: number;
  /** RoPE base frequency θ */
  readonly ropeTheta: number;
  /** ε inside the RMS norm */
  readonly rmsNormEps: number;
  /** longest context the model was trained for [tokens] */
  readonly maxContext: number;
  /** output projection shares the token embedding matrix */
  readonly tiedEmbeddings: boolean;
}

/** anything with get(key) — a Map or the GGUF reader's metadata */
export interface MetadataLookup {
  get(key: string): unknown;
}

/** name → tensor lookup, as a Map or the loaders provide */
export interface TensorLookup {
  get(name: string): Tensor | undefined;
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

/** check the cross-field rules every source must satisfy, then freeze */
export function validateConfig(config: Qwen2Config, fileName: string): Qwen2Config {
  const positive: (keyof Qwen2Config)[] = ['vocabSize', 'hiddenSize', 'intermediateSize', 'layerCount', 'headCount', 'kvHeadCount', 'headDim', 'maxContext'];
  for (const key of positive) {
    const v = config[key] as number;
    if (!Number.isInteger(v) || v <= 0) fail('llm.config_invalid', `${fileName}: ${key} must be a positive integer, got ${v}`);
  }
  if (!(config.ropeTheta > 0)) fail('llm.config_invalid', `${fileName}: rope theta must be positive, got ${config.ropeTheta}`);
  if (!(config.rmsNormEps > 0 && config.rmsNormEps < 1)) fail('llm.config_invalid', `${fileName}: rms norm epsilon must be in (0, 1), got ${config.rmsNormEps}`);
  if (config.headCount % config.kvHeadCount !== 0) {
    fail('llm.config_invalid', `${fileName}: ${config.kvHeadCount} key/value heads do not divide ${config.headCount} attention heads`);
  }
  if (config.headDim % 2 !== 0) fail('llm.config_invalid', `${fileName}: head dimension ${config.headDim} must be even for rotary embeddings`);
  return Object.freeze({ ...config });
}

/**
 * Config from GGUF metadata. `tensors` (optional) supplies the vocabulary
 * size from token_embd.weight and whether the output head is tied (no
 * output.weight); without it the vocabulary comes from tokenizer.ggml.tokens
 * and the head is taken as untied.
 */
export function configFromGgufMetadata(meta: MetadataLookup, fileName: string, tensors?: TensorLookup): Qwen2Config {
  const architecture = meta.get('general.architecture');
  if (architecture !== 'qwen2') {
    fail('llm.arch_unsupported', `${fileName}: general.architecture is ${JSON.stringify(architecture ?? null)}, expected "qwen2"`);
  }
  const required = (key: string): number => {
    const v = asNumber(meta.get(key));
    if (v === undefined) fail('llm.config_invalid', `${fileName}: metadata key ${key} is missing or not a number`);
    return v;
  };
  const optional = (key: string): number | undefined => asNumber(meta.get(key));

  const hiddenSize = required('qwen2.embedding_length');
  const headCount = required('qwen2.attention.head_count');
  const embedding = tensors?.get('token_embd.weight');
  // read last: a GGUF reader makes the 151k token strings when this array is first asked for
  const tokenCount = (): number | undefined => {
    const tokens = meta.get('tokenizer.ggml.tokens') as { length?: unknown } | undefined;
    return tokens !== undefined && typeof tokens.length === 'number' ? tokens.length : undefined;
  };
  const vocabSize = optional('qwen2.vocab_size')
    ?? (embedding !== undefined ? embedding.shape[1] : undefined)
    ?? tokenCount()
    ?? fail('llm.config_invalid', `${fileName}: cannot tell the vocabulary size (no qwen2.vocab_size, tokenizer.ggml.tokens or token_embd.weight)`);
  if (hiddenSize % headCount !== 0 && optional('qwen2.attention.key_length') === undefined) {
    fail('llm.config_invalid', `${fileName}: ${headCount} attention heads do not divide the embedding length ${hiddenSize}`);
  }
  return validateConfig({
    vocabSize,
    hiddenSize,
    intermediateSize: required('qwen2.feed_forward_length'),
    layerCount: required('qwen2.block_count'),
    headCount,
    kvHeadCount: optional('qwen2.attention.head_count_kv') ?? headCount,
    headDim: optional('qwen2.attention.key_length') ?? hiddenSize / headCount,
    ropeTheta: optional('qwen2.rope.freq_base') ?? 10000,
    rmsNormEps: required('qwen2.attention.layer_norm_rms_epsilon'),
    maxContext: required('qwen2.context_length'),
    tiedEmbeddings: tensors !== undefined && tensors.get('output.weight') === undefined,
  }, fileName);
}

/** Config from a Hugging Face config.json (already parsed) */
export function configFromHfConfig(json: unknown, fileName: string): Qwen2Config {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('llm.config_invalid', `${fileName}: expected a JSON object`);
  const record = json as Record<string, unknown>;
  const architectures = record['architectures'];
  const modelType = record['model_type'];
  const isQwen2 = (Array.isArray(architectures) && architectures.includes('Qwen2ForCausalLM')) || (architectures === undefined && modelType === 'qwen2');
  if (!isQwen2) {
    fail('llm.arch_unsupported', `${fileName}: architectures is ${JSON.stringify(architectures ?? null)}, expected ["Qwen2ForCausalLM"]`);
  }
  const required = (key: string): number => {
    const v = record[key];
    if (typeof v !== 'number') fail('llm.config_invalid', `${fileName}: "${key}" is missing or not a number`);
    return v;
  };
  const optional = (key: string): number | undefined => (typeof record[key] === 'number' ? (record[key] as number) : undefined);
  const hiddenSize = required('hidden_size');
  const headCount = required('num_attention_heads');
  const headDim = optional('head_dim');
  if (hiddenSize % headCount !== 0 && headDim === undefined) {
    fail('llm.config_invalid', `${fileName}: num_attention_heads ${headCount} does not divide hidden_size ${hiddenSize}`);
  }
  const tied = record['tie_word_embeddings'];
  return validateConfig({
    vocabSize: required('vocab_size'),
    hiddenSize,
    intermediateSize: required('intermediate_size'),
    layerCount: required('num_hidden_layers'),
    headCount,
    kvHeadCount: optional('num_key_value_heads') ?? headCount,
    headDim: headDim ?? hiddenSize / headCount,
    ropeTheta: optional('rope_theta') ?? 10000,
    rmsNormEps: optional('rms_norm_eps') ?? 1e-6,
    maxContext: required('max_position_embeddings'),
    tiedEmbeddings: tied === true,
  }, fileName);
}

/** the qwen2.* GGUF metadata describing `config` (the inverse of configFromGgufMetadata) */
export function configToGgufMetadata(config: Qwen2Config): Map<string, GgufValue> {
  return new Map<string, GgufValue>([
    ['general.architecture', gguf.string('qwen2')],
    ['qwen2.context_length', gguf.u32(config.maxContext)],
    ['qwen2.embedding_length', gguf.u32(config.hiddenSize)],
    ['qwen2.feed_forward_length', gguf.u32(config.intermediateSize)],
    ['qwen2.block_count', gguf.u32(config.layerCount)],
    ['qwen2.attention.head_count', gguf.u32(config.headCount)],
    ['qwen2.attention.head_count_kv', gguf.u32(config.kvHeadCount)],
    ['qwen2.rope.freq_base', gguf.f32(config.ropeTheta)],
    ['qwen2.attention.layer_norm_rms_epsilon', gguf.f32(config.rmsNormEps)],
  ]);
}
