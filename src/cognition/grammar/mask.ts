/**
 * cognition/grammar/mask — which token ids the action grammar allows at a
 * cursor, cached per DFA state (Outlines' per-state index, with llguidance's
 * trie walk and XGrammar's adaptive storage; COGNITION.md §2).
 *
 * Walk: one preorder pass over the vocabulary trie carrying the cursor
 * (state, count, callsLeft) per depth; a dead byte skips its whole subtree, so
 * the cost grows with the viable prefixes, not with the vocabulary. A literal
 * state visits ~the 256 first bytes; a string body visits most of the trie.
 *
 * Cache: the mask of a state is computed once with its counters "fresh"
 * (count 0, calls unlimited); the walk records how much room in the current
 * value (`maxNeed`) and how many call boundaries (`maxCrossings`) the allowed
 * tokens used. When the cursor has at least that much room and calls left —
 * nearly always — the cached mask is exact. Near a value's bound, the mask is
 * the fresh one less the tokens that need more room than is left: a second
 * walk of that state records each allowed token's need once, and the masks
 * filtered from it are cached under (state, room). A token that would cross a
 * call boundary on the last call gets an exact walk with the real counters.
 *
 * Storage: the smallest of a sorted allow-list, a sorted deny-list and a
 * bitset over the vocabulary (4·k, 4·(V−k) and V/8 bytes), lists preferred
 * up to twice the bitset's size because they apply in O(k) instead of O(V).
 *
 * The slow twin `slowAllowedIds` runs the DFA over every id's bytes; the
 * property test compares the two (STYLE #4).
 */

import { fail } from '../../common/index.ts';
import type { TokenMask } from '../../llm/index.ts';
import type { ActionGrammar } from './compile.ts';
import type { GrammarCursor } from './dfa.ts';
import type { TokenVocabulary } from './vocabulary.ts';

interface WalkResult {
  readonly mask: TokenMask;
  /** most room (in-value bytes + bytes still needed to close) an allowed token used in the starting value */
  readonly maxNeed: number;
  /** most call boundaries an allowed token crossed */
  readonly maxCrossings: number;
}

export interface GrammarMaskStats {
  /** masks answered from the cache */
  hits: number;
  /** masks that needed a walk */
  misses: number;
  /** trie nodes visited by all walks */
  nodesVisited: number;
  /** time spent walking [ms] */
  walkMs: number;
}

/** calls treated as unlimited in a fresh walk */
const MANY_CALLS = 1 << 20;

export class GrammarMasks {
  readonly grammar: ActionGrammar;
  readonly vocabulary: TokenVocabulary;
  /** the token that ends a turn (<|im_end|>), allowed where the DFA accepts */
  readonly endTokenId: number;
  readonly stats: GrammarMaskStats = { hits: 0, misses: 0, nodesVisited: 0, walkMs: 0 };
  /** [stateCount] the fresh-counter walk of each state, filled lazily */
  private readonly fresh: (WalkResult | undefined)[];
  /** exact masks near a bound, by "state:room:calls" */
  private readonly bounded = new Map<string, TokenMask>();
  /** per state, the fresh walk's allowed ids (ascending) with the room each needs; filled when a bound is first near */
  private readonly needs = new Map<number, { ids: Int32Array; needs: Int32Array }>();
  /** forced text → its tokens (constraint.ts) */
  readonly forcedCache = new Map<string, Int32Array>();
  // walk scratch, one slot per trie depth
  private readonly stackState: Int32Array;
  private readonly stackCount: Int32Array;
  private readonly stackCalls: Int32Array;
  private readonly stackInStart: Uint8Array;
  private readonly stackNeed: Int32Array;
  /** [size] scratch flags for building deny-lists */
  private readonly flags: Uint8Array;
  private readonly now: () => number;

  constructor(grammar: ActionGrammar, vocabulary: TokenVocabulary, options: { endTokenId: number; now?: () => number }) {
    const end = options.endTokenId;
    if (!Number.isInteger(end) || end < 0 || end >= vocabulary.size || vocabulary.matchable[end] === 1) {
      fail('grammar.vocabulary_invalid', `end token ${end} must be a control token of this vocabulary (${vocabulary.size} ids), like <|im_end|>`, { endTokenId: end });
    }
    this.grammar = grammar;
    this.vocabulary = vocabulary;
    this.endTokenId = end;
    this.fresh = new Array(grammar.dfa.stateCount).fill(undefined);
    const depth = vocabulary.maxTokenBytes + 1;
    this.stackState = new Int32Array(depth);
    this.stackCount = new Int32Array(depth);
    this.stackCalls = new Int32Array(depth);
    this.stackInStart = new Uint8Array(depth);
    this.stackNeed = new Int32Array(depth);
    this.flags = new Uint8Array(vocabulary.size);
    this.now = options.now ?? (() => performance.now());
  }

