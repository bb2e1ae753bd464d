/**
 * default-model/slots — the slot values of the training corpus: file and
 * folder names, message texts, recipients, search words, log subsystems.
 * Names are composed from word lists (word, word-word, word_2, …) and, about
 * a third of the time, random syllables ("kelo", "mirat"), so the model has
 * to copy what the request says instead of recalling names it has seen: a
 * value it cannot have memorised can only come from the request. Every draw
 * goes through the caller's seeded Rng.
 */

import type { Rng } from '../../common/index.ts';

export const WORDS = [
  'notes', 'todo', 'shopping', 'ideas', 'draft', 'report', 'summary', 'budget', 'plan', 'letter', 'poem', 'recipe', 'readme',
  'agenda', 'minutes', 'goals', 'diary', 'story', 'essay', 'chapter', 'invoice', 'resume', 'contacts', 'packing', 'groceries',
  'birthday', 'garden', 'travel', 'trip', 'meeting', 'project', 'taxes', 'receipts', 'photos', 'music', 'songs', 'books', 'reading',
  'work', 'school', 'homework', 'lecture', 'thesis', 'paper', 'review', 'feedback', 'release', 'changelog', 'backup', 'config',
  'settings', 'passwords', 'wishlist', 'gifts', 'party', 'wedding', 'holiday', 'vacation', 'car', 'house', 'rent', 'bills', 'health',
  'doctor', 'workout', 'running', 'diet', 'menu', 'dinner', 'lunch', 'breakfast', 'cookies', 'bread', 'soup', 'pasta', 'weekly',
  'daily', 'monthly', 'annual', 'january', 'march', 'june', 'october', 'december', 'monday', 'friday', 'alpha', 'beta', 'final',
  'old', 'new', 'misc', 'scratch', 'inbox', 'outbox', 'archive', 'journal', 'log', 'memo', 'quotes', 'lyrics', 'sketch', 'design',
  'specs', 'roadmap', 'tasks', 'chores', 'errands', 'kids', 'family', 'friends', 'team', 'client', 'offer', 'contract', 'lease',
  'insurance', 'bank', 'savings', 'expenses', 'salary', 'course', 'exam', 'grades', 'math', 'physics', 'history', 'spanish',
  'piano', 'guitar', 'chess', 'hiking', 'camping', 'fishing', 'plants', 'seeds', 'bees', 'cats', 'dogs', 'pets', 'vet', 'dentist',
  'flights', 'hotel', 'tickets', 'visa', 'passport', 'mail', 'news', 'blog', 'podcast', 'video', 'slides', 'talk', 'demo', 'notes2',
] as const;

export const FOLDERS = [
  'notes', 'documents', 'docs', 'projects', 'photos', 'music', 'recipes', 'work', 'school', 'taxes', 'travel', 'letters', 'drafts',
  'reports', 'invoices', 'journal', 'ideas', 'books', 'code', 'downloads', 'archive', 'personal', 'budget', 'meetings', 'research',
  'garden', 'health', 'family', 'writing', 'music', 'lists', 'old', 'shared', 'inbox', 'backups', 'study', 'finance', 'home',
  'kitchen', 'trips', 'club', 'band', 'thesis', 'clients', 'misc', 'tmp', 'scans', 'papers', 'reading', 'poems', 'games',
] as const;

export const EXTENSIONS = ['.txt', '.txt', '.txt', '.md', '.md', '.csv', '.log', '.json'] as const;

export const PEOPLE = [
  'bob', 'alice', 'carol', 'dave', 'eve', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar', 'peggy', 'rupert',
  'sybil', 'trent', 'victor', 'walter', 'anna', 'ben', 'chris', 'dana', 'emma', 'felix', 'gina', 'hugo', 'iris', 'jack', 'kim',
  'leo', 'mia', 'nina', 'omar', 'paul', 'rosa', 'sam', 'tom', 'uma', 'vera', 'will', 'zoe', 'mom', 'dad', 'max', 'lena', 'noah',
] as const;

export const DOMAINS = ['example.org', 'example.com', 'mail.net', 'work.io', 'home.lan', 'uni.edu'] as const;

export const TEXTS = [
  'buy milk', 'call mom at 5', 'the meeting moved to Friday', 'pick up the kids at 4', 'remember the dentist on Tuesday',
  'dinner is at 7', 'I will be late today', 'water the plants', 'pay the rent', 'the report is done', 'see you tomorrow',
  'bring the charger', 'book the hotel', 'finish chapter 3', 'send the invoice', 'renew my passport', 'feed the cat',
  'the train leaves at 9:15', 'happy birthday!', 'thanks for the help', 'lunch at noon?', 'the door code is 4411', 'eggs, flour, butter',
  'review the slides', 'fix the bike', 'meeting notes: budget approved', 'ask about the lease', 'running 5 km on Sunday',
  'call the bank', 'check the oil', 'buy a gift for Anna', 'the package arrived', 'back home at 6', 'new idea: a garden app',
  'draft ready for review', 'print the tickets', 'clean the garage', 'order more coffee', 'the wifi password changed',
  'hello from the office', 'good luck with the exam', 'vote on Sunday', 'return the library books', 'practice piano for 30 minutes',
] as const;

