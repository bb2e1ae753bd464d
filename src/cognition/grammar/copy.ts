/**
 * cognition/grammar/copy — argument values copied from the conversation: a
 * TokenConstraint that narrows the action grammar (GrammarConstraint) so
 * that every quoted argument is spelled from text the model was shown.
 *
 * A small model (the shipped default, ~1M parameters) picks the right tool
 * long before it learns to spell "/home/notes/groceries.txt" or "call the
 * plumber" back exactly: it drifts to names it saw in training. Under this
 * constraint it still chooses where a value starts and where it stops, but
 * every byte in between continues a span of the sources, so a value is
 * either what the user (or a tool result) said or nothing:
 *
 *   string, recipient   the whole body is one substring of a source
 *   path                every segment (the text between two '/') is one
 *                       substring of a source: "/home/meetings/agenda.md"
 *                       from "agenda.md in my meetings folder"
 *                       and a segment is not copied twice in a row from
 *                       the same mention ("/home/notes/notes" needs "notes"
 *                       said twice): the copy loop of a small model
 *   quotations          a string that can only have come from the start of
 *                       a quoted span ('…' or "…") ends only at its closing
 *                       mark: what a user quotes is copied whole, not cut
 *                       where the model's attention wanders
 *
 * Which arguments: those of kind string, path or recipient whose ToolParam
 * says `wording: 'quoted'` (the default); `wording: 'model'` (reply text,
 * ask_user's question) stays free. Sources: the request, earlier answers
 * and tool results in the prompt, and "/home" (copySources). Matching is over bytes of the JSON-escaped
 * sources, as the grammar writes string bodies, so a quote in the request is
 * copied as \" and nothing is unescaped on the way.
 *
 * State: the positions in the sources where the current piece could end
 * (every position, at the start of a piece). A token is allowed if walking its bytes —
 * through the DFA and, inside a copied body, through the positions — never
 * leaves the sources. If that leaves no token (a source span the grammar
 * cannot take, e.g. a comma in a path segment), the piece is released to the
 * plain grammar rather than leaving an empty mask. Masks in copied values
 * are computed per step over the grammar mask's ids, with a first-byte
 * filter; outside them (and where no token can reach one) the grammar's
 * cached mask is returned unchanged.
 */

import { fail } from '../../common/index.ts';
import { isWordByte, type TokenConstraint, type TokenMask } from '../../llm/index.ts';
import { HOME_ROOT } from '../actions.ts';
import type { ActionGrammar } from './compile.ts';
import type { GrammarConstraint } from './constraint.ts';
import type { GrammarCursor } from './dfa.ts';
import { allowedIds } from './mask.ts';

const encoder = new TextEncoder();
const SLASH = 0x2f;
const APOSTROPHE = 0x27;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** between sources: a byte no body may hold unescaped, so no span crosses it */
const SOURCE_BREAK = 0x0a;

/**
 * Copy state of the current piece: before its first byte (`banned`: a source position the piece may
 * not start at, −1 for none), a span (the source positions just past it and its length in bytes), or
 * free (released to the plain grammar).
 */
type Piece =
  | { readonly kind: 'start'; readonly banned: number }
  | { readonly kind: 'span'; readonly ends: Int32Array; readonly length: number }
  | { readonly kind: 'free' };
const START: Piece = { kind: 'start', banned: -1 };
const FREE: Piece = { kind: 'free' };

/**
 * The texts values may be copied from: what the user said and what tools
 * returned (the prompt's user and tool messages), plus the home folder's
 * path ("/home" itself is rarely said). The system rule is left out: its
 * words are not anything a value could name.
 */
export function copySources(messages: readonly { readonly role: string; readonly content: string }[]): string[] {
  const sources = messages.filter((m) => (m.role === 'user' || m.role === 'tool') && m.content.length > 0).map((m) => m.content);
  sources.push(HOME_ROOT);
  return sources;
}

/** per region: 'path' (copied by segment), 'whole' (copied as one span) or 'free' */
function regionModes(grammar: ActionGrammar): readonly ('path' | 'whole' | 'free')[] {
  return grammar.valueRegions.map(({ param }) => {
    if (param.wording === 'model') return 'free';
    if (param.type.kind === 'path') return 'path';
    return param.type.kind === 'string' || param.type.kind === 'recipient' ? 'whole' : 'free';
  });
}

export class CopyConstraint implements TokenConstraint {
  private readonly inner: GrammarConstraint;
  /** the sources' JSON-escaped bytes, SOURCE_BREAK between them */
  private readonly text: Uint8Array;
  private readonly modes: readonly ('path' | 'whole' | 'free')[];
  /** [stateCount] fewest bytes from a state into a copied body (0 inside one; large = never) */
  private readonly distance: Int32Array;
  /** [256] the positions just after each occurrence of a byte in `text` */
  private readonly after: readonly Int32Array[];
  private piece: Piece = START;
  /** 'whole': quotations are copied whole (mayEnd); 'cut' for the rest of a piece that cannot reach its closing mark */
  private quotations: 'whole' | 'cut' = 'whole';