  /** the ids allowed at `cursor` */
  maskAt(cursor: GrammarCursor): TokenMask {
    const dfa = this.grammar.dfa;
    const state = cursor.state;
    let entry = this.fresh[state];
    const walked = entry === undefined;
    if (entry === undefined) {
      entry = this.walk(state, 0, MANY_CALLS);
      this.fresh[state] = entry;
    }
    const region = dfa.region[state]!;
    const room = region >= 0 ? dfa.regionLimit[region]! - cursor.count : Infinity;
    if (entry.maxNeed <= room && entry.maxCrossings <= cursor.callsLeft) {
      if (!walked) this.stats.hits++;
      return entry.mask;
    }
    const key = `${state}:${entry.maxNeed <= room ? -1 : room}:${Math.min(cursor.callsLeft, entry.maxCrossings)}`;
    const cached = this.bounded.get(key);
    if (cached !== undefined) {
      if (!walked) this.stats.hits++;
      return cached;
    }
    const exact = entry.maxCrossings <= cursor.callsLeft ? this.filterByRoom(state, room) : this.walk(state, cursor.count, cursor.callsLeft).mask;
    this.bounded.set(key, exact);
    return exact;
  }

  /** the fresh mask of `state` less the tokens needing more than `room` */
  private filterByRoom(state: number, room: number): TokenMask {
    let table = this.needs.get(state);
    if (table === undefined) {
      const needById = new Int32Array(this.vocabulary.size).fill(-1);
      this.walk(state, 0, MANY_CALLS, needById);
      let count = 0;
      for (let id = 0; id < needById.length; id++) if (needById[id]! >= 0) count++;
      table = { ids: new Int32Array(count), needs: new Int32Array(count) };
      for (let id = 0, n = 0; id < needById.length; id++) {
        if (needById[id]! < 0) continue;
        table.ids[n] = id;
        table.needs[n++] = needById[id]!;
      }
      this.needs.set(state, table);
    } else this.stats.hits++;
    const flags = this.flags;
    let kept = 0;
    for (let i = 0; i < table.ids.length; i++) {
      if (table.needs[i]! <= room) {
        flags[table.ids[i]!] = 1;
        kept++;
      }
    }
    if (this.grammar.dfa.accepting[state] === 1) {
      flags[this.endTokenId] = 1;
      kept++;
    }
    return this.formFromFlags(kept);
  }

  /** compute every state's fresh mask now (boot-time precompute); returns the time taken [ms] */
  precompute(): number {
    const started = this.now();
    for (let state = 0; state < this.grammar.dfa.stateCount; state++) {
      if (this.fresh[state] === undefined) this.fresh[state] = this.walk(state, 0, MANY_CALLS);
    }
    return this.now() - started;
  }

  /** cached masks by form, for reports */
  cacheSummary(): { states: number; allow: number; deny: number; bits: number; bounded: number; needTables: number; bytes: number } {
    const summary = { states: 0, allow: 0, deny: 0, bits: 0, bounded: this.bounded.size, needTables: this.needs.size, bytes: 0 };
    for (const entry of this.fresh) {
      if (entry === undefined) continue;
      summary.states++;
      summary[entry.mask.kind]++;
      summary.bytes += entry.mask.kind === 'bits' ? entry.mask.words.byteLength : entry.mask.ids.byteLength;
    }
    return summary;
  }

