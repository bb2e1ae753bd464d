/**
 * The shell's cognition commands on a whole system booted in memory, with a
 * scripted planner injected where the model would plan: `ask` shows one
 * bundled consent prompt and answers it from the shell's line input,
 * `grants` / `revoke` / `audit` / `why` read and change the broker, tools
 * cannot reach /lived, and the logs in /lived survive a shutdown and reboot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RamBlockDevice } from '../src/hal/memory/index.ts';
import { bootKernelInMemory } from './helpers/memory-boot.ts';
import { ScriptedPlanner, type ScriptedTurn } from '../src/cognition/index.ts';
import { cognitionCommands, scriptedLines, Shell } from '../src/shell/index.ts';
import { startSystem } from '../src/cli/init.ts';

const MiB = 2 ** 20;

function bootInMemory(options: { script?: readonly ScriptedTurn[]; disk?: RamBlockDevice } = {}) {
  const disk = options.disk ?? new RamBlockDevice((48 * MiB) / 512);
  const { kernel } = bootKernelInMemory({ disk, arenaMb: 16 });
  const planner = options.script === undefined ? undefined : new ScriptedPlanner(options.script);
  const system = startSystem(kernel, planner === undefined ? {} : { cognition: { planner } });
  let output = '';
  const shell = new Shell(system.port, system.shellHandles, { write: (t) => (output += t) }, cognitionCommands(system.cognition));
  /** run one line, answering questions from `answers`; returns what it printed */
  const run = async (line: string, answers: readonly string[] = []): Promise<string> => {
    output = '';
    const input = scriptedLines(answers);
    shell.lineInput = input;
    await shell.runLine(line);
    assert.equal(input.left, 0, `every answer was read: ${output}`);
    return output;
  };
  return { disk, kernel, system, shell, run };
}

test('without a model or planner: ask fails llm.not_loaded, the consent logs exist in /lived and start empty', async () => {
  const { run, system } = bootInMemory();
  assert.equal(system.cognition.daemon, undefined);
  assert.match(await run('ask what time is it'), /^error llm\.not_loaded/);
  assert.equal(await run('grants'), 'no grants\n');
  assert.equal(await run('audit'), 'the audit log is empty\n');
  assert.deepEqual((await run('ls /lived')).trim().split('\n').sort(), ['adapters/', 'audit', 'boot.log', 'episodes', 'grants', 'snn/']);
  assert.match(await run('why t1.1.0'), /^error arg\.invalid: no audit record mentions action t1\.1\.0/);
});

