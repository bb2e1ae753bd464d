/**
 * Byte-pair encoding of one pre-tokenized word (Sennrich et al. 2016,
 * "Neural Machine Translation of Rare Words with Subword Units"; the
 * byte-level variant of GPT-2).
 *
 * A word starts as one symbol per byte (the byte's token id). Each merge
 * rule (a, b) has a rank, its position in the merge list; repeatedly the
 * adjacent pair with the lowest rank is replaced by the merged token, ties
 * going to the leftmost pair, until no adjacent pair has a rule. That is the
 * order of HF tokenizers' `Word::merge_all` (a heap of (rank, position)),
 * which is the reference we are checked against.
 *
 * Two implementations with identical results, compared by a property test:
 *   - `bpeMergeReference`: the obvious loop, O(n²) per word.
 *   - `BpeMerger.merge`: linked symbols plus a binary heap of candidate
 *     pairs, O(n log n), reusing scratch arrays (no allocation per word once
 *     warm). Stale heap entries are skipped by checking that the pair at
 *     that position is still the rule's (left, right).
 * Pair → rank lookups go through `PairRankTable`, an open-addressing hash
 * table of ranks on a typed array (no string keys, no Map of 150k boxed
 * entries, no copy of the pairs).
 */

// ── merge rules ──────────────────────────────────────────────────────────

/** The merge list as token ids: rule `rank` merges (left[rank], right[rank]) into result[rank]. */
export interface MergeRules {
  /** (nMerges) left token id of each rule */
  readonly left: Int32Array;
  /** (nMerges) right token id of each rule */
  readonly right: Int32Array;
  /** (nMerges) id of the merged token */
  readonly result: Int32Array;
  readonly ranks: PairRankTable;
}

/**
 * (left id, right id) → rule rank; as in HF tokenizers, a later duplicate
 * rule overrides an earlier one. Slots hold only the rank; the pair is read
 * back from the rules' own left/right arrays (4 bytes a slot instead of 12:
 * 2 MiB for Qwen's 151k merges).
 */
export class PairRankTable {
  /** (nRules) left token id by rank (the rules' array, not copied) */
  private readonly ruleLeft: Int32Array;
  /** (nRules) right token id by rank */
  private readonly ruleRight: Int32Array;
  /** (capacity) rank per slot, -1 when empty */
  private readonly slotRank: Int32Array;
  private readonly mask: number;
  private count = 0;

