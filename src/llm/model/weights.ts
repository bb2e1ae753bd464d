/**
 * Qwen2 weights: pick the tensors out of a name → Tensor lookup (GGUF or
 * Hugging Face names), check every shape and type against the config, and
 * decode the small vectors (norm scales, biases) to f32 once.
 *
 * Shapes are ggml order ([nIn, nOut] for y = W·x). Hugging Face safetensors
 * store PyTorch order [nOut, nIn]; the bytes are the same, so with
 * `shapeOrder: 'pytorch'` the shape is simply reversed here.
 *
 *   GGUF name                 HF name                                    ggml shape
 *   token_embd.weight         model.embed_tokens.weight                  [hidden, vocab]
 *   blk.N.attn_norm.weight    model.layers.N.input_layernorm.weight      [hidden]
 *   blk.N.attn_q.weight/bias  model.layers.N.self_attn.q_proj.*          [hidden, heads·headDim] / [heads·headDim]
 *   blk.N.attn_k.weight/bias  model.layers.N.self_attn.k_proj.*          [hidden, kvHeads·headDim] / [kvHeads·headDim]
 *   blk.N.attn_v.weight/bias  model.layers.N.self_attn.v_proj.*          [hidden, kvHeads·headDim] / [kvHeads·headDim]
 *   blk.N.attn_output.weight  model.layers.N.self_attn.o_proj.weight     [heads·headDim, hidden]
 *   blk.N.ffn_norm.weight     model.layers.N.post_attention_layernorm.weight [hidden]
 *   blk.N.ffn_gate.weight     model.layers.N.mlp.gate_proj.weight        [hidden, ffn]
 *   blk.N.ffn_up.weight       model.layers.N.mlp.up_proj.weight          [hidden, ffn]
 *   blk.N.ffn_down.weight     model.layers.N.mlp.down_proj.weight        [ffn, hidden]
 *   output_norm.weight        model.norm.weight                          [hidden]
 *   output.weight             lm_head.weight (absent when tied)          [hidden, vocab]
 */

import { fail, isChimaeraError } from '../../common/index.ts';
import { GgmlType, ggmlTypeTraits, rowBytes, type GgmlTypeId, type Tensor } from '../tensor.ts';
import type { Qwen2Config, TensorLookup } from './config.ts';
import { dequantizeRow } from './quant.ts';

export interface Qwen2LayerWeights {
  /** [hidden] f32 */
  readonly attentionNorm: Float32Array;
  readonly query: Tensor;
  /** [heads·headDim] f32, null when the architecture has none */
  readonly queryBias: Float32Array | null;
  readonly key: Tensor;
  /** [kvHeads·headDim] f32 or null */
  readonly keyBias: Float32Array | null;
  readonly value: Tensor;
  /** [kvHeads·headDim] f32 or null */
  readonly valueBias: Float32Array | null;
  readonly attentionOutput: Tensor;
  /** [hidden] f32 */
  readonly ffnNorm: Float32Array;
  readonly gate: Tensor;
  readonly up: Tensor;
  readonly down: Tensor;
}

export interface Qwen2Weights {
  /** [hidden, vocab]: row t is token t's embedding */
  readonly tokenEmbedding: Tensor;
  readonly layers: readonly Qwen2LayerWeights[];
  /** [hidden] f32 */
  readonly outputNorm: Float32Array;
  /** [hidden, vocab]; the same tensor as tokenEmbedding when tied */
  readonly output: Tensor;
  readonly tied: boolean;
}

export type TensorNaming = 'gguf' | 'hf';

export interface BuildWeightsOptions {
  /** which naming scheme the lookup uses; default: detected from the embedding tensor's name */
  readonly naming?: TensorNaming;
  /** order of the shapes in the lookup; default 'ggml' for GGUF names, 'pytorch' for HF names */
  readonly shapeOrder?: 'ggml' | 'pytorch';
}

