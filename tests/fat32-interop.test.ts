/**
 * FAT32 interop with dosfstools and mtools (our FAT32 vs the reference
 * tools): a seeded random workload on our volume checked against an
 * in-memory model, then fsck.fat and mtools must agree with the model; and
 * the other way, an image made and filled by mkfs.fat/mtools must read back
 * equal in ours and stay clean after we change it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/common/index.ts';
import { RamBlockDevice } from '../src/hal/memory/index.ts';
import { checkFat32, Fat32Volume, formatFat32 } from '../src/fs/index.ts';
import { fsckFat, mdirNames, mtools, mtoolsName, readHostTree, tempDir, writeSparseImage } from './fat32-tools.ts';

type Model = Map<string, Uint8Array | null>; // absolute path → content, null for a directory

const TOP = ['/home', '/lived', '/data'];

function nameFor(rng: Rng, n: number, kind: 'file' | 'dir'): string {
  const ext = kind === 'file' ? rng.pick(['.txt', '.bin', '.dat', '.md', '']) : '';
  switch (rng.int(0, 8)) {
    case 0:
      return `f${n}${ext}`.slice(0, 12);
    case 1:
      return `F${n}${ext.toUpperCase()}`;
    case 2:
      return `Long file name ${n} with spaces${ext}`;
    case 3:
      return `日本語のファイル${n}${ext}`;
    case 4:
      return `café crème ${n}${ext}`;
    case 5:
      return `emoji ${n} 😀${ext}`;
    case 6:
      return `a+b,c;d=e[${n}]${ext}`;
    case 7:
      return `.config.${n}${ext}`;
    default:
      return `${'very long name '.repeat(rng.int(5, 14))}${n}${ext}`;
  }
}

function sizeFor(rng: Rng, bigLeft: { count: number }): number {
  const roll = rng.next();
  if (roll < 0.02 && bigLeft.count > 0) {
    bigLeft.count--;
    return rng.int(1 << 20, 4 << 20);
  }
  if (roll < 0.1) return rng.int(64 << 10, 512 << 10);
  if (roll < 0.3) return rng.int(2048, 64 << 10);
  return rng.int(0, 2048);
}

function bytes(rng: Rng, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const seed = rng.nextU32();
  for (let i = 0; i < length; i++) out[i] = (seed + i * 31 + (i >>> 9)) & 0xff;
  return out;
}

const join2 = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);
const parentOf = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/';

function runWorkload(volume: Fat32Volume, rng: Rng, operations: number): Model {
  const model: Model = new Map();
  for (const dir of TOP) {
    volume.mkdir(dir);
    model.set(dir, null);
  }
  let counter = 0;
  const big = { count: 4 };
  const files = () => [...model].filter(([, v]) => v !== null).map(([k]) => k);
  const dirs = () => ['/', ...[...model].filter(([, v]) => v === null).map(([k]) => k)].filter((d) => d !== '/');
  const removable = () => dirs().filter((d) => !TOP.includes(d));
  for (let step = 0; step < operations; step++) {
    const op = rng.next();
    const fileList = files();
    if (op < 0.25 || fileList.length < 3) {
      const path = join2(rng.pick(dirs()), nameFor(rng, counter++, 'file'));
      const data = bytes(rng, sizeFor(rng, big));
      volume.writeFile(path, data);
      model.set(path, data);
    } else if (op < 0.33) {
      const path = rng.pick(fileList);
      const data = bytes(rng, sizeFor(rng, { count: 0 }));
      volume.writeFile(path, data);
      model.set(path, data);
    } else if (op < 0.41) {
      const path = rng.pick(fileList);
      const old = model.get(path)!;
      const position = rng.int(0, old.length + 3000);
      const data = bytes(rng, rng.int(1, 5000));
      volume.write(path, position, data);
      const next = new Uint8Array(Math.max(old.length, position + data.length));
      next.set(old);
      next.set(data, position);
      model.set(path, next);
    } else if (op < 0.51) {
      const path = rng.pick(fileList);
      const data = bytes(rng, rng.int(0, 3000));
      volume.appendFile(path, data);
      const old = model.get(path)!;
      const next = new Uint8Array(old.length + data.length);
      next.set(old);
      next.set(data, old.length);
      model.set(path, next);
    } else if (op < 0.59) {
      const path = rng.pick(fileList);
      const old = model.get(path)!;
      const size = rng.int(0, old.length * 2 + 100);
      volume.truncate(path, size);
      const next = new Uint8Array(size);
      next.set(old.subarray(0, Math.min(size, old.length)));
      model.set(path, next);
    } else if (op < 0.67) {
      const path = rng.pick(fileList);
      volume.unlink(path);
      model.delete(path);
    } else if (op < 0.77) {
      const path = rng.pick(fileList);
      const target = join2(rng.pick(dirs()), rng.chance(0.3) ? path.slice(path.lastIndexOf('/') + 1) : nameFor(rng, counter++, 'file'));
      if (model.has(target)) continue;
      volume.rename(path, target);
      model.set(target, model.get(path)!);
      model.delete(path);
    } else if (op < 0.85) {
      const path = join2(rng.pick(dirs()), nameFor(rng, counter++, 'dir'));
      volume.mkdir(path);
      model.set(path, null);
    } else if (op < 0.89) {
      const candidates = removable();
      if (candidates.length === 0) continue;
      const dir = rng.pick(candidates);
      volume.rmdir(dir, { recursive: true });
      for (const key of [...model.keys()]) if (key === dir || key.startsWith(dir + '/')) model.delete(key);
    } else if (op < 0.93) {
      const candidates = removable();
      if (candidates.length === 0) continue;
      const dir = rng.pick(candidates);
      const newParent = rng.pick(dirs().filter((d) => d !== dir && !d.startsWith(dir + '/')));
      const target = join2(newParent, nameFor(rng, counter++, 'dir'));
      volume.rename(dir, target);
      for (const [key, value] of [...model]) {
        if (key === dir || key.startsWith(dir + '/')) {
          model.delete(key);
          model.set(target + key.slice(dir.length), value);
        }
      }
    } else {
      const path = rng.pick(fileList);
      assert.deepEqual(volume.readFile(path), model.get(path), `read back ${path} at step ${step}`);
    }
  }
  return model;
}

function assertVolumeMatches(volume: Fat32Volume, model: Model): void {
  for (const [path, content] of model) {
    const stat = volume.stat(path);
    assert.equal(stat.kind, content === null ? 'directory' : 'file', path);
    if (content !== null) assert.ok(Buffer.from(volume.readFile(path)).equals(Buffer.from(content)), `content of ${path}`);
  }
  const listed = new Set<string>();
  const walk = (dir: string): void => {
    for (const s of volume.readdir(dir)) {
      listed.add(s.path);
      if (s.kind === 'directory') walk(s.path);
    }
  };
  walk('/');
  assert.deepEqual([...listed].sort(), [...model.keys()].sort());
}

/** compare a tree copied out with `mcopy -s` against the model (names as mtools shows them) */
function assertHostTreeMatches(root: string, model: Model): void {
  const host = readHostTree(root);
  const expected = new Map([...model].map(([k, v]) => [mtoolsName(k.slice(1)), v]));
  assert.equal(expected.size, model.size, 'model names stay distinct after mtools name mapping');
  assert.deepEqual([...host.keys()].sort(), [...expected.keys()].sort());
  for (const [path, content] of expected) {
    const got = host.get(path);
    if (content === null) assert.equal(got, null, path);
    else assert.ok(got instanceof Uint8Array && Buffer.from(got).equals(Buffer.from(content)), `mcopy content of ${path}`);
  }
}

