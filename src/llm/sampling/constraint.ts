/**
 * Token constraints: a hook through which something outside the engine (the
 * action grammar of the cognition daemon, say) restricts which token may come
 * next. The sampler applies the mask before penalties, top-k, top-p, min-p and
 * temperature (llama.cpp #12643: masking after truncation reports wrong
 * probabilities and can leave nothing to sample), and `generate` drives the
 * rest of the protocol:
 *
 *   loop:  forced ← forcedTokens(room)   a unique continuation, already tokenized:
 *                                         fed as a short prefill, never sampled
 *          isComplete()?                  only the end is possible: stop ('eos')
 *          mask ← nextMask()              sample among the allowed ids
 *          accept(id)                     the constraint advances over the token
 *
 * Before a greedy choice the loop may also ask for alternatives() — whole
 * pieces to score with the model and choose() between (alternatives.ts).
 *
 * A mask comes in the smallest of three forms (XGrammar's adaptive storage):
 * a sorted allow-list (a literal admits 1–3 ids), a sorted deny-list (a string
 * body admits almost everything) or a bitset over the vocabulary.
 */

/** what a constraint offers at a choice between whole pieces */
export interface Alternatives {
  readonly candidates: readonly {
    /** the tokens of the candidate's longest form */
    readonly tokens: Int32Array;
    /** ascending token counts (≥ 1) after which the piece may end */
    readonly ends: Int32Array;
  }[];
  /** the token sets that may end a piece: [k] = ids of the tokens that close it the k-th way */
  readonly closers: readonly Int32Array[];
}

/** which ids may come next; ids index the logits ([vocab]) */
export type TokenMask =
  /** only these ids (sorted ascending, not empty) */
  | { readonly kind: 'allow'; readonly ids: Int32Array }
  /** every id but these (sorted ascending) */
  | { readonly kind: 'deny'; readonly ids: Int32Array }
  /** bit (id & 31) of words[id >>> 5] set = allowed; `allowed` = number of set bits */
  | { readonly kind: 'bits'; readonly words: Uint32Array; readonly allowed: number };

export interface TokenConstraint {
  /** the ids allowed next; never empty unless isComplete() */
  nextMask(): TokenMask;
  /** advance over one token (sampled or forced); fails with a typed error if the token is not allowed */
  accept(id: number): void;
  /** the unique continuation from here, tokenized, at most `limit` ids; empty when there is a choice */
  forcedTokens(limit: number): readonly number[];
  /** only the end of the text is possible (or it was accepted): generation stops */
  isComplete(): boolean;
  /**
   * Optional, asked before a greedy (temperature 0) choice: the whole pieces
   * the next stretch must be one of, for the loop to score whole
   * (alternatives.ts); null or absent = choose token by token.
   */
  alternatives?(): Alternatives | null;
  /** after alternatives(): the winner — its first `count` tokens' text then a token of closer set `closer`; the masks hold to it */
  choose?(candidate: number, count: number, closer: number): void;
}

/** how many ids a mask admits over a vocabulary of `vocabSize` ids */
export function maskAllowedCount(mask: TokenMask, vocabSize: number): number {
  if (mask.kind === 'allow') return mask.ids.length;
  if (mask.kind === 'deny') return vocabSize - mask.ids.length;
  return mask.allowed;
}

/** whether the mask admits `id` (binary search for the lists) */
export function maskAllows(mask: TokenMask, id: number): boolean {
  if (mask.kind === 'bits') return ((mask.words[id >>> 5]! >>> (id & 31)) & 1) === 1;
  const ids = mask.ids;
  let lo = 0;
  let hi = ids.length - 1;
  let found = false;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const value = ids[mid]!;
    if (value === id) {
      found = true;
      break;
    }
    if (value < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return mask.kind === 'allow' ? found : !found;
}

/** set the logits ([vocab]) of every id the mask denies to −∞, in place (allow-lists: everything else) */
export function applyMaskToLogits(mask: TokenMask, logits: Float32Array, vocabSize: number): void {
  if (mask.kind === 'deny') {
    const ids = mask.ids;
    for (let i = 0; i < ids.length; i++) logits[ids[i]!] = -Infinity;
  } else if (mask.kind === 'bits') {
    // a word at a time: all-allowed words cost one read
    const words = mask.words;
    const wordCount = Math.ceil(vocabSize / 32);
    for (let w = 0; w < wordCount; w++) {
      const word = words[w]!;
      if (word === 0xffffffff) continue;
      const base = w << 5;
      const end = Math.min(32, vocabSize - base);
      for (let bit = 0; bit < end; bit++) if (((word >>> bit) & 1) === 0) logits[base + bit] = -Infinity;
    }
  } else {
    const ids = mask.ids;
    let next = 0;
    for (let id = 0; id < vocabSize; id++) {
      if (next < ids.length && ids[next] === id) next++;
      else logits[id] = -Infinity;
    }
  }
}
