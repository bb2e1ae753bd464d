/**
 * Loader for the Hugging Face tokenizers format (tokenizer.json, plus the
 * optional tokenizer_config.json for bos/eos/pad and add_bos_token).
 *
 * Accepted shape (what Qwen2/Qwen2.5/Qwen3 ship; GPT-2 and Llama-3 style
 * byte-level BPE files fit too):
 *   model          { type: "BPE", vocab: {text: id}, merges: ["a b", …] or [[a, b], …],
 *                    ignore_merges?, continuing_subword_prefix/end_of_word_suffix empty,
 *                    byte_fallback false }  (dropout is a training knob and is ignored)
 *   added_tokens   [{ id, content, special, lstrip, rstrip, normalized, single_word }]
 *   normalizer     null | NFC | Sequence of NFC
 *   pre_tokenizer  Sequence[Split{Regex, behavior Isolated}, ByteLevel{use_regex false}]
 *                  or ByteLevel{use_regex true} (GPT-2); add_prefix_space false
 *   decoder        ByteLevel (or absent)
 *   post_processor ByteLevel / absent; a TemplateProcessing that starts with a
 *                  special token sets BOS and add_bos
 * Anything else fails `tokenizer.unsupported`; a missing or ill-typed field
 * fails `tokenizer.malformed`, naming the field.
 */

import { fail } from '../../common/index.ts';
import type { AddedToken } from './added-tokens.ts';
import { PRE_TOKENIZER_PATTERNS, preTokenizerFromPattern, type PreTokenizer } from './pre-tokenizer.ts';
import { tokenTextsOf, type TokenKind, type TokenizerSpec } from './tokenizer-spec.ts';

