/**
 * default-model/dialogue — the training templates that answer with words:
 * questions about the system itself, greetings, out-of-scope requests (an
 * honest "I can't / I don't know" plus what it can do), and unclear
 * requests that ask the user first (ask_user, then the real call once the
 * answer is in).
 */

import type { Rng } from '../../common/index.ts';
import type { ToolCall } from '../../cognition/index.ts';
import { fileRef, type PathRef } from './intents.ts';
import { messageText, recipient } from './slots.ts';

export const CAPABILITIES = 'I can list, read, search, write, append to, move and delete your files under /home, recall earlier tasks, read the kernel log, tell the time and send messages.';

/** a request answered by one reply call */
export interface ReplyIntent {
  readonly request: string;
  readonly call: ToolCall;
}

/** an unclear request: ask first, then act on the answer */
export interface ClarifyIntent {
  readonly request: string;
  readonly ask: ToolCall;
  readonly answer: string;
  readonly call: ToolCall;
}

const reply = (text: string): ToolCall => ({ tool: 'reply', args: { text } });

const SELF: readonly (readonly [readonly string[], string])[] = [
  [['what can you do', 'what are you able to do', 'help', 'what can I ask you', 'what do you do', 'how can you help me', 'list your abilities',
    'what are you good for', 'what tools do you have', 'what kind of things can you do', 'which commands do you understand', 'how do I use you',
    'what are your features', 'tell me what you can do', 'what can you help me with', 'what jobs can you handle'], CAPABILITIES],
  [['who are you', 'what are you', 'are you a person', 'what is chimaeraos', 'introduce yourself', 'what is this system',
    'are you a robot', 'are you human', 'what is your name', 'are you an AI', 'who made you', 'what am I talking to'], `I am the assistant built into ChimaeraOS, a small model that runs inside the kernel. ${CAPABILITIES}`],
  [['hello', 'hi', 'hey', 'good morning', 'hi there', 'good evening', 'hey there', 'good afternoon', 'yo', 'howdy', 'greetings'], `Hello! ${CAPABILITIES}`],
  [['thanks', 'thank you', 'great, thanks', 'cheers', 'thank you very much', 'much appreciated', 'that was helpful, thanks', 'perfect, thank you', 'nice, thanks'], 'You are welcome.'],
  [['can you see my files', 'do you read my files without asking', 'are my files private',
    'will you change my files on your own', 'do you ask before deleting things', 'is my data safe with you', 'do you look at my files when I am not asking'], 'I only touch your files when you ask, and risky actions need your consent first.'],
];

/** things it cannot do: the activity named in the reply */
const CANNOT: readonly (readonly [string, string])[] = [
  ['book me a flight to {c}', 'book flights'], ['order a pizza', 'order food'], ['play some music', 'play music'], ['call {p} on the phone', 'make phone calls'],
  ['set an alarm for 7', 'set alarms'], ['turn on the lights', 'control lights or devices'], ['buy a new laptop online', 'shop online'],
  ['post this on twitter', 'post on social media'], ['browse the web for news', 'browse the web'], ['download a movie', 'download files from the internet'],
  ['install a new app', 'install apps'], ['transfer money to {p}', 'move money'], ['reserve a table for two', 'make reservations'],
  ['translate this into Chinese', 'translate text'], ['take a photo', 'use the camera'], ['print my report', 'print'], ['drive me home', 'drive'],
  ['open youtube', 'open websites'], ['check my email', 'read email'], ['schedule a meeting in my calendar', 'manage a calendar'],
  ['add a dentist appointment to my calendar', 'manage a calendar'], ['what is on my calendar tomorrow', 'manage a calendar'],
  ['remind me to call {p} at 6', 'set reminders'], ['launch the spotify app', 'open apps'], ['open the calculator app', 'open apps'],
  ['uninstall this app', 'install or remove apps'], ['email {p} the report', 'send email'], ['send an email to my boss', 'send email'],
  ['search google for cheap flights', 'search the internet'], ['look this up on the internet', 'search the internet'],
  ['tell me a joke', 'tell jokes'], ['sing me a song', 'sing'], ['write me a poem about {c}', 'write poems'],
  ['video call {p}', 'make video calls'], ['turn up the volume', 'control the volume'], ['set an alarm for half past six', 'set alarms'],
  ['lock the front door', 'control lights or devices'], ['turn off the heating', 'control lights or devices'],
  ['get me a taxi', 'call taxis'], ['pay my electricity bill', 'move money'], ['stream the football match', 'stream video'],
  ['connect to the wifi', 'change network settings'], ['update my operating system', 'update software'],
];

