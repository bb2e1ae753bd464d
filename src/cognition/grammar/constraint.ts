/**
 * cognition/grammar/constraint — the action grammar as a TokenConstraint
 * (llm/sampling) for one assistant turn: the cursor, its masks, and
 * fast-forward.
 *
 * Fast-forward: where the grammar admits exactly one continuation (the
 * <tool_call> opening, a key, the rest of a tool name, the closing), that text
 * is tokenized and fed without sampling. Tokenized with the model's real BPE
 * (`encode`, special tokens as text, so "<tool_call>" is Qwen2.5's single added
 * token as in training) and checked byte for byte against the forced text; if
 * the tokenizer would change a byte (normalisation, llguidance #377), the
 * longest-match tokenization over the vocabulary is used instead, which always
 * spells the bytes exactly.
 */

import { fail } from '../../common/index.ts';
import type { TokenConstraint, TokenMask } from '../../llm/index.ts';
import type { GrammarCursor } from './dfa.ts';
import type { GrammarMasks } from './mask.ts';

export interface GrammarConstraintOptions {
  /** the model's tokenizer for forced text (e.g. text => tokenizer.encode(text, { specialTokens: 'as-text' })); default: longest match over the vocabulary */
  readonly encode?: (text: string) => readonly number[];
  /** 'on' (default): feed unique continuations without sampling; 'off': sample every token */
  readonly fastForward?: 'on' | 'off';
}

/** most bytes forced at once */
const FORCED_MAX_BYTES = 256;
const NO_FORCED: readonly number[] = [];
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export class GrammarConstraint implements TokenConstraint {
  readonly masks: GrammarMasks;
  readonly cursor: GrammarCursor;
  private readonly options: GrammarConstraintOptions;
  private ended = false;
  /** UTF-8 bytes accepted so far (without the end token) */
  private readonly text: number[] = [];

  constructor(masks: GrammarMasks, options: GrammarConstraintOptions = {}) {
    this.masks = masks;
    this.cursor = masks.grammar.dfa.startCursor();
    this.options = options;
  }

  nextMask(): TokenMask {
    if (this.ended) fail('grammar.token_rejected', 'the action turn has ended; no token may follow the end token');
    return this.masks.maskAt(this.cursor);
  }

  accept(id: number): void {
    const { vocabulary, endTokenId, grammar } = this.masks;
    const dfa = grammar.dfa;
    if (this.ended) fail('grammar.token_rejected', `token ${id} after the end of the action turn`, { id });
    if (id === endTokenId) {
      if (dfa.accepting[this.cursor.state] !== 1) this.reject(id, 'the end token before the last call has closed');
      this.ended = true;
      return;
    }
    if (!Number.isInteger(id) || id < 0 || id >= vocabulary.size || (vocabulary.matchable[id] !== 1 && vocabulary.textual[id] !== 1)) {
      this.reject(id, 'a control or unknown token');
    }
    const bytes = vocabulary.tokenBytes(id);
    const probe: GrammarCursor = { ...this.cursor };
    for (let i = 0; i < bytes.length; i++) {
      if (!dfa.step(probe, bytes[i]!)) this.reject(id, `its byte ${i} (0x${bytes[i]!.toString(16)}) does not fit`);
    }
    this.cursor.state = probe.state;
    this.cursor.count = probe.count;
    this.cursor.callsLeft = probe.callsLeft;
    for (let i = 0; i < bytes.length; i++) this.text.push(bytes[i]!);
  }

  forcedTokens(limit: number): readonly number[] {
    return this.options.fastForward === 'off' ? NO_FORCED : this.continuationTokens(limit);
  }

  /** the unique continuation from here as tokens (at most `limit`), whatever the fastForward option; empty at a choice */
  continuationTokens(limit: number): readonly number[] {
    if (this.ended || limit <= 0) return NO_FORCED;
    const forced = this.forcedBytes();
    if (forced.length === 0) return NO_FORCED;
    const key = forced.join(',');
    let tokens = this.masks.forcedCache.get(key);
    if (tokens === undefined) {
      tokens = this.tokenize(Uint8Array.from(forced));
      this.masks.forcedCache.set(key, tokens);
    }
    return tokens.length <= limit ? Array.from(tokens) : Array.from(tokens.subarray(0, limit));
  }

  isComplete(): boolean {
    if (this.ended) return true;
    const dfa = this.masks.grammar.dfa;
    return dfa.accepting[this.cursor.state] === 1 && dfa.allowedBytes(this.cursor).length === 0;
  }

  /** the turn's text so far (the end token not included) */
  textSoFar(): string {
    return new TextDecoder().decode(Uint8Array.from(this.text));
  }

  /** the bytes of the unique continuation from the cursor (stops at a choice, at an accepting state, or at FORCED_MAX_BYTES) */
  private forcedBytes(): number[] {
    const dfa = this.masks.grammar.dfa;
    const probe: GrammarCursor = { ...this.cursor };
    const out: number[] = [];
    while (out.length < FORCED_MAX_BYTES && dfa.accepting[probe.state] !== 1) {
      const allowed = dfa.allowedBytes(probe);
      if (allowed.length !== 1) break;
      dfa.step(probe, allowed[0]!);
      out.push(allowed[0]!);
    }
    return out;
  }

  /** tokens spelling `bytes` exactly: the model's BPE when it does, else longest match (empty if no token starts with a byte) */
  tokenize(bytes: Uint8Array): Int32Array {
    const { vocabulary } = this.masks;
    if (this.options.encode !== undefined) {
      let text: string | undefined;
      try {
        text = strictUtf8.decode(bytes);
      } catch {
        text = undefined; // forced text ends inside a character: BPE cannot spell it
      }
      if (text !== undefined) {
        const ids = this.options.encode(text);
        if (spells(ids, bytes, (id) => id >= 0 && id < vocabulary.size && (vocabulary.matchable[id] === 1 || vocabulary.textual[id] === 1), (id) => vocabulary.tokenBytes(id))) {
          return Int32Array.from(ids);
        }
      }
    }
    const ids: number[] = [];
    for (let at = 0; at < bytes.length;) {
      const id = vocabulary.longestPrefixToken(bytes, at);
      if (id < 0) return new Int32Array(0); // no token starts with this byte: sample instead
      ids.push(id);
      at += vocabulary.tokenBytes(id).length;
    }
    return Int32Array.from(ids);
  }

  private reject(id: number, why: string): never {
    return fail('grammar.token_rejected', `action turn at byte ${this.text.length} (${this.masks.grammar.dfa.context[this.cursor.state]}): token ${id} is not allowed: ${why}`, { id, state: this.cursor.state });
  }
}

/** whether the ids' bytes concatenate to exactly `bytes` */
function spells(ids: readonly number[], bytes: Uint8Array, usable: (id: number) => boolean, bytesOf: (id: number) => Uint8Array): boolean {
  let at = 0;
  for (const id of ids) {
    if (!usable(id)) return false;
    const piece = bytesOf(id);
    if (at + piece.length > bytes.length) return false;
    for (let i = 0; i < piece.length; i++) if (piece[i] !== bytes[at + i]) return false;
    at += piece.length;
  }
  return at === bytes.length && ids.length > 0;
}
