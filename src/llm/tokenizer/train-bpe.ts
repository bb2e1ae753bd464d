/**
 * Byte-level BPE trainer: learns a Qwen2-style vocabulary from a corpus and
 * writes it as a Hugging Face tokenizer.json (+ tokenizer_config.json) that
 * our Tokenizer and @huggingface/tokenizers both load unchanged.
 *
 * Algorithm (Sennrich et al. 2016, "Neural Machine Translation of Rare Words
 * with Subword Units"; byte-level alphabet of GPT-2, Radford et al. 2019):
 *   1. pre-tokenize every text with Qwen2's split regex (NFC first), count
 *      each distinct word;
 *   2. start every word as its UTF-8 bytes (256 byte symbols: ids 0–255);
 *   3. repeat until the vocabulary is full: count adjacent symbol pairs,
 *      weighted by word frequency; merge the most frequent pair everywhere
 *      into a new symbol (ties: the pair that was seen first in the corpus,
 *      so the result is deterministic); stop early when no pair occurs
 *      at least `minPairCount` times.
 *   Merge i creates token 256 + i; the special tokens follow the merges.
 *
 * Knobs: vocabSize (total ids incl. specials; 300 … 65 536), minPairCount
 * (default 2: a pair seen once is not worth a token), pairs ('any', or
 * 'same-class': a merge never joins word bytes — letters, digits, UTF-8
 * bytes ≥ 0x80 — with spaces or punctuation, so a word is spelled by the same
 * tokens after a space, a quote or a slash as on its own; a small model can
 * then copy a name from the request into a JSON value token by token. The
 * file stays a standard Qwen2 BPE: only the merge list differs).
 */

import { fail } from '../../common/index.ts';
import { BYTE_TO_CHAR, isWordByte } from './byte-level.ts';
import { PRE_TOKENIZER_PATTERNS, preTokenizerFromPattern, splitWords } from './pre-tokenizer.ts';

export const DEFAULT_SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

export interface BpeTrainingOptions {
  /** total vocabulary size: 256 bytes + merges + special tokens */
  readonly vocabSize: number;
  /** default <|endoftext|>, <|im_start|>, <|im_end|> */
  readonly specialTokens?: readonly string[];
  /** least weighted count for a pair to be merged; default 2 */
  readonly minPairCount?: number;
  /** which adjacent symbols may merge: 'any' (default) or 'same-class' (see the header) */
  readonly pairs?: 'any' | 'same-class';
}

export interface TrainedBpe {
  /** the tokenizer.json object (JSON.stringify it to write the file) */
  readonly tokenizerJson: Record<string, unknown>;
  /** the tokenizer_config.json object: eos <|im_end|>, pad <|endoftext|>, no BOS */
  readonly tokenizerConfig: Record<string, unknown>;
  /** learned merges, in rank order, as byte-level strings "a b" */
  readonly merges: readonly string[];
  readonly vocabSize: number;
}

/** a distinct pre-tokenized word: its current symbols and how often it occurs */
interface WordEntry {
  symbols: number[];
  readonly count: number;
}

const PAIR_SHIFT = 65_536;

