/**
 * The kernel command line: "chimaera loglevel=info arena_mb=512 quiet".
 *
 * The first word is the program (kernel image) name; every later word is an
 * option, either `key=value` or a bare `flag`. A value may be double-quoted
 * to hold spaces (`label="my disk"`). As on Linux, a repeated key keeps its
 * last value. Keys are letters, digits, `_`, `-` and `.`.
 *
 * Typed getters turn option text into values and fail `boot.config_invalid`
 * naming the option when the text does not fit.
 */

import { fail } from '../../common/index.ts';

const KEY_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** split on whitespace; double quotes group (and are removed) */
function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quoted = false;
  for (const char of text) {
    if (char === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && /\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quoted) fail('boot.config_invalid', `kernel command line: unterminated double quote in '${text}'`);
  if (inWord) words.push(word);
  return words;
}

export class CommandLine {
  /** the text as the loader passed it */
  readonly text: string;
  /** the first word (kernel image name), '' for an empty line */
  readonly program: string;
  /** option name → value (`true` for a bare flag) */
  readonly options: ReadonlyMap<string, string | true>;

  constructor(text: string, program: string, options: ReadonlyMap<string, string | true>) {
    this.text = text;
    this.program = program;
    this.options = options;
  }

  has(name: string): boolean {
    return this.options.has(name);
  }

  /** the option's text; a bare flag is an error (a value is needed) */
  string(name: string): string | undefined;
  string(name: string, fallback: string): string;
  string(name: string, fallback?: string): string | undefined {
    const value = this.options.get(name);
    if (value === undefined) return fallback;
    if (value === true) return fail('boot.config_invalid', `kernel command line: option '${name}' needs a value (${name}=...)`, { option: name });
    return value;
  }

  /** a decimal integer in [min, max] */
  integer(name: string, range?: { min?: number; max?: number }): number | undefined;
  integer(name: string, range: { min?: number; max?: number }, fallback: number): number;
  integer(name: string, range: { min?: number; max?: number } = {}, fallback?: number): number | undefined {
    const text = this.string(name);
    if (text === undefined) return fallback;
    const min = range.min ?? Number.MIN_SAFE_INTEGER;
    const max = range.max ?? Number.MAX_SAFE_INTEGER;
    const value = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      fail('boot.config_invalid', `kernel command line: ${name}=${text} is not an integer in [${min}, ${max}]`, { option: name, value: text });
    }
    return value;
  }

  /** one of `choices` */
  choice<C extends string>(name: string, choices: readonly C[]): C | undefined;
  choice<C extends string>(name: string, choices: readonly C[], fallback: C): C;
  choice<C extends string>(name: string, choices: readonly C[], fallback?: C): C | undefined {
    const text = this.string(name);
    if (text === undefined) return fallback;
    if (!(choices as readonly string[]).includes(text)) {
      fail('boot.config_invalid', `kernel command line: ${name}=${text} is not one of ${choices.join(', ')}`, { option: name, value: text });
    }
    return text as C;
  }

  /** a bare flag or a yes/no value (1/0, true/false, yes/no, on/off); absent → false */
  flag(name: string): boolean {
    const value = this.options.get(name);
    if (value === undefined) return false;
    if (value === true) return true;
    const lower = value.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
    if (['0', 'false', 'no', 'off'].includes(lower)) return false;
    return fail('boot.config_invalid', `kernel command line: ${name}=${value} is not a yes/no value (1, 0, true, false, yes, no, on, off)`, { option: name, value });
  }
}

export function parseCommandLine(text: string): CommandLine {
  const words = splitWords(text);
  const options = new Map<string, string | true>();
  for (const word of words.slice(1)) {
    const equals = word.indexOf('=');
    const key = equals < 0 ? word : word.slice(0, equals);
    if (!KEY_PATTERN.test(key)) fail('boot.config_invalid', `kernel command line: '${word}' does not start with an option name (letters, digits, _ - .)`, { word });
    options.set(key, equals < 0 ? true : word.slice(equals + 1));
  }
  return new CommandLine(text, words[0] ?? '', options);
}
