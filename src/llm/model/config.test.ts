// Config from GGUF metadata and HF config.json; weight lookup under both
// naming schemes with shape and type checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../../common/index.ts';
import { GgmlType, type Tensor } from '../tensor.ts';
import { configFromGgufMetadata, configFromHfConfig } from './config.ts';
import { Qwen2Model } from './qwen2.ts';
import { ggufMetadataFor, randomQwen2Tensors, tinyConfig } from './random-model.ts';
import { buildQwen2Weights } from './weights.ts';

const QWEN25_05B_HF = {
  architectures: ['Qwen2ForCausalLM'], hidden_size: 896, intermediate_size: 4864, max_position_embeddings: 32768, model_type: 'qwen2',
  num_attention_heads: 14, num_hidden_layers: 24, num_key_value_heads: 2, rms_norm_eps: 1e-6, rope_theta: 1000000.0,
  tie_word_embeddings: true, vocab_size: 151936,
};

test('configFromHfConfig reads Qwen2.5-0.5B\'s config.json', () => {
  const c = configFromHfConfig(QWEN25_05B_HF, 'config.json');
  assert.deepEqual(c, {
    vocabSize: 151936, hiddenSize: 896, intermediateSize: 4864, layerCount: 24, headCount: 14, kvHeadCount: 2, headDim: 64,
    ropeTheta: 1000000, rmsNormEps: 1e-6, maxContext: 32768, tiedEmbeddings: true,
  });
});

test('configFromHfConfig rejects other architectures and inconsistent head counts', () => {
  assert.throws(() => configFromHfConfig({ ...QWEN25_05B_HF, architectures: ['LlamaForCausalLM'] }, 'config.json'), (e) => isChimaeraError(e, 'llm.arch_unsupported'));
  assert.throws(() => configFromHfConfig({ ...QWEN25_05B_HF, num_key_value_heads: 3 }, 'config.json'),
    (e) => isChimaeraError(e, 'llm.config_invalid') && /3 key\/value heads do not divide 14/.test(e.message));
  assert.throws(() => configFromHfConfig({ ...QWEN25_05B_HF, num_attention_heads: 15 }, 'config.json'), (e) => isChimaeraError(e, 'llm.config_invalid'));
  const { hidden_size: _, ...missing } = QWEN25_05B_HF;
  assert.throws(() => configFromHfConfig(missing, 'cfg.json'), (e) => isChimaeraError(e, 'llm.config_invalid') && /cfg\.json: "hidden_size"/.test(e.message));
  assert.throws(() => configFromHfConfig('nope', 'cfg.json'), (e) => isChimaeraError(e, 'llm.config_invalid'));
});

test('configFromGgufMetadata reads qwen2.* keys; vocab from tokens or token_embd; tied when output.weight is absent', () => {
  // GGUF stores rope theta and the norm epsilon as f32: pick values f32 holds exactly
  const config = tinyConfig({ tiedEmbeddings: true, rmsNormEps: Math.fround(1e-6) });
  const meta = ggufMetadataFor(config);
  const tensors = randomQwen2Tensors(config, { seed: 1 });
  assert.deepEqual(configFromGgufMetadata(meta, 'm.gguf', tensors), config);
  const withTokens = new Map(meta).set('tokenizer.ggml.tokens', new Array(48).fill('x'));
  assert.deepEqual(configFromGgufMetadata(withTokens, 'm.gguf'), { ...config, tiedEmbeddings: false });
  const bigints = new Map(withTokens).set('qwen2.block_count', 2n);
  assert.equal(configFromGgufMetadata(bigints, 'm.gguf').layerCount, 2);
});

