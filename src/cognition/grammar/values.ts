/**
 * cognition/grammar/values — the sub-automata of typed argument values, each
 * built from a given state and returning the state(s) where the value may end:
 *
 *   string     "\"" (unescaped | "\\" ["\\/bfnrt] | "\\u" hex{4})* "\""
 *              unescaped = any UTF-8 scalar but '"', '\', U+0000–U+001F, checked
 *              byte by byte (RFC 3629 table 3-7: no overlongs, no surrogates,
 *              nothing past U+10FFFF), with continuation states so a token may
 *              end in the middle of a character
 *   path       "\"" ("/" seg)+ "\""   seg = [A-Za-z0-9_ .-]+, never "." or ".."
 *   recipient  "\"" [a-z0-9._-]+ ("@" [a-z0-9.-]+)? "\""
 *   enum       one of its values as JSON strings
 *   integer    JSON integers (no leading zeros, no "-0") exactly within [min, max]
 *
 * String, path and recipient bodies are bounded regions (dfa.ts): their limit
 * counts the body's bytes as written, escapes included, quotes excluded.
 */

import type { DfaBuilder } from './dfa.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const encoder = new TextEncoder();

function code(char: string): number {
  return char.charCodeAt(0);
}

function linkChars(builder: DfaBuilder, from: number, chars: string, to: number): void {
  for (let i = 0; i < chars.length; i++) builder.link(from, code(chars[i]!), to);
}

const HEX = '0123456789abcdefABCDEF';
const SIMPLE_ESCAPES = '"\\/bfnrt';
export const PATH_SEGMENT_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_ .-';
export const RECIPIENT_NAME_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789._-';
export const RECIPIENT_DOMAIN_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789.-';

/** a JSON string of at most `limit` body bytes; returns the state after the closing quote */
export function buildString(builder: DfaBuilder, from: number, limit: number): number {
  const region = builder.newRegion(limit);
  const body = builder.newState(region);
  const end = builder.newState();
  builder.link(from, QUOTE, body);
  builder.link(body, QUOTE, end);
  for (let byte = 0x20; byte <= 0x7f; byte++) if (byte !== QUOTE && byte !== BACKSLASH) builder.link(body, byte, body);
  // escapes
  const escape = builder.newState(region);
  builder.link(body, BACKSLASH, escape);
  linkChars(builder, escape, SIMPLE_ESCAPES, body);
  let hexState = builder.newState(region);
  builder.link(escape, code('u'), hexState);
  for (let digit = 0; digit < 4; digit++) {
    const after = digit === 3 ? body : builder.newState(region);
    linkChars(builder, hexState, HEX, after);
    hexState = after;
  }
  // UTF-8: stateN = N continuation bytes still to come
  const continuation1 = builder.newState(region);
  const continuation2 = builder.newState(region);
  const continuation3 = builder.newState(region);
  builder.linkRange(continuation1, 0x80, 0xbf, body);
  builder.linkRange(continuation2, 0x80, 0xbf, continuation1);
  builder.linkRange(continuation3, 0x80, 0xbf, continuation2);
  const afterE0 = builder.newState(region); // E0 A0–BF: no overlongs
  const afterED = builder.newState(region); // ED 80–9F: no surrogates
  const afterF0 = builder.newState(region); // F0 90–BF: no overlongs
  const afterF4 = builder.newState(region); // F4 80–8F: ≤ U+10FFFF
  builder.linkRange(afterE0, 0xa0, 0xbf, continuation1);
  builder.linkRange(afterED, 0x80, 0x9f, continuation1);
  builder.linkRange(afterF0, 0x90, 0xbf, continuation2);
  builder.linkRange(afterF4, 0x80, 0x8f, continuation2);
  builder.linkRange(body, 0xc2, 0xdf, continuation1);
  builder.link(body, 0xe0, afterE0);
  builder.linkRange(body, 0xe1, 0xec, continuation2);
  builder.link(body, 0xed, afterED);
  builder.linkRange(body, 0xee, 0xef, continuation2);
  builder.link(body, 0xf0, afterF0);
  builder.linkRange(body, 0xf1, 0xf3, continuation3);
  builder.link(body, 0xf4, afterF4);
  return end;
}

/** fewest body bytes a path needs ("/a") */
export const PATH_MIN_BYTES = 2;

/** an absolute path of at most `limit` body bytes; returns the state after the closing quote */
export function buildPath(builder: DfaBuilder, from: number, limit: number): number {
  const region = builder.newRegion(limit);
  const opened = builder.newState(region);
  const segmentStart = builder.newState(region); // just after "/"
  const oneDot = builder.newState(region); //       segment "." so far
  const twoDots = builder.newState(region); //      segment ".." so far
  const segment = builder.newState(region); //      a valid segment so far
  const end = builder.newState();
  builder.link(from, QUOTE, opened);
  builder.link(opened, code('/'), segmentStart);
  for (const char of PATH_SEGMENT_CHARS) {
    const byte = code(char);
    const isDot = char === '.';
    builder.link(segmentStart, byte, isDot ? oneDot : segment);
    builder.link(oneDot, byte, isDot ? twoDots : segment);
    builder.link(twoDots, byte, segment);
    builder.link(segment, byte, segment);
  }
  builder.link(segment, code('/'), segmentStart);
  builder.link(segment, QUOTE, end);
  return end;
}