test('a 600-operation random workload reads back identically through fsck.fat and mtools', () => {
  const tmp = tempDir('fat32-interop-');
  try {
    const device = new RamBlockDevice(128 * 2048); // 128 MiB
    formatFat32(device, { label: 'INTEROP', volumeId: 0xc0ffee });
    const volume = Fat32Volume.mount(device);
    const model = runWorkload(volume, new Rng(20260101), 600);
    assert.ok(model.size > 30, `workload left ${model.size} entries`);
    assertVolumeMatches(volume, model);
    volume.unmount();
    const report = checkFat32(device);
    assert.deepEqual(report.errors, []);

    const image = join(tmp.path, 'work.img');
    writeSparseImage(image, device.bytes);
    const fsck = fsckFat(image);
    assert.equal(fsck.status, 0, fsck.output);
    assert.deepEqual(fsck.findings, []);

    const out = join(tmp.path, 'out');
    mkdirSync(out);
    const copy = mtools('mcopy', ['-s', '-n', '-i', image, ...TOP.map((d) => `::${d}`), out]);
    assert.equal(copy.status, 0, copy.stderr);
    assertHostTreeMatches(out, model);
    assert.deepEqual([...mdirNames(image)].sort(), [...model.keys()].map((k) => mtoolsName(k.slice(1))).sort());
  } finally {
    tmp.remove();
  }
});