type JsonObject = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function flag(object: JsonObject, key: string, where: string, fallback: boolean): boolean {
  const value = object[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') fail('tokenizer.malformed', `${where}.${key} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

export function tokenizerSpecFromJson(json: unknown, config: unknown, origin: string): TokenizerSpec {
  if (!isObject(json)) fail('tokenizer.malformed', `${origin}: expected a JSON object at the top level`);
  const model = json['model'];
  if (!isObject(model)) fail('tokenizer.malformed', `${origin}: "model" is missing or not an object`);
  const modelType = model['type'] ?? 'BPE';
  if (modelType !== 'BPE') fail('tokenizer.unsupported', `${origin}: model.type is "${String(modelType)}"; only "BPE" is supported`);
  for (const key of ['continuing_subword_prefix', 'end_of_word_suffix'] as const) {
    const value = model[key];
    if (value !== undefined && value !== null && value !== '') fail('tokenizer.unsupported', `${origin}: model.${key} "${String(value)}" is not supported (byte-level BPE uses none)`);
  }
  if (flag(model, 'byte_fallback', `${origin}: model`, false)) fail('tokenizer.unsupported', `${origin}: model.byte_fallback is set; only byte-level BPE (no byte fallback) is supported`);

  const { tokens, kinds } = readVocab(model['vocab'], origin);
  const addedTokens = readAddedTokens(json['added_tokens'], origin);
  for (const token of addedTokens) {
    while (tokens.length <= token.id) {
      tokens.push(undefined);
      kinds.push('unused');
    }
    tokens[token.id] = token.content;
    kinds[token.id] = 'added';
  }
  const merges = readMerges(model['merges'], origin);
  const normalizer = readNormalizer(json['normalizer'], origin);
  const preTokenizer = readPreTokenizer(json['pre_tokenizer'], origin);
  readDecoder(json['decoder'], origin);

  const idOfText = (text: string): number | undefined => {
    const added = addedTokens.find((token) => token.content === text);
    if (added !== undefined) return added.id;
    const id = tokens.indexOf(text);
    return id >= 0 ? id : undefined;
  };
  const template = readTemplateBos(json['post_processor'], origin);
  const configObject = isObject(config) ? config : {};
  const configToken = (key: string): number | undefined => {
    const value = configObject[key];
    if (value === undefined || value === null) return undefined;
    const text = typeof value === 'string' ? value : isObject(value) && typeof value['content'] === 'string' ? value['content'] : undefined;
    if (text === undefined) return fail('tokenizer.malformed', `tokenizer_config.json: ${key} must be a string or {content}, got ${JSON.stringify(value)}`);
    return idOfText(text) ?? fail('tokenizer.malformed', `tokenizer_config.json: ${key} "${text}" is not a token of ${origin}`);
  };
  // Qwen convention when no config says otherwise: <|endoftext|> ends documents and pads
  const endOfText = idOfText('<|endoftext|>');
  const bosId = configToken('bos_token') ?? template.bosId;
  const addBosValue = configObject['add_bos_token'];
  const addBos = typeof addBosValue === 'boolean' ? addBosValue : template.bosId !== undefined;
  return {
    origin,
    tokens: tokenTextsOf(tokens),
    kinds,
    merges: { form: 'pairs', pairs: merges },
    addedTokens,
    normalizer,
    preTokenizer,
    ignoreMerges: flag(model, 'ignore_merges', `${origin}: model`, false),
    bosId,
    eosId: configToken('eos_token') ?? endOfText,
    padId: configToken('pad_token') ?? endOfText,
    addBos,
  };
}

function readVocab(vocab: unknown, origin: string): { tokens: (string | undefined)[]; kinds: TokenKind[] } {
  if (!isObject(vocab)) fail('tokenizer.malformed', `${origin}: model.vocab is missing or not an object of token → id`);
  const tokens: (string | undefined)[] = [];
  const kinds: TokenKind[] = [];
  for (const [text, id] of Object.entries(vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0x7fffffff) {
      fail('tokenizer.bad_vocab', `${origin}: model.vocab["${text}"] has id ${JSON.stringify(id)}; ids must be non-negative integers`, { token: text });
    }
    while (tokens.length <= id) {
      tokens.push(undefined);
      kinds.push('unused');
    }
    if (tokens[id] !== undefined) fail('tokenizer.bad_vocab', `${origin}: model.vocab gives id ${id} to both "${tokens[id]}" and "${text}"`, { id });
    tokens[id] = text;
    kinds[id] = 'normal';
  }
  if (tokens.length === 0) fail('tokenizer.bad_vocab', `${origin}: model.vocab is empty`);
  return { tokens, kinds };
}

function readMerges(merges: unknown, origin: string): (readonly [string, string])[] {
  if (merges === undefined || merges === null) fail('tokenizer.malformed', `${origin}: model.merges is missing; a BPE tokenizer needs its merge list`);
  if (!Array.isArray(merges)) fail('tokenizer.malformed', `${origin}: model.merges must be an array`);
  return merges.map((entry: unknown, rank): readonly [string, string] => {
    if (typeof entry === 'string') {
      const parts = entry.split(' ');
      if (parts.length !== 2) fail('tokenizer.malformed', `${origin}: model.merges[${rank}] "${entry}" must be two tokens separated by one space`, { rank });
      return [parts[0]!, parts[1]!];
    }
    if (Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string' && typeof entry[1] === 'string') return [entry[0], entry[1]];
    return fail('tokenizer.malformed', `${origin}: model.merges[${rank}] must be "a b" or ["a", "b"], got ${JSON.stringify(entry)}`, { rank });
  });
}

function readAddedTokens(list: unknown, origin: string): AddedToken[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) fail('tokenizer.malformed', `${origin}: added_tokens must be an array`);
  return list.map((entry: unknown, index): AddedToken => {
    const where = `${origin}: added_tokens[${index}]`;
    if (!isObject(entry)) fail('tokenizer.malformed', `${where} must be an object`);
    const { id, content } = entry;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) fail('tokenizer.bad_vocab', `${where}.id must be a non-negative integer, got ${JSON.stringify(id)}`);
    if (typeof content !== 'string' || content.length === 0) fail('tokenizer.malformed', `${where}.content must be a non-empty string`);
    return {
      id,
      content,
      special: flag(entry, 'special', where, false),
      lstrip: flag(entry, 'lstrip', where, false),
      rstrip: flag(entry, 'rstrip', where, false),
      singleWord: flag(entry, 'single_word', where, false),
      normalized: flag(entry, 'normalized', where, !flag(entry, 'special', where, false)),
    };
  });
}

function readNormalizer(normalizer: unknown, origin: string): 'nfc' | 'none' {
  if (normalizer === undefined || normalizer === null) return 'none';
  if (!isObject(normalizer)) fail('tokenizer.malformed', `${origin}: normalizer must be an object or null`);
  if (normalizer['type'] === 'NFC') return 'nfc';
  if (normalizer['type'] === 'Sequence' && Array.isArray(normalizer['normalizers'])) {
    const inner = normalizer['normalizers'].map((item: unknown) => readNormalizer(item, origin));
    return inner.includes('nfc') ? 'nfc' : 'none';
  }
  return fail('tokenizer.unsupported', `${origin}: normalizer "${String(normalizer['type'])}" is not supported (only NFC)`);
}

function readPreTokenizer(preTokenizer: unknown, origin: string): PreTokenizer {
  const where = `${origin}: pre_tokenizer`;
  if (!isObject(preTokenizer)) fail('tokenizer.unsupported', `${where} is missing; a byte-level BPE tokenizer needs a ByteLevel pre-tokenizer`);
  const steps = preTokenizer['type'] === 'Sequence' ? preTokenizer['pretokenizers'] : [preTokenizer];
  if (!Array.isArray(steps)) fail('tokenizer.malformed', `${where}.pretokenizers must be an array`);
  const patterns: string[] = [];
  let byteLevel = false;
  for (const step of steps as unknown[]) {
    if (!isObject(step)) fail('tokenizer.malformed', `${where}: each step must be an object`);
    if (step['type'] === 'ByteLevel') {
      if (flag(step, 'add_prefix_space', where, false)) fail('tokenizer.unsupported', `${where}: ByteLevel add_prefix_space is not supported`);
      if (flag(step, 'use_regex', where, true)) patterns.push(PRE_TOKENIZER_PATTERNS['gpt-2']);
      byteLevel = true;
    } else if (step['type'] === 'Split') {
      const pattern = step['pattern'];
      const source = isObject(pattern) && typeof pattern['Regex'] === 'string' ? pattern['Regex'] : undefined;
      if (source === undefined) fail('tokenizer.unsupported', `${where}: Split needs a {"Regex": …} pattern`);
      if (step['behavior'] !== 'Isolated' || flag(step, 'invert', where, false)) fail('tokenizer.unsupported', `${where}: Split behavior "${String(step['behavior'])}" is not supported (only Isolated, not inverted)`);
      patterns.push(source);
    } else {
      fail('tokenizer.unsupported', `${where}: step "${String(step['type'])}" is not supported (only Split and ByteLevel)`);
    }
  }
  if (!byteLevel) fail('tokenizer.unsupported', `${where} has no ByteLevel step; only byte-level BPE is supported`);
  if (patterns.length !== 1) fail('tokenizer.unsupported', `${where} splits with ${patterns.length} regexes; exactly one is supported`);
  return preTokenizerFromPattern(patterns[0]!, where);
}

function readDecoder(decoder: unknown, origin: string): void {
  if (decoder === undefined || decoder === null) return;
  if (!isObject(decoder) || decoder['type'] !== 'ByteLevel') {
    fail('tokenizer.unsupported', `${origin}: decoder "${isObject(decoder) ? String(decoder['type']) : typeof decoder}" is not supported (only ByteLevel)`);
  }
}

/** BOS from a TemplateProcessing post-processor whose single-sequence template opens with a special token */
function readTemplateBos(postProcessor: unknown, origin: string): { bosId: number | undefined } {
  const single = isObject(postProcessor) && postProcessor['type'] === 'TemplateProcessing' ? postProcessor['single'] : undefined;
  const first: unknown = Array.isArray(single) ? single[0] : undefined;
  const name = isObject(first) && isObject(first['SpecialToken']) ? first['SpecialToken']['id'] : undefined;
  if (typeof name !== 'string') return { bosId: undefined };
  const specials = isObject(postProcessor) ? postProcessor['special_tokens'] : undefined;
  const entry = isObject(specials) ? specials[name] : undefined;
  const ids = isObject(entry) ? entry['ids'] : undefined;
  if (!Array.isArray(ids) || ids.length !== 1 || typeof ids[0] !== 'number') fail('tokenizer.malformed', `${origin}: post_processor.special_tokens["${name}"] must list exactly one id`);
  return { bosId: ids[0] as number };
}
