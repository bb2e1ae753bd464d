/**
 * Added tokens: strings matched in the raw text before any normalization or
 * BPE (chat markers such as "<|im_start|>", tool tags such as "<tool_call>").
 *
 * Matching follows HF tokenizers: scan left to right, at each position take
 * the longest added token that starts there; text between matches is
 * ordinary text. Flags (tokenizer.json `added_tokens[]`):
 *   special     — a control token: skipped by decode(…, skip) and, when the
 *                 caller parses specials as plain text, not matched at all
 *   lstrip      — the match swallows the white space before it
 *   rstrip      — the match swallows the white space after it
 *   single_word — matched only when not inside a word (no letter, digit or
 *                 "_" right before or after)
 *   normalized  — matched in the NFC-normalized text rather than the raw text
 * White space is Unicode White_Space (Rust's `char::is_whitespace`).
 */

export interface AddedToken {
  readonly id: number;
  readonly content: string;
  readonly special: boolean;
  readonly lstrip: boolean;
  readonly rstrip: boolean;
  readonly singleWord: boolean;
  readonly normalized: boolean;
}

interface TrieNode {
  readonly children: Map<number, TrieNode>;
  /** the added token that ends here, if any */
  token: AddedToken | undefined;
}

export type AddedTokenFilter = 'all' | 'non-special';

/** Leftmost-longest matcher over a set of added tokens (a trie on UTF-16 units). */
export class AddedTokenMatcher {
  private readonly root: TrieNode = { children: new Map(), token: undefined };
  readonly size: number;

  constructor(tokens: readonly AddedToken[]) {
    let size = 0;
    for (const token of tokens) {
      if (token.content.length === 0) continue;
      let node = this.root;
      for (let i = 0; i < token.content.length; i++) {
        const code = token.content.charCodeAt(i);
        let child = node.children.get(code);
        if (child === undefined) {
          child = { children: new Map(), token: undefined };
          node.children.set(code, child);
        }
        node = child;
      }
      node.token = token;
      size++;
    }
    this.size = size;
  }

  /**
   * Cut `text` into plain stretches and added tokens, in order.
   * `filter` 'non-special' ignores special tokens (they stay plain text).
   */
  split(text: string, filter: AddedTokenFilter, onText: (start: number, end: number) => void, onToken: (token: AddedToken) => void): void {
    let textStart = 0;
    let position = 0;
    while (position < text.length) {
      const match = this.longestAt(text, position, filter);
      if (match === undefined) {
        position++;
        continue;
      }
      let start = position;
      let end = position + match.content.length;
      if (match.lstrip) while (start > textStart && isWhiteSpace(text.charCodeAt(start - 1))) start--;
      if (match.rstrip) while (end < text.length && isWhiteSpace(text.charCodeAt(end))) end++;
      if (start > textStart) onText(textStart, start);
      onToken(match);
      textStart = end;
      position = end;
    }
    if (textStart < text.length) onText(textStart, text.length);
  }

  private longestAt(text: string, position: number, filter: AddedTokenFilter): AddedToken | undefined {
    let node = this.root.children.get(text.charCodeAt(position));
    let best: AddedToken | undefined;
    for (let i = position + 1; node !== undefined; i++) {
      const token = node.token;
      if (token !== undefined && (filter === 'all' || !token.special) && (!token.singleWord || isWordBoundary(text, position, i))) best = token;
      if (i >= text.length) break;
      node = node.children.get(text.charCodeAt(i));
    }
    return best;
  }
}

/** Unicode White_Space (the 25 code points of PropList.txt) */
export function isWhiteSpace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

function isWordBoundary(text: string, start: number, end: number): boolean {
  const before = start > 0 ? String.fromCodePoint(text.codePointAt(start - 1 - (isLowSurrogateAt(text, start - 1) ? 1 : 0))!) : '';
  const after = end < text.length ? String.fromCodePoint(text.codePointAt(end)!) : '';
  return !(before !== '' && WORD_CHAR.test(before)) && !(after !== '' && WORD_CHAR.test(after));
}

function isLowSurrogateAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff && index > 0;
}