test('an image made and filled by mkfs.fat and mtools mounts in ours, and stays clean after we change it', () => {
  const tmp = tempDir('fat32-mkfs-');
  try {
    const image = join(tmp.path, 'mkfs.img');
    const made = spawnSync('mkfs.fat', ['-F', '32', '-n', 'THEIRS', '-C', image, String(64 * 1024)], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const rng = new Rng(7);
    const source = join(tmp.path, 'src');
    const model: Model = new Map();
    const addDir = (rel: string) => {
      mkdirSync(join(source, rel), { recursive: true });
      model.set(`/${rel}`, null);
    };
    const addFile = (rel: string, data: Uint8Array) => {
      writeFileSync(join(source, rel), data);
      model.set(`/${rel}`, data);
    };
    for (const dir of ['docs', 'docs/nested', 'docs/nested/deeper still', 'Ünïcödé directory', 'プロジェクト']) addDir(dir);
    addFile('empty.txt', new Uint8Array(0));
    addFile('README', bytes(rng, 100));
    addFile('docs/A long name for a document.markdown', bytes(rng, 5000));
    addFile('docs/nested/deeper still/big one.bin', bytes(rng, 3 << 20));
    addFile('Ünïcödé directory/naïve résumé.txt', bytes(rng, 777));
    addFile('プロジェクト/設計書.txt', bytes(rng, 12345));
    addFile('プロジェクト/large 2.bin', bytes(rng, 5 << 20));
    for (let i = 0; i < 40; i++) addFile(`docs/nested/file ${i}.dat`, bytes(rng, i * 100));
    const copyIn = mtools('mcopy', ['-s', '-i', image, ...['docs', 'Ünïcödé directory', 'プロジェクト', 'empty.txt', 'README'].map((n) => join(source, n)), '::/']);
    assert.equal(copyIn.status, 0, copyIn.stderr);

    const device = RamBlockDevice.fromImage(new Uint8Array(readFileSync(image)));
    const volume = Fat32Volume.mount(device);
    assert.equal(volume.statfs().label, 'THEIRS');
    assertVolumeMatches(volume, model);

    // change it: new files, appends, renames across directories, deletes, truncates
    volume.writeFile('/docs/new from chimaera.txt', bytes(rng, 4000));
    model.set('/docs/new from chimaera.txt', volume.readFile('/docs/new from chimaera.txt'));
    volume.appendFile('/プロジェクト/large 2.bin', bytes(rng, 70000));
    model.set('/プロジェクト/large 2.bin', volume.readFile('/プロジェクト/large 2.bin'));
    volume.rename('/docs/nested/deeper still', '/moved deeper');
    for (const [key, value] of [...model]) {
      if (key.startsWith('/docs/nested/deeper still')) {
        model.delete(key);
        model.set('/moved deeper' + key.slice('/docs/nested/deeper still'.length), value);
      }
    }
    for (let i = 0; i < 40; i += 3) {
      volume.unlink(`/docs/nested/file ${i}.dat`);
      model.delete(`/docs/nested/file ${i}.dat`);
    }
    volume.truncate('/docs/A long name for a document.markdown', 10);
    model.set('/docs/A long name for a document.markdown', model.get('/docs/A long name for a document.markdown')!.slice(0, 10));
    volume.mkdir('/new dir/inner', { recursive: true });
    model.set('/new dir', null);
    model.set('/new dir/inner', null);
    assertVolumeMatches(volume, model);
    volume.unmount();

    writeSparseImage(image, device.bytes);
    const fsck = fsckFat(image);
    assert.equal(fsck.status, 0, fsck.output);
    assert.deepEqual(fsck.findings, []);
    const out = join(tmp.path, 'out');
    mkdirSync(out);
    const tops = [...model.keys()].filter((k) => k.lastIndexOf('/') === 0);
    const copyOut = mtools('mcopy', ['-s', '-n', '-i', image, ...tops.map((k) => `::${k}`), out]);
    assert.equal(copyOut.status, 0, copyOut.stderr);
    assertHostTreeMatches(out, model);
  } finally {
    tmp.remove();
  }
});