export const QUERIES = [
  'budget', 'milk', 'invoice', 'meeting', 'password', 'recipe', 'flight', 'birthday', 'tax', 'rent', 'doctor', 'project', 'alice',
  'bob', 'garden', 'report', 'exam', 'hotel', 'contract', 'salary', 'todo', 'holiday', 'train', 'dentist', 'coffee', 'chapter',
  'deadline', 'insurance', 'lease', 'party', 'gift', 'bike', 'plants', 'slides', 'piano', 'cake', 'soup', 'visa', 'car', 'book',
] as const;

export const SUBSYSTEMS = ['fs', 'llm', 'cognition', 'consent', 'kernel', 'net', 'sensors', 'memory', 'boot', 'sched'] as const;

/** "todo.txt", "budget-2024.csv", "meeting_notes.md", … */
export function fileName(rng: Rng): string {
  const first = rng.pick(WORDS);
  const shape = rng.int(0, 11);
  const stem =
    shape < 3 ? first
    : shape < 4 ? `${first}-${rng.pick(WORDS)}`
    : shape < 5 ? `${first}_${rng.pick(WORDS)}`
    : shape < 6 ? `${first}${rng.int(1, 12)}`
    : shape < 7 ? `${first}-${rng.int(2019, 2026)}`
    : shape < 10 ? syllableWord(rng)
    : rng.chance(0.5) ? `${syllableWord(rng)}-${first}` : `${first}-${syllableWord(rng)}`;
  return stem + rng.pick(EXTENSIONS);
}

export function folderName(rng: Rng): string {
  const roll = rng.next();
  return roll < 0.45 ? rng.pick(FOLDERS) : roll < 0.55 ? `${rng.pick(FOLDERS)}-${rng.pick(WORDS)}` : roll < 0.65 ? rng.pick(WORDS) : syllableWord(rng);
}

export function recipient(rng: Rng): string {
  const name = rng.chance(0.5) ? rng.pick(PEOPLE) : syllableWord(rng);
  return rng.chance(0.3) ? `${name}@${rng.pick(DOMAINS)}` : name;
}

/** everyday words for composed texts */
const FILLER = ['the', 'a', 'my', 'your', 'at', 'on', 'for', 'to', 'and', 'is', 'are', 'will', 'please', 'today', 'tomorrow', 'soon', 'now', 'again', 'new', 'old', 'big', 'small', 'call', 'buy', 'send', 'check', 'bring', 'meet', 'done', 'ready', 'late', 'early'];

/** letter groups of English-shaped syllables: onsets, vowels, codas (the empty coda makes open syllables) */
const ONSETS = [
  'b', 'c', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w', 'y', 'z',
  'bl', 'br', 'ch', 'cl', 'cr', 'dr', 'fl', 'fr', 'gl', 'gr', 'pl', 'pr', 'sc', 'sh', 'sk', 'sl', 'sm', 'sn', 'sp', 'st', 'str', 'sw', 'th', 'tr', 'wh', 'qu',
] as const;
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'a', 'e', 'i', 'o', 'u', 'ai', 'au', 'ea', 'ee', 'ie', 'oa', 'oo', 'ou', 'oy', 'y'] as const;
const CODAS = [
  '', '', '', '', 'b', 'ck', 'd', 'ft', 'g', 'k', 'l', 'ld', 'lk', 'll', 'lt', 'm', 'mp', 'n', 'nce', 'nd', 'ng', 'nk', 'nt', 'p',
  'r', 'rd', 'rk', 'rn', 'rt', 's', 'sh', 'sk', 'ss', 'st', 't', 'tch', 'th', 'wn', 'x',
] as const;

/**
 * random letters of a pronounceable shape (names nobody could memorise):
 * half plain consonant–vowel words ("kelo", "mirat"), half English-shaped
 * syllables with clusters ("glorn", "shaidwick"), so that copied values
 * cover the subword pieces of real words, not just open syllables
 */
export function syllableWord(rng: Rng): string {
  let word = '';
  if (rng.chance(0.5)) {
    const consonants = 'bcdfghjklmnprstvz';
    const vowels = 'aeiou';
    for (let i = rng.int(2, 3); i > 0; i--) word += consonants[rng.int(0, consonants.length - 1)]! + vowels[rng.int(0, vowels.length - 1)]!;
    return rng.chance(0.3) ? word + consonants[rng.int(0, consonants.length - 1)]! : word;
  }
  for (let i = rng.int(1, 2); i > 0; i--) word += rng.pick(ONSETS) + rng.pick(VOWELS) + rng.pick(CODAS);
  return word;
}

/**
 * a short message: a tenth from the list, the rest composed of random words
 * and syllables (so it must be copied, not recalled), some ending in a
 * question mark, an exclamation mark or a full stop
 */
export function messageText(rng: Rng): string {
  if (rng.chance(0.1)) return rng.pick(TEXTS);
  const words = Array.from({ length: rng.int(1, 6) }, () => {
    const roll = rng.next();
    return roll < 0.3 ? rng.pick(FILLER) : roll < 0.55 ? rng.pick(WORDS) : roll < 0.62 ? String(rng.int(1, 99)) : roll < 0.7 ? rng.pick(PEOPLE) : syllableWord(rng);
  });
  const text = words.join(' ') + (rng.chance(0.15) ? rng.pick(['?', '!', '.']) : '');
  return rng.chance(0.25) ? text[0]!.toUpperCase() + text.slice(1) : text;
}

export function query(rng: Rng): string {
  const one = (): string => (rng.chance(0.25) ? rng.pick(QUERIES) : rng.chance(0.4) ? rng.pick(WORDS) : syllableWord(rng));
  return rng.chance(0.85) ? one() : `${one()} ${one()}`;
}
