/**
 * TokenizerSpec: the loader-neutral description of a byte-level BPE
 * tokenizer. Both loaders (tokenizer.json, GGUF metadata) produce one, the
 * `Tokenizer` class is built from one, and GGUF export reads one back.
 */

import type { AddedToken } from './added-tokens.ts';
import type { PreTokenizer } from './pre-tokenizer.ts';

/** What an id is: a BPE vocabulary entry, an added token, or a placeholder (GGUF padding). */
export type TokenKind = 'normal' | 'added' | 'unused';

/**
 * The merge rules in rank order, in the form the loader had them — so that
 * loading never materialises 151k [a, b] string pairs it does not need:
 *   'pairs'   tokenizer.json's [a, b] (or "a b" split by the JSON loader)
 *   'spaced'  GGUF's "a b" lines: the separator is the first space after the
 *             first character (llama.cpp); the loader has checked there is one
 *   'ids'     token ids into `tokens` — what a built Tokenizer keeps
 * `mergeCount` and `mergePair` read any form.
 */
export type MergeList =
  | { readonly form: 'pairs'; readonly pairs: readonly (readonly [string, string])[] }
  | { readonly form: 'spaced'; readonly lines: MergeLines }
  | {
      readonly form: 'ids';
      /** (nMerges) id of each rule's left token */
      readonly left: Int32Array;
      /** (nMerges) id of each rule's right token */
      readonly right: Int32Array;
    };

/**
 * "a b" merge lines, each a range of some string: the GGUF reader keeps a
 * string array as ranges of a few long decoded texts (PackedStrings), so
 * no string per line need exist. `mergeLinesOf` wraps a plain array.
 */
export interface MergeLines {
  readonly length: number;
  /** the string that holds line `rank`, from start(rank) to end(rank) */
  text(rank: number): string;
  start(rank: number): number;
  end(rank: number): number;
}

/** plain strings as MergeLines */
export function mergeLinesOf(lines: readonly string[]): MergeLines {
  return { length: lines.length, text: (rank) => lines[rank]!, start: () => 0, end: (rank) => lines[rank]!.length };
}

/**
 * Token texts by id, each a range of some string: the GGUF reader's packed
 * string array (PackedStrings) is one, so a loaded vocabulary keeps no
 * string per token (151k sliced strings and their array: ~5 MiB of heap);
 * `tokenTextsOf` wraps a plain array. `text` is undefined for an id no
 * token has (a gap in tokenizer.json's ids).
 */
export interface TokenTexts {
  readonly length: number;
  /** the string that holds id's text from start(id) to end(id); undefined = no token has this id */
  text(id: number): string | undefined;
  start(id: number): number;
  end(id: number): number;
}

/** plain strings (undefined for a gap) as TokenTexts */
export function tokenTextsOf(tokens: readonly (string | undefined)[]): TokenTexts {
  return { length: tokens.length, text: (id) => tokens[id], start: () => 0, end: (id) => tokens[id]?.length ?? 0 };
}

/** token `id`'s text as a string of its own, or undefined when no token has this id */
export function tokenTextAt(tokens: TokenTexts, id: number): string | undefined {
  const text = tokens.text(id);
  return text === undefined ? undefined : text.slice(tokens.start(id), tokens.end(id));
}

export interface TokenizerSpec {
  /** where the description came from, for messages ("tokenizer.json", "model.gguf") */
  readonly origin: string;
  /** (vocabSize) token text by id: byte-level strings for normal tokens, plain text for added ones; undefined = no token has this id */
  readonly tokens: TokenTexts;
  /** (vocabSize) kind of each id */
  readonly kinds: readonly TokenKind[];
  /** merge rules in rank order */
  readonly merges: MergeList;
  readonly addedTokens: readonly AddedToken[];
  readonly normalizer: 'nfc' | 'none';
  readonly preTokenizer: PreTokenizer;
  /** HF BPE `ignore_merges`: a word that is itself a vocabulary entry becomes that token directly */
  readonly ignoreMerges: boolean;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  readonly padId: number | undefined;
  /** whether encode() prepends BOS by default (HF add_bos_token, GGUF tokenizer.ggml.add_bos_token) */
  readonly addBos: boolean;
}

/** number of merge rules */
export function mergeCount(merges: MergeList): number {
  return merges.form === 'pairs' ? merges.pairs.length : merges.form === 'spaced' ? merges.lines.length : merges.left.length;
}

/**
 * Where the separator of the GGUF "a b" merge line text[start, end) is: the
 * first space after the first character (llama.cpp); -1 if there is none.
 */
export function mergeLineSeparator(text: string, start = 0, end = text.length): number {
  const space = text.indexOf(' ', start + 1);
  return space >= 0 && space < end ? space : -1;
}

/** rule `rank` as its two token texts (split or looked up on demand; for export and messages, not for loading) */
export function mergePair(spec: Pick<TokenizerSpec, 'merges' | 'tokens'>, rank: number): readonly [string, string] {
  const { merges } = spec;
  if (merges.form === 'pairs') return merges.pairs[rank]!;
  if (merges.form === 'spaced') {
    const { lines } = merges;
    const text = lines.text(rank);
    const start = lines.start(rank);
    const end = lines.end(rank);
    const space = mergeLineSeparator(text, start, end);
    return [text.slice(start, space), text.slice(space + 1, end)];
  }
  return [tokenTextAt(spec.tokens, merges.left[rank]!) ?? '', tokenTextAt(spec.tokens, merges.right[rank]!) ?? ''];
}
