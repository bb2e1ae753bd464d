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
import type { TokenizerSpec } from './tokenizer-spec.ts';
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
  private readonly vocabToId = new Map<string, number>();
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
  /** lazily filled decode table */
  private readonly bytesById: (Uint8Array | undefined)[];
  /** scratch: UTF-8 bytes of the current word (3 bytes per UTF-16 unit) */
  private utf8Scratch = new Uint8Array(256);
  /** scratch: initial symbols of the current word */
  private symbolScratch = new Int32Array(256);

  constructor(spec: TokenizerSpec) {
    this.spec = spec;
    this.vocabSize = spec.tokens.length;
    this.specialFlags = new Uint8Array(this.vocabSize);
    this.bytesById = new Array(this.vocabSize).fill(undefined);
    for (let id = 0; id < spec.tokens.length; id++) {
      const text = spec.tokens[id];
      if (text !== undefined && spec.kinds[id] === 'normal') this.vocabToId.set(text, id);
    }
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
      const id = this.vocabToId.get(BYTE_TO_CHAR[byte]!);
      if (id === undefined) fail('tokenizer.bad_vocab', `${spec.origin}: the vocabulary lacks the byte token "${BYTE_TO_CHAR[byte]}" (byte 0x${byte.toString(16)}), so some text could not be encoded`, { byte });
      this.byteTokenIds[byte] = id;
    }
    this.rules = this.resolveMerges();
    this.merger = new BpeMerger(this.rules);
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
    const whole = this.spec.ignoreMerges ? this.vocabToId.get(bytesToByteLevel(this.utf8Scratch, 0, byteCount)) : undefined;
    if (whole !== undefined) {
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
    const cached = this.bytesById[id];
    if (cached !== undefined) return cached;
    const text = Number.isInteger(id) && id >= 0 && id < this.vocabSize ? this.spec.tokens[id] : undefined;
    if (text === undefined) return fail('tokenizer.unknown_id', `${this.spec.origin}: token id ${id} is not in the vocabulary (size ${this.vocabSize})`, { id });
    // HF ByteLevel decoder: a token whose characters are not all byte characters decodes as its own UTF-8
    const bytes = (this.spec.kinds[id] === 'normal' ? byteLevelToBytes(text) : undefined) ?? new TextEncoder().encode(text);
    this.bytesById[id] = bytes;
    return bytes;
  }

  /** the token's text as the vocabulary spells it ("Ġthe", "<|im_end|>") */
  tokenText(id: number): string {
    const text = Number.isInteger(id) && id >= 0 && id < this.vocabSize ? this.spec.tokens[id] : undefined;
    return text ?? fail('tokenizer.unknown_id', `${this.spec.origin}: token id ${id} is not in the vocabulary (size ${this.vocabSize})`, { id });
  }

  /** id of a token by its vocabulary text ("Ġthe", "<|im_start|>"), or undefined */
  idOf(tokenText: string): number | undefined {
    return this.addedToId.get(tokenText) ?? this.vocabToId.get(tokenText);
  }

  /** whether the id is a special (control) added token */
  isSpecial(id: number): boolean {
    return this.specialFlags[id] === 1;
  }

  // ── loading helpers ────────────────────────────────────────────────────

  private resolveMerges(): MergeRules {
    const { merges, origin, tokens } = this.spec;
    const left = new Int32Array(merges.length);
    const right = new Int32Array(merges.length);
    const result = new Int32Array(merges.length);
    let previousResult = -1;
    for (let rank = 0; rank < merges.length; rank++) {
      const [a, b] = merges[rank]!;
      const leftId = this.vocabToId.get(a);
      const rightId = this.vocabToId.get(b);
      // byte-level BPE vocabularies (GPT-2, Qwen) list merge results in merge order: try the id after the
      // previous result first; comparing in place and looking up the vocabulary's own (already hashed)
      // string is much cheaper than building a + b and hashing it (151k merges at load)
      const guess = tokens[previousResult + 1];
      const resultId =
        guess !== undefined && guess.length === a.length + b.length && guess.startsWith(a) && guess.endsWith(b) && this.vocabToId.get(guess) === previousResult + 1
          ? previousResult + 1
          : this.vocabToId.get(a + b);
      if (resultId !== undefined) previousResult = resultId;
      if (leftId === undefined || rightId === undefined || resultId === undefined) {
        const missing = leftId === undefined ? a : rightId === undefined ? b : a + b;
        fail('tokenizer.bad_merge', `${origin}: merge ${rank} ("${a} ${b}") refers to "${missing}", which is not in the vocabulary`, { rank, missing });
      }
      left[rank] = leftId;
      right[rank] = rightId;
      result[rank] = resultId;
    }
    return buildMergeRules(left, right, result);
  }
}
