/**
 * Tokenizer: Qwen2-family byte-level BPE — text ⇄ token ids.
 *
 * Encode pipeline (the HF tokenizers order, which llama.cpp's "qwen2"
 * pre-tokenizer reproduces):
 *   1. split out added tokens (leftmost-longest; see added-tokens.ts)
 *   2. NFC-normalize each plain stretch (then split out any added tokens
 *      flagged `normalized`)
 *   3. pre-tokenize into words with the split regex (pre-tokenizer.ts)
 *   4. UTF-8 encode each word; each byte is one symbol, the token of its
 *      byte character (byte-level.ts)
 *   5. BPE-merge the symbols by rule rank (bpe.ts); words are cached
 * Decode maps ids back to bytes (byte-level inverse for vocabulary tokens,
 * UTF-8 of the content for added tokens) and decodes UTF-8 with U+FFFD for
 * invalid sequences. A consequence of step 2: decode(encode(x)) is x with
 * every stretch between added tokens NFC-normalized — exactly x when x is
 * already NFC.
 */

import { fail } from '../../common/index.ts';
import { AddedTokenMatcher, type AddedToken, type AddedTokenFilter } from './added-tokens.ts';
import { BpeMerger, buildMergeRules, type MergeRules } from './bpe.ts';
import { BYTE_TO_CHAR, byteLevelToBytes, bytesToByteLevel, encodeUtf8Into } from './byte-level.ts';
import { forEachWord } from './pre-tokenizer.ts';
import { StreamDecoder, type DecodeOptions } from './stream-decoder.ts';
import { mergeCount, mergeLineSeparator, mergePair, tokenTextAt, type TokenizerSpec } from './tokenizer-spec.ts';
import { VocabularyIndex } from './vocabulary-index.ts';
import type { GgufValue } from '../gguf/index.ts';
import { tokenizerSpecFromJson } from './tokenizer-json.ts';
import { tokenizerSpecFromGguf, tokenizerSpecToGguf, type GgufMetadataInput, type GgufExportOptions } from './gguf-metadata.ts';

export interface EncodeOptions {
  /** 'parse' (default, as HF): special tokens written in the text become their ids; 'as-text': they are tokenized as ordinary text */
  readonly specialTokens?: 'parse' | 'as-text';
  /** 'auto' (default): prepend BOS when the tokenizer says so (add_bos_token); 'add' / 'none' force it */
  readonly bos?: 'auto' | 'add' | 'none';
}

const UTF8_DECODER = new TextDecoder('utf-8', { ignoreBOM: true });

/** words longer than this (UTF-16 units) are not cached */
const CACHE_MAX_WORD_LENGTH = 64;
/** the word cache is cleared when it reaches this many entries */
const CACHE_MAX_ENTRIES = 32_768;

export class Tokenizer {
  readonly spec: TokenizerSpec;
  readonly vocabSize: number;
  /** special (control) added tokens: content → id */
  readonly specialTokens: ReadonlyMap<string, number>;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  readonly padId: number | undefined;

  /** vocabulary (normal) tokens: text → id; what merges and byte symbols resolve against */
  private readonly vocabulary: VocabularyIndex;
  /** added tokens: content → id (consulted before the vocabulary by idOf) */
  private readonly addedToId = new Map<string, number>();
  /** (vocabSize) 1 for special added tokens */
  private readonly specialFlags: Uint8Array;
  /** (256) token id of each byte's byte character */
  private readonly byteTokenIds = new Int32Array(256);
  private readonly rules: MergeRules;
  private readonly merger: BpeMerger;
  private readonly rawMatcher: AddedTokenMatcher;
  private readonly normalizedMatcher: AddedTokenMatcher;
  private readonly wordCache = new Map<string, Int32Array>();
  /** (vocabSize) decode table, filled as ids are decoded; made on the first decode (1.2 MiB a model that never decodes does without) */
  private bytesById: (Uint8Array | undefined)[] | undefined;
  /** scratch: UTF-8 bytes of the current word (3 bytes per UTF-16 unit) */
  private utf8Scratch = new Uint8Array(256);
  /** scratch: initial symbols of the current word */
  private symbolScratch = new Int32Array(256);

