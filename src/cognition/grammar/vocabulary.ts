/**
 * cognition/grammar/vocabulary — the model's tokens as raw bytes, and a byte
 * trie over them, for computing grammar masks (mask.ts).
 *
 * Bytes come from the tokenizer per id (GPT-2's byte↔unicode map undone),
 * never from decoded strings: decoding loses bytes of partial characters and
 * may normalise text (lm-format-enforcer #166).
 *
 * Matchable tokens are the ordinary vocabulary; added tokens (<|im_end|>,
 * <tool_call>, <think>, …), ids past the tokenizer (the padding a model's
 * embedding table often has: Qwen2 151,936 vs 151,669) and empty tokens never
 * match grammar bytes. The end token is handled by the mask itself.
 *
 * The trie is stored in preorder, flat:
 *   nodeByte[n]   the edge byte into node n
 *   nodeDepth[n]  its depth (1 = a child of the implicit root)
 *   nodeSkip[n]   the first node after n's subtree (where a walk goes when
 *                 n's byte is dead)
 *   nodeToken[n]  a token whose bytes end here, or −1; more ids with the
 *                 same bytes chain through sameBytesNext[id]
 * A walk is one forward pass that jumps over dead subtrees (llguidance's
 * token trie, in flat typed arrays).
 */

import { fail } from '../../common/index.ts';
import type { Tokenizer } from '../../llm/index.ts';

/** what a vocabulary needs from a tokenizer (llm/tokenizer's Tokenizer fits) */
export type VocabularySource = Pick<Tokenizer, 'vocabSize' | 'tokenToBytes' | 'isSpecial'> & { readonly spec?: { readonly kinds: readonly string[] } };

export class TokenVocabulary {
  /** ids the model scores (its logits' length) */
  readonly size: number;
  /** every token's bytes, back to back */
  readonly bytes: Uint8Array;
  /** [size + 1] token id's bytes are bytes[offsets[id] .. offsets[id + 1]) */
  readonly offsets: Uint32Array;
  /** [size] 1 = may match grammar bytes (in the trie) */
  readonly matchable: Uint8Array;
  /** [size] 1 = an added token that is plain text (<tool_call>): not in the trie, but its bytes may be forced */
  readonly textual: Uint8Array;
  /** [size] next id with the same bytes, −1 at the end */
  readonly sameBytesNext: Int32Array;
  /** [nodes] trie in preorder (see the header) */
  readonly nodeByte: Uint8Array;
  readonly nodeDepth: Uint16Array;
  readonly nodeSkip: Int32Array;
  readonly nodeToken: Int32Array;
  /** longest matchable token [bytes] */
  readonly maxTokenBytes: number;

  private readonly byFirstByte = new Map<number, Int32Array>();

  /** the matchable ids whose bytes start with `byte` (ascending; computed once per byte) */
  idsStartingWith(byte: number): Int32Array {
    let ids = this.byFirstByte.get(byte);
    if (ids === undefined) {
      const out: number[] = [];
      for (let id = 0; id < this.size; id++) if (this.matchable[id] === 1 && this.bytes[this.offsets[id]!] === byte) out.push(id);
      ids = Int32Array.from(out);
      this.byFirstByte.set(byte, ids);
    }
    return ids;
  }

  /** from each id's bytes; ids with `matchable[id] = 0` (or empty bytes) stay out of the trie */
  constructor(tokenBytes: readonly Uint8Array[], matchable: Uint8Array, textual: Uint8Array = new Uint8Array(tokenBytes.length)) {
    const size = tokenBytes.length;
    this.size = size;
    const offsets = new Uint32Array(size + 1);
    for (let id = 0; id < size; id++) offsets[id + 1] = offsets[id]! + tokenBytes[id]!.length;
    const bytes = new Uint8Array(offsets[size]!);
    for (let id = 0; id < size; id++) bytes.set(tokenBytes[id]!, offsets[id]!);
    this.bytes = bytes;
    this.offsets = offsets;
    this.matchable = new Uint8Array(size);
    for (let id = 0; id < size; id++) if (matchable[id] === 1 && tokenBytes[id]!.length > 0) this.matchable[id] = 1;
    this.textual = new Uint8Array(size);
    for (let id = 0; id < size; id++) if (textual[id] === 1 && tokenBytes[id]!.length > 0) this.textual[id] = 1;
    this.sameBytesNext = new Int32Array(size).fill(-1);
    const trie = buildTrie(this);
    this.nodeByte = trie.nodeByte;
    this.nodeDepth = trie.nodeDepth;
    this.nodeSkip = trie.nodeSkip;
    this.nodeToken = trie.nodeToken;
    this.maxTokenBytes = trie.maxDepth;
  }