  /** the trie walk from (state, count, callsLeft); with `needById` ([size]), each allowed token's need is written there */
  private walk(state: number, count0: number, callsLeft0: number, needById?: Int32Array): WalkResult {
    const started = this.now();
    this.stats.misses++;
    const dfa = this.grammar.dfa;
    const next = dfa.next;
    const region = dfa.region;
    const regionLimit = dfa.regionLimit;
    const minToExit = dfa.minToExit;
    const boundaryState = dfa.boundaryState;
    const boundaryByte = dfa.boundaryByte;
    const v = this.vocabulary;
    const nodeByte = v.nodeByte;
    const nodeDepth = v.nodeDepth;
    const nodeSkip = v.nodeSkip;
    const nodeToken = v.nodeToken;
    const same = v.sameBytesNext;
    const stackState = this.stackState;
    const stackCount = this.stackCount;
    const stackCalls = this.stackCalls;
    const stackInStart = this.stackInStart;
    const stackNeed = this.stackNeed;
    const startRegion = region[state]!;
    stackState[0] = state;
    stackCount[0] = count0;
    stackCalls[0] = callsLeft0;
    stackInStart[0] = startRegion >= 0 ? 1 : 0;
    stackNeed[0] = 0;
    const flags = this.flags;
    let allowedCount = 0;
    let maxNeed = 0;
    let maxCrossings = 0;
    let visited = 0;
    const nodes = nodeByte.length;
    let i = 0;
    while (i < nodes) {
      visited++;
      const depth = nodeDepth[i]!;
      const parent = depth - 1;
      const from = stackState[parent]!;
      const byte = nodeByte[i]!;
      const to = next[from * 256 + byte]!;
      if (to < 0) { i = nodeSkip[i]!; continue; }
      let calls = stackCalls[parent]!;
      if (from === boundaryState && byte === boundaryByte) {
        if (calls === 0) { i = nodeSkip[i]!; continue; }
        calls--;
        if (callsLeft0 - calls > maxCrossings) maxCrossings = callsLeft0 - calls;
      }
      const toRegion = region[to]!;
      let count = 0;
      if (toRegion >= 0) {
        count = region[from] === toRegion ? stackCount[parent]! + 1 : 0;
        if (count + minToExit[to]! > regionLimit[toRegion]!) { i = nodeSkip[i]!; continue; }
      }
      const inStart = stackInStart[parent] === 1 && toRegion === startRegion ? 1 : 0;
      let pathNeed = stackNeed[parent]!;
      if (inStart === 1) {
        const need = count - count0 + minToExit[to]!;
        if (need > pathNeed) pathNeed = need;
        if (need > maxNeed) maxNeed = need;
      }
      stackNeed[depth] = pathNeed;
      stackState[depth] = to;
      stackCount[depth] = count;
      stackCalls[depth] = calls;
      stackInStart[depth] = inStart;
      for (let token = nodeToken[i]!; token >= 0; token = same[token]!) {
        flags[token] = 1;
        allowedCount++;
        if (needById !== undefined) needById[token] = pathNeed;
      }
      i++;
    }
    if (dfa.accepting[state] === 1) {
      flags[this.endTokenId] = 1;
      allowedCount++;
    }
    this.stats.nodesVisited += visited;
    const mask = this.formFromFlags(allowedCount);
    this.stats.walkMs += this.now() - started;
    return { mask, maxNeed, maxCrossings };
  }

  /**
   * the mask of the ids flagged in `flags` (`allowed` of them), in the smallest
   * of allow-list, deny-list and bitset; a list wins up to twice the bitset's
   * size, since applying it costs O(k), not O(V). Clears the flags.
   */
  private formFromFlags(allowed: number): TokenMask {
    const size = this.vocabulary.size;
    const flags = this.flags;
    const allowBytes = 4 * allowed;
    const denyBytes = 4 * (size - allowed);
    const bitsBytes = 2 * 4 * Math.ceil(size / 32);
    let mask: TokenMask;
    if (allowed > 0 && allowBytes <= denyBytes && allowBytes <= bitsBytes) {
      const ids = new Int32Array(allowed);
      for (let id = 0, n = 0; n < allowed; id++) if (flags[id] === 1) ids[n++] = id;
      mask = { kind: 'allow', ids };
    } else if (denyBytes <= bitsBytes) {
      const ids = new Int32Array(size - allowed);
      for (let id = 0, n = 0; id < size; id++) if (flags[id] === 0) ids[n++] = id;
      mask = { kind: 'deny', ids };
    } else {
      const words = new Uint32Array(Math.ceil(size / 32));
      for (let id = 0; id < size; id++) if (flags[id] === 1) words[id >>> 5]! |= 1 << (id & 31);
      mask = { kind: 'bits', words, allowed };
    }
    flags.fill(0);
    return mask;
  }
}

// ── the slow twin ──────────────────────────────────────────────────────────

/** every id the grammar allows at `cursor`, by running the DFA over each id's bytes (sorted) */
export function slowAllowedIds(masks: GrammarMasks, cursor: GrammarCursor): Int32Array {
  const dfa = masks.grammar.dfa;
  const v = masks.vocabulary;
  const out: number[] = [];
  const probe: GrammarCursor = { state: 0, count: 0, callsLeft: 0 };
  for (let id = 0; id < v.size; id++) {
    if (v.matchable[id] !== 1) continue;
    probe.state = cursor.state;
    probe.count = cursor.count;
    probe.callsLeft = cursor.callsLeft;
    let ok = true;
    for (let at = v.offsets[id]!; at < v.offsets[id + 1]! && ok; at++) ok = dfa.step(probe, v.bytes[at]!);
    if (ok) out.push(id);
  }
  if (dfa.accepting[cursor.state] === 1) out.push(masks.endTokenId);
  return Int32Array.from(out).sort();
}

/** a mask as the sorted list of the ids it allows */
export function allowedIds(mask: TokenMask, size: number): Int32Array {
  if (mask.kind === 'allow') return mask.ids;
  const out: number[] = [];
  if (mask.kind === 'bits') {
    for (let id = 0; id < size; id++) if (((mask.words[id >>> 5]! >>> (id & 31)) & 1) === 1) out.push(id);
  } else {
    let next = 0;
    for (let id = 0; id < size; id++) {
      if (next < mask.ids.length && mask.ids[next] === id) next++;
      else out.push(id);
    }
  }
  return Int32Array.from(out);
}
