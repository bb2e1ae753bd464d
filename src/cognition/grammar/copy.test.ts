// Copied arguments (copy.ts) on the default model's 2,048-token vocabulary:
// the mask equals a slow twin that re-reads the whole turn at every step;
// random and adversarial models only ever write values spelled from the
// sources (paths segment by segment), while reply text stays free; the right
// value is still reachable; a token outside the sources is a typed error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isChimaeraError, Rng } from '../../common/index.ts';
import { Tokenizer } from '../../llm/index.ts';
import { copyArgumentsFromMetadata } from '../llm-planner.ts';
import { compileActionGrammar } from './compile.ts';
import { GrammarConstraint } from './constraint.ts';
import { CopyConstraint, copySources } from './copy.ts';
import { allowedIds, GrammarMasks } from './mask.ts';
import { parseActionTurn } from './parse.ts';
import { TEST_GRAMMAR_OPTIONS, TEST_TOOLS } from './test-tools.ts';
import { TokenVocabulary } from './vocabulary.ts';

const root = new URL('../../../models/default/', import.meta.url);
const tokenizer = Tokenizer.fromTokenizerJson(JSON.parse(readFileSync(new URL('tokenizer.json', root), 'utf8')), JSON.parse(readFileSync(new URL('tokenizer_config.json', root), 'utf8')));
const vocabulary = TokenVocabulary.fromTokenizer(tokenizer);
const endTokenId = tokenizer.specialTokens.get('<|im_end|>')!;
const TOOLS = TEST_TOOLS.map((tool) => tool.name === 'reply' ? { ...tool, params: tool.params.map((p) => ({ ...p, wording: 'model' as const })) } : tool);
const grammar = compileActionGrammar(TOOLS, TEST_GRAMMAR_OPTIONS);
const masks = new GrammarMasks(grammar, vocabulary, { endTokenId });
const encode = (text: string): number[] => tokenizer.encode(text, { specialTokens: 'as-text' });

const REQUEST = 'show me agenda.md in my meetings folder, then send bob "see you at 8"';
const SOURCES = copySources([{ role: 'system', content: 'You are ChimaeraOS.' }, { role: 'user', content: REQUEST }, { role: 'tool', content: 'notes.txt (12 bytes)' }]);

function copyConstraint(sources: readonly string[] = SOURCES): CopyConstraint {
  return new CopyConstraint(new GrammarConstraint(masks, { encode }), sources);
}

/**
 * The slow twin: re-walk the whole turn prefix. Every piece of a copied argument must occur in the
 * escaped sources, at a start other than the sole mention the previous path segment came from, without
 * running over the closing mark of a quotation it starts right after; a whole value may end only where
 * such an occurrence is unquoted or reaches its closing mark.
 */
function prefixCopies(text: Uint8Array, sources: readonly string[]): boolean {
  const joined = Buffer.concat(sources.flatMap((s) => [Buffer.from(JSON.stringify(s).slice(1, -1)), Buffer.from('\n')]));
  const word = (byte: number | undefined): boolean => byte !== undefined && (/[A-Za-z0-9]/.test(String.fromCharCode(byte)) || byte >= 0x80);
  const opener = (at: number): string => (joined[at - 1] === 0x27 && !word(joined[at - 2]) ? "'" : joined[at - 1] === 0x22 && joined[at - 2] === 0x5c ? '"' : '');
  const closes = (at: number, mark: string): boolean => (mark === "'" ? joined[at] === 0x27 && !word(joined[at + 1]) : mark === '"' && joined[at] === 0x5c && joined[at + 1] === 0x22);
  const occurrences = (piece: number[], banned: number): number[] => {
    const out: number[] = [];
    if (piece.length === 0) return out;
    const needle = Buffer.from(piece);
    for (let at = joined.indexOf(needle); at >= 0; at = joined.indexOf(needle, at + 1)) {
      let crosses = false;
      for (let c = at + 1; c < at + piece.length; c++) if (closes(c, opener(at))) crosses = true;
      if (at !== banned && !crosses) out.push(at);
    }
    return out;
  };
  const mayEnd = (piece: number[], banned: number): boolean =>
    piece.length === 0 || occurrences(piece, banned).some((at) => opener(at) === '' || closes(at + piece.length, opener(at)));
  const dfa = grammar.dfa;
  const cursor = dfa.startCursor();
  let piece: number[] = [];
  let banned = -1;
  for (const byte of text) {
    const from = dfa.region[cursor.state]!;
    if (!dfa.step(cursor, byte)) return false;
    const to = dfa.region[cursor.state]!;
    const param = to >= 0 ? grammar.valueRegions[to]!.param : undefined;
    const copied = param !== undefined && param.wording !== 'model' && (param.type.kind === 'path' || param.type.kind === 'string' || param.type.kind === 'recipient');
    const left = from >= 0 ? grammar.valueRegions[from]!.param : undefined;
    if (left !== undefined && from !== to && left.wording !== 'model' && (left.type.kind === 'string' || left.type.kind === 'recipient') && !mayEnd(piece, banned)) return false;
    if (copied && from === to && param.type.kind === 'path' && byte === 0x2f) {
      const previous = occurrences(piece, banned);
      banned = previous.length === 1 ? previous[0]! : -1;
      piece = [];
      continue;
    }
    if (!copied || from !== to) {
      piece = [];
      banned = -1;
      continue;
    }
    piece.push(byte);
    if (occurrences(piece, banned).length === 0) return false;
  }
  return true;
}