/** a recipient name (optionally @domain) of at most `limit` body bytes */
export function buildRecipient(builder: DfaBuilder, from: number, limit: number): number {
  const region = builder.newRegion(limit);
  const opened = builder.newState(region);
  const name = builder.newState(region);
  const at = builder.newState(region);
  const domain = builder.newState(region);
  const end = builder.newState();
  builder.link(from, QUOTE, opened);
  linkChars(builder, opened, RECIPIENT_NAME_CHARS, name);
  linkChars(builder, name, RECIPIENT_NAME_CHARS, name);
  builder.link(name, code('@'), at);
  linkChars(builder, at, RECIPIENT_DOMAIN_CHARS, domain);
  linkChars(builder, domain, RECIPIENT_DOMAIN_CHARS, domain);
  builder.link(name, QUOTE, end);
  builder.link(domain, QUOTE, end);
  return end;
}

/** one of `values`, written as JSON strings */
export function buildEnum(builder: DfaBuilder, from: number, values: readonly string[]): number {
  const end = builder.newState();
  for (const value of values) builder.literal(from, encoder.encode(JSON.stringify(value)), end);
  return end;
}

/** a JSON integer within [min, max] (safe integers); returns every state where it may end */
export function buildInteger(builder: DfaBuilder, from: number, min: number, max: number): number[] {
  const ends: number[] = [];
  if (min <= 0 && max >= 0) {
    const zero = builder.newState();
    builder.link(from, code('0'), zero);
    ends.push(zero);
  }
  if (max >= 1) ends.push(...buildDigits(builder, from, String(Math.max(1, min)), String(max)));
  if (min <= -1) {
    const minus = builder.newState();
    builder.link(from, code('-'), minus);
    ends.push(...buildDigits(builder, minus, String(Math.max(1, -max)), String(-min)));
  }
  return ends;
}

/**
 * Digit strings without a leading zero for the numbers in [low, high] (1 ≤ low ≤ high).
 * An abstract state is (digits read j, prefix vs low's first j digits, prefix vs high's
 * first j digits); a number of j digits is ≥ low iff j > |low| or (j = |low| and not
 * below), ≤ high iff j < |high| or (j = |high| and not above). States that can reach
 * no accepting state are dropped, so the automaton never strands the decoder.
 */
function buildDigits(builder: DfaBuilder, from: number, low: string, high: string): number[] {
  type Key = string;
  const key = (j: number, vsLow: number, vsHigh: number): Key => `${j},${vsLow},${vsHigh}`;
  const accepts = (j: number, vsLow: number, vsHigh: number): boolean =>
    (j > low.length || (j === low.length && vsLow >= 0)) && (j < high.length || (j === high.length && vsHigh <= 0));
  const edges = new Map<Key, { digit: number; to: Key }[]>();
  const info = new Map<Key, { j: number; vsLow: number; vsHigh: number }>();
  const startKey = key(0, 0, 0);
  info.set(startKey, { j: 0, vsLow: 0, vsHigh: 0 });
  const queue: Key[] = [startKey];
  while (queue.length > 0) {
    const current = queue.shift()!;
    const { j, vsLow, vsHigh } = info.get(current)!;
    const out: { digit: number; to: Key }[] = [];
    if (j < high.length) {
      for (let digit = j === 0 ? 1 : 0; digit <= 9; digit++) {
        const nextLow = j + 1 > low.length ? 1 : vsLow !== 0 ? vsLow : Math.sign(digit - Number(low[j]));
        const nextHigh = vsHigh !== 0 ? vsHigh : Math.sign(digit - Number(high[j]));
        const to = key(j + 1, nextLow, nextHigh);
        if (!info.has(to)) {
          info.set(to, { j: j + 1, vsLow: nextLow, vsHigh: nextHigh });
          queue.push(to);
        }
        out.push({ digit, to });
      }
    }
    edges.set(current, out);
  }
  // liveness: can reach an accepting state
  const live = new Set<Key>([...info].filter(([, v]) => accepts(v.j, v.vsLow, v.vsHigh)).map(([k]) => k));
  for (let changed = true; changed;) {
    changed = false;
    for (const [k, out] of edges) if (!live.has(k) && out.some((e) => live.has(e.to))) { live.add(k); changed = true; }
  }
  const stateOf = new Map<Key, number>([[startKey, from]]);
  const ends: number[] = [];
  for (const k of info.keys()) {
    if (k === startKey || !live.has(k)) continue;
    const state = builder.newState();
    stateOf.set(k, state);
    const v = info.get(k)!;
    if (accepts(v.j, v.vsLow, v.vsHigh)) ends.push(state);
  }
  for (const [k, out] of edges) {
    if (!live.has(k)) continue;
    for (const { digit, to } of out) if (live.has(to)) builder.link(stateOf.get(k)!, code('0') + digit, stateOf.get(to)!);
  }
  return ends;
}
