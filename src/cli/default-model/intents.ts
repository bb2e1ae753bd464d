/**
 * default-model/intents — the training templates: for every tool, request
 * phrasings with slots, the action they mean (tool + exact arguments), and
 * how the task goes on after the tool's observation (a reply that names
 * what was seen, an honest reply after an error or a refusal).
 *
 * How a request names things (the eval set follows the same conventions,
 * with its own phrasings):
 *   file /home/F/N   "/home/F/N", "F/N", "N in F", "N in my F folder", "N in the F folder"
 *   file /home/N     "/home/N", "N", "N in my home folder"
 *   folder /home/F   "/home/F", "my F folder", "the F folder", "F/"
 *   folder /home     "my home folder", "/home", "my files"
 * Message texts, written texts and search words are quoted ('…' or "…") or
 * follow a colon.
 */

import type { Rng } from '../../common/index.ts';
import type { ToolCall } from '../../cognition/index.ts';
import { fileName, folderName, messageText, query, recipient, SUBSYSTEMS } from './slots.ts';

/** one request and the first action it means */
export interface Intent {
  readonly request: string;
  readonly call: ToolCall;
  /** the observation the tool might give and the reply that follows it (absent: the call ends the task) */
  readonly followUps: readonly FollowUp[];
}

export interface FollowUp {
  /** tool result text as the daemon records it */
  readonly observation: string;
  readonly ok: boolean;
  readonly reply: string;
}

export interface PathRef {
  readonly path: string;
  readonly mention: string;
}

export function fileRef(rng: Rng): PathRef {
  const name = fileName(rng);
  if (rng.chance(0.2)) {
    const path = `/home/${name}`;
    return { path, mention: rng.pick([path, name, name, `${name} in my home folder`]) };
  }
  const folder = folderName(rng);
  const path = `/home/${folder}/${name}`;
  return { path, mention: rng.pick([path, path, `${folder}/${name}`, `${folder}/${name}`, `${name} in ${folder}`, `${name} in my ${folder} folder`, `${name} in the ${folder} folder`]) };
}

export function folderRef(rng: Rng): PathRef {
  if (rng.chance(0.12)) return { path: '/home', mention: rng.pick(['my home folder', '/home', 'my files', 'my home directory']) };
  const folder = folderName(rng);
  const path = `/home/${folder}`;
  return { path, mention: rng.pick([path, path, `my ${folder} folder`, `the ${folder} folder`, `${folder}/`, `my ${folder} directory`]) };
}

const quoted = (rng: Rng, text: string): string => rng.pick([`'${text}'`, `"${text}"`, `"${text}"`]);
const fill = (rng: Rng, templates: readonly string[], slots: Record<string, string>): string =>
  rng.pick(templates).replace(/\{(\w+)\}/g, (_, key: string) => slots[key] ?? `{${key}}`);
const capitalize = (text: string): string => (text.startsWith('/') || text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1));
/** a request as a user might type it: sometimes capitalised, sometimes with a final mark */
function polish(rng: Rng, text: string): string {
  let out = rng.chance(0.5) ? capitalize(text) : text;
  if (rng.chance(0.3)) out += rng.pick(['.', '?', ' please', ', thanks', '!']);
  else if (rng.chance(0.15)) out = rng.pick(['please ', 'can you ', 'could you ', 'hey, ']) + out;
  return out;
}

const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
const notFound = (path: string): FollowUp => ({ observation: `fs.not_found: ${path} does not exist`, ok: false, reply: `I could not find ${path}; it does not exist.` });
const denied = (rendered: string, what: string): FollowUp => ({
  observation: `daemon.consent_denied: ${rendered} was not allowed (the user said no)`, ok: false, reply: `I was not allowed to ${what}, so I did not do it.`,
});

// ── one generator per tool ─────────────────────────────────────────────────

function listIntent(rng: Rng): Intent {
  const folder = folderRef(rng);
  const request = fill(rng, [
    'list {f}', 'list the files in {f}', 'what is in {f}', "what's in {f}", 'show me {f}', 'show the contents of {f}', 'ls {f}',
    'which files are in {f}', 'what files do I have in {f}', 'open {f}', 'show what {f} contains', 'list everything in {f}',
  ], { f: folder.mention });
  const names = Array.from({ length: rng.int(0, 4) }, () => fileName(rng));
  const unique = [...new Set(names)].sort();
  const listing = unique.length === 0 ? '(empty folder)' : unique.map((n) => `${n} (${rng.int(3, 4000)} bytes)`).join('\n');
  const reply = unique.length === 0 ? `${folder.path} is empty.` : `${folder.path} has ${unique.length === 1 ? 'one file' : `${unique.length} files`}: ${unique.join(', ')}.`;
  return {
    request: polish(rng, request), call: { tool: 'fs.list', args: { path: folder.path } },
    followUps: [{ observation: `${folder.path}: ${unique.length} entries\n${listing}`, ok: true, reply }, notFound(folder.path)],
  };
}

