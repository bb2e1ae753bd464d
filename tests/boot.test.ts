/**
 * Boot scenario, as a user runs it: `chimaera boot` in script mode creates
 * the disk, prints the boot log, runs shell commands and shuts down
 * cleanly; a second boot reuses the disk and sees the files; the disk passes
 * fsck.fat and mtools reads what the shell wrote.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const launcher = join(root, 'bin/chimaera.js');

function chimaera(args: string[], stdin: string, cwd: string) {
  const r = spawnSync(process.execPath, [launcher, ...args], { cwd, input: stdin, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function withTempDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'chimaera-boot-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('first boot creates the disk, runs a script and shuts down cleanly; the second boot sees the files', () => {
  withTempDir((dir) => {
    const first = chimaera(
      ['boot', '--disk-size', '64M'],
      ['ls /', 'mkdir /home/notes', 'write /home/notes/today.txt "buy milk" and bread', 'append /home/notes/today.txt second line', 'cat /home/notes/today.txt', 'ls -l /home/notes', 'meminfo', 'ps', 'dmesg', 'shutdown', 'echo never-printed'].join('\n'),
      dir,
    );
    assert.equal(first.code, 0, first.out + first.err);
    const image = join(dir, 'chimaera.img');
    assert.ok(existsSync(image), 'chimaera.img created in the working directory');
    assert.equal(statSync(image).size, 64 * 2 ** 20);
    // boot log: monotonic timestamps, subsystem by subsystem
    const bootLog = first.out.slice(0, first.out.indexOf('chimaera:/'));
    const stamps = [...bootLog.matchAll(/^\[\s*(\d+\.\d{6})\] (\w[\w.-]*): /gm)].map((m) => ({ t: Number(m[1]), sub: m[2]! }));
    assert.ok(stamps.length >= 5, `boot log lines:\n${first.out}`);
    for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i]!.t >= stamps[i - 1]!.t, 'timestamps are monotonic');
    for (const sub of ['boot', 'mm', 'fs']) assert.ok(stamps.some((s) => s.sub === sub), `boot log mentions ${sub}`);
    assert.match(first.out, /home\/\n.*lived\//s, 'root holds /home and /lived');
    assert.match(first.out, /buy milk and bread\nsecond line\n/);
    assert.match(first.out, /today\.txt/);
    assert.doesNotMatch(first.out, /never-printed/, 'shutdown stops the script');
    assert.match(first.out, /unmount/i);

    const second = chimaera(['boot'], 'cat /home/notes/today.txt\nrm /home/notes/today.txt\nls /home/notes\n', dir);
    assert.equal(second.code, 0, second.out + second.err);
    assert.match(second.out, /buy milk and bread\nsecond line\n/);
    assert.match(first.out, /lived: boot #1 recorded/);
    assert.match(second.out, /lived: boot #2 recorded/);

    const fsck = spawnSync('fsck.fat', ['-n', image], { encoding: 'utf8' });
    assert.equal(fsck.status, 0, fsck.stdout + fsck.stderr);
  });
});

test('a failing command is reported with its code and hint, and the exit status says so', () => {
  withTempDir((dir) => {
    const r = chimaera(['boot', '--disk-size', '64M'], 'cat /home/missing.txt\nfrobnicate\nls /home\n', dir);
    assert.equal(r.code, 1);
    assert.match(r.out, /error fs\.not_found: .*missing\.txt/);
    assert.match(r.out, /hint: /);
    assert.match(r.out, /error shell\.unknown_command: frobnicate/);
  });
});

test('files written by mtools on the host are visible in the shell', () => {
  withTempDir((dir) => {
    const image = join(dir, 'disk.img');
    assert.equal(chimaera(['disk', 'mkfs', image, '--size', '64M'], '', dir).code, 0);
    const host = join(dir, 'hello.txt');
    writeFileSync(host, 'hello from the host\n');
    const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
    assert.equal(spawnSync('mcopy', ['-i', image, host, '::/home/hello.txt'], { env }).status, 0);
    const r = chimaera(['boot', '--disk', image], 'cat /home/hello.txt\nwrite /home/back.txt from the shell\n', dir);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /hello from the host/);
    const back = spawnSync('mtype', ['-i', image, '::/home/back.txt'], { env, encoding: 'utf8' });
    assert.equal(back.stdout, 'from the shell\n');
    assert.equal(readFileSync(host, 'utf8'), 'hello from the host\n');
  });
});

test('a corrupt disk is refused with a typed error, not a crash', () => {
  withTempDir((dir) => {
    const image = join(dir, 'bad.img');
    const junk = Buffer.alloc(64 * 2 ** 20);
    junk.write('this is not a file system', 0);
    writeFileSync(image, junk);
    const r = chimaera(['boot', '--disk', image], 'ls\n', dir);
    assert.notEqual(r.code, 0);
    assert.match(r.out + r.err, /fs\.not_fat32/);
    assert.doesNotMatch(r.err, /at .*\.ts:\d+/, 'no stack trace for an expected error');
  });
});
