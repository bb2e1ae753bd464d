/**
 * Deterministic test corpus for the tokenizer (used by the *.test.ts files
 * here, not by the engine): strings from a seeded generator covering the
 * cases where byte-level BPE implementations disagree — scripts without
 * spaces, combining marks and non-NFC input, emoji ZWJ sequences, runs of
 * white space and newlines, digits, punctuation, contractions in any case,
 * special tokens inside text, and random Unicode.
 */

import { Rng } from '../../common/index.ts';

export type CorpusCategory =
  | 'prose' | 'code' | 'cjk' | 'arabic-hebrew' | 'indic-thai' | 'emoji' | 'combining' | 'whitespace'
  | 'digits-punctuation' | 'contractions' | 'special-tokens' | 'random-unicode' | 'long';

export interface CorpusEntry {
  readonly category: CorpusCategory;
  readonly text: string;
}

const WORDS = 'the of and to in is that it was for on are as with his they at be this from have or by one had not but what all were when we there can an your which their said if do will each about how up out them then she many some so these would other into has more her two like him see time could no make than first been its who now people my made over did down only way find use may water long little very after words called just where most know'.split(' ');
const NAMES = ['Alice', 'Bob', 'McDonald', 'iPhone', 'NASA', 'O\'Brien', 'GPT-4o', 'Zürich', 'São Paulo', 'naïve', 'Ångström', 'ChimaeraOS'];
const CODE_SNIPPETS = [
  'def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n',
  'function add(a, b) {\n\treturn a + b;\n}\nconsole.log(add(1, 2));\n',
  'fn main() {\n    let v: Vec<u32> = (0..10).map(|x| x * x).collect();\n    println!("{:?}", v);\n}\n',
  '#include <stdio.h>\nint main(void) {\n  printf("hello, world\\n");\n  return 0;\n}\n',
  'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n',
  'SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC;\n',
  'for f in *.txt; do\n  wc -l "$f" | awk \'{print $1}\'\ndone\n',
  'const x = { a: [1, 2, 3], "b": null, c: `t${y}` };\n',
  'class Foo:\n    """Docstring."""\n\n    def __init__(self, x: int = 0) -> None:\n        self._x = x  # comment\n',
  '<div class="box">\n  <p id=\'x\'>Hi &amp; bye</p>\n</div>\n',
  '  if (ptr != NULL && ptr->next) {\r\n    ptr = ptr->next;\r\n  }\r\n',
  'x += 1;;; y -= 2 ** 3 // 4 % 5 << 6 >> 7 ^ 8 | 9 & ~0\n',
];
const SPECIAL_TOKENS = ['<|im_start|>', '<|im_end|>', '<|endoftext|>', '<tool_call>', '</tool_call>', '<think>', '</think>', '<|fim_prefix|>', '<|vision_pad|>', '<tool_response>'];
const NEAR_SPECIAL = ['<|im_start', 'im_end|>', '<|', '|>', '<tool_call', '< |im_end|>', '<<|im_end|>>', '<|IM_START|>', '<|endoftext|><|endoftext|>'];
const CONTRACTIONS = ["don't", "DON'T", "it's", "IT'S", "I'm", "I'M", "you're", "You'Re", "we've", "WE'VE", "they'll", "THEY'LL", "he'd", "He'D", "'s", "'S", "y'all", "rock'n'roll", "it’s", "'tis", "''", "'''s", "O'Neil's"];
const WHITESPACE = [' ', '  ', '\t', '\n', '\r\n', '\r', '\n\n', ' \n', '\u00a0', '\u3000', '\u2028', '\u0085', '\u2003', '\ufeff', '\v', '\f'];
const PUNCTUATION = ['.', ',', '!', '?', '...', '!!!', '?!', '---', '===', '```', '***', '~~', '()', '[]', '{}', '<>', '"', '«»', '“”', '—', '…', '@#$%^&*', '\\', '/', '|', ';:', '。', '、', '！', '？', '¿¡'];
const EMOJI = ['😀', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇯🇵', '🇺🇳', '❤️', '☺︎', '🧑🏿‍💻', '👩‍❤️‍💋‍👨', '🫠', '1️⃣', '#️⃣', '🤷‍♀️', '🐈‍⬛', '✌🏻'];
const NON_NFC = ['e\u0301', 'A\u030a', 'o\u0308', 'n\u0303', 'a\u0301\u0323', 'a\u0323\u0301', '\u212b', '\u2126', '\u1100\u1161\u11a8', '\u0915\u093c', 'c\u0327\u0301', '\u00c5\u0301', 'i\u0307\u0301', '\u0301', 'x\u0338', '>\u0338', '\u30ab\u3099', 'fi', '\u1e9b\u0323'];

function range(rng: Rng, low: number, high: number, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += String.fromCodePoint(rng.int(low, high));
  return out;
}

function words(rng: Rng, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let word = rng.chance(0.1) ? rng.pick(NAMES) : rng.pick(WORDS);
    if (rng.chance(0.1)) word = word[0]!.toUpperCase() + word.slice(1);
    if (rng.chance(0.03)) word = word.toUpperCase();
    out.push(word + (rng.chance(0.12) ? rng.pick([',', '.', ';', ':', '!', '?']) : ''));
  }
  return out.join(' ');
}