/** one turn: at every choice pick an allowed token (by `choose`), checking each mask against the slow twin if asked */
function runTurn(constraint: CopyConstraint, choose: (allowed: Int32Array, step: number) => number, options: { checkTwin?: boolean; sources?: readonly string[] } = {}): string {
  const bytes: number[] = [];
  for (let step = 0; step < 400 && !constraint.isComplete(); step++) {
    const forced = constraint.forcedTokens(64);
    if (forced.length > 0) {
      for (const id of forced) {
        constraint.accept(id);
        bytes.push(...vocabulary.tokenBytes(id));
      }
      continue;
    }
    const allowed = allowedIds(constraint.nextMask(), vocabulary.size);
    if (options.checkTwin === true) {
      const inner = allowedIds(masks.maskAt(constraint.cursor), vocabulary.size);
      const twin = inner.filter((id) => id === endTokenId || prefixCopies(Uint8Array.from([...bytes, ...vocabulary.tokenBytes(id)]), options.sources ?? SOURCES));
      if (twin.length > 0) assert.deepEqual([...allowed], [...twin], `mask after ${JSON.stringify(new TextDecoder().decode(Uint8Array.from(bytes)))}`);
    }
    const id = choose(allowed, step);
    constraint.accept(id);
    if (id === endTokenId) break;
    bytes.push(...vocabulary.tokenBytes(id));
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

function valuesCopied(text: string, sources: readonly string[]): void {
  for (const call of parseActionTurn(text, grammar)) {
    for (const param of TOOLS.find((t) => t.name === call.tool)!.params) {
      const value = call.args[param.name];
      const kind = param.type.kind;
      if (typeof value !== 'string' || param.wording === 'model' || (kind !== 'path' && kind !== 'string' && kind !== 'recipient')) continue;
      const pieces = param.type.kind === 'path' ? value.split('/').filter((p) => p !== '') : [value];
      for (const piece of pieces) assert.ok(sources.some((s) => s.includes(piece)), `${call.tool}.${param.name} = ${JSON.stringify(value)}: ${JSON.stringify(piece)} is not in the sources`);
    }
  }
}

test('sources: user and tool messages plus /home, not the system rule', () => {
  assert.deepEqual(SOURCES, [REQUEST, 'notes.txt (12 bytes)', '/home']);
});

test('the mask equals the slow twin at every step of random turns, and every copied value comes from the sources', () => {
  const rng = new Rng(11);
  for (let turn = 0; turn < 12; turn++) {
    const text = runTurn(copyConstraint(), (allowed) => allowed[rng.int(0, allowed.length - 1)]!, { checkTwin: turn < 6 });
    valuesCopied(text, SOURCES);
  }
});

test('an adversary that always wants a name from elsewhere still writes only copied values; reply text stays free', () => {
  const wanted = new Set(encode(' trip kelo zuzu wifi password').filter((id) => id !== endTokenId));
  const rng = new Rng(5);
  let sawFreeReply = false;
  for (let turn = 0; turn < 10; turn++) {
    const text = runTurn(copyConstraint(), (allowed) => allowed.find((id) => wanted.has(id)) ?? allowed[rng.int(0, allowed.length - 1)]!);
    valuesCopied(text, SOURCES);
    for (const call of parseActionTurn(text, grammar)) if (call.tool === 'reply' && !SOURCES.some((s) => s.includes(String(call.args['text'])))) sawFreeReply = true;
  }
  assert.ok(sawFreeReply, 'reply text is not constrained to the sources');
});

test('the right values stay reachable: a path built from two spans of the request, a recipient and a quoted text', () => {
  for (const target of [
    '<tool_call>\n{"name": "fs.read", "arguments": {"path": "/home/meetings/agenda.md"}}\n</tool_call>',
    '<tool_call>\n{"name": "share.send", "arguments": {"to": "bob", "text": "see you at 8"}}\n</tool_call>',
  ]) {
    const constraint = copyConstraint();
    runTurnPrefix(constraint, target);
    constraint.accept(endTokenId);
    assert.ok(constraint.isComplete());
    assert.equal(constraint.textSoFar(), target);
  }
});

test('a quotation is copied whole: once a text can only come from the start of a quoted span it ends at the closing mark', () => {
  const constraint = copyConstraint();
  runTurnPrefix(constraint, '<tool_call>\n{"name": "share.send", "arguments": {"to": "bob", "text": "see you');
  const close = Array.from(allowedIds(constraint.nextMask(), vocabulary.size)).filter((id) => vocabulary.tokenBytes(id)[0] === 0x22);
  assert.deepEqual(close, [], 'no token may close the text inside the quotation');
  runTurnPrefix(constraint, ' at 8');
  const atEnd = Array.from(allowedIds(constraint.nextMask(), vocabulary.size));
  assert.ok(atEnd.some((id) => vocabulary.tokenBytes(id)[0] === 0x22), 'the closing mark is reached: the text may end');
  assert.ok(!atEnd.some((id) => vocabulary.tokenBytes(id)[0] === 0x5c), 'the closing mark itself (\\") is not copied into the text');
  // an unquoted span ends anywhere: "bob" after "send"
  const unquoted = copyConstraint();
  runTurnPrefix(unquoted, '<tool_call>\n{"name": "share.send", "arguments": {"to": "bo');
  assert.ok(allowedIds(unquoted.nextMask(), vocabulary.size).some((id) => vocabulary.tokenBytes(id)[0] === 0x22));
});

test('a path segment is not copied twice in a row from the same mention, but may be when the request says it twice', () => {
  const once = copyConstraint();
  runTurnPrefix(once, '<tool_call>\n{"name": "fs.read", "arguments": {"path": "/home/meetings/');
  const meetings = encode('meetings')[0]!;
  assert.ok(!allowedIds(once.nextMask(), vocabulary.size).includes(meetings), '"meetings" again from its only mention');
  const twice = copyConstraint([...SOURCES, 'meetings']);
  runTurnPrefix(twice, '<tool_call>\n{"name": "fs.read", "arguments": {"path": "/home/meetings/');
  assert.ok(allowedIds(twice.nextMask(), vocabulary.size).includes(meetings), 'a second mention may be copied');
});

test('a value not in the sources is refused: the mask leaves it out and accepting it anyway is a typed error', () => {
  const constraint = copyConstraint();
  for (const id of constraint.forcedTokens(64)) constraint.accept(id); // "<tool_call>\n{\"name\": \""
  const fsRead = encode('fs.read')[0]!;
  assert.ok(allowedIds(constraint.nextMask(), vocabulary.size).includes(fsRead));
  runTurnPrefix(constraint, 'fs.read", "arguments": {"path": "/home/');
  const trip = encode('zuzu')[0]!; // no "z" anywhere in the sources
  assert.ok(!allowedIds(constraint.nextMask(), vocabulary.size).includes(trip), '"zuzu" is not in the request');
  assert.throws(() => constraint.accept(trip), (error: unknown) => isChimaeraError(error) && error.code === 'grammar.token_rejected');
});

test('a piece no source span can spell (a comma in a path segment) is released to the grammar instead of an empty mask', () => {
  const sources = [',,,'];
  const rng = new Rng(3);
  for (let turn = 0; turn < 5; turn++) {
    const text = runTurn(copyConstraint(sources), (allowed) => allowed[rng.int(0, allowed.length - 1)]!);
    assert.ok(parseActionTurn(text, grammar).length >= 1);
  }
});

test('copyArgumentsFromMetadata: only "from-conversation" turns it on', () => {
  assert.equal(copyArgumentsFromMetadata(new Map([['chimaera.copy_arguments', 'from-conversation']])), 'from-conversation');
  assert.equal(copyArgumentsFromMetadata({ 'chimaera.copy_arguments': { value: 'from-conversation' } }), 'from-conversation');
  assert.equal(copyArgumentsFromMetadata(new Map([['chimaera.copy_arguments', 'yes']])), 'off');
  assert.equal(copyArgumentsFromMetadata(new Map()), 'off');
});

/** feed `text` by the longest allowed tokens (forced ones included) */
function runTurnPrefix(constraint: CopyConstraint, text: string): void {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  while (at < bytes.length) {
    const forced = constraint.forcedTokens(1);
    const candidates = forced.length > 0 ? forced : allowedIds(constraint.nextMask(), vocabulary.size);
    let best = -1;
    for (const id of candidates) {
      if (id === endTokenId) continue;
      const piece = vocabulary.tokenBytes(id);
      if (at + piece.length <= bytes.length && piece.every((b, i) => bytes[at + i] === b) && (best < 0 || piece.length > vocabulary.tokenBytes(best).length)) best = id;
    }
    assert.ok(best >= 0, `no token spells byte ${at} of ${text}`);
    constraint.accept(best);
    at += vocabulary.tokenBytes(best).length;
  }
}