  constructor(spec: TokenizerSpec) {
    this.vocabSize = spec.tokens.length;
    this.specialFlags = new Uint8Array(this.vocabSize);
    this.vocabulary = new VocabularyIndex(spec.tokens, (id) => spec.kinds[id] === 'normal');
    const specials = new Map<string, number>();
    for (const token of spec.addedTokens) {
      this.addedToId.set(token.content, token.id);
      if (token.special) {
        specials.set(token.content, token.id);
        this.specialFlags[token.id] = 1;
      }
    }
    this.specialTokens = specials;
    for (let byte = 0; byte < 256; byte++) {
      const id = this.vocabulary.find(BYTE_TO_CHAR[byte]!);
      if (id < 0) fail('tokenizer.bad_vocab', `${spec.origin}: the vocabulary lacks the byte token "${BYTE_TO_CHAR[byte]}" (byte 0x${byte.toString(16)}), so some text could not be encoded`, { byte });
      this.byteTokenIds[byte] = id;
    }
    this.rules = this.resolveMerges(spec);
    this.merger = new BpeMerger(this.rules);
    // keep the rules as ids only: the loader's merge strings (151k GGUF lines) can be collected
    this.spec = { ...spec, merges: { form: 'ids', left: this.rules.left, right: this.rules.right } };
    this.rawMatcher = new AddedTokenMatcher(spec.addedTokens.filter((token) => !token.normalized || spec.normalizer === 'none'));
    this.normalizedMatcher = new AddedTokenMatcher(spec.addedTokens.filter((token) => token.normalized && spec.normalizer !== 'none'));
    this.bosId = spec.bosId;
    this.eosId = spec.eosId;
    this.padId = spec.padId;
  }

  /** From a parsed tokenizer.json and, optionally, its tokenizer_config.json (for bos/eos/pad). */
  static fromTokenizerJson(json: unknown, config?: unknown, origin = 'tokenizer.json'): Tokenizer {
    return new Tokenizer(tokenizerSpecFromJson(json, config, origin));
  }

  /** From GGUF metadata (the tokenizer.ggml.* keys), a Map or a plain record. */
  static fromGgufMetadata(metadata: GgufMetadataInput, origin = 'model.gguf'): Tokenizer {
    return new Tokenizer(tokenizerSpecFromGguf(metadata, origin));
  }

  /** The tokenizer.ggml.* keys that describe this tokenizer, as typed GGUF values for writeGguf. */
  toGgufMetadata(options?: GgufExportOptions): Map<string, GgufValue> {
    return tokenizerSpecToGguf(this.spec, options);
  }

