/**
 * TokenizerSpec: the loader-neutral description of a byte-level BPE
 * tokenizer. Both loaders (tokenizer.json, GGUF metadata) produce one, the
 * `Tokenizer` class is built from one, and GGUF export reads one back.
 */

import type { AddedToken } from './added-tokens.ts';
import type { PreTokenizer } from './pre-tokenizer.ts';

/** What an id is: a BPE vocabulary entry, an added token, or a placeholder (GGUF padding). */
export type TokenKind = 'normal' | 'added' | 'unused';

export interface TokenizerSpec {
  /** where the description came from, for messages ("tokenizer.json", "model.gguf") */
  readonly origin: string;
  /** (vocabSize) token text by id: byte-level strings for normal tokens, plain text for added ones; undefined = no token has this id */
  readonly tokens: readonly (string | undefined)[];
  /** (vocabSize) kind of each id */
  readonly kinds: readonly TokenKind[];
  /** merge rules in rank order, as token texts */
  readonly merges: readonly (readonly [string, string])[];
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
