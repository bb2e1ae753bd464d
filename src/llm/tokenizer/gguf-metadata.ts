/**
 * The tokenizer as GGUF metadata (llama.cpp's `tokenizer.ggml.*` keys), in
 * both directions. Input is a Map or plain record of key → value: either
 * the typed values of our GGUF reader (`{ type: 'u32', value: 7 }`, see
 * ../gguf) or bare values (strings, numbers or bigints, booleans, arrays as
 * JS arrays or typed arrays). Output is typed values, ready for writeGguf.
 *
 * Keys (GGUF value type):
 *   tokenizer.ggml.model             string         "gpt2" (byte-level BPE)
 *   tokenizer.ggml.pre               string         pre-tokenizer preset, "qwen2"
 *   tokenizer.ggml.tokens            array<string>  token text by id
 *   tokenizer.ggml.token_type        array<int32>   1 normal, 2 unknown, 3 control,
 *                                                   4 user-defined, 5 unused, 6 byte
 *   tokenizer.ggml.merges            array<string>  "a b" in rank order
 *   tokenizer.ggml.bos_token_id      uint32         (optional)
 *   tokenizer.ggml.eos_token_id      uint32         (optional)
 *   tokenizer.ggml.padding_token_id  uint32         (optional)
 *   tokenizer.ggml.add_bos_token     bool           (optional, default false)
 * Control (3) and unknown (2) tokens become special added tokens,
 * user-defined (4) non-special added tokens; unused (5) ids decode to their
 * text but are never produced by encode.
 *
 * Export types added tokens as llama.cpp's convert_hf_to_gguf.py does:
 * control when HF marks them special or they look special ("<|…|>", such as
 * Qwen's non-special "<|fim_prefix|>"; llama.cpp would force those to
 * control anyway), user-defined otherwise ("<tool_call>", "<think>").
 */

import { fail } from '../../common/index.ts';
import { gguf, packedStringsOf, type GgufValue } from '../gguf/index.ts';
import type { AddedToken } from './added-tokens.ts';
import { preTokenizerByName } from './pre-tokenizer.ts';
import { mergeCount, mergeLineSeparator, mergeLinesOf, mergePair, tokenTextAt, tokenTextsOf, type MergeLines, type TokenKind, type TokenTexts, type TokenizerSpec } from './tokenizer-spec.ts';

export type GgufMetadataInput = ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>;

/** llama.cpp `llama_token_type` values */
export const GgufTokenType = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export interface GgufExportOptions {
  /** pad the token list to this many ids with "[PAD<id>]" unused tokens (the model's embedding rows; llama.cpp requires they match) */
  readonly vocabSize?: number;
}

// ── reading ──────────────────────────────────────────────────────────────

/** the entry under `key` as given: a GgufValue ({ type, value }) or a bare value */
function entryOf(metadata: GgufMetadataInput, key: string): unknown {
  return metadata instanceof Map ? metadata.get(key) : (metadata as Readonly<Record<string, unknown>>)[key];
}

/** the value under `key`, unwrapped when it is a typed GGUF value ({ type, value }) */
function lookup(metadata: GgufMetadataInput, key: string): unknown {
  const raw = entryOf(metadata, key);
  return typeof raw === 'object' && raw !== null && !ArrayBuffer.isView(raw) && !Array.isArray(raw) && 'type' in raw && 'value' in raw ? raw.value : raw;
}

function readArray(metadata: GgufMetadataInput, key: string, origin: string): ArrayLike<unknown> | undefined {
  const value = lookup(metadata, key);
  if (value === undefined) return undefined;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return value as unknown as ArrayLike<unknown>;
  return fail('tokenizer.malformed', `${origin}: ${key} must be an array, got ${typeof value}`, { key });
}

/** the array under `key` when every item is a string — the metadata's own array, not a copy (151k tokens) */
function readStrings(metadata: GgufMetadataInput, key: string, origin: string): readonly string[] | undefined {
  const array = readArray(metadata, key, origin);
  if (array === undefined) return undefined;
  for (let i = 0; i < array.length; i++) {
    if (typeof array[i] !== 'string') fail('tokenizer.malformed', `${origin}: ${key}[${i}] must be a string`, { key, index: i });
  }
  return Array.isArray(array) ? (array as readonly string[]) : Array.from(array as ArrayLike<string>);
}

