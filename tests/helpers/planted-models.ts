/**
 * Planted action models: tiny Qwen2 GGUF files (random weights, the real
 * Qwen tokenizer cut to 1,000 merges) whose greedy choice of the next token
 * depends only on the current token, through a table we plant. Under the
 * action grammar (forced literals fed, only grammar-valid tokens sampled)
 * that is enough to make the real LLM path plan a known call, so the
 * `chimaera ask` tests can check consent and execution end to end.
 *
 * How: every layer's attention output and FFN down projection are zero, so
 * the residual stream is the current token's embedding. A token with a
 * planted successor gets its own one-hot embedding dimension k; every other
 * token shares dimension 0. The output head row of successor s has a large
 * weight in dimension k, so after RMS norm logit(s | current) ≈ 10·√d while
 * every other logit is 0. Tokens without a planted successor prefer
 * <|im_end|>, then '"' (close what is open). Ties go to the lowest id.
 */
import { configToGgufMetadata, GgmlType, gguf, syntheticQwen2Tensors, writeGguf, type Qwen2Config, type Tokenizer } from '../../src/llm/index.ts';

/** token text (decoded) or a special token ("<|im_end|>") → its id */
export function tokenId(tokenizer: Tokenizer, text: string): number {
  const special = tokenizer.specialTokens.get(text);
  if (special !== undefined) return special;
  for (let id = 0; id < tokenizer.vocabSize; id++) if (tokenizer.decode([id]) === text) return id;
  throw new Error(`no single token spells ${JSON.stringify(text)}`);
}

const PLANTED_LOGIT_WEIGHT = 10;

/**
 * @param transitions pairs [current token text, next token text]; each current token has one successor
 */
export function plantedActionModelGguf(tokenizer: Tokenizer, transitions: readonly (readonly [string, string])[], options: { hiddenSize?: number } = {}): Uint8Array {
  const hidden = options.hiddenSize ?? 64;
  if (transitions.length + 1 > hidden) throw new Error(`${transitions.length} transitions need a hidden size above ${transitions.length}`);
  const config: Qwen2Config = {
    vocabSize: tokenizer.vocabSize, hiddenSize: hidden, intermediateSize: 64, layerCount: 1, headCount: 2, kvHeadCount: 2, headDim: hidden / 2,
    ropeTheta: 1e6, rmsNormEps: 1e-6, maxContext: 4096, tiedEmbeddings: false,
  };
  const tensors = syntheticQwen2Tensors({ config, seed: 11 });
  const f32 = (name: string): Float32Array => {
    const t = tensors.get(name);
    if (t === undefined) throw new Error(`no tensor ${name}`);
    return new Float32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4);
  };
  f32('blk.0.attn_output.weight').fill(0);
  f32('blk.0.ffn_down.weight').fill(0);
  f32('output_norm.weight').fill(1);
  const embedding = f32('token_embd.weight').fill(0); // (vocab, hidden) row-major
  const head = f32('output.weight').fill(0); // (vocab, hidden)
  for (let id = 0; id < config.vocabSize; id++) embedding[id * hidden] = 1;
  const end = tokenId(tokenizer, '<|im_end|>');
  const quote = tokenId(tokenizer, '"');
  head[end * hidden] = PLANTED_LOGIT_WEIGHT;
  head[quote * hidden] = PLANTED_LOGIT_WEIGHT - 1;
  const seen = new Set<number>();
  transitions.forEach(([current, next], index) => {
    const from = tokenId(tokenizer, current);
    if (seen.has(from)) throw new Error(`token ${JSON.stringify(current)} has two successors`);
    seen.add(from);
    const dimension = index + 1;
    embedding[from * hidden] = 0;
    embedding[from * hidden + dimension] = 1;
    head[tokenId(tokenizer, next) * hidden + dimension] = PLANTED_LOGIT_WEIGHT;
  });
  const metadata = new Map([
    ['general.name', gguf.string('planted-action-model')],
    ['general.file_type', gguf.u32(0)],
    ...configToGgufMetadata(config),
    ...tokenizer.toGgufMetadata({ vocabSize: config.vocabSize }),
  ]);
  return writeGguf({ metadata, tensors: [...tensors.values()].map((t) => ({ name: t.name, type: GgmlType.F32, shape: t.shape, data: t.data })) });
}

/** plans share.send(to="share", text="share") every turn: egress, so it always needs consent */
export const SHARE_TRANSITIONS: readonly (readonly [string, string])[] = [[' "', 'sh'], ['sh', 'are'], ['are', '"'], ['</tool_call>', '<|im_end|>']];
/** plans reply(text="reply"): answers at once, needs no consent */
export const REPLY_TRANSITIONS: readonly (readonly [string, string])[] = [[' "', 're'], ['re', 'p'], ['p', 'ly'], ['ly', '"'], ['</tool_call>', '<|im_end|>']];