  constructor(inner: GrammarConstraint, sources: readonly string[]) {
    this.inner = inner;
    const escaped = sources.map((source) => encoder.encode(JSON.stringify(source).slice(1, -1)));
    const text = new Uint8Array(escaped.reduce((n, bytes) => n + bytes.length + 1, 0));
    let at = 0;
    for (const bytes of escaped) {
      text.set(bytes, at);
      at += bytes.length;
      text[at++] = SOURCE_BREAK;
    }
    this.text = text;
    const counts = new Int32Array(256);
    for (const byte of text) counts[byte]!++;
    const after = Array.from({ length: 256 }, (_, byte) => new Int32Array(counts[byte]!));
    counts.fill(0);
    for (let p = 0; p < text.length; p++) after[text[p]!]![counts[text[p]!]!++] = p + 1;
    this.after = after;
    this.modes = regionModes(inner.masks.grammar);
    this.distance = distancesToCopiedBodies(inner.masks.grammar, this.modes);
  }

  /** the grammar's cursor (read-only use) */
  get cursor(): GrammarCursor {
    return this.inner.cursor;
  }

  nextMask(): TokenMask {
    const mask = this.inner.nextMask();
    const vocabulary = this.inner.masks.vocabulary;
    if (this.distance[this.inner.cursor.state]! >= vocabulary.maxTokenBytes || this.piece.kind === 'free') return mask;
    const candidates = allowedIds(mask, vocabulary.size);
    const firstBytes = this.possibleFirstBytes();
    const keep = (): Int32Array => candidates.filter((id) => {
      const bytes = vocabulary.tokenBytes(id);
      return bytes.length === 0 || id === this.inner.masks.endTokenId || (firstBytes[bytes[0]!] === 1 && this.walk(bytes) !== null);
    });
    let kept = keep();
    if (kept.length === 0 && this.quotations === 'whole') {
      // the span cannot reach its closing mark here (e.g. it ran past it): let it end where it can
      this.quotations = 'cut';
      kept = keep();
    }
    if (kept.length === 0) {
      // no span of the sources fits the grammar here: this piece is the model's to spell
      this.piece = FREE;
      return mask;
    }
    return { kind: 'allow', ids: kept };
  }

  accept(id: number): void {
    const vocabulary = this.inner.masks.vocabulary;
    const known = Number.isInteger(id) && id >= 0 && id < vocabulary.size;
    const piece = !known || id === this.inner.masks.endTokenId ? this.piece : this.walk(vocabulary.tokenBytes(id));
    this.inner.accept(id); // the grammar rejects what it does not admit (typed error)
    if (piece === null) {
      fail('grammar.token_rejected', `token ${id} spells an argument that is not in the conversation (${this.inner.masks.grammar.dfa.context[this.inner.cursor.state]})`, { id });
    }
    this.piece = piece;
    if (piece.kind === 'start') this.quotations = 'whole';
  }

  forcedTokens(limit: number): readonly number[] {
    return this.inner.forcedTokens(limit);
  }

  isComplete(): boolean {
    return this.inner.isComplete();
  }

  /** the turn's text so far */
  textSoFar(): string {
    return this.inner.textSoFar();
  }