function readId(metadata: GgufMetadataInput, key: string, origin: string, vocabSize: number): number | undefined {
  const value = lookup(metadata, key);
  if (value === undefined || value === null) return undefined;
  const id = typeof value === 'bigint' ? Number(value) : value;
  if (typeof id !== 'number' || !Number.isInteger(id)) return fail('tokenizer.malformed', `${origin}: ${key} must be an integer, got ${String(value)}`, { key });
  if (id < 0 || id >= vocabSize) return fail('tokenizer.bad_vocab', `${origin}: ${key} is ${id}, outside the vocabulary of ${vocabSize} tokens`, { key, id });
  return id;
}

/** tokenizer.ggml.tokens as ranges: packed when the reader kept them so (no string per token), else the strings themselves */
function tokenTextsFrom(metadata: GgufMetadataInput, origin: string): TokenTexts {
  const key = 'tokenizer.ggml.tokens';
  const packed = packedStringsOf(entryOf(metadata, key));
  if (packed !== undefined) return packed;
  return tokenTextsOf(readStrings(metadata, key, origin) ?? fail('tokenizer.malformed', `${origin}: ${key} is missing`));
}

/** tokenizer.ggml.merges as line ranges: packed when the reader kept them so, else the strings themselves */
function mergeLinesFrom(metadata: GgufMetadataInput, origin: string): MergeLines {
  const key = 'tokenizer.ggml.merges';
  const packed = packedStringsOf(entryOf(metadata, key));
  if (packed !== undefined) return packed;
  return mergeLinesOf(readStrings(metadata, key, origin) ?? fail('tokenizer.malformed', `${origin}: ${key} is missing; a BPE tokenizer needs its merge list`));
}

export function tokenizerSpecFromGguf(metadata: GgufMetadataInput, origin: string): TokenizerSpec {
  const model = lookup(metadata, 'tokenizer.ggml.model');
  if (model === undefined) fail('tokenizer.malformed', `${origin}: tokenizer.ggml.model is missing; the file carries no tokenizer`);
  if (model !== 'gpt2') fail('tokenizer.unsupported', `${origin}: tokenizer.ggml.model is "${String(model)}"; only "gpt2" (byte-level BPE) is supported`);
  const pre = lookup(metadata, 'tokenizer.ggml.pre');
  if (typeof pre !== 'string') fail('tokenizer.unsupported', `${origin}: tokenizer.ggml.pre is missing; the pre-tokenizer must be named (e.g. "qwen2")`);
  const preTokenizer = preTokenizerByName(pre, `${origin}: tokenizer.ggml.pre`);

  const tokens = tokenTextsFrom(metadata, origin);
  if (tokens.length === 0) fail('tokenizer.bad_vocab', `${origin}: tokenizer.ggml.tokens is empty`);
  const types = readArray(metadata, 'tokenizer.ggml.token_type', origin);
  for (const key of ['tokenizer.ggml.token_type', 'tokenizer.ggml.scores']) {
    const array = readArray(metadata, key, origin);
    if (array !== undefined && array.length !== tokens.length) {
      fail('tokenizer.length_mismatch', `${origin}: ${key} has ${array.length} entries but tokenizer.ggml.tokens has ${tokens.length}`, { key, length: array.length, tokens: tokens.length });
    }
  }
  // kept as "a b" line ranges (the reader's packed strings when the metadata came from a file): the
  // Tokenizer resolves them to ids without making a string per line
  const lines = mergeLinesFrom(metadata, origin);
  for (let rank = 0; rank < lines.length; rank++) {
    const text = lines.text(rank);
    if (mergeLineSeparator(text, lines.start(rank), lines.end(rank)) < 0) {
      fail('tokenizer.malformed', `${origin}: tokenizer.ggml.merges[${rank}] "${text.slice(lines.start(rank), lines.end(rank))}" has no space between its two tokens`, { rank });
    }
  }

  const kinds: TokenKind[] = new Array(tokens.length);
  const addedTokens: AddedToken[] = [];
  for (let id = 0; id < tokens.length; id++) {
    const rawType = types === undefined ? GgufTokenType.normal : types[id];
    const type = typeof rawType === 'bigint' ? Number(rawType) : rawType;
    if (typeof type !== 'number') fail('tokenizer.malformed', `${origin}: tokenizer.ggml.token_type[${id}] must be an integer`, { id });
    if (type === GgufTokenType.control || type === GgufTokenType.unknown || type === GgufTokenType.userDefined) {
      kinds[id] = 'added';
      const special = type !== GgufTokenType.userDefined;
      addedTokens.push({ id, content: tokenTextAt(tokens, id)!, special, lstrip: false, rstrip: false, singleWord: false, normalized: false });
    } else if (type === GgufTokenType.unused) {
      kinds[id] = 'unused';
    } else {
      kinds[id] = 'normal';
    }
  }
  const addBos = lookup(metadata, 'tokenizer.ggml.add_bos_token');
  if (addBos !== undefined && typeof addBos !== 'boolean') fail('tokenizer.malformed', `${origin}: tokenizer.ggml.add_bos_token must be a bool`);
  return {
    origin,
    tokens,
    kinds,
    merges: { form: 'spaced', lines },
    addedTokens,
    normalizer: 'nfc',
    preTokenizer,
    ignoreMerges: false,
    bosId: readId(metadata, 'tokenizer.ggml.bos_token_id', origin, tokens.length),
    eosId: readId(metadata, 'tokenizer.ggml.eos_token_id', origin, tokens.length),
    padId: readId(metadata, 'tokenizer.ggml.padding_token_id', origin, tokens.length),
    addBos: addBos === true,
  };
}