  /**
   * From a tokenizer. `size`: the model's vocabulary (default the tokenizer's);
   * ids past the tokenizer are padding and never match.
   */
  static fromTokenizer(tokenizer: VocabularySource, options: { size?: number } = {}): TokenVocabulary {
    const size = options.size ?? tokenizer.vocabSize;
    if (!Number.isInteger(size) || size < tokenizer.vocabSize) {
      fail('grammar.vocabulary_invalid', `the model scores ${size} ids but its tokenizer has ${tokenizer.vocabSize}`, { size, tokenizer: tokenizer.vocabSize });
    }
    const tokenBytes: Uint8Array[] = new Array(size);
    const matchable = new Uint8Array(size);
    const textual = new Uint8Array(size);
    const empty = new Uint8Array(0);
    for (let id = 0; id < size; id++) {
      if (id >= tokenizer.vocabSize) {
        tokenBytes[id] = empty;
        continue;
      }
      tokenBytes[id] = tokenizer.tokenToBytes(id);
      const kind = tokenizer.spec?.kinds[id] ?? 'normal';
      const special = tokenizer.isSpecial(id);
      matchable[id] = kind === 'normal' && !special ? 1 : 0;
      textual[id] = kind === 'added' && !special ? 1 : 0;
    }
    return new TokenVocabulary(tokenBytes, matchable, textual);
  }

  /** the bytes of one id (a view, do not modify) */
  tokenBytes(id: number): Uint8Array {
    return this.bytes.subarray(this.offsets[id]!, this.offsets[id + 1]!);
  }

  get nodeCount(): number {
    return this.nodeByte.length;
  }

  /** the longest matchable token that is a prefix of bytes[from..], or −1 */
  longestPrefixToken(bytes: Uint8Array, from: number): number {
    let best = -1;
    let node = 0;
    let depth = 1;
    const end = this.nodeByte.length;
    // walk siblings at `depth` from `node` until the byte matches; then descend
    while (from + depth - 1 < bytes.length && node < end && this.nodeDepth[node] === depth) {
      const want = bytes[from + depth - 1]!;
      while (node < end && this.nodeDepth[node] === depth && this.nodeByte[node] !== want) node = this.nodeSkip[node]!;
      if (node >= end || this.nodeDepth[node] !== depth) break;
      if (this.nodeToken[node]! >= 0) best = this.nodeToken[node]!;
      node++;
      depth++;
    }
    return best;
  }
}

/** compare two byte strings: <0, 0, >0 */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** the preorder trie of the matchable tokens (sorted by bytes, each adds the nodes past its common prefix with the one before) */
function buildTrie(vocabulary: TokenVocabulary): { nodeByte: Uint8Array; nodeDepth: Uint16Array; nodeSkip: Int32Array; nodeToken: Int32Array; maxDepth: number } {
  const ids: number[] = [];
  for (let id = 0; id < vocabulary.size; id++) if (vocabulary.matchable[id] === 1) ids.push(id);
  const views: Uint8Array[] = new Array(vocabulary.size);
  for (const id of ids) views[id] = vocabulary.tokenBytes(id);
  ids.sort((a, b) => compareBytes(views[a]!, views[b]!) || a - b);
  // at most one node per byte of all tokens
  let capacity = 0;
  for (const id of ids) capacity += views[id]!.length;
  const nodeByte = new Uint8Array(capacity);
  const nodeDepth = new Uint16Array(capacity);
  const nodeSkip = new Int32Array(capacity);
  const nodeToken = new Int32Array(capacity).fill(-1);
  /** open[d - 1] = the node at depth d on the current path */
  const open: number[] = [];
  let count = 0;
  let maxDepth = 0;
  let previous: Uint8Array = new Uint8Array(0);
  let previousId = -1;
  for (const id of ids) {
    const bytes = views[id]!;
    let common = 0;
    while (common < bytes.length && common < previous.length && bytes[common] === previous[common]) common++;
    if (common === bytes.length && common === previous.length) {
      // same bytes as the previous id: chain it
      vocabulary.sameBytesNext[previousId] = id;
      previousId = id;
      continue;
    }
    // close the nodes deeper than the common prefix
    while (open.length > common) nodeSkip[open.pop()!] = count;
    for (let depth = common + 1; depth <= bytes.length; depth++) {
      nodeByte[count] = bytes[depth - 1]!;
      nodeDepth[count] = depth;
      open.push(count);
      count++;
    }
    nodeToken[open[bytes.length - 1]!] = id;
    maxDepth = Math.max(maxDepth, bytes.length);
    previous = bytes;
    previousId = id;
  }
  while (open.length > 0) nodeSkip[open.pop()!] = count;
  return { nodeByte: nodeByte.slice(0, count), nodeDepth: nodeDepth.slice(0, count), nodeSkip: nodeSkip.slice(0, count), nodeToken: nodeToken.slice(0, count), maxDepth };
}
