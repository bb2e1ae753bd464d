/**
 * Synthetic Qwen2 models: random weights of any shape, in any of our
 * quantization targets, as a GGUF file or a Hugging Face folder. Nothing can
 * be downloaded here, so the tests (and `chimaera llm make-random`, the
 * speed benchmarks) build their models with this: the weights come from a
 * seeded Rng, the quantization from our own quantizer (quantize.ts), the
 * bytes from our own GGUF / safetensors writers. The weights themselves
 * (tensor plan, draw order, the streaming GGUF writer that real-size models
 * go through) live in synthetic-weights.ts; this file gathers them into
 * in-memory files for small test models.
 *
 * `truncateTokenizerJson` cuts a byte-level BPE tokenizer.json down to its
 * first N merges (Qwen's merge i creates token 256 + i, so a prefix of the
 * merges with the 256 byte tokens is itself a complete BPE vocabulary); the
 * added tokens are renumbered after it. Small vocabularies keep test models
 * small while still using Qwen's real merges and pre-tokenizer.
 */

import { fail } from '../common/index.ts';
import { qwen2TensorPlan, type Qwen2Config } from './model/index.ts';
import { convertTensorData } from './quantize.ts';
import { writeSafetensors, type SafetensorsDtype } from './safetensors/index.ts';
import { streamSyntheticQwen2Gguf, syntheticQwen2GgufLayout, SyntheticWeightSource, type SyntheticGgufOptions, type SyntheticScale } from './synthetic-weights.ts';
import { GgmlType, type GgmlTypeId, type Tensor } from './tensor.ts';

export interface SyntheticModelOptions {
  readonly config: Qwen2Config;
  readonly seed: number;
  /** weights are uniform in ±scale (norm weights around 1); default 0.5; 'fan-in' for real shapes (synthetic-weights.ts) */
  readonly scale?: SyntheticScale;
}

/** the random weights in ggml order, F32, GGUF names */
export function syntheticQwen2Tensors(options: SyntheticModelOptions): Map<string, Tensor> {
  const source = new SyntheticWeightSource(options.seed, options.scale);
  const tensors = new Map<string, Tensor>();
  for (const plan of qwen2TensorPlan(options.config)) {
    const values = source.values(plan);
    tensors.set(plan.ggufName, { name: plan.ggufName, type: GgmlType.F32 as GgmlTypeId, shape: plan.shape, data: new Uint8Array(values.buffer) });
  }
  return tensors;
}

/** a GGUF file in memory holding the synthetic model quantized as `target`, with `tokenizer` embedded (the streaming writer into one buffer) */
export function syntheticQwen2Gguf(options: SyntheticGgufOptions): Uint8Array {
  const layout = syntheticQwen2GgufLayout(options);
  const out = new Uint8Array(layout.fileSize);
  let at = 0;
  streamSyntheticQwen2Gguf(options, (chunk) => {
    out.set(chunk, at);
    at += chunk.length;
  }, { layout });
  return out;
}

/** the same weights as a Hugging Face folder: config.json, model.safetensors (dtype), tokenizer.json */
export function syntheticQwen2HfFiles(options: SyntheticModelOptions & { readonly tokenizerJson: string; readonly dtype: SafetensorsDtype }): { name: string; bytes: Uint8Array }[] {
  const { config } = options;
  const source = new SyntheticWeightSource(options.seed, options.scale);
  const target = { F32: GgmlType.F32, F16: GgmlType.F16, BF16: GgmlType.BF16 }[options.dtype];
  const tensors = qwen2TensorPlan(config).map((plan) => {
    const data = new Uint8Array(source.values(plan).buffer);
    return {
      name: plan.hfName,
      dtype: plan.kind === 'matrix' ? options.dtype : 'F32',
      shape: [...plan.shape].reverse(), // PyTorch order
      data: plan.kind === 'matrix' ? convertTensorData(data, plan.shape, GgmlType.F32, target) : data,
    };
  });
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