// ── writing ──────────────────────────────────────────────────────────────

export function tokenizerSpecToGguf(spec: TokenizerSpec, options: GgufExportOptions = {}): Map<string, GgufValue> {
  const preName = spec.preTokenizer.name ?? fail('tokenizer.unsupported', `${spec.origin}: its split regex is not a named llama.cpp pre-tokenizer, so it cannot be written to GGUF`);
  if (spec.normalizer !== 'nfc' || spec.ignoreMerges) fail('tokenizer.unsupported', `${spec.origin}: only NFC-normalizing tokenizers without ignore_merges can be written to GGUF`);
  const vocabSize = options.vocabSize ?? spec.tokens.length;
  if (!Number.isInteger(vocabSize) || vocabSize < spec.tokens.length) {
    fail('arg.invalid', `GGUF export: vocabSize ${vocabSize} is smaller than the tokenizer's ${spec.tokens.length} tokens`);
  }
  const specialById = new Map(spec.addedTokens.map((token) => [token.id, token.special || looksSpecial(token.content)]));
  const tokens: string[] = new Array(vocabSize);
  const types = new Int32Array(vocabSize);
  for (let id = 0; id < vocabSize; id++) {
    const text = tokenTextAt(spec.tokens, id);
    const kind = id < spec.tokens.length ? spec.kinds[id] : 'unused';
    tokens[id] = text ?? `[PAD${id}]`;
    types[id] =
      text === undefined || kind === 'unused' ? GgufTokenType.unused
      : kind === 'added' ? (specialById.get(id) === true ? GgufTokenType.control : GgufTokenType.userDefined)
      : GgufTokenType.normal;
  }
  const merges: string[] = new Array(mergeCount(spec.merges));
  for (let rank = 0; rank < merges.length; rank++) {
    const [left, right] = mergePair(spec, rank);
    if (left.length === 0 || right.length === 0 || left.includes(' ') || right.includes(' ')) {
      fail('tokenizer.unsupported', `${spec.origin}: merge ${rank} ("${left}", "${right}") has a token with a space or no text, which GGUF "a b" merges cannot express`, { rank });
    }
    merges[rank] = `${left} ${right}`;
  }
  const metadata = new Map<string, GgufValue>([
    ['tokenizer.ggml.model', gguf.string('gpt2')],
    ['tokenizer.ggml.pre', gguf.string(preName)],
    ['tokenizer.ggml.tokens', gguf.array('string', tokens)],
    ['tokenizer.ggml.token_type', gguf.array('i32', Array.from(types))],
    ['tokenizer.ggml.merges', gguf.array('string', merges)],
  ]);
  if (spec.bosId !== undefined) metadata.set('tokenizer.ggml.bos_token_id', gguf.u32(spec.bosId));
  if (spec.eosId !== undefined) metadata.set('tokenizer.ggml.eos_token_id', gguf.u32(spec.eosId));
  if (spec.padId !== undefined) metadata.set('tokenizer.ggml.padding_token_id', gguf.u32(spec.padId));
  metadata.set('tokenizer.ggml.add_bos_token', gguf.bool(spec.addBos));
  return metadata;
}

/** convert_hf_to_gguf.py `does_token_look_special`: such added tokens are written as control tokens */
function looksSpecial(content: string): boolean {
  return (
    ['<pad>', '<mask>', '<2mass>', '[@BOS@]'].includes(content) ||
    (content.startsWith('<|') && content.endsWith('|>')) ||
    (content.startsWith('<\uff5c') && content.endsWith('\uff5c>'))
  );
}