function readIntent(rng: Rng): Intent {
  const file = fileRef(rng);
  const request = fill(rng, [
    'read {f}', 'show me {f}', 'open {f}', 'what does {f} say', 'print {f}', 'cat {f}', 'read me {f}', 'display {f}',
    "what's written in {f}", 'show the contents of {f}', 'read the file {f}', 'tell me what is in {f}',
  ], { f: file.mention });
  const content = messageText(rng);
  return {
    request: polish(rng, request), call: { tool: 'fs.read', args: { path: file.path } },
    followUps: [{ observation: content, ok: true, reply: `${baseName(file.path)} says: "${content}"` }, notFound(file.path)],
  };
}

function searchIntent(rng: Rng): Intent {
  const words = query(rng);
  const folder = rng.chance(0.5) ? folderRef(rng) : { path: '/home', mention: '' };
  const slots = { q: quoted(rng, words), w: words, f: folder.mention };
  const request = folder.mention === ''
    ? fill(rng, ['search for {q}', 'find files about {w}', 'find {q}', 'which files mention {q}', 'look for {q}', 'search my files for {q}', 'where did I write about {w}', 'find anything with {q}'], slots)
    : fill(rng, ['search {f} for {q}', 'find {q} in {f}', 'look for {q} in {f}', 'which files in {f} mention {q}', 'search for {q} in {f}'], slots);
  const hit = `${folder.path}/${fileName(rng)}`;
  return {
    request: polish(rng, request), call: { tool: 'fs.search', args: { path: folder.path, query: words } },
    followUps: [
      { observation: `${hit}: … ${words} …`, ok: true, reply: `I found ${JSON.stringify(words)} in ${hit}.` },
      { observation: `no file under ${folder.path} matches ${JSON.stringify(words)}`, ok: true, reply: `No file under ${folder.path} mentions ${JSON.stringify(words)}.` },
    ],
  };
}

function writeIntent(rng: Rng): Intent {
  const file = fileRef(rng);
  const text = messageText(rng);
  const request = fill(rng, [
    'write {t} to {f}', 'create {f} with the text {t}', 'save {t} in {f}', 'put {t} into {f}', 'make a file {f} saying {t}',
    'write {f}: {r}', 'create a new file {f} containing {t}', 'overwrite {f} with {t}', 'save a note {t} as {f}',
  ], { t: quoted(rng, text), r: text, f: file.mention });
  return {
    request: polish(rng, request), call: { tool: 'fs.write', args: { path: file.path, text } },
    followUps: [
      { observation: `wrote ${text.length} bytes to ${file.path}`, ok: true, reply: `Done: I wrote it to ${file.path}.` },
      denied(`fs.write(path=${JSON.stringify(file.path)}, text=${JSON.stringify(text)})`, `write ${file.path}`),
    ],
  };
}

function appendIntent(rng: Rng): Intent {
  const file = fileRef(rng);
  const text = messageText(rng);
  const request = fill(rng, [
    'add {t} to {f}', 'append {t} to {f}', 'add a line {t} to {f}', 'put {t} at the end of {f}', 'append to {f}: {r}',
    'add to {f}: {r}', 'note {t} in {f}', 'extend {f} with {t}',
  ], { t: quoted(rng, text), r: text, f: file.mention });
  return {
    request: polish(rng, request), call: { tool: 'fs.append', args: { path: file.path, text } },
    followUps: [
      { observation: `appended ${text.length} bytes to ${file.path}`, ok: true, reply: `Done: I added it to ${file.path}.` },
      denied(`fs.append(path=${JSON.stringify(file.path)}, text=${JSON.stringify(text)})`, `change ${file.path}`),
    ],
  };
}

function moveIntent(rng: Rng): Intent {
  const from = fileRef(rng);
  const rename = rng.chance(0.4);
  const to = rename ? { path: `${from.path.slice(0, from.path.lastIndexOf('/'))}/${fileName(rng)}`, mention: '' } : folderRef(rng);
  const target = rename ? to.path : `${to.path}/${baseName(from.path)}`;
  const request = rename
    ? fill(rng, ['rename {a} to {b}', 'rename {a} as {b}', 'change the name of {a} to {b}', 'move {a} to {c}'], { a: from.mention, b: baseName(target), c: target })
    : fill(rng, ['move {a} to {b}', 'move {a} into {b}', 'put {a} in {b}', 'file {a} under {b}', 'transfer {a} to {b}'], { a: from.mention, b: to.mention });
  return {
    request: polish(rng, request), call: { tool: 'fs.move', args: { from: from.path, to: target } },
    followUps: [
      { observation: `moved ${from.path} to ${target}`, ok: true, reply: `Done: ${from.path} is now ${target}.` },
      denied(`fs.move(from=${JSON.stringify(from.path)}, to=${JSON.stringify(target)})`, `move ${from.path}`),
      notFound(from.path),
    ],
  };
}

