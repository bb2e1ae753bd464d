/**
 * Pre-tokenizer: the regex that cuts normalized text into "words" before BPE
 * (no merge ever crosses a word boundary).
 *
 * Tokenizer files write the pattern in Oniguruma syntax (HF tokenizers
 * compiles it with Oniguruma; llama.cpp re-implements the known presets by
 * hand). JavaScript's `u`-flag regex engine is also backtracking and
 * leftmost-first, so the patterns keep their meaning once three differences
 * are rewritten:
 *   - `(?i:…)`: JS (Node 20) has no inline flag groups. The contraction
 *     groups contain only ASCII letters, so each letter becomes `[xX]`
 *     (what both HF tokenizers and llama.cpp's presets do; Oniguruma would
 *     also fold U+017F ſ to s, which neither reference does).
 *   - `\s` / `\S`: Oniguruma's Unicode `\s` is the White_Space property
 *     (includes U+0085, excludes U+FEFF); JS `\s` is not. Both become
 *     `\p{White_Space}` / `\P{White_Space}`.
 *   - `\d` / `\D` become `\p{Nd}` / `\P{Nd}`.
 * Constructs whose semantics differ in ways we do not rewrite (`\w`, `\b`,
 * possessive quantifiers, atomic groups) are refused as unsupported.
 *
 * Split behaviour is HF's "Isolated": every match is a word, and so is any
 * unmatched stretch between matches.
 */

import { fail } from '../../common/index.ts';

/** Known pre-tokenizer patterns, named as llama.cpp names them in `tokenizer.ggml.pre`. */
export const PRE_TOKENIZER_PATTERNS = {
  /** Qwen2 / Qwen2.5 / Qwen3: single digits, letters with one leading non-letter */
  qwen2: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  /** Llama 3: like qwen2 but digit runs of up to three */
  'llama-bpe': "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  /** GPT-2 (HF ByteLevel with use_regex: true) */
  'gpt-2': "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
} as const;

export type PreTokenizerName = keyof typeof PRE_TOKENIZER_PATTERNS;

export interface PreTokenizer {
  /** preset name when the pattern is one of PRE_TOKENIZER_PATTERNS (needed for GGUF export) */
  readonly name: PreTokenizerName | undefined;
  /** the pattern as the tokenizer file wrote it (Oniguruma syntax) */
  readonly source: string;
  /** the translated JS regex, flags `gu` */
  readonly regex: RegExp;
}

/** Build a pre-tokenizer from an Oniguruma-syntax pattern; `where` names the file/field for errors. */
export function preTokenizerFromPattern(source: string, where: string): PreTokenizer {
  const presetEntry = Object.entries(PRE_TOKENIZER_PATTERNS).find(([, pattern]) => pattern === source);
  const translated = translateOnigurumaPattern(source, where);
  let regex: RegExp;
  try {
    regex = new RegExp(translated, 'gu');
  } catch (error) {
    return fail('tokenizer.unsupported', `${where}: split pattern does not compile as a JavaScript regex (${(error as Error).message})`, { pattern: source });
  }
  return { name: presetEntry?.[0] as PreTokenizerName | undefined, source, regex };
}

/** A preset by its llama.cpp name ("qwen2"); fails tokenizer.unsupported for others. */
export function preTokenizerByName(name: string, where: string): PreTokenizer {
  if (!Object.hasOwn(PRE_TOKENIZER_PATTERNS, name)) {
    fail('tokenizer.unsupported', `${where}: pre-tokenizer "${name}" is not supported (supported: ${Object.keys(PRE_TOKENIZER_PATTERNS).join(', ')})`);
  }
  return preTokenizerFromPattern(PRE_TOKENIZER_PATTERNS[name as PreTokenizerName], where);
}

// ── Oniguruma → JavaScript ───────────────────────────────────────────────

