/**
 * VocabularyIndex: token text → id for a vocabulary of ~150k strings, on
 * typed arrays instead of a `Map<string, number>`.
 *
 * A Map of 151,936 string keys costs ~7 MiB of V8 heap (its ordered hash
 * table) plus rehash copies while it grows; this table is one Int32Array
 * of ids and one Uint32Array of hashes (2 MiB for Qwen's vocabulary, off
 * the heap), sized once. Keys are not copied: a slot holds the id, and the
 * text is compared against token id's range in `tokens` (TokenTexts: a
 * loaded vocabulary has no string per token either).
 *
 * Lookups take a range of a string, or two ranges joined, so the merge list
 * ("a b" lines) resolves to ids without slicing a single string: `find`
 * for the left and right tokens, `findJoined` for the merged one.
 *
 * Open addressing with linear probing, load factor ≤ 0.6; the hash is
 * FNV-1a over UTF-16 code units with a murmur3 finaliser. As with a Map
 * filled in id order, a text that appears twice maps to its later id.
 */

import type { TokenTexts } from './tokenizer-spec.ts';

/** slots are sized so that entries / slots stays at or below this */
const MAX_LOAD = 0.6;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export class VocabularyIndex {
  /** the vocabulary the ids refer to (not copied) */
  private readonly tokens: TokenTexts;
  /** (capacity) id per slot, -1 when empty */
  private readonly slotIds: Int32Array;
  /** (capacity) full hash of the slot's text, to skip most string compares */
  private readonly slotHashes: Uint32Array;
  private readonly mask: number;
  /** number of distinct texts indexed */
  readonly size: number;

  /** Index token id's text for every id that `include` accepts (ids no token has are skipped). */
  constructor(tokens: TokenTexts, include: (id: number) => boolean) {
    this.tokens = tokens;
    let capacity = 16;
    while (capacity * MAX_LOAD < tokens.length) capacity *= 2;
    this.slotIds = new Int32Array(capacity).fill(-1);
    this.slotHashes = new Uint32Array(capacity);
    this.mask = capacity - 1;
    let size = 0;
    for (let id = 0; id < tokens.length; id++) {
      const text = tokens.text(id);
      if (text === undefined || !include(id)) continue;
      const start = tokens.start(id);
      const length = tokens.end(id) - start;
      const final = finish(hashRange(FNV_OFFSET, text, start, start + length));
      let slot = final & this.mask;
      for (;;) {
        const existing = this.slotIds[slot]!;
        if (existing === -1) {
          this.slotIds[slot] = id;
          this.slotHashes[slot] = final;
          size++;
          break;
        }
        if (this.slotHashes[slot] === final && this.sameAsToken(existing, text, start, length)) {
          this.slotIds[slot] = id; // a later duplicate wins, as Map.set would
          break;
        }
        slot = (slot + 1) & this.mask;
      }
    }
    this.size = size;
  }

  /** id of the token spelled `text[start, end)`, or -1 */
  find(text: string, start = 0, end = text.length): number {
    return this.findJoined(text, start, end, text, end, end);
  }

  /** id of the token spelled `first[firstStart, firstEnd) + second[secondStart, secondEnd)`, or -1 */
  findJoined(first: string, firstStart: number, firstEnd: number, second: string, secondStart: number, secondEnd: number): number {
    const final = finish(hashRange(hashRange(FNV_OFFSET, first, firstStart, firstEnd), second, secondStart, secondEnd));
    const firstLength = firstEnd - firstStart;
    const length = firstLength + secondEnd - secondStart;
    let slot = final & this.mask;
    for (;;) {
      const id = this.slotIds[slot]!;
      if (id === -1) return -1;
      if (this.slotHashes[slot] === final && this.sameAsToken(id, first, firstStart, firstLength, second, secondStart, length - firstLength)) return id;
      slot = (slot + 1) & this.mask;
    }
  }

  /** whether token `id` is spelled first[firstStart, +firstLength) followed by second[secondStart, +secondLength) */
  private sameAsToken(id: number, first: string, firstStart: number, firstLength: number, second = '', secondStart = 0, secondLength = 0): boolean {
    const at = this.tokens.start(id);
    if (this.tokens.end(id) - at !== firstLength + secondLength) return false;
    const candidate = this.tokens.text(id)!;
    return sameText(candidate, at, first, firstStart, firstLength) && sameText(candidate, at + firstLength, second, secondStart, secondLength);
  }
}

/** FNV-1a over the UTF-16 code units of text[start, end), continuing from `hash` */
function hashRange(hash: number, text: string, start: number, end: number): number {
  let h = hash;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h;
}

/** murmur3's 32-bit finaliser: FNV's low bits alone spread poorly over a power-of-two table */
function finish(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** whether candidate[at, at + length) equals text[start, start + length) */
function sameText(candidate: string, at: number, text: string, start: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (candidate.charCodeAt(at + i) !== text.charCodeAt(start + i)) return false;
  return true;
}