/** a random code point from all planes, never a surrogate (those cannot round-trip UTF-8) */
function randomCodePoint(rng: Rng): number {
  const plane = rng.int(0, 9);
  const code = plane < 6 ? rng.int(0, 0xffff) : plane < 8 ? rng.int(0x10000, 0x2ffff) : rng.int(0, 0x10ffff);
  return code >= 0xd800 && code <= 0xdfff ? code - 0x800 : code;
}

const GENERATORS: Record<Exclude<CorpusCategory, 'long'>, (rng: Rng) => string> = {
  prose: (rng) => words(rng, rng.int(1, 40)) + (rng.chance(0.3) ? '\n' : ''),
  code: (rng) => {
    let snippet = rng.pick(CODE_SNIPPETS);
    if (rng.chance(0.3)) snippet = snippet.replace(/ {4}/g, '\t');
    if (rng.chance(0.2)) snippet = snippet.split('\n').map((line) => '        ' + line).join('\n');
    return rng.chance(0.3) ? snippet + rng.pick(CODE_SNIPPETS) : snippet.slice(rng.int(0, 8));
  },
  cjk: (rng) => {
    const parts: string[] = [];
    for (let i = rng.int(1, 6); i > 0; i--) {
      const kind = rng.int(0, 4);
      parts.push(
        kind === 0 ? range(rng, 0x4e00, 0x9fff, rng.int(1, 12))
        : kind === 1 ? range(rng, 0x3041, 0x3096, rng.int(1, 8))
        : kind === 2 ? range(rng, 0x30a1, 0x30fa, rng.int(1, 8))
        : kind === 3 ? range(rng, 0xac00, 0xd7a3, rng.int(1, 6))
        : rng.pick(['。', '、', '「', '」', '，', '：', ' ', 'ー', '１２３', 'ＡＢＣ']),
      );
    }
    return parts.join(rng.chance(0.5) ? '' : ' ');
  },
  'arabic-hebrew': (rng) => {
    const parts: string[] = [];
    for (let i = rng.int(1, 8); i > 0; i--) {
      parts.push(rng.chance(0.7) ? range(rng, 0x0621, 0x064a, rng.int(1, 7)) + (rng.chance(0.4) ? range(rng, 0x064b, 0x0652, 1) : '') : range(rng, 0x05d0, 0x05ea, rng.int(1, 6)));
      if (rng.chance(0.2)) parts.push(String(rng.int(0, 999)), range(rng, 0x0660, 0x0669, 3));
    }
    return parts.join(rng.pick([' ', ' ، ', '. ', '\n']));
  },
  'indic-thai': (rng) => {
    const parts: string[] = [];
    for (let i = rng.int(1, 8); i > 0; i--) {
      if (rng.chance(0.5)) {
        let word = '';
        for (let j = rng.int(1, 5); j > 0; j--) word += range(rng, 0x0915, 0x0939, 1) + (rng.chance(0.6) ? range(rng, 0x093e, 0x094d, 1) : '');
        parts.push(word + (rng.chance(0.2) ? '।' : ''));
      } else {
        let word = '';
        for (let j = rng.int(1, 8); j > 0; j--) word += range(rng, 0x0e01, 0x0e2e, 1) + (rng.chance(0.3) ? range(rng, 0x0e31, 0x0e3a, 1) : '') + (rng.chance(0.2) ? range(rng, 0x0e47, 0x0e4e, 1) : '');
        parts.push(word);
      }
    }
    return parts.join(rng.pick([' ', '', '\n']));
  },
  emoji: (rng) => {
    let out = '';
    for (let i = rng.int(1, 10); i > 0; i--) out += rng.pick(EMOJI) + (rng.chance(0.4) ? rng.pick([' ', '', 'ok', '!', '\u200d', '\ufe0f']) : '');
    return rng.chance(0.5) ? words(rng, rng.int(1, 5)) + ' ' + out : out;
  },
  combining: (rng) => {
    let out = '';
    for (let i = rng.int(1, 10); i > 0; i--) {
      out += rng.chance(0.6) ? rng.pick(NON_NFC) : rng.pick(WORDS);
      if (rng.chance(0.3)) out += range(rng, 0x0300, 0x036f, rng.int(1, 3));
      if (rng.chance(0.5)) out += ' ';
    }
    return out;
  },
  whitespace: (rng) => {
    let out = '';
    for (let i = rng.int(1, 12); i > 0; i--) {
      let run = '';
      for (let j = rng.int(1, 6); j > 0; j--) run += rng.pick(WHITESPACE);
      if (rng.chance(0.2)) run = run.repeat(rng.int(2, 20));
      out += rng.chance(0.6) ? run + rng.pick(WORDS) : run;
    }
    return out + (rng.chance(0.5) ? ' '.repeat(rng.int(1, 5)) : '');
  },
  'digits-punctuation': (rng) => {
    let out = '';
    for (let i = rng.int(1, 10); i > 0; i--) {
      const kind = rng.int(0, 3);
      out += kind === 0 ? String(rng.int(0, 2 ** 31)).repeat(rng.int(1, 3))
        : kind === 1 ? rng.pick(PUNCTUATION).repeat(rng.int(1, 4))
        : kind === 2 ? `${rng.int(0, 99)}.${rng.int(0, 999)}e-${rng.int(1, 9)} ${range(rng, 0x0966, 0x096f, 2)} ${range(rng, 0xff10, 0xff19, 2)} ½ ²`
        : rng.pick(WORDS);
      if (rng.chance(0.5)) out += rng.pick([' ', '', '\n', '  ']);
    }
    return out;
  },
  contractions: (rng) => {
    const out: string[] = [];
    for (let i = rng.int(1, 8); i > 0; i--) out.push(rng.chance(0.6) ? rng.pick(CONTRACTIONS) : rng.pick(WORDS));
    return out.join(rng.pick([' ', '', "'", '\n']));
  },
  'special-tokens': (rng) => {
    let out = '';
    for (let i = rng.int(1, 8); i > 0; i--) {
      const kind = rng.int(0, 3);
      out += kind === 0 ? rng.pick(SPECIAL_TOKENS) : kind === 1 ? rng.pick(NEAR_SPECIAL) : kind === 2 ? words(rng, rng.int(1, 4)) : rng.pick(['\n', ' ', 'system\n', 'user\n', 'assistant\n', '{"name": "f"}']);
    }
    return out;
  },
  'random-unicode': (rng) => {
    let out = '';
    for (let i = rng.int(1, 30); i > 0; i--) out += rng.chance(0.7) ? String.fromCodePoint(randomCodePoint(rng)) : rng.pick([' ', 'a', '1', '\n', "'s", '<|im_end|>']);
    return out;
  },
};

/** The corpus: `perCategory` strings of each category, plus a few long mixed texts. */
export function generateCorpus(seed = 20240603, perCategory = 170): CorpusEntry[] {
  const rng = new Rng(seed);
  const entries: CorpusEntry[] = [];
  for (const [category, generate] of Object.entries(GENERATORS) as [Exclude<CorpusCategory, 'long'>, (rng: Rng) => string][]) {
    for (let i = 0; i < perCategory; i++) entries.push({ category, text: generate(rng) });
  }
  entries.push({ category: 'long', text: '' }, { category: 'long', text: ' ' }, { category: 'long', text: ' '.repeat(1000) + '\n'.repeat(100) });
  for (let i = 0; i < 12; i++) entries.push({ category: 'long', text: longText(rng, 4000) });
  return entries;
}

/** a long mixed text of about `length` UTF-16 units (speed measurements, long-input checks) */
export function longText(rng: Rng, length: number): string {
  const categories = Object.values(GENERATORS);
  let text = '';
  while (text.length < length) text += rng.pick(categories)(rng) + rng.pick([' ', '\n', '\n\n', '']);
  return text;
}
