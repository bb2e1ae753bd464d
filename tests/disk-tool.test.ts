/**
 * `chimaera disk` as a user runs it on the host: make an image, copy a
 * directory tree in and out, list, remove, check — and the reference tools
 * (fsck.fat, mtools) agree with what it did.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/common/index.ts';

const root = new URL('..', import.meta.url).pathname;
const launcher = join(root, 'bin/chimaera.js');
const mtoolsEnv = { ...process.env, MTOOLS_SKIP_CHECK: '1' };

function disk(args: string[]) {
  const r = spawnSync(process.execPath, [launcher, 'disk', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('mkfs, put and get a tree, ls, rm, mkdir, df and fsck; the reference tools agree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chimaera-disk-'));
  try {
    const image = join(dir, 'x.img');
    assert.equal(disk(['mkfs', image, '--size', '48M', '--label', 'TESTDISK']).code, 0);
    // a host tree with long, non-ASCII and nested names and a 3 MiB file
    const src = join(dir, 'src');
    mkdirSync(join(src, 'Projekte/über lange Namen'), { recursive: true });
    writeFileSync(join(src, 'readme.md'), '# hello\n');
    writeFileSync(join(src, 'Projekte/über lange Namen/日本語のファイル名.txt'), 'konnichiwa\n');
    writeFileSync(join(src, 'Projekte/empty'), '');
    const big = new Rng(9).fillBytes(new Uint8Array(3 * 2 ** 20 + 123));
    writeFileSync(join(src, 'Projekte/big.bin'), big);

    const put = disk(['put', image, src, '/home/src']);
    assert.equal(put.code, 0, put.err);
    assert.match(put.out, /copied 4 files/);
    const ls = disk(['ls', image, '/home/src', '-R', '-l']);
    assert.equal(ls.code, 0, ls.err);
    assert.match(ls.out, /日本語のファイル名\.txt/);
    assert.match(ls.out, /3145851 .* big\.bin/);
    assert.equal(disk(['cat', image, '/home/src/readme.md']).out, '# hello\n');

    // the reference tools see the same files
    assert.equal(spawnSync('fsck.fat', ['-n', image]).status, 0);
    const mtype = spawnSync('mtype', ['-i', image, '::/home/src/Projekte/über lange Namen/日本語のファイル名.txt'], { env: mtoolsEnv, encoding: 'utf8' });
    assert.equal(mtype.stdout, 'konnichiwa\n');
    const mlabel = spawnSync('mlabel', ['-i', image, '-s', '::'], { env: mtoolsEnv, encoding: 'utf8' });
    assert.match(mlabel.stdout, /TESTDISK/);

    const out = join(dir, 'out');
    assert.equal(disk(['get', image, '/home/src', out]).code, 0);
    assert.deepEqual(readFileSync(join(out, 'Projekte/big.bin')), Buffer.from(big));
    assert.equal(readFileSync(join(out, 'Projekte/über lange Namen/日本語のファイル名.txt'), 'utf8'), 'konnichiwa\n');
    assert.deepEqual(readdirSync(join(out, 'Projekte')).sort(), ['big.bin', 'empty', 'über lange Namen']);

    assert.equal(disk(['mkdir', image, '/home/a/b/c', '-p']).code, 0);
    const rmDir = disk(['rm', image, '/home/src']);
    assert.equal(rmDir.code, 1);
    assert.match(rmDir.err, /fs\.is_dir/);
    assert.equal(disk(['rm', image, '/home/src', '-r']).code, 0);
    assert.equal(disk(['ls', image, '/home']).out, 'a/\n');
    assert.match(disk(['df', image]).out, /48\.0 MiB total|47\.\d MiB total/);
    const fsck = disk(['fsck', image]);
    assert.equal(fsck.code, 0, fsck.out);
    assert.match(fsck.out, /clean/);
    assert.equal(spawnSync('fsck.fat', ['-n', image]).status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fsck finds damage; bad arguments and missing images are typed errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chimaera-disk-'));
  try {
    const image = join(dir, 'x.img');
    assert.equal(disk(['mkfs', image, '--size', '40M']).code, 0);
    assert.equal(disk(['put', image, join(root, 'README.md'), '/home/readme.md']).code, 0);
    assert.match(disk(['get', image, '/home/nothing.txt', join(dir, 'o')]).err, /fs\.not_found/);
    // break the second FAT copy where the first one has the file's chain
    const bpb = readFileSync(image).subarray(0, 512);
    const reserved = bpb.readUInt16LE(14);
    const fatSectors = bpb.readUInt32LE(36);
    const fd = openSync(image, 'r+');
    writeSync(fd, Buffer.alloc(64, 0xab), 0, 64, (reserved + fatSectors) * 512 + 64);
    closeSync(fd);
    const fsck = disk(['fsck', image]);
    assert.equal(fsck.code, 1);
    assert.match(fsck.out, /fat\.copies_differ/);
    // a cleanly unmounted volume whose FAT copies disagree is refused, not silently "repaired"
    assert.match(disk(['ls', image, '/home']).err, /fs\.corrupt: FAT copy 2 disagrees with copy 1/);

    const missing = disk(['ls', join(dir, 'nope.img')]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /fs\.not_found: .*nope\.img does not exist/);
    assert.equal(disk(['frobnicate', image]).code, 2);
    assert.match(disk(['ls', image, '/home', '--bogus']).err, /cli\.usage: unknown option --bogus/);
    assert.match(disk(['mkfs', join(dir, 'tiny.img'), '--size', '1M']).err, /arg\.invalid/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
