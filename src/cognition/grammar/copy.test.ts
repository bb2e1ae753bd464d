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
import type { ToolParam, ToolSpec } from '../tool-spec.ts';

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
 * escaped sources, at a word start other than the sole mention the previous path segment came from,
 * without running over the closing mark of a quotation it starts right after, with a word after
 * each space, and such that copying on reaches a word's end; a piece may end only where such an
 * occurrence ends a word, and a whole value only where it is also unquoted or reaches its closing
 * mark. A whole value starts inside no quotation but at its start and runs over no quotation mark
 * and nothing an earlier argument copied from one place; a path segment holds a space only inside a
 * quotation. (Words: letters, digits and UTF-8; "-_.@'"
 * between two of them join one name.)
 */
function prefixCopies(text: Uint8Array, sources: readonly string[]): boolean {
  const joined = Buffer.concat(sources.flatMap((s) => [Buffer.from(JSON.stringify(s).slice(1, -1)), Buffer.from('\n')]));
  const word = (byte: number | undefined): boolean => byte !== undefined && (/[A-Za-z0-9]/.test(String.fromCharCode(byte)) || byte >= 0x80);
  const opener = (at: number): string => (joined[at - 1] === 0x27 && !word(joined[at - 2]) ? "'" : joined[at - 1] === 0x22 && joined[at - 2] === 0x5c ? '"' : '');
  const closes = (at: number, mark: string): boolean => (mark === "'" ? joined[at] === 0x27 && !word(joined[at + 1]) : mark === '"' && joined[at] === 0x5c && joined[at + 1] === 0x22);
  const joiner = (byte: number | undefined): boolean => byte !== undefined && "-_.@'".includes(String.fromCharCode(byte));
  const quoteMark = (at: number): boolean => joined[at] === 0x27 || (joined[at] === 0x5c && joined[at + 1] === 0x22);
  const startsWord = (at: number): boolean =>
    !word(joined[at - 1]) && !(joiner(joined[at - 1]) && word(joined[at - 2]) && word(joined[at])) && joined[at] !== 0x20 && joined[at] !== 0x0a && !quoteMark(at);
  // a space only with one more word after it in the source
  const spacesContinue = (at: number, length: number): boolean => {
    for (let c = at; c < at + length; c++) if (joined[c] === 0x20 && !word(joined[c + 1])) return false;
    return true;
  };
  // copying on from `end` reaches a place the piece may end
  const finishes = (end: number, path: boolean): boolean => {
    for (let q = end; ; q++) {
      if (endsWord(q)) return true;
      if (q >= joined.length || joined[q] === 0x0a || (path && (joined[q] === 0x2f || (joined[q] === 0x20 && !inside.has(q)))) || (!path && marks.has(q)) || (joined[q] === 0x20 && !word(joined[q + 1]))) return false;
    }
  };
  const endsWord = (at: number): boolean =>
    !(word(joined[at]) && word(joined[at - 1])) && !(joiner(joined[at]) && word(joined[at + 1]) && word(joined[at - 1])) &&
    !(joiner(joined[at - 1]) && word(joined[at - 2]) && word(joined[at])) &&
    joined[at - 1] !== 0x20 && joined[at - 1] !== 0x27 && joined[at - 1] !== 0x5c && !(joined[at - 1] === 0x22 && joined[at - 2] === 0x5c);
  // quotations (each closed in its own source): whole values start inside one only at its start and run over no mark
  const inside = new Set<number>();
  const marks = new Set<number>();
  const latin1 = joined.toString('latin1');
  for (const [pattern, width] of [[/\\"([^\n]*?)\\"/g, 2], [/(?<![A-Za-z0-9\x80-\xff])'((?:[^'\n]|'(?=[A-Za-z0-9\x80-\xff]))*?)'(?![A-Za-z0-9\x80-\xff])/g, 1]] as const) {
    for (const match of latin1.matchAll(pattern)) {
      const start = match.index + width;
      const close = start + match[1]!.length;
      for (let m = start - width; m < start; m++) marks.add(m);
      for (let m = close; m < close + width; m++) marks.add(m);
      for (let m = start + 1; m < close; m++) inside.add(m);
    }
  }
  // what earlier arguments copied from one place only
  const used = new Set<number>();
  const markUsed = (piece: number[], banned: number, path: boolean): void => {
    const found = occurrences(piece, banned, path);
    if (found.length === 1) for (let c = found[0]!; c < found[0]! + piece.length; c++) used.add(c);
  };
  const occurrences = (piece: number[], banned: number, path: boolean): number[] => {
    const out: number[] = [];
    if (piece.length === 0) return out;
    const needle = Buffer.from(piece);
    for (let at = joined.indexOf(needle); at >= 0; at = joined.indexOf(needle, at + 1)) {
      let crosses = false;
      for (let c = at + 1; c < at + piece.length; c++) if (closes(c, opener(at))) crosses = true;
      let stops = false; // a whole value runs over no quotation mark and nothing an earlier argument took
      for (let c = at; c < at + piece.length; c++) if (marks.has(c) || used.has(c) || (joined[c] === 0x20 && used.has(c + 1))) stops = true;
      let spaced = false; // a path segment holds a space only inside a quotation
      for (let c = at; c < at + piece.length; c++) if (joined[c] === 0x20 && !inside.has(c)) spaced = true;
      const quotesOk = path ? !spaced : !inside.has(at) && !stops;
      if (at !== banned && !crosses && quotesOk && startsWord(at) && spacesContinue(at, piece.length) && finishes(at + piece.length, path)) out.push(at);
    }
    return out;
  };
  const mayEnd = (piece: number[], banned: number, whole: boolean): boolean =>
    piece.length === 0 || occurrences(piece, banned, !whole).some((at) => endsWord(at + piece.length) && (!whole || opener(at) === '' || closes(at + piece.length, opener(at))));
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
    const leftCopied = left !== undefined && left.wording !== 'model' && (left.type.kind === 'path' || left.type.kind === 'string' || left.type.kind === 'recipient');
    if (leftCopied && from !== to && !mayEnd(piece, banned, left.type.kind !== 'path')) return false;
    if (leftCopied && from !== to && piece.length > 0) markUsed(piece, banned, left.type.kind === 'path');
    if (copied && from === to && param.type.kind === 'path' && byte === 0x2f) {
      if (!mayEnd(piece, banned, false)) return false;
      markUsed(piece, banned, true);
      const previous = occurrences(piece, banned, true);
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
    if (occurrences(piece, banned, param.type.kind === 'path').length === 0) return false;
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
  // no text starts inside the quotation or runs into it from outside
  const inside = copyConstraint();
  runTurnPrefix(inside, '<tool_call>\n{"name": "share.send", "arguments": {"to": "bob", "text": "');
  assert.ok(!allowedIds(inside.nextMask(), vocabulary.size).includes(encode('you')[0]!), '"you at 8" starts inside the quotation');
  assert.ok(!allowedIds(inside.nextMask(), vocabulary.size).includes(encode('bob')[0]!), '"bob" is the recipient already: the text does not copy it again');
  const across = copyConstraint();
  runTurnPrefix(across, '<tool_call>\n{"name": "share.send", "arguments": {"to": "me", "text": "send bob');
  assert.ok(!allowedIds(across.nextMask(), vocabulary.size).some((id) => vocabulary.tokenBytes(id)[0] === 0x20), '"send bob" cannot run on into the quotation');
  // an unquoted span ends at any word's end: "bob" after "send", not "bo"
  const unquoted = copyConstraint();
  runTurnPrefix(unquoted, '<tool_call>\n{"name": "share.send", "arguments": {"to": "bo');
  assert.ok(!allowedIds(unquoted.nextMask(), vocabulary.size).some((id) => vocabulary.tokenBytes(id)[0] === 0x22), 'not inside "bob"');
  runTurnPrefix(unquoted, 'b');
  assert.ok(allowedIds(unquoted.nextMask(), vocabulary.size).some((id) => vocabulary.tokenBytes(id)[0] === 0x22));
});