function deleteIntent(rng: Rng): Intent {
  const file = fileRef(rng);
  const request = fill(rng, ['delete {f}', 'remove {f}', 'erase {f}', 'get rid of {f}', 'trash {f}', 'rm {f}', 'throw away {f}', 'delete the file {f}'], { f: file.mention });
  return {
    request: polish(rng, request), call: { tool: 'fs.delete', args: { path: file.path } },
    followUps: [
      { observation: `deleted ${file.path}`, ok: true, reply: `Done: I deleted ${file.path}.` },
      denied(`fs.delete(path=${JSON.stringify(file.path)})`, `delete ${file.path}`),
      notFound(file.path),
    ],
  };
}

function recallIntent(rng: Rng): Intent {
  const words = query(rng);
  const request = fill(rng, [
    'what did I ask about {w}', 'do you remember {q}', 'recall {q}', 'what do you remember about {w}', 'did we talk about {w} before',
    'search your memory for {q}', 'remind me what we did about {w}', 'have I asked you about {w}',
  ], { w: words, q: quoted(rng, words) });
  return {
    request: polish(rng, request), call: { tool: 'memory.recall', args: { query: words } },
    followUps: [
      { observation: 'nothing in memory matches', ok: true, reply: `I do not remember anything about ${words}.` },
      { observation: `1. [task t${rng.int(1, 90)}, request] ${words} ${messageText(rng)}`, ok: true, reply: `Earlier you asked about ${words}.` },
    ],
  };
}

function klogIntent(rng: Rng): Intent {
  const shape = rng.int(0, 3);
  const last = rng.pick([5, 10, 10, 20, 30, 50]);
  const subsystem = rng.pick(SUBSYSTEMS);
  const slots = { n: String(last), s: subsystem };
  const [request, args] =
    shape === 0 ? [fill(rng, ['show the kernel log', 'read the system log', 'what does the log say', 'show me the klog', 'any errors in the log'], slots), {}]
    : shape === 1 ? [fill(rng, ['show the last {n} log lines', 'read the last {n} lines of the kernel log', 'last {n} klog entries', 'show {n} lines of the system log'], slots), { last }]
    : shape === 2 ? [fill(rng, ['show the {s} log', 'what does the log say about {s}', 'kernel log lines from {s}', 'read the {s} messages in the klog'], slots), { subsystem }]
    : [fill(rng, ['show the last {n} {s} log lines', 'last {n} lines of the {s} log', 'read {n} klog lines from {s}'], slots), { last, subsystem }];
  return {
    request: polish(rng, request), call: { tool: 'klog.read', args },
    followUps: [{ observation: `[info] ${subsystem}: mounted /home`, ok: true, reply: `The log says: ${subsystem}: mounted /home.` }, { observation: '(no log lines)', ok: true, reply: 'The log has no lines for that.' }],
  };
}

function timeIntent(rng: Rng): Intent {
  const request = rng.pick(['what time is it', "what's the time", 'what day is it today', "what's the date", 'tell me the time', 'what is the date today', 'current time', 'which day of the week is it', 'time now']);
  const hour = rng.int(0, 23);
  const minute = rng.int(0, 59);
  const stamp = `2026-0${rng.int(1, 9)}-1${rng.int(0, 9)}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00.000Z`;
  const day = rng.pick(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']);
  return {
    request: polish(rng, request), call: { tool: 'time.now', args: {} },
    followUps: [{ observation: `${stamp} (${day})`, ok: true, reply: `It is ${stamp.slice(11, 16)} UTC on ${day}, ${stamp.slice(0, 10)}.` }],
  };
}

function sendIntent(rng: Rng): Intent {
  const to = recipient(rng);
  const text = messageText(rng);
  const request = fill(rng, [
    'send {t} to {p}', 'tell {p} {t}', 'message {p}: {r}', 'send a message to {p} saying {t}', 'text {p} {t}', 'let {p} know {t}',
    'share {t} with {p}', 'write to {p}: {r}', 'send {p} the message {t}',
  ], { t: quoted(rng, text), r: text, p: to });
  return {
    request: polish(rng, request), call: { tool: 'share.send', args: { to, text } },
    followUps: [
      { observation: `sent ${text.length} bytes to ${to}`, ok: true, reply: `Sent to ${to}.` },
      denied(`share.send(to=${JSON.stringify(to)}, text=${JSON.stringify(text)})`, `send a message to ${to}`),
    ],
  };
}

export const INTENT_GENERATORS = {
  'fs.list': listIntent, 'fs.read': readIntent, 'fs.search': searchIntent, 'fs.write': writeIntent, 'fs.append': appendIntent,
  'fs.move': moveIntent, 'fs.delete': deleteIntent, 'memory.recall': recallIntent, 'klog.read': klogIntent, 'time.now': timeIntent,
  'share.send': sendIntent,
} as const satisfies Record<string, (rng: Rng) => Intent>;
