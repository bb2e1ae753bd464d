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
 * follow a colon and run to the end of the request, punctuation included.
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
/**
 * a request as a user might type it: sometimes capitalised, sometimes with a closing word or mark
 * or an opening one; one that ends in an unquoted text (after a colon) gets no closing, since
 * the text runs to the end of the request, its punctuation included
 */
function polish(rng: Rng, text: string, endsInText = false): string {
  let out = rng.chance(0.5) ? capitalize(text) : text;
  if (rng.chance(0.3) && !endsInText) out += rng.pick(['.', '?', ' please', ', thanks', '!']);
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
    'display {f}', 'display the files in {f}', 'give me a list of the files in {f}', 'tell me what files are in {f}',
    'print the contents of {f}', 'view {f}', 'can I see {f}', 'could you list {f}', 'I want to see {f}', "I'd like to see what's in {f}",
    'I need a list of everything in {f}', 'is there anything in {f}', 'are there any files in {f}', 'how many files are in {f}',
    'what have I got in {f}', "what's inside {f}", 'look inside {f}', 'browse {f}', 'dir {f}',
    'go through {f} and list the files', 'in {f}, what files are there', '{f}: what is in it', 'the files in {f}, please',
    'list out {f}', 'show me everything in {f}', 'enumerate the files in {f}', 'do I have any files in {f}', 'what is stored in {f}',
    'give me an overview of {f}', 'let me see the files in {f}', 'can you tell me what {f} holds', 'what kind of files are in {f}',
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
    'view {f}', 'can I see {f}', 'could you read {f} to me', 'I want to read {f}', "I'd like to see {f}", 'I need to know what {f} says',
    'give me the contents of {f}', 'what is in the file {f}', "what's in the file {f}", 'what does it say in {f}', 'open up {f}',
    'read out {f}', 'print out {f}', 'display the file {f}', 'show me what {f} says', 'let me see {f}', 'pull up {f}',
    'what did I write in {f}', 'read back {f}', 'the contents of {f}, please', '{f}: what does it say', 'load {f} and show it to me',
    'can you show me the text of {f}', 'what are the contents of {f}', 'tell me what {f} says', 'read {f} for me', 'show the text in {f}',
    'what is written in the file {f}', 'bring up {f}', 'open the file {f}', 'I need to see the contents of {f}',
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
    ? fill(rng, [
      'search for {q}', 'find files about {w}', 'find {q}', 'which files mention {q}', 'look for {q}', 'search my files for {q}', 'where did I write about {w}', 'find anything with {q}',
      'grep {q}', 'grep for {q}', 'hunt for {q}', 'find the files that mention {q}', 'which file says {q}', 'which of my files contain {q}',
      'is there a file that mentions {q}', 'do any of my files mention {q}', 'where is {q} mentioned', 'look through my files for {q}',
      'search everything for {q}', 'could you search for {q}', 'I need to find {q}', "I'm looking for {q}", 'help me find {q}',
      'can you find {q} in my files', 'scan my files for {q}', 'search my files: {w}', 'find: {w}', 'search: {w}', 'which files talk about {q}',
      'where did I put {q}', 'look up {q} in my files', 'find every file containing {q}', 'I want to know which files mention {q}',
      'search all my documents for {q}', 'do I have anything about {q}', 'find mentions of {q}', 'any files with {q} in them',
    ], slots)
    : fill(rng, [
      'search {f} for {q}', 'find {q} in {f}', 'look for {q} in {f}', 'which files in {f} mention {q}', 'search for {q} in {f}',
      'grep {q} in {f}', 'grep {f} for {q}', 'hunt for {q} in {f}', 'is {q} mentioned anywhere in {f}', 'does any file in {f} mention {q}',
      'look through {f} for {q}', 'in {f}, find {q}', 'in {f}, which files mention {q}', 'could you search {f} for {q}',
      "I'm looking for {q} in {f}", 'I need to find {q} somewhere in {f}', 'help me find {q} in {f}', 'scan {f} for {q}',
      'search {f}: {w}', 'find the file in {f} that says {q}', 'which file in {f} contains {q}', 'is there anything about {q} in {f}',
      'where in {f} did I write {q}', 'search inside {f} for {q}', 'check {f} for {q}', 'find mentions of {q} in {f}',
      'go through {f} and find {q}', 'can you look for {q} in {f}', 'does {f} have anything with {q}', 'which files under {f} contain {q}',
    ], slots);
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
    'store {t} in {f}', 'jot down {t} in {f}', 'write down {t} in {f}', 'save {t} to {f}', 'write the text {t} into {f}',
    'create {f}: {r}', 'make {f} with {t}', 'make a new file {f} with the text {t}', 'could you write {t} to {f}', 'I want {f} to say {t}',
    "I'd like to save {t} as {f}", 'please create {f} and put {t} in it', 'replace what is in {f} with {t}', 'set the contents of {f} to {t}',
    'new file {f}: {r}', 'save to {f}: {r}', 'write this to {f}: {r}', 'in {f}, write {t}', 'into {f} write {t}', 'record {t} in a file {f}',
    'can you make a file {f} that says {t}', 'I need a file {f} containing {t}', 'put the text {t} in a new file {f}',
    'store this in {f}: {r}', 'jot this down in {f}: {r}', 'overwrite {f}: {r}', 'create a file called {f} with {t}', 'write {t} as {f}',
  ], { t: quoted(rng, text), r: text, f: file.mention });
  return {
    request: polish(rng, request, request.endsWith(text)), call: { tool: 'fs.write', args: { path: file.path, text } },
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
    'tack {t} onto {f}', 'tack on {t} to the end of {f}', 'log {t} in {f}', 'include {t} in {f}', 'also add {t} to {f}',
    'add another line to {f}: {r}', 'append the line {t} to {f}', 'add {t} at the bottom of {f}', 'could you add {t} to {f}',
    'I want to add {t} to {f}', "I'd like to append {t} to {f}", 'please add {t} to the end of {f}', 'stick {t} on the end of {f}',
    'add this to {f}: {r}', 'append this to {f}: {r}', 'add one more line to {f}: {r}', 'log to {f}: {r}', 'in {f}, add {t}',
    'to {f}, append {t}', 'without changing the rest, add {t} to {f}', 'update {f} by adding {t}', 'add {t} to the list in {f}',
    'can you append {t} to {f}', 'I need {t} added to {f}', 'write {t} at the end of {f}', 'add a new entry {t} to {f}',
    'put {t} at the bottom of {f}', 'add the note {t} to {f}', 'append a line saying {t} to {f}', 'keep {f} and add {t} to it',
  ], { t: quoted(rng, text), r: text, f: file.mention });
  return {
    request: polish(rng, request, request.endsWith(text)), call: { tool: 'fs.append', args: { path: file.path, text } },
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
    ? fill(rng, [
      'rename {a} to {b}', 'rename {a} as {b}', 'change the name of {a} to {b}', 'move {a} to {c}',
      'call {a} {b} instead', 'give {a} the name {b}', 'rename the file {a} to {b}', 'could you rename {a} to {b}', 'I want to rename {a} to {b}',
      "I'd like {a} to be called {b}", 'make {a} be named {b}', 'change {a} to {b}', 'rename {a} -> {b}', 'mv {a} {c}',
      'move {a} to the path {c}', 'relocate {a} to {c}', 'can you rename {a} to {b}', 'please change the file name of {a} to {b}',
      'let {a} be called {b} from now on', '{a} should be called {b}', 'switch the name of {a} to {b}', 'retitle {a} as {b}',
      'rename {a}, new name {b}', 'I need {a} renamed to {b}', 'give the file {a} a new name: {b}', 'save {a} under the new name {b}',
      'change the filename of {a} to {b}', 'rename {a} so it is called {b}', 'shift {a} over to {c}',
      'the new name for {a} is {b}', 'please rename {a} to {b}', 'rename {a} into {b}',
    ], { a: from.mention, b: baseName(target), c: target })
    : fill(rng, [
      'move {a} to {b}', 'move {a} into {b}', 'put {a} in {b}', 'file {a} under {b}', 'transfer {a} to {b}',
      'relocate {a} to {b}', 'shift {a} into {b}', 'put {a} into {b}', 'mv {a} {b}', 'drag {a} into {b}', 'could you move {a} to {b}',
      'I want {a} in {b}', "I'd like to move {a} into {b}", 'please move {a} over to {b}', 'can you put {a} in {b}',
      '{a} belongs in {b}, move it there', 'move the file {a} to {b}', 'take {a} and put it in {b}',
      'move {a} over into {b}', 'I need {a} moved to {b}', 'store {a} in {b} instead', 'shift {a} to {b}', 'relocate the file {a} into {b}',
      'put {a} inside {b}', 'into {b}, move {a}', 'move {a} across to {b}', 'place {a} in {b}', 'file {a} away in {b}',
      'get {a} into {b}', 'have {a} moved into {b}', 'can {a} go into {b}',
    ], { a: from.mention, b: to.mention });
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
  const request = fill(rng, [
    'delete {f}', 'remove {f}', 'erase {f}', 'get rid of {f}', 'trash {f}', 'rm {f}', 'throw away {f}', 'delete the file {f}',
    'discard {f}', 'wipe {f}', 'bin {f}', 'remove the file {f}', 'erase the file {f}', 'could you delete {f}', 'can you remove {f}',
    'I want to delete {f}', "I'd like to get rid of {f}", 'I no longer need {f}, delete it', 'I need {f} gone', 'please trash {f}',
    'delete {f} for me', 'throw {f} in the trash', 'wipe out {f}', 'destroy {f}', 'clean up {f} by deleting it', 'rm the file {f}',
    'permanently delete {f}', 'get {f} out of here', 'make {f} go away', '{f} is not needed anymore, remove it', 'kill the file {f}',
    'remove {f} from my files', 'delete {f} now', 'erase {f} completely', 'discard the file {f}', 'toss {f}',
  ], { f: file.mention });
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
    'did I mention {q}', 'did I mention {w} to you', 'what did I tell you about {w}', 'what did I say about {w} earlier',
    'remember when I asked about {w}', 'do you recall anything about {q}', 'look in your memory for {q}',
    'what did we do about {w} last time', 'have we discussed {w}', 'did I ever ask you about {w}', 'recall what I said about {w}',
    'could you remember what I asked about {w}', 'I want to know what I told you about {w}', 'I need you to recall {q}',
    'what do you know from earlier about {w}', 'did we ever talk about {q}', 'memory: {w}', 'recall: {w}',
    'think back to {q}', 'what was that thing about {w} I asked', 'when did I ask about {w}', 'what tasks did I give you about {w}',
    'go through your memory for {q}', 'any memory of {q}', 'do you have any record of me asking about {w}', 'earlier I asked about {w}, what was it',
    'what have I told you about {w}', 'from our past tasks, what about {w}', 'have I brought up {q} before',
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
    shape === 0 ? [fill(rng, [
      'show the kernel log', 'read the system log', 'what does the log say', 'show me the klog', 'any errors in the log',
      'klog', 'dmesg', 'print the kernel log', 'display the system log', 'show me the system messages', 'what happened in the system recently',
      'what has the system been doing', 'show recent system events', 'any recent events in the kernel log', 'show the boot messages',
      'what did the kernel log at boot', 'check the kernel log', 'can I see the system log', 'could you read me the kernel log',
      'I want to see the klog', "I'd like to check the system log", 'is there anything wrong in the log', 'any warnings in the kernel log',
      'open the kernel log', 'give me the system log', 'tell me what the kernel log says', 'what happened while booting',
      'show me what the kernel has logged', 'did anything go wrong, check the log', 'view the klog', 'let me see the log',
      'what are the latest system log messages', 'read the klog', 'pull up the kernel messages', 'show the log of the system',
    ], slots), {}]
    : shape === 1 ? [fill(rng, [
      'show the last {n} log lines', 'read the last {n} lines of the kernel log', 'last {n} klog entries', 'show {n} lines of the system log',
      'print the last {n} kernel log lines', 'give me the latest {n} log entries', 'tail {n} lines of the klog', 'dmesg, last {n} lines',
      'what are the last {n} system events', 'show me the {n} most recent log lines', 'the last {n} lines of the log, please',
      'could you show the last {n} klog lines', 'I want the last {n} lines of the system log', 'display {n} recent kernel messages',
      'read me the final {n} lines of the kernel log', 'only the last {n} log entries', 'view the most recent {n} klog lines',
      'show {n} recent entries from the kernel log', 'what happened recently? show {n} log lines', 'get the last {n} lines from the system log',
      'let me see the newest {n} log lines', 'fetch the last {n} klog entries', 'list the last {n} log messages', 'print {n} lines of the klog',
      'can I see the last {n} kernel log entries', "I'd like the {n} latest lines of the log", 'the {n} newest system log messages',
      'read {n} lines from the end of the kernel log', 'just {n} lines of the system log', 'show me {n} klog lines',
    ], slots), { last }]
    : shape === 2 ? [fill(rng, [
      'show the {s} log', 'what does the log say about {s}', 'kernel log lines from {s}', 'read the {s} messages in the klog',
      'show me the {s} messages', 'what has {s} logged', 'any {s} errors in the kernel log', 'print the log for {s}', 'klog for {s}',
      'filter the kernel log to {s}', 'only the {s} entries of the system log', 'what happened in {s} recently', 'show the {s} events',
      'could you show the {s} log lines', 'I want to see what {s} logged', "I'd like the {s} part of the kernel log",
      'check the log for {s} problems', 'display the klog lines from {s}', 'let me see the {s} log', 'what did {s} log at boot',
      'is {s} reporting anything in the log', 'view {s} messages in the system log', 'give me the {s} log entries', 'log entries from {s}',
      'read what {s} wrote to the kernel log', 'show me system log lines from the {s} subsystem', 'tell me what the {s} subsystem logged',
      'can I see the {s} entries in the klog', 'the {s} log, please', 'dmesg for {s}',
    ], slots), { subsystem }]
    : [fill(rng, [
      'show the last {n} {s} log lines', 'last {n} lines of the {s} log', 'read {n} klog lines from {s}',
      'print the last {n} {s} messages', 'the {n} most recent {s} log entries', 'give me {n} recent kernel log lines from {s}',
      'what are the last {n} things {s} logged', 'could you show the last {n} log lines from {s}', 'I want the last {n} {s} entries in the klog',
      "I'd like to see {n} lines of the {s} log", 'show me {n} {s} lines from the system log', 'tail {n} lines of the {s} log',
      'display the last {n} {s} events', 'from {s}, show the last {n} log lines', 'the latest {n} {s} messages, please',
      'let me see the newest {n} lines from {s}', 'view {n} recent {s} log messages', 'only {n} lines from {s} in the kernel log',
      'fetch the last {n} {s} klog entries', 'list the last {n} log lines from the {s} subsystem', 'can I see {n} {s} log entries',
      'read me the final {n} {s} log lines', 'what happened in {s} recently? last {n} lines', 'dmesg for {s}, last {n} lines',
      'show {n} {s} entries from the klog', 'get the {n} latest {s} lines of the system log', 'check the last {n} log lines of {s}',
      'show me the last {n} {s} events in the kernel log', '{n} lines of {s} log, please', 'just the last {n} {s} log lines',
    ], slots), { last, subsystem }];
  return {
    request: polish(rng, request), call: { tool: 'klog.read', args },
    followUps: [{ observation: `[info] ${subsystem}: mounted /home`, ok: true, reply: `The log says: ${subsystem}: mounted /home.` }, { observation: '(no log lines)', ok: true, reply: 'The log has no lines for that.' }],
  };
}

