/**
 * Splitting a shell line into words: whitespace separates, '…' quotes
 * literally, "…" quotes with \" \\ \n \t escapes, a backslash outside quotes
 * escapes the next character, # at the start of a word begins a comment.
 */

import { fail } from '../common/index.ts';

export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (c === '#' && !inWord) {
      break;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) fail('arg.invalid', `unterminated ' quote at column ${i + 1}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length) {
          const next = line[++j]!;
          word += next === 'n' ? '\n' : next === 't' ? '\t' : next;
        } else {
          word += line[j];
        }
      }
      if (j >= line.length) fail('arg.invalid', `unterminated " quote at column ${i + 1}`);
      i = j;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