test('configFromGgufMetadata errors name the file and the key', () => {
  const meta = ggufMetadataFor(tinyConfig());
  assert.throws(() => configFromGgufMetadata(new Map(meta).set('general.architecture', 'llama'), 'm.gguf'),
    (e) => isChimaeraError(e, 'llm.arch_unsupported') && /m\.gguf: general\.architecture is "llama"/.test(e.message));
  const missing = new Map(meta);
  missing.delete('qwen2.block_count');
  assert.throws(() => configFromGgufMetadata(missing, 'm.gguf', randomQwen2Tensors(tinyConfig(), { seed: 1 })),
    (e) => isChimaeraError(e, 'llm.config_invalid') && /qwen2\.block_count/.test(e.message));
  assert.throws(() => configFromGgufMetadata(meta, 'm.gguf'), (e) => isChimaeraError(e, 'llm.config_invalid') && /vocabulary size/.test(e.message));
  assert.throws(() => configFromGgufMetadata(new Map(meta).set('qwen2.attention.head_count_kv', 3).set('qwen2.vocab_size', 48), 'm.gguf'),
    (e) => isChimaeraError(e, 'llm.config_invalid'));
});

test('weights under HF names with PyTorch-order shapes give the same logits as GGUF names', () => {
  const config = tinyConfig();
  const gguf = randomQwen2Tensors(config, { seed: 5 });
  const hf = randomQwen2Tensors(config, { seed: 5, naming: 'hf' });
  assert.deepEqual(hf.get('model.layers.0.self_attn.q_proj.weight')!.shape, [32, 32]);
  assert.deepEqual(hf.get('model.layers.0.mlp.down_proj.weight')!.shape, [32, 40]);
  const a = new Qwen2Model(config, buildQwen2Weights(config, gguf, 'm.gguf')).createContext(8).evaluate([1, 2, 3]);
  const b = new Qwen2Model(config, buildQwen2Weights(config, hf, 'model.safetensors')).createContext(8).evaluate([1, 2, 3]);
  assert.deepEqual(a, b);
});

test('weight checks: missing tensor, wrong shape, wrong byte count, unusable type — each names the tensor', () => {
  const config = tinyConfig();
  const tensors = randomQwen2Tensors(config, { seed: 6 });
  const without = new Map(tensors);
  without.delete('blk.1.ffn_up.weight');
  assert.throws(() => buildQwen2Weights(config, without, 'm.gguf'), (e) => isChimaeraError(e, 'llm.tensor_missing') && /m\.gguf: tensor blk\.1\.ffn_up\.weight is missing/.test(e.message));

  const q = tensors.get('blk.0.attn_q.weight')!;
  const badShape = new Map(tensors).set(q.name, { ...q, shape: [32, 16] });
  assert.throws(() => buildQwen2Weights(config, badShape, 'm.gguf'),
    (e) => isChimaeraError(e, 'llm.tensor_shape') && e.message === 'm.gguf: blk.0.attn_q.weight has shape [32, 16], expected [32, 32] from the config');

  const short: Tensor = { ...q, data: q.data.subarray(0, 100) };
  assert.throws(() => buildQwen2Weights(config, new Map(tensors).set(q.name, short), 'm.gguf'), (e) => isChimaeraError(e, 'llm.tensor_shape') && /holds 100 bytes/.test(e.message));

  const q8k: Tensor = { ...q, type: GgmlType.Q8_K };
  assert.throws(() => buildQwen2Weights(config, new Map(tensors).set(q.name, q8k), 'm.gguf'), (e) => isChimaeraError(e, 'llm.tensor_type') && /Q8_K/.test(e.message));

  const q40: Tensor = { ...q, type: GgmlType.Q4_0 }; // 32 elements per row = one Q4_0 block = 18 bytes, so 4096 bytes is wrong
  assert.throws(() => buildQwen2Weights(config, new Map(tensors).set(q.name, q40), 'm.gguf'), (e) => isChimaeraError(e, 'llm.tensor_shape'));

  const hfUntied = randomQwen2Tensors(config, { seed: 6, naming: 'hf' });
  hfUntied.delete('lm_head.weight');
  assert.throws(() => buildQwen2Weights(config, hfUntied, 'model.safetensors'), (e) => isChimaeraError(e, 'llm.tensor_missing') && /lm_head/.test(e.message));
});
