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
 *                       substring of a source, with no space unless quoted:
 *                       "/home/meetings/agenda.md"
 *                       from "agenda.md in my meetings folder"
 *                       and a segment is not copied twice in a row from
 *                       the same mention ("/home/notes/notes" needs "notes"
 *                       said twice): the copy loop of a small model
 *   quotations          a string that can only have come from the start of
 *                       a quoted span ('…' or "…") ends only at its closing
 *                       mark, and no string or recipient starts inside a
 *                       quotation or runs over a quotation mark: what a user
 *                       quotes is copied whole or not at all, not cut where
 *                       the model's attention wanders (path segments may
 *                       come from inside one: '/home/notes/a.txt')
 *   differs from        a value that ToolParam.differsFrom ties to an earlier
 *                       one does not close equal to it (fs.move's `to` is
 *                       not its `from`)
 *   one use             a string or recipient copies nothing an earlier
 *                       argument of the turn copied (from one place only):
 *                       the text of a message is not its recipient, nor the
 *                       path just written ("dave" in "shoot dave a message")
 *   whole words         a piece (a value, a path segment) starts where a
 *                       word starts and ends where one ends, a joined name
 *                       ("old-list.txt", "sam@work.io") counting as one
 *                       word, and has no space or quotation mark at either
 *                       end: "old" is not taken from "folder", "txt" from
 *                       "notes.txt", nor "water the l" from "water the
 *                       lawn"; a space inside a piece has a word after it
 *
 * Choosing a piece whole: at the start of each piece, alternatives() offers
 * every piece the rules allow (as tokens, with the places it may end and the
 * bytes that may close it: the quote, or '/' before another path segment);
 * the generation loop scores them with the model (llm/sampling/alternatives.ts)
 * and choose() holds the masks to the winner until its closing byte. Greedy
 * decoding alone commits at a piece's first token.
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
import { isWordByte, type Alternatives, type TokenConstraint, type TokenMask } from '../../llm/index.ts';
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
const SPACE = 0x20;
/** between sources: a byte no body may hold unescaped, so no span crosses it */
const SOURCE_BREAK = 0x0a;
/** longest piece offered as an alternative [bytes] */
const MAX_ALTERNATIVE_BYTES = 160;

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
  /**
   * [text.length + 1] per mode: 1 where a piece that has reached this position
   * can still end by copying on (a word ends here or further on, before a
   * source break, a space with no word after it or, for a path segment, a
   * '/'): no piece is led into a place it cannot leave
   */
  private readonly finishes: { readonly path: Uint8Array; readonly whole: Uint8Array };
  /** where the sources' quotations are (quotationMap): a whole value starts inside one only at its start, and runs over no mark */
  private readonly quoted: { readonly inside: Uint8Array; readonly marks: Uint8Array };
  /** [text.length + 1] 1 on what earlier arguments of this turn copied (from one place only): a whole value copies none of it */
  private readonly used: Uint8Array;
  /** [regions] the region whose last value this one may not equal (ToolParam.differsFrom), or −1 */
  private readonly differs: Int32Array;
  /** the bytes of the value being written (its body so far) */
  private body: readonly number[] = [];
  /** region → the bytes of the last value written there */
  private readonly values = new Map<number, string>();
  /** [256] the positions just after each occurrence of a byte in `text` where a word starts (a piece's first byte) */
  private readonly after: readonly Int32Array[];
  private piece: Piece = START;
  /** 'whole': quotations are copied whole (mayEnd); 'cut' for the rest of a piece that cannot reach its closing mark */
  private quotations: 'whole' | 'cut' = 'whole';
  /** what alternatives() last offered: each candidate's tokens and the closing bytes */
  private offered: { readonly tokens: readonly Int32Array[]; readonly closers: readonly number[] } | null = null;
  /** a piece chosen whole (choose): its bytes and closing byte, and how many are written */
  private plan: { readonly bytes: Uint8Array; at: number } | null = null;

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
    for (let p = 0; p < text.length; p++) if (startsWord(text, p)) counts[text[p]!]!++;
    const after = Array.from({ length: 256 }, (_, byte) => new Int32Array(counts[byte]!));
    counts.fill(0);
    for (let p = 0; p < text.length; p++) if (startsWord(text, p)) after[text[p]!]![counts[text[p]!]!++] = p + 1;
    this.after = after;
    this.quoted = quotationMap(text);
    this.used = new Uint8Array(text.length + 1);
    this.finishes = { path: finishable(text, 'path', this.quoted), whole: finishable(text, 'whole', this.quoted) };
    this.modes = regionModes(inner.masks.grammar);
    this.distance = distancesToCopiedBodies(inner.masks.grammar, this.modes);
    const regions = inner.masks.grammar.valueRegions;
    this.differs = Int32Array.from(regions, ({ tool, param }) => (param.differsFrom === undefined ? -1 : regions.findIndex((r) => r.tool === tool && r.param.name === param.differsFrom)));
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
      this.plan = null;
      return mask;
    }
    const plan = this.plan;
    if (plan !== null) {
      const planned = kept.filter((id) => followsPlan(vocabulary.tokenBytes(id), plan));
      if (planned.length > 0) return { kind: 'allow', ids: planned };
      this.plan = null; // not reachable: the chosen piece walks the same rules
    }
    return { kind: 'allow', ids: kept };
  }

  /**
   * At the start of a copied piece (a value, a path segment): every piece the
   * rules allow, as tokens with the token counts it may end at, for the
   * generation loop to score whole (llm/sampling/alternatives.ts). Closers:
   * the closing quote, and '/' for a path segment (another one follows).
   */
  alternatives(): Alternatives | null {
    this.offered = null;
    const piece = this.piece;
    if (piece.kind !== 'start' || this.plan !== null) return null;
    const region = this.inner.masks.grammar.dfa.region[this.inner.cursor.state]!;
    const mode = region >= 0 ? this.modes[region]! : 'free';
    if (mode === 'free') return null;
    const vocabulary = this.inner.masks.vocabulary;
    const seen = new Set<string>();
    const candidates: { tokens: Int32Array; ends: Int32Array }[] = [];
    for (let start = 0; start < this.text.length; start++) {
      if (!startsWord(this.text, start) || start === piece.banned || (mode === 'whole' && (this.quoted.inside[start] === 1 || this.used[start] === 1))) continue;
      const ends = this.pieceEnds(start, region, mode);
      if (ends.length === 0) continue;
      const bytes = this.text.subarray(start, ends[ends.length - 1]);
      const key = `${String.fromCharCode(...bytes)}|${ends.map((end) => end - start).join(',')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const tokens = this.inner.tokenize(bytes);
      // the ends that fall between tokens (a prefix of the longest form's tokens spells them)
      const counts: number[] = [];
      let spelled = 0;
      for (let count = 1, next = 0; count <= tokens.length; count++) {
        spelled += vocabulary.tokenBytes(tokens[count - 1]!).length;
        while (next < ends.length && ends[next]! - start < spelled) next++;
        if (next < ends.length && ends[next]! - start === spelled) counts.push(count);
      }
      if (counts.length > 0) candidates.push({ tokens, ends: Int32Array.from(counts) });
    }
    if (candidates.length === 0) return null;
    const closers = mode === 'path' ? [SLASH, QUOTE] : [QUOTE];
    this.offered = { tokens: candidates.map((c) => c.tokens), closers };
    return { candidates, closers: closers.map((byte) => vocabulary.idsStartingWith(byte)) };
  }

  /** take offered candidate `candidate` up to `count` tokens, closed the `closer`-th way: the masks now spell exactly that */
  choose(candidate: number, count: number, closer: number): void {
    const offered = this.offered;
    const tokens = offered?.tokens[candidate];
    if (offered === null || tokens === undefined || !Number.isInteger(count) || count < 1 || count > tokens.length || offered.closers[closer] === undefined) {
      fail('arg.invalid', `no offered alternative ${candidate} (${count} tokens, closer ${closer})`, { candidate, count, closer });
    }
    const vocabulary = this.inner.masks.vocabulary;
    const pieces = Array.from(tokens.subarray(0, count), (id) => vocabulary.tokenBytes(id));
    const bytes = new Uint8Array(pieces.reduce((n, piece) => n + piece.length, 0) + 1);
    let at = 0;
    for (const piece of pieces) {
      bytes.set(piece, at);
      at += piece.length;
    }
    bytes[at] = offered.closers[closer]!;
    this.plan = { bytes, at: 0 };
    this.offered = null;
  }

  accept(id: number): void {
    const vocabulary = this.inner.masks.vocabulary;
    const known = Number.isInteger(id) && id >= 0 && id < vocabulary.size;
    // a token the grammar forces (e.g. the closing quote at a value's longest) is taken whatever the copy rules say
    const forced = known && this.inner.continuationTokens(1)[0] === id;
    const effects: WalkEffects = { finished: [], closed: [], body: this.body };
    const piece = !known || id === this.inner.masks.endTokenId ? this.piece : this.walk(vocabulary.tokenBytes(id), forced, effects);
    this.inner.accept(id); // the grammar rejects what it does not admit (typed error)
    if (piece === null) {
      fail('grammar.token_rejected', `token ${id} spells an argument that is not in the conversation (${this.inner.masks.grammar.dfa.context[this.inner.cursor.state]})`, { id });
    }
    this.piece = piece;
    if (piece.kind === 'start') this.quotations = 'whole';
    for (let i = 0; i < effects.finished.length; i += 2) this.used.fill(1, effects.finished[i]!, effects.finished[i]! + effects.finished[i + 1]!);
    for (const { region, value } of effects.closed) this.values.set(region, value);
    this.body = effects.body;
    this.offered = null;
    if (this.plan !== null && known) {
      const bytes = vocabulary.tokenBytes(id);
      this.plan.at += bytes.length;
      if (!followsPlan(bytes, { bytes: this.plan.bytes, at: this.plan.at - bytes.length }) || this.plan.at >= this.plan.bytes.length) this.plan = null;
    }
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

  /** whether the value of `region`, its body being `body` then `extra`, equals what it must differ from */
  private equalsForbidden(region: number, body: readonly number[], extra: ArrayLike<number>): boolean {
    const other = this.differs[region]!;
    const forbidden = other < 0 ? undefined : this.values.get(other);
    if (forbidden === undefined || forbidden.length !== body.length + extra.length) return false;
    for (let i = 0; i < body.length; i++) if (forbidden.charCodeAt(i) !== body[i]) return false;
    for (let i = 0; i < extra.length; i++) if (forbidden.charCodeAt(body.length + i) !== extra[i]) return false;
    return true;
  }

  /**
   * The piece state after `bytes` from the cursor, or null if they leave the
   * sources (or the grammar) inside a copied body; `forced` bytes are taken
   * anyway (a piece they break is released). What accepting the bytes would
   * change besides the piece goes into `effects`, when given.
   */
  private walk(bytes: Uint8Array, forced = false, effects?: WalkEffects): Piece | null {
    const dfa = this.inner.masks.grammar.dfa;
    const probe: GrammarCursor = { ...this.inner.cursor };
    let piece: Piece = this.piece;
    /** the body bytes these bytes add (after `this.body`, or from nothing once a value opens) */
    let body: readonly number[] = this.body;
    const extra: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      const from = dfa.region[probe.state]!;
      if (!dfa.step(probe, byte)) return null;
      const to = dfa.region[probe.state]!;
      if (from === to && to >= 0) extra.push(byte);
      else if (to >= 0) {
        body = [];
        extra.length = 0;
      }
      const mode = to >= 0 ? this.modes[to]! : 'free';
      if (mode === 'free') {
        // the closing quote of a value: its last piece ends a word (and a span pinned to a quotation runs to its end), and it is not a value it must differ from
        if (from >= 0 && from !== to && !forced && (!this.mayEnd(piece, this.modes[from]!) || this.equalsForbidden(from, body, extra))) return null;
        if (from >= 0 && from !== to && effects !== undefined) {
          noteFinished(piece, effects.finished);
          effects.closed.push({ region: from, value: String.fromCharCode(...body, ...extra) });
        }
        if (to < 0) piece = START; // outside any body: the next value starts afresh
        continue;
      }
      if (from !== to) {
        piece = START; // the opening quote
        continue;
      }
      if (mode === 'path' && byte === SLASH) {
        if (!this.mayEnd(piece, 'path') && !forced) return null;
        if (effects !== undefined) noteFinished(piece, effects.finished);
        piece = { kind: 'start', banned: soleStart(piece) }; // the next segment: not the same mention again
        continue;
      }
      if (piece.kind === 'free') continue;
      const span = this.advance(piece, byte, mode);
      if (span === null && !forced) return null;
      piece = span ?? FREE;
    }
    if (effects !== undefined) effects.body = [...body, ...extra];
    return piece;
  }

  /** the piece after one more byte, or null if no source span continues with it (to a place it may end) */
  private advance(piece: Exclude<Piece, { kind: 'free' }>, byte: number, mode: 'path' | 'whole'): Extract<Piece, { kind: 'span' }> | null {
    const finishes = this.finishes[mode];
    if (piece.kind === 'start') {
      const ends = this.after[byte]!.filter((end) => end - 1 !== piece.banned && finishes[end] === 1 && !(mode === 'whole' && (this.quoted.inside[end - 1] === 1 || this.used[end - 1] === 1)));
      return ends.length === 0 ? null : { kind: 'span', ends, length: 1 };
    }
    const text = this.text;
    const out: number[] = [];
    for (const p of piece.ends) {
      if (p >= text.length || text[p] !== byte || finishes[p + 1] !== 1 || (mode === 'whole' ? this.wholeStopsAt(p) : this.segmentStopsAt(p))) continue;
      if (byte === SPACE && !spaceContinues(text, p)) continue;
      // a quotation's closing mark is not part of what it quotes
      if (this.quotations === 'whole' && closesAt(this.text, p, openerBefore(this.text, p - piece.length))) continue;
      out.push(p + 1);
    }
    return out.length === 0 ? null : { kind: 'span', ends: Int32Array.from(out), length: piece.length + 1 };
  }

  /** whether a path segment stops before the byte at `at`: a space outside a quotation ("ideas.txt to" is no name) */
  private segmentStopsAt(at: number): boolean {
    return this.text[at] === SPACE && this.quoted.inside[at] !== 1;
  }

  /** whether a whole value stops before the byte at `at`: a quotation mark, a stretch an earlier argument took, or a space before one */
  private wholeStopsAt(at: number): boolean {
    return this.quoted.marks[at] === 1 || this.used[at] === 1 || (this.text[at] === SPACE && this.used[at + 1] === 1);
  }

  /**
   * Whether a piece (a path segment, a whole value) may end here: some span
   * it could be copied from ends a word and, for a whole value, does not stop
   * short of a quotation's closing mark when it opens right after the opening
   * one ('…' or \"…\" as escaped) — a quoted text is copied whole ("the
   * meeting is ca" cannot end there).
   */
  private mayEnd(piece: Piece, mode: 'path' | 'whole' | 'free'): boolean {
    if (piece.kind !== 'span' || mode === 'free') return true;
    for (const end of piece.ends) {
      if (!endsWord(this.text, end)) continue;
      if (mode === 'path' || this.quotations === 'cut') return true;
      const opener = openerBefore(this.text, end - piece.length);
      if (opener === 0 || closesAt(this.text, end, opener)) return true;
    }
    return false;
  }

  /**
   * The source positions a piece starting at `start` may end at, walking the
   * source as far as the body's grammar, the source, a path segment ('/'), a
   * quotation's closing mark and MAX_ALTERNATIVE_BYTES allow — the rules of
   * advance() and mayEnd() for one occurrence.
   */
  private pieceEnds(start: number, region: number, mode: 'path' | 'whole'): number[] {
    const dfa = this.inner.masks.grammar.dfa;
    const probe: GrammarCursor = { ...this.inner.cursor };
    const text = this.text;
    const opener = openerBefore(this.text, start);
    const ends: number[] = [];
    for (let at = start; at < text.length && at - start < MAX_ALTERNATIVE_BYTES; at++) {
      const byte = text[at]!;
      if (byte === SOURCE_BREAK || (mode === 'path' && byte === SLASH) || (mode === 'whole' ? this.wholeStopsAt(at) : this.segmentStopsAt(at))) break;
      if (at > start && closesAt(this.text, at, opener)) break;
      if (byte === SPACE && !spaceContinues(text, at)) break;
      if (!dfa.step(probe, byte) || dfa.region[probe.state] !== region) break;
      const whole = mode === 'path' || opener === 0 || closesAt(this.text, at + 1, opener);
      if (endsWord(text, at + 1) && whole && !this.equalsForbidden(region, this.body, text.subarray(start, at + 1))) ends.push(at + 1);
    }
    return ends;
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

/** the quotation mark a span starting at `start` opens with: an apostrophe not inside a word, an escaped double quote, or 0 */
function openerBefore(text: Uint8Array, start: number): number {
  if (start >= 1 && text[start - 1] === APOSTROPHE && (start < 2 || !isWordByte(text[start - 2]!))) return APOSTROPHE;
  return start >= 2 && text[start - 1] === QUOTE && text[start - 2] === BACKSLASH ? QUOTE : 0;
}

/** whether the source closes a quotation opened by `opener` at `at` (an apostrophe not followed by a letter: "don't" goes on) */
function closesAt(text: Uint8Array, at: number, opener: number): boolean {
  if (opener === APOSTROPHE) return text[at] === APOSTROPHE && (at + 1 >= text.length || !isWordByte(text[at + 1]!));
  return opener === QUOTE && text[at] === BACKSLASH && text[at + 1] === QUOTE;
}

/**
 * The quotations of the sources ('…' and \"…\" as escaped, each closed
 * before its source ends): `inside` [text.length] 1 on every byte of a
 * quotation but its first, `marks` [text.length + 1] 1 on the bytes of its
 * opening and closing marks.
 */
function quotationMap(text: Uint8Array): { readonly inside: Uint8Array; readonly marks: Uint8Array } {
  const inside = new Uint8Array(text.length);
  const marks = new Uint8Array(text.length + 1);
  for (let start = 1; start < text.length; start++) {
    const opener = openerBefore(text, start);
    if (opener === 0) continue;
    let close = start;
    while (close < text.length && text[close] !== SOURCE_BREAK && !closesAt(text, close, opener)) close++;
    if (close >= text.length || text[close] === SOURCE_BREAK) continue;
    const markBytes = opener === QUOTE ? 2 : 1;
    marks.fill(1, start - markBytes, start);
    marks.fill(1, close, close + markBytes);
    inside.fill(1, start + 1, close);
    start = close + markBytes; // (the byte after a closing \" is not an opening)
  }
  return { inside, marks };
}

/** a byte that joins two words into one name: "old-list", "meeting_notes", "notes.txt", "sam@work", "list.txt's" */
const isJoiner = (byte: number | undefined): boolean => byte === 0x2d || byte === 0x5f || byte === 0x2e || byte === 0x40 || byte === APOSTROPHE;
/** a quotation mark as the escaped sources spell it: ' or \" */
const isQuoteMark = (text: Uint8Array, at: number): boolean => text[at] === APOSTROPHE || (text[at] === BACKSLASH && text[at + 1] === QUOTE);

/**
 * Whether a piece may start at `at`: not inside a word or a joined name (right
 * after a letter or digit, or after a joiner that follows one), not on a
 * space, a quotation mark or between sources.
 */
function startsWord(text: Uint8Array, at: number): boolean {
  if (at > 0 && isWordByte(text[at - 1]!)) return false;
  if (at > 1 && isJoiner(text[at - 1]) && isWordByte(text[at - 2]!) && isWordByte(text[at]!)) return false;
  return text[at] !== SPACE && text[at] !== SOURCE_BREAK && !isQuoteMark(text, at);
}

/** whether a piece may hold the space at `at`: a word follows it */
function spaceContinues(text: Uint8Array, at: number): boolean {
  return at + 1 < text.length && isWordByte(text[at + 1]!);
}

/**
 * [text.length + 1] 1 where a piece that reached this position can go on copying to a place it may
 * end (see `finishes`): a whole value stops at quotation marks, a path segment at '/' and at a space
 * outside a quotation
 */
function finishable(text: Uint8Array, mode: 'path' | 'whole', quoted: { readonly inside: Uint8Array; readonly marks: Uint8Array }): Uint8Array {
  const out = new Uint8Array(text.length + 1);
  for (let at = text.length; at >= 1; at--) {
    const byte = text[at];
    const stops = mode === 'path' ? byte === SLASH || (byte === SPACE && quoted.inside[at] !== 1) : quoted.marks[at] === 1;
    const blocked = byte === SOURCE_BREAK || stops || (byte === SPACE && !spaceContinues(text, at));
    const goesOn = at < text.length && !blocked && out[at + 1] === 1;
    out[at] = endsWord(text, at) || goesOn ? 1 : 0;
  }
  return out;
}

/**
 * Whether a piece may end just before `at`: not inside a word or a joined
 * name (between two letters or digits, or at a joiner between two), not
 * after a space, a quotation mark or inside an escape (\").
 */
function endsWord(text: Uint8Array, at: number): boolean {
  if (at < text.length && isWordByte(text[at]!) && isWordByte(text[at - 1]!)) return false;
  if (isJoiner(text[at]) && at + 1 < text.length && isWordByte(text[at + 1]!) && isWordByte(text[at - 1]!)) return false;
  if (isJoiner(text[at - 1]) && at >= 2 && at < text.length && isWordByte(text[at]!) && isWordByte(text[at - 2]!)) return false;
  return text[at - 1] !== SPACE && text[at - 1] !== APOSTROPHE && text[at - 1] !== BACKSLASH && !(text[at - 1] === QUOTE && text[at - 2] === BACKSLASH);
}

/** whether a token's bytes spell the plan's next bytes (a token may run on past its end) */
function followsPlan(bytes: Uint8Array, plan: { readonly bytes: Uint8Array; readonly at: number }): boolean {
  const n = Math.min(bytes.length, plan.bytes.length - plan.at);
  if (bytes.length === 0) return false;
  for (let i = 0; i < n; i++) if (bytes[i] !== plan.bytes[plan.at + i]) return false;
  return true;
}

/** what accepting a token changes besides the piece (walk fills it) */
interface WalkEffects {
  /** pieces that ended and could only have come from one place: start, length, start, length, … */
  readonly finished: number[];
  /** values closed on the way: their region and body bytes */
  readonly closed: { readonly region: number; readonly value: string }[];
  /** the body of the value being written after the bytes */
  body: readonly number[];
}

/** record a piece that ended and had one possible start, as (start, length) */
function noteFinished(piece: Piece, finished: number[]): void {
  const start = soleStart(piece);
  if (start >= 0 && piece.kind === 'span') finished.push(start, piece.length);
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