  // ── encode ─────────────────────────────────────────────────────────────

  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    const bos = options.bos ?? 'auto';
    if (bos === 'add' || (bos === 'auto' && this.spec.addBos)) {
      if (this.bosId === undefined) fail('tokenizer.malformed', `${this.spec.origin}: BOS was requested but the tokenizer defines no BOS token`);
      out.push(this.bosId);
    }
    const filter: AddedTokenFilter = options.specialTokens === 'as-text' ? 'non-special' : 'all';
    const onToken = (token: AddedToken): void => {
      out.push(token.id);
    };
    this.rawMatcher.split(text, filter, (start, end) => {
      const stretch = this.spec.normalizer === 'nfc' ? text.slice(start, end).normalize('NFC') : text.slice(start, end);
      if (this.normalizedMatcher.size === 0) this.encodePlain(stretch, 0, stretch.length, out);
      else this.normalizedMatcher.split(stretch, filter, (innerStart, innerEnd) => this.encodePlain(stretch, innerStart, innerEnd, out), onToken);
    }, onToken);
    return out;
  }

  /** number of tokens `text` encodes to */
  countTokens(text: string, options?: EncodeOptions): number {
    return this.encode(text, options).length;
  }

  private encodePlain(text: string, start: number, end: number, out: number[]): void {
    const stretch = start === 0 && end === text.length ? text : text.slice(start, end);
    forEachWord(this.spec.preTokenizer, stretch, (wordStart, wordEnd) => this.encodeWord(stretch, wordStart, wordEnd, out));
  }

  private encodeWord(text: string, start: number, end: number, out: number[]): void {
    const cacheable = end - start <= CACHE_MAX_WORD_LENGTH;
    const word = cacheable ? text.slice(start, end) : '';
    if (cacheable) {
      const cached = this.wordCache.get(word);
      if (cached !== undefined) {
        for (let i = 0; i < cached.length; i++) out.push(cached[i]!);
        return;
      }
    }
    const maxBytes = (end - start) * 3;
    if (this.utf8Scratch.length < maxBytes) {
      this.utf8Scratch = new Uint8Array(maxBytes * 2);
      this.symbolScratch = new Int32Array(maxBytes * 2);
    }
    const byteCount = encodeUtf8Into(text, start, end, this.utf8Scratch);
    const outStart = out.length;
    const whole = this.spec.ignoreMerges ? this.vocabulary.find(bytesToByteLevel(this.utf8Scratch, 0, byteCount)) : -1;
    if (whole >= 0) {
      out.push(whole);
    } else {
      for (let i = 0; i < byteCount; i++) this.symbolScratch[i] = this.byteTokenIds[this.utf8Scratch[i]!]!;
      this.merger.merge(this.symbolScratch, byteCount, out);
    }
    if (cacheable) {
      if (this.wordCache.size >= CACHE_MAX_ENTRIES) this.wordCache.clear();
      this.wordCache.set(word, Int32Array.from(out.slice(outStart)));
    }
  }

  // ── decode ─────────────────────────────────────────────────────────────

  /** ids → text; invalid UTF-8 (a sequence cut off, say) becomes U+FFFD */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const skipSpecial = options.specialTokens === 'skip';
    const pieces: Uint8Array[] = [];
    let length = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const bytes = this.tokenToBytes(id);
      if (skipSpecial && this.isSpecial(id)) continue;
      pieces.push(bytes);
      length += bytes.length;
    }
    const all = new Uint8Array(length);
    let offset = 0;
    for (const piece of pieces) {
      all.set(piece, offset);
      offset += piece.length;
    }
    return UTF8_DECODER.decode(all);
  }

  /** A decoder that takes ids one at a time and returns only complete UTF-8 text. */
  newStreamDecoder(options: DecodeOptions = {}): StreamDecoder {
    return new StreamDecoder(this, options);
  }

  /** The bytes an id stands for (vocabulary tokens: byte-level inverse; added tokens: UTF-8 of their content). */
  tokenToBytes(id: number): Uint8Array {
    const bytesById = (this.bytesById ??= new Array<Uint8Array | undefined>(this.vocabSize).fill(undefined));
    const cached = bytesById[id];
    if (cached !== undefined) return cached;
    const text = Number.isInteger(id) && id >= 0 && id < this.vocabSize ? tokenTextAt(this.spec.tokens, id) : undefined;
    if (text === undefined) return fail('tokenizer.unknown_id', `${this.spec.origin}: token id ${id} is not in the vocabulary (size ${this.vocabSize})`, { id });
    // HF ByteLevel decoder: a token whose characters are not all byte characters decodes as its own UTF-8
    const bytes = (this.spec.kinds[id] === 'normal' ? byteLevelToBytes(text) : undefined) ?? new TextEncoder().encode(text);
    bytesById[id] = bytes;
    return bytes;
  }

  /** the token's text as the vocabulary spells it ("Ġthe", "<|im_end|>") */
  tokenText(id: number): string {
    const text = Number.isInteger(id) && id >= 0 && id < this.vocabSize ? tokenTextAt(this.spec.tokens, id) : undefined;
    return text ?? fail('tokenizer.unknown_id', `${this.spec.origin}: token id ${id} is not in the vocabulary (size ${this.vocabSize})`, { id });
  }

  /** id of a token by its vocabulary text ("Ġthe", "<|im_start|>"), or undefined */
  idOf(tokenText: string): number | undefined {
    const added = this.addedToId.get(tokenText);
    if (added !== undefined) return added;
    const id = this.vocabulary.find(tokenText);
    return id < 0 ? undefined : id;
  }

  /** whether the id is a special (control) added token */
  isSpecial(id: number): boolean {
    return this.specialFlags[id] === 1;
  }

  // ── loading helpers ────────────────────────────────────────────────────

  /**
   * The merge rules as (left, right, result) ids. GGUF "a b" lines and JSON
   * pairs are looked up by range (VocabularyIndex), so no per-rule strings
   * are made; a failed lookup is reported with the rule's texts.
   */
  private resolveMerges(spec: TokenizerSpec): MergeRules {
    const { merges, origin } = spec;
    const count = mergeCount(merges);
    const vocabulary = this.vocabulary;
    const left = new Int32Array(count);
    const right = new Int32Array(count);
    const result = new Int32Array(count);
    for (let rank = 0; rank < count; rank++) {
      let leftId: number;
      let rightId: number;
      let resultId: number;
      if (merges.form === 'spaced') {
        const { lines } = merges;
        const text = lines.text(rank);
        const start = lines.start(rank);
        const end = lines.end(rank);
        const space = mergeLineSeparator(text, start, end);
        leftId = vocabulary.find(text, start, space);
        rightId = vocabulary.find(text, space + 1, end);
        resultId = vocabulary.findJoined(text, start, space, text, space + 1, end);
      } else if (merges.form === 'pairs') {
        const [a, b] = merges.pairs[rank]!;
        leftId = vocabulary.find(a);
        rightId = vocabulary.find(b);
        resultId = vocabulary.findJoined(a, 0, a.length, b, 0, b.length);
      } else {
        leftId = merges.left[rank]!;
        rightId = merges.right[rank]!;
        const a = tokenTextAt(spec.tokens, leftId);
        const b = tokenTextAt(spec.tokens, rightId);
        resultId = vocabulary.findJoined(a ?? '', 0, a?.length ?? 0, b ?? '', 0, b?.length ?? 0);
        if (a === undefined || spec.kinds[leftId] !== 'normal') leftId = -1;
        if (b === undefined || spec.kinds[rightId] !== 'normal') rightId = -1;
      }
      if (leftId < 0 || rightId < 0 || resultId < 0) {
        const [a, b] = merges.form === 'ids' ? [String(merges.left[rank]), String(merges.right[rank])] : mergePair(spec, rank);
        const missing = leftId < 0 ? a : rightId < 0 ? b : a + b;
        fail('tokenizer.bad_merge', `${origin}: merge ${rank} ("${a} ${b}") refers to "${missing}", which is not in the vocabulary`, { rank, missing });
      }
      left[rank] = leftId;
      right[rank] = rightId;
      result[rank] = resultId;
    }
    return buildMergeRules(left, right, result);
  }
}
