/**
 * Synthetic Qwen2 models: random weights of any shape, in any of our
 * quantization targets, as a GGUF file or a Hugging Face folder. Nothing can
 * be downloaded here, so the tests (and `chimaera llm make-random`, the
 * speed benchmarks) build their models with this: the weights come from a
 * seeded Rng, the quantization from our own quantizer (quantize.ts), the
 * bytes from our own GGUF / safetensors writers.
 *
 * `truncateTokenizerJson` cuts a byte-level BPE tokenizer.json down to its
 * first N merges (Qwen's merge i creates token 256 + i, so a prefix of the
 * merges with the 256 byte tokens is itself a complete BPE vocabulary); the
 * added tokens are renumbered after it. Small vocabularies keep test models
 * small while still using Qwen's real merges and pre-tokenizer.
 */

import { fail } from '../common/index.ts';
import { writeGguf, gguf, type GgufValue } from './gguf/index.ts';
import { configToGgufMetadata, type Qwen2Config } from './model/index.ts';
import { randomQwen2Tensors } from './model/random-model.ts';
import { convertTensorData, fileTypeOf, quantizedTypeFor, type QuantizeTarget } from './quantize.ts';
import { writeSafetensors, type SafetensorsDtype } from './safetensors/index.ts';
import { GgmlType, type Tensor } from './tensor.ts';
import type { Tokenizer } from './tokenizer/index.ts';

export interface SyntheticModelOptions {
  readonly config: Qwen2Config;
  readonly seed: number;
  /** weights are uniform in ±scale (norm weights around 1); default 0.5 */
  readonly scale?: number;
}

/** the random weights in ggml order, F32, GGUF names */
export function syntheticQwen2Tensors(options: SyntheticModelOptions): Map<string, Tensor> {
  return randomQwen2Tensors(options.config, { seed: options.seed, scale: options.scale ?? 0.5, matrixType: 'F32', naming: 'gguf' });
}

/** a GGUF file holding the synthetic model quantized as `target`, with `tokenizer` embedded */
export function syntheticQwen2Gguf(options: SyntheticModelOptions & { readonly tokenizer: Tokenizer; readonly target: QuantizeTarget; readonly name?: string }): Uint8Array {
  const { config } = options;
  if (options.tokenizer.vocabSize !== config.vocabSize) fail('arg.invalid', `the tokenizer has ${options.tokenizer.vocabSize} tokens, the config says ${config.vocabSize}`);
  const source = syntheticQwen2Tensors(options);
  const hasOutput = source.has('output.weight');
  const tensors = [...source.values()].map((t) => {
    const type = quantizedTypeFor(t.name, t.shape, t.type, options.target, { layerCount: config.layerCount, hasOutput });
    return { name: t.name, type, shape: t.shape, data: convertTensorData(t.data, t.shape, t.type, type) };
  });
  const metadata = new Map<string, GgufValue>([
    ['general.name', gguf.string(options.name ?? `synthetic-qwen2-${options.target}`)],
    ['general.file_type', gguf.u32(fileTypeOf(options.target))],
    ...configToGgufMetadata(config),
    ...options.tokenizer.toGgufMetadata(),
  ]);
  return writeGguf({ metadata, tensors });
}

/** the same weights as a Hugging Face folder: config.json, model.safetensors (dtype), tokenizer.json */
export function syntheticQwen2HfFiles(options: SyntheticModelOptions & { readonly tokenizerJson: string; readonly dtype: SafetensorsDtype }): { name: string; bytes: Uint8Array }[] {
  const { config } = options;
  const source = randomQwen2Tensors(config, { seed: options.seed, scale: options.scale ?? 0.5, matrixType: 'F32', naming: 'hf' });
  const target = { F32: GgmlType.F32, F16: GgmlType.F16, BF16: GgmlType.BF16 }[options.dtype];
  const tensors = [...source.values()].map((t) => ({
    name: t.name,
    dtype: t.shape.length === 2 ? options.dtype : 'F32',
    shape: t.shape, // PyTorch order already (naming 'hf')
    data: t.shape.length === 2 ? convertTensorData(t.data, [...t.shape].reverse(), t.type, target) : t.data,
  }));
  const hfConfig = {
    architectures: ['Qwen2ForCausalLM'],
    model_type: 'qwen2',
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    intermediate_size: config.intermediateSize,
    num_hidden_layers: config.layerCount,
    num_attention_heads: config.headCount,
    num_key_value_heads: config.kvHeadCount,
    rope_theta: config.ropeTheta,
    rms_norm_eps: config.rmsNormEps,
    max_position_embeddings: config.maxContext,
    tie_word_embeddings: config.tiedEmbeddings,
    torch_dtype: { F32: 'float32', F16: 'float16', BF16: 'bfloat16' }[options.dtype],
  };
  const text = (value: string): Uint8Array => new TextEncoder().encode(value);
  return [
    { name: 'config.json', bytes: text(JSON.stringify(hfConfig, null, 2)) },
    { name: 'model.safetensors', bytes: writeSafetensors(tensors, { format: 'pt' }) },
    { name: 'tokenizer.json', bytes: text(options.tokenizerJson) },
  ];
}

interface TokenizerJsonShape {
  added_tokens: { id: number; content: string }[];
  model: { vocab: Record<string, number>; merges: (string | [string, string])[] };
}

/** tokenizer.json cut to its first `mergeCount` merges; see the header */
export function truncateTokenizerJson(json: unknown, mergeCount: number): unknown {
  const source = json as TokenizerJsonShape;
  const merges = source.model.merges.slice(0, mergeCount);
  const keep = 256 + merges.length;
  const vocab: Record<string, number> = {};
  for (const [token, id] of Object.entries(source.model.vocab)) if (id < keep) vocab[token] = id;
  if (Object.keys(vocab).length !== keep) fail('arg.invalid', `tokenizer.json: ids below ${keep} are not exactly the byte tokens and the first ${merges.length} merges`);
  const added = [...source.added_tokens].sort((a, b) => a.id - b.id).map((t, i) => ({ ...t, id: keep + i }));
  return { ...source, added_tokens: added, model: { ...source.model, vocab, merges } };
}