  /** An empty table for the rules (left[rank], right[rank]); add them with `add(rank)`. */
  constructor(left: Int32Array, right: Int32Array) {
    let capacity = 16;
    while (capacity < left.length * 2) capacity *= 2;
    this.ruleLeft = left;
    this.ruleRight = right;
    this.slotRank = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  /** index rule `rank`; an earlier rule with the same pair is replaced */
  add(rank: number): void {
    const left = this.ruleLeft[rank]!;
    const right = this.ruleRight[rank]!;
    let slot = pairHash(left, right) & this.mask;
    for (;;) {
      const existing = this.slotRank[slot]!;
      if (existing === -1) break;
      if (this.ruleLeft[existing] === left && this.ruleRight[existing] === right) {
        this.slotRank[slot] = rank;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
    if (this.count * 2 >= this.slotRank.length) throw new Error('PairRankTable: over capacity (more ranks added than rules)');
    this.slotRank[slot] = rank;
    this.count++;
  }

  /** rank of the rule merging (left, right), or -1 */
  get(left: number, right: number): number {
    let slot = pairHash(left, right) & this.mask;
    for (;;) {
      const rank = this.slotRank[slot]!;
      if (rank === -1 || (this.ruleLeft[rank] === left && this.ruleRight[rank] === right)) return rank;
      slot = (slot + 1) & this.mask;
    }
  }
}

function pairHash(left: number, right: number): number {
  let h = Math.imul(left, 0x9e3779b1) ^ right;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca77);
  return (h ^ (h >>> 13)) >>> 0;
}

/** Build the rules from (left, right, result) id triples in rank order. */
export function buildMergeRules(left: Int32Array, right: Int32Array, result: Int32Array): MergeRules {
  const ranks = new PairRankTable(left, right);
  for (let rank = 0; rank < left.length; rank++) ranks.add(rank);
  return { left, right, result, ranks };
}

// ── the obvious twin ─────────────────────────────────────────────────────

/** Merge `symbols` (token ids) by rule rank, lowest rank first, leftmost on ties. O(n²); for tests. */
export function bpeMergeReference(rules: MergeRules, symbols: readonly number[]): number[] {
  const word = symbols.slice();
  for (;;) {
    let bestRank = -1;
    let bestPosition = -1;
    for (let i = 0; i + 1 < word.length; i++) {
      const rank = rules.ranks.get(word[i]!, word[i + 1]!);
      if (rank >= 0 && (bestRank < 0 || rank < bestRank)) {
        bestRank = rank;
        bestPosition = i;
      }
    }
    if (bestRank < 0) return word;
    word.splice(bestPosition, 2, rules.result[bestRank]!);
  }
}

// ── the fast one ─────────────────────────────────────────────────────────

/** Heap-driven merging with reusable scratch space. One instance per tokenizer (not re-entrant). */
export class BpeMerger {
  private readonly rules: MergeRules;
  /** (capacity) token id of each symbol, -1 once merged into its left neighbour */
  private symbol = new Int32Array(64);
  /** (capacity) index of the next live symbol, -1 at the end */
  private next = new Int32Array(64);
  /** (capacity) index of the previous live symbol, -1 at the start */
  private previous = new Int32Array(64);
  /** (3 × capacity) heap of candidate pairs: rule rank and left symbol index */
  private heapRank = new Int32Array(192);
  private heapPosition = new Int32Array(192);
  private heapSize = 0;

  constructor(rules: MergeRules) {
    this.rules = rules;
  }

  /** Merge the word `symbols[0, length)` (token ids) and append the resulting ids to `out`. */
  merge(symbols: ArrayLike<number>, length: number, out: number[]): void {
    if (length === 0) return;
    if (length === 1) {
      out.push(symbols[0]!);
      return;
    }
    this.reserve(length);
    const { symbol, next, previous } = this;
    const { ranks, left: ruleLeft, right: ruleRight, result: ruleResult } = this.rules;
    for (let i = 0; i < length; i++) {
      symbol[i] = symbols[i]!;
      next[i] = i + 1 < length ? i + 1 : -1;
      previous[i] = i - 1;
    }
    this.heapSize = 0;
    for (let i = 0; i + 1 < length; i++) {
      const rank = ranks.get(symbol[i]!, symbol[i + 1]!);
      if (rank >= 0) this.push(rank, i);
    }
    while (this.heapSize > 0) {
      const rank = this.heapRank[0]!;
      const position = this.heapPosition[0]!;
      this.pop();
      const right = next[position]!;
      // stale entry: the left symbol was merged away, or the pair changed since it was queued
      if (right < 0 || symbol[position] !== ruleLeft[rank] || symbol[right] !== ruleRight[rank]) continue;
      symbol[position] = ruleResult[rank]!;
      symbol[right] = -1;
      const after = next[right]!;
      next[position] = after;
      if (after >= 0) previous[after] = position;
      const before = previous[position]!;
      if (before >= 0) {
        const leftRank = ranks.get(symbol[before]!, symbol[position]!);
        if (leftRank >= 0) this.push(leftRank, before);
      }
      if (after >= 0) {
        const rightRank = ranks.get(symbol[position]!, symbol[after]!);
        if (rightRank >= 0) this.push(rightRank, position);
      }
    }
    for (let i = 0; i >= 0; i = next[i]!) out.push(symbol[i]!);
  }

  private reserve(length: number): void {
    if (this.symbol.length >= length) return;
    let capacity = this.symbol.length;
    while (capacity < length) capacity *= 2;
    this.symbol = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.previous = new Int32Array(capacity);
    this.heapRank = new Int32Array(capacity * 3);
    this.heapPosition = new Int32Array(capacity * 3);
  }

  /** (rank, position) ordering: lower rank first, then leftmost */
  private less(a: number, b: number): boolean {
    const rankA = this.heapRank[a]!;
    const rankB = this.heapRank[b]!;
    return rankA < rankB || (rankA === rankB && this.heapPosition[a]! < this.heapPosition[b]!);
  }

  private swap(a: number, b: number): void {
    const rank = this.heapRank[a]!;
    const position = this.heapPosition[a]!;
    this.heapRank[a] = this.heapRank[b]!;
    this.heapPosition[a] = this.heapPosition[b]!;
    this.heapRank[b] = rank;
    this.heapPosition[b] = position;
  }

  private push(rank: number, position: number): void {
    let child = this.heapSize++;
    this.heapRank[child] = rank;
    this.heapPosition[child] = position;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.less(child, parent)) break;
      this.swap(child, parent);
      child = parent;
    }
  }

  private pop(): void {
    const last = --this.heapSize;
    if (last === 0) return;
    this.heapRank[0] = this.heapRank[last]!;
    this.heapPosition[0] = this.heapPosition[last]!;
    let parent = 0;
    for (;;) {
      const leftChild = parent * 2 + 1;
      if (leftChild >= last) return;
      const rightChild = leftChild + 1;
      const smaller = rightChild < last && this.less(rightChild, leftChild) ? rightChild : leftChild;
      if (!this.less(smaller, parent)) return;
      this.swap(smaller, parent);
      parent = smaller;
    }
  }
}
