/**
 * Token embedding lookup and its backward (a scatter-add: a token that
 * occurs several times collects the gradients of all its positions).
 *
 *   out[t] = table[tokens[t]]          tableGrad[tokens[t]] += dOut[t]
 */

import type { Floats } from './floats.ts';

/** out: [count, d]; table: [vocab, d]; tokens: [count] ids (checked by the caller) */
export function embeddingForward(out: Floats, table: Floats, tokens: ArrayLike<number>, count: number, d: number): void {
  for (let t = 0; t < count; t++) {
    const row = tokens[t]! * d;
    for (let i = 0; i < d; i++) out[t * d + i] = table[row + i]!;
  }
}

/** tableGrad ([vocab, d]) += scatter of dOut ([count, d]) by token id */
export function embeddingBackward(tableGrad: Floats, dOut: Floats, tokens: ArrayLike<number>, count: number, d: number): void {
  for (let t = 0; t < count; t++) {
    const row = tokens[t]! * d;
    for (let i = 0; i < d; i++) tableGrad[row + i] = tableGrad[row + i]! + dOut[t * d + i]!;
  }
}
