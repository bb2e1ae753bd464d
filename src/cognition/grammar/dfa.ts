/**
 * cognition/grammar/dfa — a byte-level DFA with two bounded counters, the
 * automaton of one assistant turn in the action grammar.
 *
 * The language is regular, but writing its bounds into plain states would
 * multiply them (a 1,024-byte string is a thousand copies of the string
 * states; eight calls are eight copies of every tool). So the bounds ride
 * beside the state, as the factored form of the same finite automaton:
 *
 *   cursor = (state, count, callsLeft)
 *   count      bytes consumed inside the current bounded value ("region": the
 *              body of a string, path or recipient, quotes excluded). A byte
 *              that would leave too little room to finish the value is dead:
 *              count + 1 + minToExit[next] ≤ regionLimit, where minToExit is
 *              the fewest in-region bytes from a state to one that can leave
 *              (so a value cut short by its bound can always still close:
 *              the automaton never gets stuck, and a mask is never empty).
 *   callsLeft  further calls this turn may start; the one "boundary" edge
 *              (end of a call, "\n" → the next <tool_call>) is dead at 0.
 *
 * Transitions: next[state * 256 + byte] → state, or −1 (dead).
 * `accepting[state]`: the end token may follow (the turn is complete here).
 */

/** a position of the automaton; the grammar's runtime state */
export interface GrammarCursor {
  state: number;
  /** bytes inside the current region, when state is in one */
  count: number;
  /** calls this turn may still start */
  callsLeft: number;
}

export class ByteDfa {
  readonly stateCount: number;
  /** [stateCount × 256] next state, −1 = dead */
  readonly next: Int32Array;
  /** [stateCount] region id, −1 outside any bounded value */
  readonly region: Int32Array;
  /** [regions] most bytes a region's body may hold */
  readonly regionLimit: Int32Array;
  /** [stateCount] fewest in-region bytes from here to a state that can leave the region (0 outside) */
  readonly minToExit: Int32Array;
  /** [stateCount] 1 = the turn may end here */
  readonly accepting: Uint8Array;
  /** [stateCount] what the state is part of, for error messages ("fs.read: argument path") */
  readonly context: readonly string[];
  readonly start: number;
  /** the state whose `boundaryByte` edge starts another call */
  readonly boundaryState: number;
  readonly boundaryByte: number;
  /** calls one turn may hold */
  readonly maxCalls: number;

  constructor(parts: {
    next: Int32Array; region: Int32Array; regionLimit: Int32Array; minToExit: Int32Array; accepting: Uint8Array;
    context: readonly string[]; start: number; boundaryState: number; boundaryByte: number; maxCalls: number;
  }) {
    this.stateCount = parts.region.length;
    this.next = parts.next;
    this.region = parts.region;
    this.regionLimit = parts.regionLimit;
    this.minToExit = parts.minToExit;
    this.accepting = parts.accepting;
    this.context = parts.context;
    this.start = parts.start;
    this.boundaryState = parts.boundaryState;
    this.boundaryByte = parts.boundaryByte;
    this.maxCalls = parts.maxCalls;
  }

  /** the cursor at the start of a turn */
  startCursor(): GrammarCursor {
    return { state: this.start, count: 0, callsLeft: this.maxCalls - 1 };
  }

  /** advance `cursor` over one byte in place; false (cursor unchanged) if the byte is dead there */
  step(cursor: GrammarCursor, byte: number): boolean {
    const from = cursor.state;
    const to = this.next[from * 256 + byte]!;
    if (to < 0) return false;
    let callsLeft = cursor.callsLeft;
    if (from === this.boundaryState && byte === this.boundaryByte) {
      if (callsLeft === 0) return false;
      callsLeft--;
    }
    const region = this.region[to]!;
    let count = 0;
    if (region >= 0) {
      count = this.region[from] === region ? cursor.count + 1 : 0;
      if (count + this.minToExit[to]! > this.regionLimit[region]!) return false;
    }
    cursor.state = to;
    cursor.count = count;
    cursor.callsLeft = callsLeft;
    return true;
  }

  /** the bytes allowed at `cursor` (counters included), ascending */
  allowedBytes(cursor: GrammarCursor): number[] {
    const out: number[] = [];
    const probe: GrammarCursor = { state: 0, count: 0, callsLeft: 0 };
    for (let byte = 0; byte < 256; byte++) {
      probe.state = cursor.state;
      probe.count = cursor.count;
      probe.callsLeft = cursor.callsLeft;
      if (this.step(probe, byte)) out.push(byte);
    }
    return out;
  }
}

// ── building ───────────────────────────────────────────────────────────────

/**
 * Grows a ByteDfa state by state. Literals share prefixes like a trie (two
 * tools "fs.read" and "fs.readdir" share "fs.read"), but only through states a
 * literal created; any other overlap means the grammar is ambiguous, which the
 * compiler rules out, so it is a bug (plain Error).
 */
export class DfaBuilder {
  private next: Int32Array = new Int32Array(256 * 64).fill(-1);
  private readonly regions: number[] = [];
  private readonly limits: number[] = [];
  private readonly interior: boolean[] = [];
  private readonly acceptingStates = new Set<number>();
  private readonly contexts: string[] = [];
  /** the context new states are labelled with */
  context = '';

  get stateCount(): number {
    return this.regions.length;
  }

  /** regions made so far (the next newRegion returns this id) */
  get regionCount(): number {
    return this.limits.length;
  }

