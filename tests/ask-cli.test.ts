/**
 * `chimaera ask` as a user runs it, through the real LLM path: the model is
 * a tiny GGUF on Qwen's real tokenizer (1,000 merges) with a planted
 * next-token table (helpers/planted-models.ts), so grammar-constrained
 * decoding plans a known call. Checks: --dry-run prints only calls in the
 * action grammar's display form and leaves the disk image byte-identical
 * (a missing disk is not even created); a reply is printed on stdout with
 * exit 0, and the episode and the audit trail are on the disk afterwards
 * (read back with our FAT32 code); without a terminal and without --yes a
 * call that needs consent is shown and denied, and nothing is sent; with
 * --yes it runs. Without --model, ask fails llm.not_loaded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, type AuditRecord } from '../src/consent/index.ts';
import { createToolRegistry, parseRenderedCall } from '../src/cognition/index.ts';
import { Fat32Volume } from '../src/fs/index.ts';
import { FileBlockDevice } from '../src/hal/hosted/index.ts';
import { openEpisodeLog, type EpisodeRecord } from '../src/memory/index.ts';
import { plantedActionModelGguf, REPLY_TRANSITIONS, SHARE_TRANSITIONS } from './helpers/planted-models.ts';
import { smallQwenTokenizer } from './helpers/synthetic-models.ts';

const launcher = new URL('../bin/chimaera.js', import.meta.url).pathname;

/** stdin is a pipe (never a TTY) */
function chimaera(args: string[], input = '') {
  const r = spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', input, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** what the disk holds after a run: files under /home/outbox, audit records, episode records */
function readDisk(path: string): { outbox: Map<string, string>; audit: AuditRecord[]; auditOk: boolean; episodes: EpisodeRecord[] } {
  const device = FileBlockDevice.open(path, { lock: false });
  const volume = Fat32Volume.mount(device);
  try {
    const outbox = new Map<string, string>();
    if (volume.exists('/home/outbox')) for (const e of volume.readdir('/home/outbox')) outbox.set(e.name, new TextDecoder().decode(volume.readFile(`/home/outbox/${e.name}`)));
    const { audit, close } = AuditLog.open(volume);
    const records = audit.records();
    const auditOk = audit.verify().ok;
    close();
    const episodeFile = openEpisodeLog(volume);
    const episodes = [...episodeFile.episodes.records()].map((e) => e.record);
    episodeFile.close();
    return { outbox, audit: records, auditOk, episodes };
  } finally {
    volume.unmount();
    device.close();
  }
}

const { tokenizer } = smallQwenTokenizer();
const dir = mkdtempSync(join(tmpdir(), 'chimaera-ask-'));
const replyModel = join(dir, 'reply.gguf');
const shareModel = join(dir, 'share.gguf');
writeFileSync(replyModel, plantedActionModelGguf(tokenizer, REPLY_TRANSITIONS));
writeFileSync(shareModel, plantedActionModelGguf(tokenizer, SHARE_TRANSITIONS));
const disk = join(dir, 'disk.img');
const common = ['--disk', disk, '--arena-mb', '64', '--rounds', '2'];
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('with --model none, ask fails llm.not_loaded with a hint', () => {
  const r = chimaera(['ask', '--disk', join(dir, 'never.img'), '--model', 'none', 'what time is it']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /llm\.not_loaded.*--model PATH/s);
  assert.ok(!existsSync(join(dir, 'never.img')), 'no disk is created before the model check');
});

test('a reply goes to stdout with exit 0; the episode and the audit trail are on the disk', () => {
  const r = chimaera(['ask', ...common, '--model', replyModel, 'say hello']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'reply\n');
  assert.match(r.err, /t1\.1\.0 {2}reply\(text="reply"\) {2}→ done/);
  const after = readDisk(disk);
  assert.ok(after.auditOk);
  assert.deepEqual(after.audit.map((a) => `${a.kind} ${a.actionId}`), ['request t1.1.0', 'decision t1.1.0', 'decision t1.1.0', 'exec t1.1.0', 'observe t1.1.0']);
  assert.deepEqual(after.episodes.map((e) => e.kind), ['task-start', 'plan', 'decision', 'exec', 'reply', 'end']);
  assert.equal((after.episodes[0] as { text: string }).text, 'say hello');
});

test('--dry-run prints only calls in the action grammar and writes nothing; a missing disk is not created', () => {
  const before = readFileSync(disk);
  const r = chimaera(['ask', ...common, '--model', shareModel, '--dry-run', 'send the notes to my colleague']);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\n');
  assert.ok(lines.length >= 1 && lines[0] !== '', r.out);
  const registry = createToolRegistry();
  for (const line of lines) assert.equal(typeof parseRenderedCall(line, registry).tool, 'string');
  assert.deepEqual(lines, ['share.send(to="share", text="share")']);
  assert.ok(readFileSync(disk).equals(before), 'the disk image is byte-identical');
  const missing = join(dir, 'missing.img');
  const blank = chimaera(['ask', '--disk', missing, '--arena-mb', '64', '--model', replyModel, '--dry-run', 'hello']);
  assert.equal(blank.code, 0, blank.err);
  assert.equal(blank.out, 'reply(text="reply")\n');
  assert.ok(!existsSync(missing));
});

test('without a terminal and without --yes, egress is shown, denied and not sent; with --yes it is sent', () => {
  const denied = chimaera(['ask', ...common, '--model', shareModel, 'send it to share']);
  assert.equal(denied.code, 1, 'the model never replies: step limit');
  assert.match(denied.err, /egress\n {4}\[ \] 1\. send 1 message to share/);
  assert.match(denied.err, /denied: stdin is not a terminal, so nobody can answer \(pass --yes to allow\)/);
  assert.match(denied.err, /t2\.1\.0 {2}share\.send\(to="share", text="share"\) {2}→ denied: daemon\.consent_denied/);
  assert.match(denied.err, /daemon\.step_limit/);
  let state = readDisk(disk);
  assert.equal(state.outbox.size, 0, 'nothing was delivered');
  assert.equal(state.audit.filter((a) => a.kind === 'exec' && a.tool === 'share.send').length, 0);
  assert.ok(state.audit.some((a) => a.kind === 'decision' && a.actionId === 't2.1.0' && a.phase === 'commit' && a.decision === 'deny'));

  const allowed = chimaera(['ask', ...common, '--model', shareModel, '--yes', 'send it to share']);
  assert.equal(allowed.code, 1, 'still no reply: step limit');
  assert.match(allowed.err, /--yes: every item allowed/);
  assert.match(allowed.err, /t3\.1\.0 {2}share\.send\(to="share", text="share"\) {2}→ done/);
  state = readDisk(disk);
  assert.ok(state.auditOk);
  assert.match(state.outbox.get('share') ?? '', /share/);
  const exec = state.audit.find((a) => a.kind === 'exec' && a.actionId === 't3.1.0');
  assert.ok(exec !== undefined && exec.kind === 'exec' && exec.grantIds.length === 1, 'the send ran on the grant the answer made');
  assert.ok(state.episodes.some((e) => e.kind === 'task-start' && e.taskId === 't3'));
});

test('in `chimaera boot` the shell asks: the consent answer is read from the next script line, and why explains the step', () => {
  const bootDisk = join(dir, 'boot.img');
  const script = ['ask send it to share', 'd', 'why t1.1.0', 'ask hello?'].join('\n');
  const r = chimaera(['boot', '--disk', bootDisk, '--disk-size', '64M', '--arena-mb', '64', '--model', shareModel, '--quiet'], `${script}\n`);
  assert.equal(r.code, 1, 'the ask commands fail (step limit), so the script exits 1');
  // one prompt: the refusal holds for the rest of the task (the model keeps asking for the same send for six rounds)
  assert.equal(r.out.match(/consent \[a\/h\/d\/c\]\? d\n {2}denied: nothing was allowed/g)?.length, 1, r.out);
  assert.match(r.out, /t1\.6\.0 {2}share\.send\(to="share", text="share"\) {2}→ denied/);
  assert.match(r.out, /action t1\.1\.0: share\.send — denied\n {2}because you asked: "send it to share"/);
  assert.match(r.out, /consent \[a\/h\/d\/c\]\? \(end of input\)/, 'the last ask meets the end of the script: denied');
});