/** questions it does not know the answer to */
const UNKNOWN: readonly string[] = [
  "what's the capital of {c}", 'what is the weather in {c}', 'who won the game last night', 'what is the stock price of apple', 'how far is the moon',
  'who is the president of {c}', 'how many people live in {c}', 'what is the population of {c}', 'when was {c} founded', 'what is the meaning of life',
  'how do I cook rice', 'what is the exchange rate of the euro', 'will it rain tomorrow', 'what is the tallest mountain', 'who wrote hamlet',
  'what is 17 times 23', 'what is the news today', 'how old is the universe', 'what language do they speak in {c}',
  "what's the forecast for {c} this weekend", 'how hot is it in {c} right now', 'is it sunny outside', 'what is the square root of 144',
  'how much is 250 divided by 5', 'what is 12 percent of 80', 'how many legs does a spider have',
  'what is the biggest ocean', 'who discovered penicillin', 'what currency does {c} use', 'how long is the flight to {c}',
  'what time does the pharmacy close', 'what movies are playing tonight', "what's the latest on the election", 'how tall is the eiffel tower',
  'convert 10 miles to kilometers', 'what is the speed of light', 'when is the next bus', 'what is the recipe for pancakes',
  'what is the score of the match', 'how much does a tesla cost', 'what is the best phone to buy', 'why is the sky blue',
];

const PLACES = ['Peru', 'France', 'Japan', 'Kenya', 'Chile', 'Norway', 'Brazil', 'Canada', 'Egypt', 'India', 'Oslo', 'Paris', 'Lima', 'Tokyo', 'Berlin', 'Madrid', 'Rome'];

function polish(rng: Rng, text: string): string {
  let out = rng.chance(0.5) ? text[0]!.toUpperCase() + text.slice(1) : text;
  if (rng.chance(0.4)) out += rng.pick(['?', '.', '!', ' please']);
  return out;
}

export function selfIntent(rng: Rng): ReplyIntent {
  const [requests, answer] = rng.pick(SELF);
  return { request: polish(rng, rng.pick(requests)), call: reply(answer) };
}

export function outOfScopeIntent(rng: Rng): ReplyIntent {
  const slots = (text: string): string => text.replace('{c}', rng.pick(PLACES)).replace('{p}', rng.pick(['bob', 'alice', 'mom', 'sam']));
  if (rng.chance(0.5)) {
    const [request, activity] = rng.pick(CANNOT);
    return { request: polish(rng, slots(request)), call: reply(`Sorry, I can't ${activity}. ${CAPABILITIES}`) };
  }
  return { request: polish(rng, slots(rng.pick(UNKNOWN))), call: reply(`I don't know that: I only know what is in your files and this system. ${CAPABILITIES}`) };
}

/** an unclear request (which file? to whom?) → ask_user, then the call the answer makes clear */
export function clarifyIntent(rng: Rng): ClarifyIntent {
  const file: PathRef = fileRef(rng);
  const answerMention = file.mention.startsWith('/') ? file.mention : file.path;
  const shape = rng.int(0, 4);
  if (shape === 0) return { request: polish(rng, rng.pick(['delete the file', 'delete it', 'remove that file', 'delete my file'])), ask: { tool: 'ask_user', args: { question: 'Which file should I delete?' } }, answer: answerMention, call: { tool: 'fs.delete', args: { path: file.path } } };
  if (shape === 1) return { request: polish(rng, rng.pick(['read the file', 'open it', 'show me the document', 'read my note'])), ask: { tool: 'ask_user', args: { question: 'Which file should I read?' } }, answer: answerMention, call: { tool: 'fs.read', args: { path: file.path } } };
  if (shape === 2) {
    const to = recipient(rng);
    const text = messageText(rng);
    return { request: polish(rng, rng.pick([`send a message saying '${text}'`, `tell someone '${text}'`, `share '${text}'`])), ask: { tool: 'ask_user', args: { question: 'Who should I send it to?' } }, answer: to, call: { tool: 'share.send', args: { to, text } } };
  }
  if (shape === 3) {
    const to = recipient(rng);
    const text = messageText(rng);
    return { request: polish(rng, rng.pick([`send a message to ${to}`, `message ${to}`, `write to ${to}`])), ask: { tool: 'ask_user', args: { question: `What should the message to ${to} say?` } }, answer: text, call: { tool: 'share.send', args: { to, text } } };
  }
  const text = messageText(rng);
  return { request: polish(rng, rng.pick([`write '${text}' to a file`, `save '${text}' somewhere`, `make a note of '${text}'`])), ask: { tool: 'ask_user', args: { question: 'Which file should I write it to?' } }, answer: answerMention, call: { tool: 'fs.write', args: { path: file.path, text } } };
}
