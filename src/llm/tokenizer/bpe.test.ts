/** The heap-driven BPE merger against its obvious O(n²) twin, on random rule sets and on the real Qwen merges. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { BpeMerger, PairRankTable, bpeMergeReference, buildMergeRules, type MergeRules } from './bpe.ts';
import { BYTE_TO_CHAR } from './byte-level.ts';
import { QWEN_TOKENIZER_DIR } from './test-fixtures.ts';

test('PairRankTable finds every pair it holds, misses others, and lets a later duplicate override', () => {
  const left = new Int32Array(1001);
  const right = new Int32Array(1001);
  for (let i = 0; i < 1000; i++) {
    left[i] = i;
    right[i] = 999 - i;
  }
  left[1000] = 5; // rule 1000 repeats rule 5's pair
  right[1000] = 994;
  const table = new PairRankTable(left, right);
  for (let rank = 0; rank <= 1000; rank++) table.add(rank);
  assert.equal(table.size, 1000);
  for (let i = 0; i < 1000; i++) assert.equal(table.get(i, 999 - i), i === 5 ? 1000 : i);
  assert.equal(table.get(999, 999), -1);
  assert.equal(table.get(0, 0), -1);
});

/** random rules over a small alphabet: each rule merges two existing symbols into a new one */
const arbitraryRulesAndWord = fc
  .record({
    alphabet: fc.integer({ min: 2, max: 5 }),
    pairs: fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 40 }),
    shuffleSeed: fc.nat(),
    word: fc.array(fc.nat(), { minLength: 0, maxLength: 60 }),
  })
  .map(({ alphabet, pairs, word }) => {
    const left: number[] = [];
    const right: number[] = [];
    const result: number[] = [];
    let symbols = alphabet;
    for (const [a, b] of pairs) {
      left.push(a % symbols);
      right.push(b % symbols);
      result.push(symbols++);
    }
    const rules = buildMergeRules(Int32Array.from(left), Int32Array.from(right), Int32Array.from(result));
    return { rules, word: word.map((s) => s % alphabet) };
  });

test('fast merge equals the reference merge on random rules and words (property)', () => {
  fc.assert(
    fc.property(arbitraryRulesAndWord, ({ rules, word }) => {
      const out: number[] = [];
      new BpeMerger(rules).merge(word, word.length, out);
      assert.deepEqual(out, bpeMergeReference(rules, word));
    }),
    { numRuns: 2000 },
  );
});

test('ties go to the leftmost pair: "aaa" with rule (a,a) merges as [aa, a]', () => {
  const rules = buildMergeRules(Int32Array.of(0), Int32Array.of(0), Int32Array.of(1));
  const out: number[] = [];
  new BpeMerger(rules).merge([0, 0, 0], 3, out);
  assert.deepEqual(out, [1, 0]);
  assert.deepEqual(bpeMergeReference(rules, [0, 0, 0]), [1, 0]);
});

function qwenRules(): { rules: MergeRules; byteIds: number[] } {
  const json = JSON.parse(readFileSync(new URL('tokenizer.json', QWEN_TOKENIZER_DIR), 'utf8'));
  const vocab: Record<string, number> = json.model.vocab;
  const merges: [string, string][] = json.model.merges;
  const left = new Int32Array(merges.length);
  const right = new Int32Array(merges.length);
  const result = new Int32Array(merges.length);
  merges.forEach(([a, b], rank) => {
    left[rank] = vocab[a]!;
    right[rank] = vocab[b]!;
    result[rank] = vocab[a + b]!;
  });
  return { rules: buildMergeRules(left, right, result), byteIds: BYTE_TO_CHAR.map((char) => vocab[char]!) };
}

test('fast merge equals the reference merge with the real Qwen merges on random UTF-8 words (property)', () => {
  const { rules, byteIds } = qwenRules();
  const merger = new BpeMerger(rules);
  const encoder = new TextEncoder();
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: fc.constantFrom('a', 'b', 'e', ' ', 'n', 't', 'Ġ', '中'), maxLength: 200 })), (text) => {
      const symbols = [...encoder.encode(text)].map((byte) => byteIds[byte]!);
      const out: number[] = [];
      merger.merge(symbols, symbols.length, out);
      assert.deepEqual(out, bpeMergeReference(rules, symbols));
    }),
    { numRuns: 1500 },
  );
});