test('whole words: a piece starts where a word starts and ends where one ends', () => {
  const constraint = copyConstraint(['Delete log.txt in the old folder', '/home']);
  runTurnPrefix(constraint, '<tool_call>\n{"name": "fs.read", "arguments": {"path": "/home/');
  const allowed = allowedIds(constraint.nextMask(), vocabulary.size);
  const starts = new Set(Array.from(allowed, (id) => String.fromCharCode(vocabulary.tokenBytes(id)[0]!)));
  for (const first of ['D', 'l', 'i', 't', 'o', 'f']) assert.ok(starts.has(first), `a segment may start with ${first}`);
  for (const inside of ['e', 'g', 'x', 'd', 'r']) assert.ok(!starts.has(inside), `no segment starts inside a word (${inside})`);
  runTurnPrefix(constraint, 'ol');
  assert.ok(!allowedIds(constraint.nextMask(), vocabulary.size).some((id) => vocabulary.tokenBytes(id)[0] === 0x2f), '"ol" does not end a word');
  runTurnPrefix(constraint, 'd/log');
  const afterLog = allowedIds(constraint.nextMask(), vocabulary.size);
  assert.ok(!afterLog.some((id) => vocabulary.tokenBytes(id)[0] === 0x22), '"log" is part of the name "log.txt"');
  runTurnPrefix(constraint, '.txt');
  const afterName = allowedIds(constraint.nextMask(), vocabulary.size);
  assert.ok(afterName.some((id) => vocabulary.tokenBytes(id)[0] === 0x22), '"log.txt" ends a name');
  assert.ok(!afterName.some((id) => vocabulary.tokenBytes(id)[0] === 0x20), 'a path segment takes no unquoted space ("log.txt in")');
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

test('alternatives: at a piece start every whole piece the rules allow, each one spelled exactly once chosen', () => {
  const constraint = copyConstraint();
  runTurnPrefix(constraint, '<tool_call>\n{"name": "share.send", "arguments": {"to": "bob", "text": "');
  const offered = constraint.alternatives();
  assert.ok(offered !== null);
  const texts = offered.candidates.map((c) => new TextDecoder().decode(Uint8Array.from(Array.from(c.tokens).flatMap((id) => [...vocabulary.tokenBytes(id)]))));
  const endsOf = (text: string): string[] => {
    const candidate = offered.candidates[texts.indexOf(text)]!;
    return Array.from(candidate.ends, (count) => new TextDecoder().decode(Uint8Array.from(Array.from(candidate.tokens.subarray(0, count)).flatMap((id) => [...vocabulary.tokenBytes(id)]))));
  };
  // a quotation is offered whole; an unquoted stretch ends at any word's end (within its source)
  assert.deepEqual(endsOf('see you at 8'), ['see you at 8']);
  assert.deepEqual(endsOf('show me agenda.md in my'), ['show', 'show me', 'show me agenda.md', 'show me agenda.md in', 'show me agenda.md in my']); // (the test grammar's strings hold five words)
  assert.ok(!texts.some((t) => /^(eeting|md|txt|\\| )/.test(t)), 'no piece starts inside a word or a name, on a quotation mark or a space');
  assert.ok(!texts.some((t) => /(\\|\\"| )$/.test(t)), 'no piece ends inside an escape, on a quotation mark or a space');
  assert.equal(offered.closers.length, 1);
  // choosing any end of any candidate makes the masks spell exactly it, then the closing quote
  const rng = new Rng(8);
  for (let trial = 0; trial < 12; trial++) {
    const candidate = rng.int(0, offered.candidates.length - 1);
    const ends = offered.candidates[candidate]!.ends;
    const count = ends[rng.int(0, ends.length - 1)]!;
    const chosen = copyConstraint();
    runTurnPrefix(chosen, '<tool_call>\n{"name": "share.send", "arguments": {"to": "bob", "text": "');
    chosen.alternatives();
    chosen.choose(candidate, count, 0);
    const text = runTurn(chosen, (allowed) => allowed[0]!);
    const value = parseActionTurn(`<tool_call>\n{"name": "share.send", "arguments": {"to": "bob", "text": "${text}`, grammar)[0]!.args['text'];
    const expected = new TextDecoder().decode(Uint8Array.from(Array.from(offered.candidates[candidate]!.tokens.subarray(0, count)).flatMap((id) => [...vocabulary.tokenBytes(id)])));
    assert.equal(value, expected);
  }
});

test('alternatives: a path segment closes with "/" (another segment) or the quote; none inside a plan or outside a copied body', () => {
  const constraint = copyConstraint();
  runTurnPrefix(constraint, '<tool_call>\n{"name": "fs.read", "arguments": {"path": "/home/');
  const offered = constraint.alternatives()!;
  assert.deepEqual(offered.closers.map((ids) => new Set(Array.from(ids, (id) => vocabulary.tokenBytes(id)[0]))), [new Set([0x2f]), new Set([0x22])]);
  const meetings = offered.candidates.findIndex((c) => c.tokens[0] === encode('meetings')[0] && c.ends[0] === 1);
  assert.ok(meetings >= 0, '"meetings" is offered');
  constraint.choose(meetings, 1, 0);
  assert.equal(constraint.alternatives(), null, 'a chosen piece is being written');
  runTurnPrefix(constraint, 'meetings/');
  assert.ok(constraint.alternatives() !== null, 'the next segment is a new choice');
  const outside = copyConstraint();
  for (const id of outside.forcedTokens(64)) outside.accept(id);
  assert.equal(outside.alternatives(), null, 'the tool name is not copied');
  assert.throws(() => outside.choose(0, 1, 0), (error: unknown) => isChimaeraError(error) && error.code === 'arg.invalid');
});

test('differsFrom: fs.move\'s "to" may not close equal to its "from", and no alternative offers that', () => {
  const pathParam = (name: string, differsFrom?: string): ToolParam => ({ name, type: { kind: 'path', maxLength: 40 }, description: name, role: 'target', ...(differsFrom === undefined ? {} : { differsFrom }) });
  const move: ToolSpec = { name: 'fs.move', description: 'move', params: [pathParam('from'), pathParam('to', 'from')], risk: 'write', needs: () => [], run: () => Promise.reject(new Error('not run')) };
  const moveMasks = new GrammarMasks(compileActionGrammar([move], TEST_GRAMMAR_OPTIONS), vocabulary, { endTokenId });
  const sources = copySources([{ role: 'user', content: 'rename notes/todo.txt to done.txt' }]);
  const constraint = new CopyConstraint(new GrammarConstraint(moveMasks, { encode }), sources);
  runTurnPrefix(constraint, '<tool_call>\n{"name": "fs.move", "arguments": {"from": "/home/notes/todo.txt", "to": "/home/notes/');
  const offered = constraint.alternatives()!;
  const spelled = (tokens: Int32Array, count: number): string => new TextDecoder().decode(Uint8Array.from(Array.from(tokens.subarray(0, count)).flatMap((id) => [...vocabulary.tokenBytes(id)])));
  const ends = offered.candidates.flatMap((c) => Array.from(c.ends, (count) => spelled(c.tokens, count)));
  assert.ok(ends.includes('done.txt'), 'the new name is offered');
  assert.ok(!ends.includes('todo.txt'), 'the old name is not: "to" would equal "from"');
  runTurnPrefix(constraint, 'todo.txt');
  assert.ok(!allowedIds(constraint.nextMask(), vocabulary.size).some((id) => vocabulary.tokenBytes(id)[0] === 0x22), '"to" cannot close equal to "from"');
  const other = new CopyConstraint(new GrammarConstraint(moveMasks, { encode }), sources);
  runTurnPrefix(other, '<tool_call>\n{"name": "fs.move", "arguments": {"from": "/home/notes/todo.txt", "to": "/home/notes/done.txt');
  assert.ok(allowedIds(other.nextMask(), vocabulary.size).some((id) => vocabulary.tokenBytes(id)[0] === 0x22));
});