export function trainByteLevelBpe(texts: Iterable<string>, options: BpeTrainingOptions): TrainedBpe {
  const specials = options.specialTokens ?? DEFAULT_SPECIAL_TOKENS;
  const minPairCount = options.minPairCount ?? 2;
  if (!Number.isInteger(options.vocabSize) || options.vocabSize < 256 + specials.length || options.vocabSize > PAIR_SHIFT) {
    fail('arg.invalid', `BPE vocabulary size must be an integer from ${256 + specials.length} to ${PAIR_SHIFT}, got ${options.vocabSize}`);
  }
  const mergeBudget = options.vocabSize - 256 - specials.length;
  const preTokenizer = preTokenizerFromPattern(PRE_TOKENIZER_PATTERNS.qwen2, 'train-bpe');
  const encoder = new TextEncoder();

  // 1–2. distinct words as byte symbols, in first-seen order
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const piece of splitOnSpecials(text.normalize('NFC'), specials)) {
      for (const word of splitWords(preTokenizer, piece)) counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  const words: WordEntry[] = [...counts].map(([word, count]) => ({ symbols: [...encoder.encode(word)], count }));

  // 3. merges
  /** symbol id → byte-level text */
  const symbolText: string[] = [...BYTE_TO_CHAR];
  /** symbol id → 1 if made of word bytes, 0 if of other bytes (only 'same-class' pairs are counted then) */
  const symbolClass: number[] = Array.from({ length: 256 }, (_, byte) => (isWordByte(byte) ? 1 : 0));
  const sameClassOnly = options.pairs === 'same-class';
  const merges: string[] = [];
  while (merges.length < mergeBudget) {
    const pairCounts = new Map<number, number>();
    for (const word of words) {
      const s = word.symbols;
      for (let i = 0; i + 1 < s.length; i++) {
        if (sameClassOnly && symbolClass[s[i]!] !== symbolClass[s[i + 1]!]) continue;
        const key = s[i]! * PAIR_SHIFT + s[i + 1]!;
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + word.count);
      }
    }
    let bestKey = -1;
    let bestCount = 0;
    // Map iteration is insertion order, so ties go to the pair seen first
    for (const [key, count] of pairCounts) {
      if (count > bestCount) {
        bestKey = key;
        bestCount = count;
      }
    }
    if (bestKey < 0 || bestCount < minPairCount) break;
    const left = Math.floor(bestKey / PAIR_SHIFT);
    const right = bestKey % PAIR_SHIFT;
    const merged = symbolText.length;
    symbolText.push(symbolText[left]! + symbolText[right]!);
    symbolClass.push(symbolClass[left]!);
    merges.push(`${symbolText[left]!} ${symbolText[right]!}`);
    for (const word of words) word.symbols = mergePair(word.symbols, left, right, merged);
  }

  const vocab: Record<string, number> = {};
  symbolText.forEach((text, id) => {
    if (vocab[text] !== undefined) throw new Error(`train-bpe: symbol ${text} created twice`);
    vocab[text] = id;
  });
  const addedTokens = specials.map((content, i) => ({
    id: symbolText.length + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  }));
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  const tokenizerJson: Record<string, unknown> = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: { type: 'NFC' },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [{ type: 'Split', pattern: { Regex: PRE_TOKENIZER_PATTERNS.qwen2 }, behavior: 'Isolated', invert: false }, byteLevel],
    },
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges,
    },
  };
  const has = (token: string): boolean => specials.includes(token);
  const tokenizerConfig: Record<string, unknown> = {
    add_bos_token: false,
    add_prefix_space: false,
    bos_token: null,
    clean_up_tokenization_spaces: false,
    eos_token: has('<|im_end|>') ? '<|im_end|>' : (specials[0] ?? null),
    pad_token: has('<|endoftext|>') ? '<|endoftext|>' : null,
    model_max_length: 4096,
    tokenizer_class: 'Qwen2Tokenizer',
    added_tokens_decoder: Object.fromEntries(addedTokens.map((t) => [String(t.id), { content: t.content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true }])),
  };
  return { tokenizerJson, tokenizerConfig, merges, vocabSize: symbolText.length + specials.length };
}

/** `symbols` with every (left, right) pair, scanned left to right, replaced by `merged` */
function mergePair(symbols: number[], left: number, right: number, merged: number): number[] {
  let found = false;
  for (let i = 0; i + 1 < symbols.length; i++) {
    if (symbols[i] === left && symbols[i + 1] === right) {
      found = true;
      break;
    }
  }
  if (!found) return symbols;
  const out: number[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
      out.push(merged);
      i++;
    } else out.push(symbols[i]!);
  }
  return out;
}

/** the text between occurrences of special tokens (they are never part of a word) */
function splitOnSpecials(text: string, specials: readonly string[]): string[] {
  let pieces = [text];
  for (const special of specials) pieces = pieces.flatMap((piece) => piece.split(special));
  return pieces.filter((piece) => piece.length > 0);
}
