/**
 * default-model/eval-set — the held-out evaluation set of the default
 * model: paraphrased requests written by hand, separately from the training
 * templates (intents.ts, dialogue.ts) — other sentence shapes, other word
 * order, other slot values — each with the first action it must produce
 * (tool + exact arguments), plus out-of-scope requests that must get an
 * honest reply. Paths follow the naming conventions in intents.ts' header.
 * Never used for training.
 */

import type { ToolCall } from '../../cognition/index.ts';
import type { EvalItem } from './evaluate.ts';

const call = (tool: string, args: Record<string, string | number> = {}): ToolCall => ({ tool, args });
const item = (request: string, tool: string, args: Record<string, string | number> = {}): EvalItem => ({ request, expected: call(tool, args) });
const honest = (request: string): EvalItem => ({ request, expected: 'honest-reply' });

export const EVAL_SET: readonly EvalItem[] = [
  // ── fs.list ──
  item('I want to see what my recipes folder holds', 'fs.list', { path: '/home/recipes' }),
  item('Could you give me a listing of /home/projects?', 'fs.list', { path: '/home/projects' }),
  item('which things are inside the music folder', 'fs.list', { path: '/home/music' }),
  item('Show everything that lives in /home/taxes', 'fs.list', { path: '/home/taxes' }),
  item('what have I got in my documents folder?', 'fs.list', { path: '/home/documents' }),
  item('Please list what is stored in the travel folder', 'fs.list', { path: '/home/travel' }),
  item('give me the list of files in /home/school', 'fs.list', { path: '/home/school' }),
  item('What does my home folder contain?', 'fs.list', { path: '/home' }),
  item('can I see the files under /home/garden', 'fs.list', { path: '/home/garden' }),
  item('Tell me which files my letters folder has', 'fs.list', { path: '/home/letters' }),
  item('directory listing of /home/invoices please', 'fs.list', { path: '/home/invoices' }),
  // ── fs.read ──
  item("I'd like to read /home/notes/groceries.txt", 'fs.read', { path: '/home/notes/groceries.txt' }),
  item('Can you show me what is inside agenda.md in my meetings folder?', 'fs.read', { path: '/home/meetings/agenda.md' }),
  item('what is in the file work/report-2025.txt', 'fs.read', { path: '/home/work/report-2025.txt' }),
  item('Please open up /home/journal/monday.md for me', 'fs.read', { path: '/home/journal/monday.md' }),
  item('let me see the contents of todo.txt', 'fs.read', { path: '/home/todo.txt' }),
  item('Read out recipes/soup.txt', 'fs.read', { path: '/home/recipes/soup.txt' }),
  item('display the text of budget.csv in the finance folder', 'fs.read', { path: '/home/finance/budget.csv' }),
  item('I need to know what /home/docs/lease.txt says', 'fs.read', { path: '/home/docs/lease.txt' }),
  item('Show me the file ideas.md in my writing folder', 'fs.read', { path: '/home/writing/ideas.md' }),
  item('could you print out school/exam-notes.md', 'fs.read', { path: '/home/school/exam-notes.md' }),
  item('What does plan.txt say?', 'fs.read', { path: '/home/plan.txt' }),
  // ── fs.search ──
  item('Look through my files for "dentist"', 'fs.search', { path: '/home', query: 'dentist' }),
  item("Is there any file that talks about 'insurance'?", 'fs.search', { path: '/home', query: 'insurance' }),
  item('search the projects folder for "deadline"', 'fs.search', { path: '/home/projects', query: 'deadline' }),
  item("Find where I mentioned 'coffee'", 'fs.search', { path: '/home', query: 'coffee' }),
  item("which of my files contain the word 'salary'", 'fs.search', { path: '/home', query: 'salary' }),
  item("Hunt for 'hotel' in /home/travel", 'fs.search', { path: '/home/travel', query: 'hotel' }),
  item('Do any files in my notes folder mention "milk"?', 'fs.search', { path: '/home/notes', query: 'milk' }),
  item("Please search for 'birthday' in my family folder", 'fs.search', { path: '/home/family', query: 'birthday' }),
  item('grep my files for "contract"', 'fs.search', { path: '/home', query: 'contract' }),
  item("I'm looking for files about piano", 'fs.search', { path: '/home', query: 'piano' }),
  // ── fs.write ──
  item("Make /home/notes/reminder.txt and put 'call the plumber' in it", 'fs.write', { path: '/home/notes/reminder.txt', text: 'call the plumber' }),
  item('Store the text "meeting at 3pm" in work/today.txt', 'fs.write', { path: '/home/work/today.txt', text: 'meeting at 3pm' }),
  item("please write 'hello world' into hello.txt", 'fs.write', { path: '/home/hello.txt', text: 'hello world' }),
  item("Can you create /home/lists/packing.md containing 'socks, shoes, hat'", 'fs.write', { path: '/home/lists/packing.md', text: 'socks, shoes, hat' }),
  item('Replace the contents of /home/drafts/intro.txt with "Once upon a time"', 'fs.write', { path: '/home/drafts/intro.txt', text: 'Once upon a time' }),
  item("new file goals.txt in my personal folder with the text 'run a marathon'", 'fs.write', { path: '/home/personal/goals.txt', text: 'run a marathon' }),
  item('Jot down "pick up dry cleaning" in /home/errands.txt', 'fs.write', { path: '/home/errands.txt', text: 'pick up dry cleaning' }),
  item("Write a file notes/wifi.txt that says 'the router is in the hall'", 'fs.write', { path: '/home/notes/wifi.txt', text: 'the router is in the hall' }),
  item('save the line "buy stamps" to /home/todo.txt', 'fs.write', { path: '/home/todo.txt', text: 'buy stamps' }),
  item("Put 'draft two' in drafts/essay.md", 'fs.write', { path: '/home/drafts/essay.md', text: 'draft two' }),
  // ── fs.append ──
  item("Tack 'eggs' onto the end of /home/notes/shopping.txt", 'fs.append', { path: '/home/notes/shopping.txt', text: 'eggs' }),
  item('add the line "called the bank" to journal/log.md', 'fs.append', { path: '/home/journal/log.md', text: 'called the bank' }),
  item("Please append 'finished chapter 4' to reading.txt", 'fs.append', { path: '/home/reading.txt', text: 'finished chapter 4' }),
  item('Could you add "new idea: solar lamp" at the bottom of /home/ideas/list.txt', 'fs.append', { path: '/home/ideas/list.txt', text: 'new idea: solar lamp' }),
  item("include 'tomatoes' in groceries.txt in my kitchen folder", 'fs.append', { path: '/home/kitchen/groceries.txt', text: 'tomatoes' }),
  item("Add 'paid the rent' to /home/finance/bills.csv", 'fs.append', { path: '/home/finance/bills.csv', text: 'paid the rent' }),
  item('Append "see you soon" to letters/mom.txt', 'fs.append', { path: '/home/letters/mom.txt', text: 'see you soon' }),
  item("log 'ran 10 km' in /home/health/workout.md", 'fs.append', { path: '/home/health/workout.md', text: 'ran 10 km' }),
  item('add to the end of todo.md: water the lawn', 'fs.append', { path: '/home/todo.md', text: 'water the lawn' }),
  item("Could you append 'ok' to /home/misc/status.txt", 'fs.append', { path: '/home/misc/status.txt', text: 'ok' }),
  // ── fs.move ──
  item('Please move /home/notes/old.txt into the archive folder', 'fs.move', { from: '/home/notes/old.txt', to: '/home/archive/old.txt' }),
  item('Give /home/drafts/essay.txt the new name final.txt', 'fs.move', { from: '/home/drafts/essay.txt', to: '/home/drafts/final.txt' }),
  item('shift report.txt in my work folder over to /home/reports', 'fs.move', { from: '/home/work/report.txt', to: '/home/reports/report.txt' }),
  item('Can you rename notes/todo.txt to done.txt', 'fs.move', { from: '/home/notes/todo.txt', to: '/home/notes/done.txt' }),
  item('relocate /home/photos/cat.txt to my pets folder', 'fs.move', { from: '/home/photos/cat.txt', to: '/home/pets/cat.txt' }),
  item('Move budget.csv to /home/finance', 'fs.move', { from: '/home/budget.csv', to: '/home/finance/budget.csv' }),
  item('I want /home/downloads/lease.md moved into the docs folder', 'fs.move', { from: '/home/downloads/lease.md', to: '/home/docs/lease.md' }),
  item("change /home/music/list.txt's name to playlist.txt", 'fs.move', { from: '/home/music/list.txt', to: '/home/music/playlist.txt' }),
  item('Put /home/inbox/invoice-2024.txt into /home/invoices', 'fs.move', { from: '/home/inbox/invoice-2024.txt', to: '/home/invoices/invoice-2024.txt' }),
  item('rename /home/ideas.txt to plans.txt', 'fs.move', { from: '/home/ideas.txt', to: '/home/plans.txt' }),
  // ── fs.delete ──
  item('Please delete /home/tmp/scratch.txt', 'fs.delete', { path: '/home/tmp/scratch.txt' }),
  item("I don't need notes/old-list.txt anymore, remove it", 'fs.delete', { path: '/home/notes/old-list.txt' }),
  item('wipe out draft.md in my drafts folder', 'fs.delete', { path: '/home/drafts/draft.md' }),
  item('Can you delete the file /home/downloads/receipt.txt?', 'fs.delete', { path: '/home/downloads/receipt.txt' }),
  item('get rid of backup.json', 'fs.delete', { path: '/home/backup.json' }),
  item('Erase /home/journal/secret.md please', 'fs.delete', { path: '/home/journal/secret.md' }),
  item('remove the file misc/test.txt', 'fs.delete', { path: '/home/misc/test.txt' }),
  item('Delete log.txt in the old folder', 'fs.delete', { path: '/home/old/log.txt' }),
  item('discard /home/photos/blurry.txt', 'fs.delete', { path: '/home/photos/blurry.txt' }),
  item('please trash the file /home/notes2.txt', 'fs.delete', { path: '/home/notes2.txt' }),
  // ── memory.recall ──
  item('Have we ever discussed "taxes"?', 'memory.recall', { query: 'taxes' }),
  item("What do you recall about 'the garden'?", 'memory.recall', { query: 'the garden' }),
  item('did I mention "dentist" to you before', 'memory.recall', { query: 'dentist' }),
  item('Remind me what I told you about "visa"', 'memory.recall', { query: 'visa' }),
  item("check your memory for 'hotel'", 'memory.recall', { query: 'hotel' }),
  item("What did we do last time about 'report'?", 'memory.recall', { query: 'report' }),
  item("do you have any memory of 'piano'?", 'memory.recall', { query: 'piano' }),
  item('Have I asked about flights before?', 'memory.recall', { query: 'flights' }),
  // ── klog.read ──
  item('Show me the system log', 'klog.read'),
  item('What has the kernel logged recently?', 'klog.read'),
  item('print the last 20 lines of the kernel log', 'klog.read', { last: 20 }),
  item('Give me 5 lines from the klog', 'klog.read', { last: 5 }),
  item('what did the fs subsystem log?', 'klog.read', { subsystem: 'fs' }),
  item('Show log messages from llm', 'klog.read', { subsystem: 'llm' }),
  item('the last 10 lines logged by consent', 'klog.read', { last: 10, subsystem: 'consent' }),
  item('Display log lines from the net subsystem', 'klog.read', { subsystem: 'net' }),
  // ── time.now ──
  item('Do you know what time it is?', 'time.now'),
  item("What's today's date?", 'time.now'),
  item('tell me the current date and time', 'time.now'),
  item('Which day is it?', 'time.now'),
  item('what is the time right now', 'time.now'),
  item('Is it Monday today?', 'time.now'),
  // ── share.send ──
  item("Send alice the text 'running late'", 'share.send', { to: 'alice', text: 'running late' }),
  item("Please message bob saying 'the keys are under the mat'", 'share.send', { to: 'bob', text: 'the keys are under the mat' }),
  item('Let carol@example.org know "the draft is ready"', 'share.send', { to: 'carol@example.org', text: 'the draft is ready' }),
  item("shoot dave a message: lunch tomorrow?", 'share.send', { to: 'dave', text: 'lunch tomorrow?' }),
  item("Tell mom 'I landed safely'", 'share.send', { to: 'mom', text: 'I landed safely' }),
  item('Could you send "see you at 8" to emma', 'share.send', { to: 'emma', text: 'see you at 8' }),
  item('message sam@work.io: the build is green', 'share.send', { to: 'sam@work.io', text: 'the build is green' }),
  item("Notify felix that 'the meeting is cancelled'", 'share.send', { to: 'felix', text: 'the meeting is cancelled' }),
  item("drop grace a note saying 'thank you'", 'share.send', { to: 'grace', text: 'thank you' }),
  item('Send a message to leo: happy new year', 'share.send', { to: 'leo', text: 'happy new year' }),
  // ── about the system (a reply; the wording is free) ──
  item('What sort of things can you help with?', 'reply', { text: '' }),
  item('who am I talking to?', 'reply', { text: '' }),
  item('Hello there!', 'reply', { text: '' }),
  item('thanks a lot', 'reply', { text: '' }),
  item('What are your capabilities?', 'reply', { text: '' }),
  item('tell me about yourself', 'reply', { text: '' }),
  // ── unclear requests (ask first) ──
  item('remove the document', 'ask_user', { question: 'Which file should I delete?' }),
  item('can you read that file', 'ask_user', { question: 'Which file should I read?' }),
  // ── out of scope (an honest reply) ──
  honest('Book a train ticket to Paris for me'),
  honest('What is the capital of Peru?'),
  honest("How's the weather in Lima today?"),
  honest('order me some sushi'),
  honest('Play my favourite song'),
  honest('Who won the world cup in 2010?'),
  honest('Switch off the kitchen lights'),
  honest('buy me a pair of running shoes'),
  honest('What is the square root of 2?'),
  honest('Call my sister'),
  honest('How many moons does Jupiter have?'),
  honest('Read my latest emails'),
  honest('Set a timer for ten minutes'),
  honest('Who painted the Mona Lisa?'),
  honest('Put a meeting in my calendar for Friday'),
  honest('Translate good morning into German'),
];

/** a fixed 20-item subset for the fast test: spread over the tools */
export function evalSubset(size = 20): EvalItem[] {
  const step = EVAL_SET.length / size;
  return Array.from({ length: size }, (_, i) => EVAL_SET[Math.floor(i * step)]!);
}