  /**
   * The piece state after `bytes` from the cursor, or null if they leave the
   * sources (or the grammar) inside a copied body.
   */
  private walk(bytes: Uint8Array): Piece | null {
    const dfa = this.inner.masks.grammar.dfa;
    const probe: GrammarCursor = { ...this.inner.cursor };
    let piece: Piece = this.piece;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      const from = dfa.region[probe.state]!;
      if (!dfa.step(probe, byte)) return null;
      const to = dfa.region[probe.state]!;
      const mode = to >= 0 ? this.modes[to]! : 'free';
      if (mode === 'free') {
        // the closing quote of a whole value: a span pinned to a quotation runs to its end
        if (from >= 0 && from !== to && this.modes[from] === 'whole' && !this.mayEnd(piece)) return null;
        if (to < 0) piece = START; // outside any body: the next value starts afresh
        continue;
      }
      if (from !== to) {
        piece = START; // the opening quote
        continue;
      }
      if (mode === 'path' && byte === SLASH) {
        piece = { kind: 'start', banned: soleStart(piece) }; // the next segment: not the same mention again
        continue;
      }
      if (piece.kind === 'free') continue;
      const span = this.advance(piece, byte);
      if (span === null) return null;
      piece = span;
    }
    return piece;
  }

  /** the piece after one more byte, or null if no source span continues with it */
  private advance(piece: Exclude<Piece, { kind: 'free' }>, byte: number): Extract<Piece, { kind: 'span' }> | null {
    if (piece.kind === 'start') {
      let ends = this.after[byte]!;
      if (piece.banned >= 0) ends = ends.filter((end) => end - 1 !== piece.banned);
      return ends.length === 0 ? null : { kind: 'span', ends, length: 1 };
    }
    const text = this.text;
    const out: number[] = [];
    for (const p of piece.ends) {
      if (p >= text.length || text[p] !== byte) continue;
      // a quotation's closing mark is not part of what it quotes
      if (this.quotations === 'whole' && this.closesAt(p, this.openerBefore(p - piece.length))) continue;
      out.push(p + 1);
    }
    return out.length === 0 ? null : { kind: 'span', ends: Int32Array.from(out), length: piece.length + 1 };
  }

  /**
   * Whether a whole value may end with this piece: yes unless every span it
   * could be copied from opens right after a quotation mark in the source
   * ('…' or \"…\" as escaped) and stops short of the matching closing mark —
   * a quoted text is copied whole ("the meeting is ca" cannot end there).
   */
  private mayEnd(piece: Piece): boolean {
    if (piece.kind !== 'span' || this.quotations === 'cut') return true;
    for (const end of piece.ends) {
      const opener = this.openerBefore(end - piece.length);
      if (opener === 0 || this.closesAt(end, opener)) return true;
    }
    return false;
  }

  /** the quotation mark a span starting at `start` opens with: an apostrophe not inside a word, an escaped double quote, or 0 */
  private openerBefore(start: number): number {
    const text = this.text;
    if (start >= 1 && text[start - 1] === APOSTROPHE && (start < 2 || !isWordByte(text[start - 2]!))) return APOSTROPHE;
    return start >= 2 && text[start - 1] === QUOTE && text[start - 2] === BACKSLASH ? QUOTE : 0;
  }

  /** whether the source closes a quotation opened by `opener` at `at` (an apostrophe not followed by a letter: "don't" goes on) */
  private closesAt(at: number, opener: number): boolean {
    const text = this.text;
    if (opener === APOSTROPHE) return text[at] === APOSTROPHE && (at + 1 >= text.length || !isWordByte(text[at + 1]!));
    return opener === QUOTE && text[at] === BACKSLASH && text[at + 1] === QUOTE;
  }

  /** [256] 1 = a token may start with this byte: a source byte that continues the piece, or any byte that is not a body byte */
  private possibleFirstBytes(): Uint8Array {
    const allowed = new Uint8Array(256).fill(1);
    const dfa = this.inner.masks.grammar.dfa;
    const region = dfa.region[this.inner.cursor.state]!;
    if (region < 0 || this.modes[region] === 'free' || this.piece.kind === 'free') return allowed;
    // inside a copied body: structural bytes (closing quote, '/') leave it; body bytes must continue a source
    const probe: GrammarCursor = { state: 0, count: 0, callsLeft: 0 };
    for (let byte = 0; byte < 256; byte++) {
      Object.assign(probe, this.inner.cursor);
      if (!dfa.step(probe, byte)) {
        allowed[byte] = 0;
        continue;
      }
      const bodyByte = dfa.region[probe.state] === region && !(this.modes[region] === 'path' && byte === SLASH);
      if (bodyByte) allowed[byte] = 0;
    }
    const text = this.text;
    if (this.piece.kind === 'start') {
      for (let byte = 0; byte < 256; byte++) if (this.after[byte]!.length > 0) allowed[byte] = 1;
    } else if (this.piece.kind === 'span') {
      for (const p of this.piece.ends) if (p < text.length) allowed[text[p]!] = 1;
    }
    return allowed;
  }
}

/** the one source position a span can have started at, or −1 (not a span, or several mentions fit) */
function soleStart(piece: Piece): number {
  if (piece.kind !== 'span') return -1;
  const start = piece.ends[0]! - piece.length;
  for (const end of piece.ends) if (end - piece.length !== start) return -1;
  return start;
}

/** [stateCount] fewest bytes from each state to a state inside a copied body (BFS over reversed edges) */
function distancesToCopiedBodies(grammar: ActionGrammar, modes: readonly ('path' | 'whole' | 'free')[]): Int32Array {
  const dfa = grammar.dfa;
  const n = dfa.stateCount;
  const distance = new Int32Array(n).fill(0x7fffffff);
  const reverse: number[][] = Array.from({ length: n }, () => []);
  for (let s = 0; s < n; s++) {
    for (let byte = 0; byte < 256; byte++) {
      const to = dfa.next[s * 256 + byte]!;
      if (to >= 0) reverse[to]!.push(s);
    }
  }
  const queue: number[] = [];
  for (let s = 0; s < n; s++) {
    const region = dfa.region[s]!;
    if (region >= 0 && modes[region] !== 'free') {
      distance[s] = 0;
      queue.push(s);
    }
  }
  for (let head = 0; head < queue.length; head++) {
    const s = queue[head]!;
    for (const from of reverse[s]!) {
      if (distance[from]! > distance[s]! + 1) {
        distance[from] = distance[s]! + 1;
        queue.push(from);
      }
    }
  }
  return distance;
}