function timeIntent(rng: Rng): Intent {
  const request = rng.pick([
    'what time is it', "what's the time", 'what day is it today', "what's the date", 'tell me the time', 'what is the date today', 'current time', 'which day of the week is it', 'time now',
    'what date is it', 'what is today', 'tell me the date', 'give me the current time',
    'is it Monday', 'is it Friday today', 'is today Wednesday', 'is it the weekend yet', 'could you tell me the time',
    'can you tell me the date', 'I need to know the time', "I'd like to know today's date", 'what month is it', 'what year is it',
    'what is the current date and time', 'date and time please', 'show me the clock', 'check the clock', 'what hour is it',
    'how late is it', 'is it morning or evening', 'what day of the month is it', 'the time, please', 'time and date',
    'what weekday is it', 'tell me what day it is', 'remind me what the date is', 'is it Sunday', 'is today Tuesday', 'current date',
  ]);
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
    'notify {p}: {r}', 'notify {p} that {t}', 'drop {p} a note: {r}', 'drop {p} a note saying {t}', 'text {p}: {r}', 'ping {p} with {t}',
    'could you tell {p} {t}', 'can you message {p} {t}', 'I want to send {p} the note {t}', "I'd like to let {p} know {t}",
    'please send {t} to {p}', 'send this to {p}: {r}', 'tell {p}: {r}', 'let {p} know: {r}', 'pass {t} on to {p}',
    'forward {t} to {p}', 'send {p} a text saying {t}', 'shoot {p} a message: {r}', 'message {p} saying {t}', 'to {p}: {r}',
    'send a note to {p}: {r}', 'inform {p}: {r}', 'I need to tell {p} {t}', 'remind {p}: {r}', 'get word to {p} that {t}',
    'send {t} over to {p}', 'let {p} know that {t}', 'write {p} a message saying {t}', 'send {p}: {r}', 'share with {p}: {r}',
  ], { t: quoted(rng, text), r: text, p: to });
  return {
    request: polish(rng, request, request.endsWith(text)), call: { tool: 'share.send', args: { to, text } },
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
