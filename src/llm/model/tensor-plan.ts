/**
 * Every tensor of a Qwen2 model, in file order, under its GGUF and its
 * Hugging Face name, with its ggml shape: the one list that random test
 * models and the streaming synthetic writer both draw from.
 */

import type { Qwen2Config } from './config.ts';

export interface Qwen2TensorPlan {
  readonly ggufName: string;
  readonly hfName: string;
  /** ggml order: [nIn, nOut] for matrices, [n] for vectors */
  readonly shape: readonly number[];
  readonly kind: 'matrix' | 'vector';
  /** the values' mean (1 for norm scales, 0 otherwise) */
  readonly center: number;
}

/** every tensor of a Qwen2 model in the order randomQwen2Tensors draws them (output.weight only when untied) */
export function qwen2TensorPlan(config: Qwen2Config): Qwen2TensorPlan[] {
  const plan: Qwen2TensorPlan[] = [];
  const matrix = (ggufName: string, hfName: string, nIn: number, nOut: number): void => void plan.push({ ggufName, hfName, shape: [nIn, nOut], kind: 'matrix', center: 0 });
  const vector = (ggufName: string, hfName: string, n: number, center: number): void => void plan.push({ ggufName, hfName, shape: [n], kind: 'vector', center });
  const { hiddenSize: d, headCount, kvHeadCount, headDim, intermediateSize: f, vocabSize } = config;
  const qDim = headCount * headDim;
  const kvDim = kvHeadCount * headDim;
  matrix('token_embd.weight', 'model.embed_tokens.weight', d, vocabSize);
  for (let l = 0; l < config.layerCount; l++) {
    const g = `blk.${l}.`;
    const h = `model.layers.${l}.`;
    vector(`${g}attn_norm.weight`, `${h}input_layernorm.weight`, d, 1);
    matrix(`${g}attn_q.weight`, `${h}self_attn.q_proj.weight`, d, qDim);
    vector(`${g}attn_q.bias`, `${h}self_attn.q_proj.bias`, qDim, 0);
    matrix(`${g}attn_k.weight`, `${h}self_attn.k_proj.weight`, d, kvDim);
    vector(`${g}attn_k.bias`, `${h}self_attn.k_proj.bias`, kvDim, 0);
    matrix(`${g}attn_v.weight`, `${h}self_attn.v_proj.weight`, d, kvDim);
    vector(`${g}attn_v.bias`, `${h}self_attn.v_proj.bias`, kvDim, 0);
    matrix(`${g}attn_output.weight`, `${h}self_attn.o_proj.weight`, qDim, d);
    vector(`${g}ffn_norm.weight`, `${h}post_attention_layernorm.weight`, d, 1);
    matrix(`${g}ffn_gate.weight`, `${h}mlp.gate_proj.weight`, d, f);
    matrix(`${g}ffn_up.weight`, `${h}mlp.up_proj.weight`, d, f);
    matrix(`${g}ffn_down.weight`, `${h}mlp.down_proj.weight`, f, d);
  }
  vector('output_norm.weight', 'model.norm.weight', d, 1);
  if (!config.tiedEmbeddings) matrix('output.weight', 'lm_head.weight', d, vocabSize);
  return plan;
}