test('ask shows one bundled prompt, "a" allows the ticked write for the task; audit and why tell the story', async () => {
  const { run, system } = bootInMemory({ script: [['fs.write(path="/home/summary.txt", text="Oslo on Friday")', 'fs.append(path="/home/log.txt", text="summarised")'], ['reply(text="Written.")']] });
  const out = await run('ask write a summary of my trip', ['a']);
  assert.match(out, /To do "write a summary of my trip" I need:\n {2}write\n {4}\[x\] 1\. write \/home\/log\.txt\n {4}\[x\] 2\. write \/home\/summary\.txt\n/);
  assert.match(out, / {2}t1\.1\.0 {2}fs\.write\(path="\/home\/summary\.txt", text="Oslo on Friday"\) {2}→ done\n/);
  assert.match(out, / {2}t1\.1\.1 {2}fs\.append\(path="\/home\/log\.txt", text="summarised"\) {2}→ done\n/);
  assert.ok(out.endsWith('Written.\n'), out);
  assert.equal(await run('cat /home/summary.txt'), 'Oslo on Friday');
  assert.equal(await run('grants'), 'no grants\n', 'task grants end with the task');

  const why = (await run('why t1.1.0')).split('\n');
  assert.match(why[0]!, /^action t1\.1\.0: fs\.write — executed$/);
  assert.ok(why.some((l) => l.includes('because you asked: "write a summary of my trip"')), why.join('\n'));
  assert.ok(why.some((l) => /grant g\d+-\d+: write \/home\/summary\.txt, task/.test(l)), why.join('\n'));
  assert.ok(why.some((l) => l.includes('you answered allow-all')), why.join('\n'));

  const audit = (await run('audit -n 4')).trimEnd().split('\n');
  assert.equal(audit.length, 4);
  for (const line of audit) assert.match(line, /^#\d+ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d (request|decision|prompt|answer|grant|revoke|exec|observe) /);
  assert.equal(system.cognition.audit.records().filter((r) => r.kind === 'exec').length, 3);
  assert.ok(system.cognition.audit.verify().ok);
  assert.match(await run('audit -n 0'), /^error arg\.invalid/);
});

test('"c" chooses each item with a scope; grants lists the hour grant, revoke withdraws it and the next task asks again', async () => {
  const { run } = bootInMemory({ script: [['klog.read(last=1)'], ['reply(text="read")']] });
  const first = await run('ask show me the last kernel log line', ['c', 'y', '2']);
  assert.match(first, /\[x\] 1\. read the klog log/);
  assert.match(first, /t1\.1\.0 {2}klog\.read\(last=1\) {2}→ done/);
  const grants = (await run('grants')).trimEnd().split('\n');
  assert.equal(grants.length, 2, grants.join('\n'));
  assert.match(grants[0]!, /^ID +RIGHT +PATTERN +SCOPE +EXPIRES +USES +INTENT$/);
  assert.match(grants[1]!, /^g\d+-\d+ +read +klog +hour +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +- +i1 "show me the last kernel log line"$/);
  const grantId = grants[1]!.split(/\s+/)[0]!;
  assert.equal(await run(`revoke ${grantId}`), `revoked ${grantId} read klog\n`);
  assert.equal(await run('grants'), 'no grants\n');
  assert.match(await run('grants -a'), new RegExp(`${grantId} +read +klog +hour .*revoked`));
  assert.match(await run(`revoke ${grantId}`), /^error consent\.unknown_grant/);
  assert.match(await run('revoke read:klog'), /^error consent\.unknown_grant/);
  assert.match(await run('revoke bogus:/x'), /^error arg\.invalid/);
  // a grant is bound to its intent anyway; after the revoke a new task is asked again, and "d" denies
  const second = await run('ask show me the last kernel log line', ['d']);
  assert.match(second, /\[x\] 1\. read the klog log/);
  assert.match(second, /denied: nothing was allowed/);
  assert.match(second, /t2\.1\.0 {2}klog\.read\(last=1\) {2}→ denied: daemon\.consent_denied/);
  const why = await run('why t2.1.0');
  assert.match(why, /^action t2\.1\.0: klog\.read — denied/);
});

test('revoke by right and pattern withdraws every matching grant', async () => {
  const { run } = bootInMemory({ script: [['klog.read(last=1)'], ['reply(text="ok")']] });
  await run('ask the log', ['h']);
  const revoked = await run('revoke read:klog');
  assert.match(revoked, /^revoked g\d+-\d+ read klog\n$/);
  assert.equal(await run('grants'), 'no grants\n');
});

test('tools cannot reach /lived: a call naming the audit log is refused before the broker', async () => {
  const { run, system } = bootInMemory({ script: [['fs.read(path="/lived/audit")', 'fs.write(path="/lived/grants", text="{}")'], ['reply(text="no")']] });
  const out = await run('ask read the audit log');
  assert.doesNotMatch(out, /I need:/, 'nothing to ask: the calls never reached the broker');
  assert.match(out, /t1\.1\.0 {2}fs\.read\(path="\/lived\/audit"\) {2}→ malformed: tool\.path_forbidden/);
  assert.match(out, /t1\.1\.1 {2}fs\.write\(path="\/lived\/grants", text="\{\}"\) {2}→ malformed: tool\.path_forbidden/);
  assert.equal(system.cognition.audit.records().filter((r) => r.kind === 'exec' && r.tool.startsWith('fs.')).length, 0);
});

test('with no line input the prompt is denied (fail closed); ask_user with no answer ends the task with the question', async () => {
  const { run } = bootInMemory({ script: [['share.send(to="bob", text="hi")'], ['ask_user(question="Which file?")']] });
  const out = await run('ask send bob a hello');
  assert.match(out, /egress\n {4}\[ \] 1\. send 1 message to bob {2}\(choose c to allow\)/);
  assert.match(out, /no answer \(end of input\): nothing was allowed/);
  assert.match(out, /t1\.1\.0 {2}share\.send\(to="bob", text="hi"\) {2}→ denied/);
  assert.match(out, /question: Which file\?\n$/);
});

test('the logs in /lived are committed at shutdown and read back after a reboot', async () => {
  const first = bootInMemory({ script: [['fs.write(path="/home/a.txt", text="A")'], ['reply(text="ok")']] });
  await first.run('ask write a', ['a']);
  const records = first.system.cognition.audit.records().length;
  first.kernel.shutdown('test');
  const second = bootInMemory({ disk: RamBlockDevice.fromImage(first.disk.bytes), script: [['reply(text="again")']] });
  assert.equal(second.system.cognition.audit.records().length, records);
  assert.ok(second.system.cognition.audit.verify().ok);
  assert.match(await second.run('why t1.1.0'), /^action t1\.1\.0: fs\.write — executed/);
  assert.match(await second.run('ask hello'), /again\n$/);
  assert.deepEqual(second.system.cognition.episodes.recentTasks(5).map((t) => t.request), ['write a', 'hello']);
});