const ESCAPES_OUTSIDE_CLASS: Readonly<Record<string, string>> = { s: '\\p{White_Space}', S: '\\P{White_Space}', d: '\\p{Nd}', D: '\\P{Nd}' };
const ESCAPES_INSIDE_CLASS: Readonly<Record<string, string>> = { s: '\\p{White_Space}', S: '\\P{White_Space}', d: '\\p{Nd}', D: '\\P{Nd}' };
const REFUSED_ESCAPES = new Set(['w', 'W', 'b', 'B', 'h', 'H', 'A', 'z', 'Z', 'G', 'X', 'R', 'K']);

/** Rewrite the Oniguruma constructs listed in the header; refuse the ones we cannot keep faithful. */
export function translateOnigurumaPattern(source: string, where: string): string {
  let out = '';
  let inClass = false;
  /** for each open group: whether it switched ASCII case folding on */
  const groupFolds: boolean[] = [];
  let folding = false;
  const refuse = (what: string): never => fail('tokenizer.unsupported', `${where}: split pattern uses ${what}, which this tokenizer does not support`, { pattern: source });

  for (let i = 0; i < source.length; i++) {
    const char = source[i]!;
    if (char === '\\') {
      const next = source[i + 1];
      if (next === undefined) refuse('a trailing backslash');
      if (next === 'p' || next === 'P') {
        const close = source.indexOf('}', i);
        if (source[i + 2] !== '{' || close < 0) refuse(`"\\${next}" without {…}`);
        out += source.slice(i, close + 1);
        i = close;
        continue;
      }
      if (REFUSED_ESCAPES.has(next!)) refuse(`"\\${next}"`);
      const rewrite = (inClass ? ESCAPES_INSIDE_CLASS : ESCAPES_OUTSIDE_CLASS)[next!];
      out += rewrite ?? `\\${next}`;
      i++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      else if (char === '[') refuse('a nested character class');
      else if (folding && /[A-Za-z]/.test(char)) refuse('letters in a character class inside (?i:…)');
      out += char;
      continue;
    }
    switch (char) {
      case '[':
        inClass = true;
        out += char;
        if (source[i + 1] === '^') {
          out += '^';
          i++;
        }
        break;
      case '(':
        if (source.startsWith('(?i:', i)) {
          groupFolds.push(folding);
          folding = true;
          out += '(?:';
          i += 3;
        } else if (source.startsWith('(?>', i)) {
          refuse('an atomic group');
        } else if (source[i + 1] === '?' && !/^\(\?(?::|=|!|<=|<!)/.test(source.slice(i, i + 4))) {
          refuse('an inline option group');
        } else {
          groupFolds.push(folding);
          out += char;
        }
        break;
      case ')':
        folding = groupFolds.pop() ?? refuse('an unbalanced ")"');
        out += char;
        break;
      case '+':
      case '*':
      case '?':
      case '}':
        if (source[i + 1] === '+') refuse('a possessive quantifier');
        out += char;
        break;
      default:
        out += folding && /[A-Za-z]/.test(char) ? `[${char.toLowerCase()}${char.toUpperCase()}]` : char;
    }
  }
  if (inClass || groupFolds.length > 0) refuse('an unterminated group or class');
  return out;
}

// ── splitting ────────────────────────────────────────────────────────────

/**
 * Call `onWord(start, end)` for each word of `text` in order (HF "Isolated":
 * matches and the gaps between them). Indices are UTF-16 offsets.
 */
export function forEachWord(preTokenizer: PreTokenizer, text: string, onWord: (start: number, end: number) => void): void {
  const regex = preTokenizer.regex;
  regex.lastIndex = 0;
  let previousEnd = 0;
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    const start = match.index;
    const end = start + match[0].length;
    if (end === start) {
      regex.lastIndex = start + 1; // never loops on an empty match (none of the presets can produce one)
      continue;
    }
    if (start > previousEnd) onWord(previousEnd, start);
    onWord(start, end);
    previousEnd = end;
  }
  if (previousEnd < text.length) onWord(previousEnd, text.length);
}

/** the words of `text` as strings (tests and tools; the encoder uses forEachWord) */
export function splitWords(preTokenizer: PreTokenizer, text: string): string[] {
  const words: string[] = [];
  forEachWord(preTokenizer, text, (start, end) => words.push(text.slice(start, end)));
  return words;
}