/** element types a weight matrix may have */
const MATRIX_TYPES: ReadonlySet<number> = new Set([GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K]);
/** element types a norm scale or bias may have */
const VECTOR_TYPES: ReadonlySet<number> = new Set([GgmlType.F32, GgmlType.F16, GgmlType.BF16]);

type Role = 'embed' | 'attn_norm' | 'q' | 'q_bias' | 'k' | 'k_bias' | 'v' | 'v_bias' | 'o' | 'ffn_norm' | 'gate' | 'up' | 'down' | 'out_norm' | 'out';

function tensorName(naming: TensorNaming, role: Role, layer: number): string {
  if (naming === 'gguf') {
    const gguf: Record<Role, string> = {
      embed: 'token_embd.weight', attn_norm: 'attn_norm.weight', q: 'attn_q.weight', q_bias: 'attn_q.bias', k: 'attn_k.weight', k_bias: 'attn_k.bias',
      v: 'attn_v.weight', v_bias: 'attn_v.bias', o: 'attn_output.weight', ffn_norm: 'ffn_norm.weight', gate: 'ffn_gate.weight', up: 'ffn_up.weight',
      down: 'ffn_down.weight', out_norm: 'output_norm.weight', out: 'output.weight',
    };
    return role === 'embed' || role === 'out_norm' || role === 'out' ? gguf[role] : `blk.${layer}.${gguf[role]}`;
  }
  const hf: Record<Role, string> = {
    embed: 'model.embed_tokens.weight', attn_norm: 'input_layernorm.weight', q: 'self_attn.q_proj.weight', q_bias: 'self_attn.q_proj.bias',
    k: 'self_attn.k_proj.weight', k_bias: 'self_attn.k_proj.bias', v: 'self_attn.v_proj.weight', v_bias: 'self_attn.v_proj.bias',
    o: 'self_attn.o_proj.weight', ffn_norm: 'post_attention_layernorm.weight', gate: 'mlp.gate_proj.weight', up: 'mlp.up_proj.weight',
    down: 'mlp.down_proj.weight', out_norm: 'model.norm.weight', out: 'lm_head.weight',
  };
  return role === 'embed' || role === 'out_norm' || role === 'out' ? hf[role] : `model.layers.${layer}.${hf[role]}`;
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Build and check Qwen2 weights; fails llm.tensor_missing / llm.tensor_shape / llm.tensor_type naming the tensor */
export function buildQwen2Weights(config: Qwen2Config, tensors: TensorLookup, fileName: string, options: BuildWeightsOptions = {}): Qwen2Weights {
  const naming: TensorNaming = options.naming ?? (tensors.get('token_embd.weight') !== undefined ? 'gguf' : 'hf');
  const shapeOrder = options.shapeOrder ?? (naming === 'gguf' ? 'ggml' : 'pytorch');
  const qDim = config.headCount * config.headDim;
  const kvDim = config.kvHeadCount * config.headDim;

  const find = (role: Role, layer: number): Tensor | undefined => {
    const found = tensors.get(tensorName(naming, role, layer));
    if (found === undefined || shapeOrder === 'ggml' || found.shape.length < 2) return found;
    return { name: found.name, type: found.type, shape: [...found.shape].reverse(), data: found.data };
  };
  const need = (role: Role, layer: number): Tensor =>
    find(role, layer) ?? fail('llm.tensor_missing', `${fileName}: tensor ${tensorName(naming, role, layer)} is missing`);

  const matrix = (tensor: Tensor, nIn: number, nOut: number): Tensor => {
    checkShape(tensor, [nIn, nOut], fileName);
    if (!MATRIX_TYPES.has(tensor.type)) {
      fail('llm.tensor_type', `${fileName}: ${tensor.name} has type ${typeName(tensor.type)}, which a weight matrix cannot use`);
    }
    let bytesPerRow = 0;
    try {
      bytesPerRow = rowBytes(tensor.type as GgmlTypeId, nIn);
    } catch (e) {
      if (!isChimaeraError(e)) throw e;
      fail('llm.tensor_shape', `${fileName}: ${tensor.name} rows of ${nIn} elements are not a whole number of ${typeName(tensor.type)} blocks`);
    }
    if (tensor.data.length !== bytesPerRow * nOut) {
      fail('llm.tensor_shape', `${fileName}: ${tensor.name} holds ${tensor.data.length} bytes, expected ${bytesPerRow * nOut} for ${typeName(tensor.type)} ${formatShape(tensor.shape)}`);
    }
    return tensor;
  };
  const vector = (tensor: Tensor, n: number): Float32Array => {
    checkShape(tensor, [n], fileName);
    if (!VECTOR_TYPES.has(tensor.type)) {
      fail('llm.tensor_type', `${fileName}: ${tensor.name} has type ${typeName(tensor.type)}; norm and bias vectors must be F32, F16 or BF16`);
    }
    const expectedBytes = rowBytes(tensor.type as GgmlTypeId, n);
    if (tensor.data.length !== expectedBytes) fail('llm.tensor_shape', `${fileName}: ${tensor.name} holds ${tensor.data.length} bytes, expected ${expectedBytes}`);
    const out = new Float32Array(n);
    dequantizeRow(tensor.type as GgmlTypeId, tensor.data, 0, out, 0, n);
    return out;
  };

  const tokenEmbedding = matrix(need('embed', 0), config.hiddenSize, config.vocabSize);
  const layers: Qwen2LayerWeights[] = [];
  for (let l = 0; l < config.layerCount; l++) {
    layers.push({
      attentionNorm: vector(need('attn_norm', l), config.hiddenSize),
      query: matrix(need('q', l), config.hiddenSize, qDim),
      queryBias: vector(need('q_bias', l), qDim),
      key: matrix(need('k', l), config.hiddenSize, kvDim),
      keyBias: vector(need('k_bias', l), kvDim),
      value: matrix(need('v', l), config.hiddenSize, kvDim),
      valueBias: vector(need('v_bias', l), kvDim),
      attentionOutput: matrix(need('o', l), qDim, config.hiddenSize),
      ffnNorm: vector(need('ffn_norm', l), config.hiddenSize),
      gate: matrix(need('gate', l), config.hiddenSize, config.intermediateSize),
      up: matrix(need('up', l), config.hiddenSize, config.intermediateSize),
      down: matrix(need('down', l), config.intermediateSize, config.hiddenSize),
    });
  }
  const outputNorm = vector(need('out_norm', 0), config.hiddenSize);
  const outputTensor = find('out', 0);
  // GGUF files omit output.weight when tied (llama.cpp then reuses token_embd); HF configs say so explicitly
  if (outputTensor === undefined && !config.tiedEmbeddings && naming === 'hf') {
    fail('llm.tensor_missing', `${fileName}: tensor ${tensorName(naming, 'out', 0)} is missing and the config does not tie it to the embeddings`);
  }
  const output = outputTensor === undefined || config.tiedEmbeddings ? tokenEmbedding : matrix(outputTensor, config.hiddenSize, config.vocabSize);
  return { tokenEmbedding, layers, outputNorm, output, tied: output === tokenEmbedding };
}

function typeName(type: number): string {
  return ggmlTypeTraits(type)?.name ?? `#${type}`;
}

function checkShape(tensor: Tensor, expected: readonly number[], fileName: string): void {
  const same = tensor.shape.length === expected.length && tensor.shape.every((d, i) => d === expected[i]);
  if (!same) {
    fail('llm.tensor_shape', `${fileName}: ${tensor.name} has shape ${formatShape(tensor.shape)}, expected ${formatShape(expected)} from the config`, {
      tensor: tensor.name, shape: [...tensor.shape], expected: [...expected],
    });
  }
}