  /** a new state, optionally inside `region` */
  newState(region = -1, interior = false): number {
    const id = this.regions.length;
    if ((id + 1) * 256 > this.next.length) {
      const grown = new Int32Array(this.next.length * 2).fill(-1);
      grown.set(this.next);
      this.next = grown;
    }
    this.regions.push(region);
    this.interior.push(interior);
    this.contexts.push(this.context);
    return id;
  }

  /** a new bounded region of at most `limit` body bytes */
  newRegion(limit: number): number {
    this.limits.push(limit);
    return this.limits.length - 1;
  }

  target(from: number, byte: number): number {
    return this.next[from * 256 + byte]!;
  }

  link(from: number, byte: number, to: number): void {
    const at = from * 256 + byte;
    const existing = this.next[at]!;
    if (existing >= 0 && existing !== to) throw new Error(`grammar: state ${from} already has an edge on byte ${byte} (${this.contexts[from]})`);
    this.next[at] = to;
  }

  /** link every byte in [low, high] */
  linkRange(from: number, low: number, high: number, to: number): void {
    for (let byte = low; byte <= high; byte++) this.link(from, byte, to);
  }

  /** spell `bytes` from `from`, sharing existing literal states; the last byte goes to `to` when given; returns the end state */
  literal(from: number, bytes: Uint8Array, to?: number): number {
    let state = from;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      const last = i === bytes.length - 1;
      if (last && to !== undefined) {
        this.link(state, byte, to);
        return to;
      }
      const existing = this.target(state, byte);
      if (existing >= 0) {
        if (!this.interior[existing]) throw new Error(`grammar: literal runs into a non-literal state at byte ${i} (${this.contexts[state]})`);
        state = existing;
        continue;
      }
      const created = this.newState(-1, true);
      this.link(state, byte, created);
      state = created;
    }
    return state;
  }

  /** make every edge leaving `join` leave each of `ends` too (an ε-edge from each end to `join`, by hand) */
  copyEdges(join: number, ends: readonly number[]): void {
    for (const end of ends) {
      if (end === join) continue;
      for (let byte = 0; byte < 256; byte++) {
        const to = this.target(join, byte);
        if (to >= 0) this.link(end, byte, to);
      }
      if (this.acceptingStates.has(join)) this.acceptingStates.add(end);
    }
  }

  markAccepting(state: number): void {
    this.acceptingStates.add(state);
  }

  finish(start: number, boundaryState: number, boundaryByte: number, maxCalls: number): ByteDfa {
    const stateCount = this.regions.length;
    const next = this.next.slice(0, stateCount * 256);
    const region = Int32Array.from(this.regions);
    const accepting = new Uint8Array(stateCount);
    for (const state of this.acceptingStates) accepting[state] = 1;
    const minToExit = computeMinToExit(next, region);
    const regionLimit = Int32Array.from(this.limits);
    checkLive(next, accepting, region, minToExit, regionLimit, this.contexts);
    return new ByteDfa({ next, region, regionLimit, minToExit, accepting, context: this.contexts, start, boundaryState, boundaryByte, maxCalls });
  }
}

/** fewest in-region bytes from each region state to one with an edge out of its region (Bellman–Ford over the region edges) */
function computeMinToExit(next: Int32Array, region: Int32Array): Int32Array {
  const stateCount = region.length;
  const distance = new Int32Array(stateCount);
  const unknown = 1 << 30;
  for (let s = 0; s < stateCount; s++) {
    if (region[s]! < 0) continue;
    distance[s] = unknown;
    for (let byte = 0; byte < 256; byte++) {
      const t = next[s * 256 + byte]!;
      if (t >= 0 && region[t] !== region[s]) { distance[s] = 0; break; }
    }
  }
  for (let changed = true; changed;) {
    changed = false;
    for (let s = 0; s < stateCount; s++) {
      if (region[s]! < 0) continue;
      for (let byte = 0; byte < 256; byte++) {
        const t = next[s * 256 + byte]!;
        if (t >= 0 && region[t] === region[s] && distance[t]! + 1 < distance[s]!) {
          distance[s] = distance[t]! + 1;
          changed = true;
        }
      }
    }
  }
  for (let s = 0; s < stateCount; s++) if (distance[s] === unknown) throw new Error(`grammar: state ${s} can never leave its value`);
  return distance;
}

/** every state must reach an accepting one (else a mask could come out empty): a bug check */
function checkLive(next: Int32Array, accepting: Uint8Array, region: Int32Array, minToExit: Int32Array, regionLimit: Int32Array, contexts: readonly string[]): void {
  const stateCount = region.length;
  const live = Uint8Array.from(accepting);
  for (let changed = true; changed;) {
    changed = false;
    for (let s = 0; s < stateCount; s++) {
      if (live[s] === 1) continue;
      for (let byte = 0; byte < 256; byte++) {
        const t = next[s * 256 + byte]!;
        if (t >= 0 && live[t] === 1) { live[s] = 1; changed = true; break; }
      }
    }
  }
  for (let s = 0; s < stateCount; s++) {
    if (live[s] === 0) throw new Error(`grammar: state ${s} (${contexts[s]}) cannot reach the end of a turn`);
    const r = region[s]!;
    if (r >= 0 && minToExit[s]! > regionLimit[r]!) throw new Error(`grammar: a value in ${contexts[s]} cannot fit its limit`);
  }
}
