/**
 * Power loss at every write: a small FAT32 workload runs on CrashBlockDevice
 * with the power cut after each possible number of writes. With the 'drop'
 * policy (only flushed writes survive) every image must mount, our fsck and
 * fsck.fat may find nothing worse than lost clusters and the free count, and
 * every completed operation must be intact (the interrupted one is either
 * done or not, path by path). A sample of crash points is also replayed with
 * the 'random' policy (unflushed sectors kept, dropped or torn at random).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isChimaeraError, Rng } from '../src/common/index.ts';
import { CrashBlockDevice, RamBlockDevice, type CrashPolicy } from '../src/hal/memory/index.ts';
import { checkFat32, Fat32Volume, formatFat32 } from '../src/fs/index.ts';
import { BENIGN_AFTER_CRASH, fsckFat, tempDir, unexpectedFindings, writeSparseImage, ZeroTailDevice } from './fat32-tools.ts';

type Model = Map<string, Uint8Array | null>;
interface Step {
  readonly name: string;
  readonly run: (v: Fat32Volume) => void;
  readonly apply: (m: Model) => void;
}

/** the volume [sectors]: the smallest comfortable FAT32 disk */
const SECTORS = 66_600;
/** sectors the workload touches (FATs, root, its data), simulated by CrashBlockDevice; the rest reads as zeros */
const HEAD_SECTORS = 4096;
const text = (s: string) => new TextEncoder().encode(s);
const fill = (n: number, b: number) => new Uint8Array(n).fill(b);
const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};
const moveTree = (m: Model, from: string, to: string) => {
  for (const [k, v] of [...m]) {
    if (k === from || k.startsWith(from + '/')) {
      m.delete(k);
      m.set(to + k.slice(from.length), v);
    }
  }
};

const STEPS: Step[] = [
  { name: 'mkdir /home', run: (v) => v.mkdir('/home'), apply: (m) => m.set('/home', null) },
  { name: 'mkdir -p /lived/episodes', run: (v) => v.mkdir('/lived/episodes', { recursive: true }), apply: (m) => (m.set('/lived', null), m.set('/lived/episodes', null)) },
  { name: 'create a.txt', run: (v) => v.writeFile('/home/a.txt', text('alpha')), apply: (m) => m.set('/home/a.txt', text('alpha')) },
  { name: 'create long name', run: (v) => v.writeFile('/home/a long file name.text', fill(1500, 1)), apply: (m) => m.set('/home/a long file name.text', fill(1500, 1)) },
  {
    name: 'append across clusters',
    run: (v) => v.appendFile('/home/a long file name.text', fill(1200, 2)),
    apply: (m) => m.set('/home/a long file name.text', concat(fill(1500, 1), fill(1200, 2))),
  },
  { name: 'append within cluster', run: (v) => v.appendFile('/home/a.txt', text('+beta')), apply: (m) => m.set('/home/a.txt', text('alpha+beta')) },
  { name: 'mkdir sub dir', run: (v) => v.mkdir('/home/sub dir'), apply: (m) => m.set('/home/sub dir', null) },
  { name: 'create emoji', run: (v) => v.writeFile('/home/sub dir/😀 notes.md', fill(700, 3)), apply: (m) => m.set('/home/sub dir/😀 notes.md', fill(700, 3)) },
  ...Array.from({ length: 6 }, (_, i): Step => ({
    name: `grow directory ${i}`,
    run: (v) => v.writeFile(`/lived/episodes/episode number ${i} of the lived log.json`, fill(100 * i, 10 + i)),
    apply: (m) => m.set(`/lived/episodes/episode number ${i} of the lived log.json`, fill(100 * i, 10 + i)),
  })),
  { name: 'rename across dirs', run: (v) => v.rename('/home/a.txt', '/lived/A renamed.txt'), apply: (m) => moveTree(m, '/home/a.txt', '/lived/A renamed.txt') },
  { name: 'rename in place', run: (v) => v.rename('/home/a long file name.text', '/home/short.txt'), apply: (m) => moveTree(m, '/home/a long file name.text', '/home/short.txt') },
  { name: 'move directory', run: (v) => v.rename('/home/sub dir', '/lived/moved dir'), apply: (m) => moveTree(m, '/home/sub dir', '/lived/moved dir') },
  { name: 'truncate down', run: (v) => v.truncate('/home/short.txt', 100), apply: (m) => m.set('/home/short.txt', fill(100, 1)) },
  { name: 'truncate up', run: (v) => v.truncate('/home/short.txt', 1100), apply: (m) => m.set('/home/short.txt', concat(fill(100, 1), fill(1000, 0))) },
  {
    name: 'write past end',
    run: (v) => v.write('/lived/A renamed.txt', 600, text('tail')),
    apply: (m) => m.set('/lived/A renamed.txt', concat(concat(text('alpha+beta'), fill(590, 0)), text('tail'))),
  },
  { name: 'replace (cow)', run: (v) => v.writeFile('/lived/moved dir/😀 notes.md', fill(2100, 4)), apply: (m) => m.set('/lived/moved dir/😀 notes.md', fill(2100, 4)) },
  { name: 'unlink', run: (v) => v.unlink('/lived/episodes/episode number 2 of the lived log.json'), apply: (m) => m.delete('/lived/episodes/episode number 2 of the lived log.json') },
  { name: 'reuse slot', run: (v) => v.writeFile('/lived/episodes/new.json', text('{}')), apply: (m) => m.set('/lived/episodes/new.json', text('{}')) },
  { name: 'preallocate', run: (v) => v.preallocate('/lived/log.seg', 4096), apply: (m) => m.set('/lived/log.seg', fill(4096, 0)) },
  { name: 'mkdir /tmp', run: (v) => v.mkdir('/tmp'), apply: (m) => m.set('/tmp', null) },
  { name: 'rmdir /tmp', run: (v) => v.rmdir('/tmp'), apply: (m) => m.delete('/tmp') },
  {
    name: 'rmdir recursive',
    run: (v) => v.rmdir('/lived/moved dir', { recursive: true }),
    apply: (m) => {
      for (const k of [...m.keys()]) if (k.startsWith('/lived/moved dir')) m.delete(k);
    },
  },
  { name: 'truncate to zero', run: (v) => v.truncate('/home/short.txt', 0), apply: (m) => m.set('/home/short.txt', new Uint8Array(0)) },
];

/** the formatted volume's head sectors (everything past them is zero) */
function baseImage(): Uint8Array {
  const device = new RamBlockDevice(SECTORS);
  formatFat32(device, { volumeId: 42 });
  assert.ok(device.bytes.subarray(HEAD_SECTORS * 512).every((b) => b === 0));
  return device.bytes.slice(0, HEAD_SECTORS * 512);
}

/** a crash-simulating full-size disk over `head` */
function crashDisk(head: Uint8Array): { crash: CrashBlockDevice; disk: ZeroTailDevice } {
  const crash = new CrashBlockDevice(head);
  return { crash, disk: new ZeroTailDevice(crash, SECTORS) };
}

/** every path and content on the volume */
function snapshot(volume: Fat32Volume): Model {
  const out: Model = new Map();
  const walk = (dir: string): void => {
    for (const s of volume.readdir(dir)) {
      out.set(s.path, s.kind === 'directory' ? null : volume.readFile(s.path));
      if (s.kind === 'directory') walk(s.path);
    }
  };
  walk('/');
  return out;
}

const same = (a: Uint8Array | null | undefined, b: Uint8Array | null | undefined) =>
  a === b || (a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a).equals(Buffer.from(b)));

/** run the workload, cutting power after `writes` write calls; returns the image and how many steps completed */
function crashRun(base: Uint8Array, writes: number, policy: CrashPolicy, rng: Rng): { image: Uint8Array; completed: number; crashed: boolean } {
  const { crash: device, disk } = crashDisk(base);
  const volume = Fat32Volume.mount(disk);
  device.armCrashAfterWrites(writes);
  let completed = 0;
  try {
    for (const step of STEPS) {
      step.run(volume);
      completed++;
    }
    volume.unmount();
    return { image: device.durableImage(), completed, crashed: false };
  } catch (e) {
    if (!isChimaeraError(e, 'dev.io')) throw e;
    return { image: device.imageAfterCrash(rng, policy), completed, crashed: true };
  }
}

/** fsck.fat's wording when the FAT copies differ and it takes copy 1 */
const BENIGN_AFTER_TORN_EPOCH = [
  ...BENIGN_AFTER_CRASH,
  /^FATs differ but appear to be intact\.$/,
  /^\s*Using first FAT\.$/,
  /^Orphaned long file name part /,
  /^\s*Auto-deleting\.$/,
  /^\//, // the path a following finding is about
  /^\s*File size is \d+ bytes, cluster chain length is >? ?\d+ bytes\.$/,
  /^\s*Truncating file to \d+ bytes\.$/,
  /^\s*share clusters\.$/,
  /^\s*Truncating second to 0 bytes\.$/,
];

function checkImage(image: Uint8Array, imagePath: string, label: string, allowedOurs: ReadonlySet<string>, allowedFsck = BENIGN_AFTER_CRASH): Fat32Volume {
  const device = new ZeroTailDevice(new RamBlockDevice(HEAD_SECTORS, { bytes: image }), SECTORS);
  const report = checkFat32(device);
  const bad = report.errors.filter((e) => !allowedOurs.has(e.code));
  assert.deepEqual(bad, [], `${label}: checkFat32`);
  writeSparseImage(imagePath, image, SECTORS * 512);
  const fsck = fsckFat(imagePath);
  assert.deepEqual(unexpectedFindings(fsck.findings, allowedFsck), [], `${label}: fsck.fat\n${fsck.output}`);
  assert.equal(report.lostClusters > 0, fsck.findings.some((l) => l.startsWith('Reclaimed')), `${label}: both checkers agree on lost clusters`);
  return Fat32Volume.mount(device);
}

test('power loss at every write (drop policy): at worst lost clusters, completed operations intact', () => {
  const base = baseImage();
  const models: Model[] = [new Map()];
  for (const step of STEPS) {
    const next = new Map(models[models.length - 1]!);
    step.apply(next);
    models.push(next);
  }
  const full = crashRun(base, Number.MAX_SAFE_INTEGER, 'drop', new Rng(1));
  assert.equal(full.crashed, false);
  const { crash: totalWrites, disk } = crashDisk(base);
  {
    const v = Fat32Volume.mount(disk);
    for (const step of STEPS) step.run(v);
    v.unmount();
  }
  const writeCount = totalWrites.writeCalls;
  assert.ok(writeCount > 100, `workload makes ${writeCount} writes`);
  const tmp = tempDir('fat32-crash-');
  const ours = new Set(['clusters.lost', 'fsinfo.free_count']);
  let withLost = 0;
  try {
    for (let writes = 0; writes <= writeCount; writes++) {
      const run = crashRun(base, writes, 'drop', new Rng(writes));
      const label = `crash after ${writes} writes (in step ${run.completed}: ${STEPS[run.completed]?.name ?? 'unmount'})`;
      const volume = checkImage(run.image, join(tmp.path, 'crash.img'), label, ours);
      if (checkFat32(volume.device).lostClusters > 0) withLost++;
      // completed steps are durable; the interrupted one is all-or-nothing per path
      const before = models[run.completed]!;
      const after = models[Math.min(run.completed + 1, STEPS.length)]!;
      const actual = snapshot(volume);
      for (const path of new Set([...before.keys(), ...after.keys(), ...actual.keys()])) {
        const got = actual.get(path);
        assert.ok(same(got, before.get(path)) || same(got, after.get(path)), `${label}: ${path} is neither the old nor the new state`);
      }
      // the volume keeps working after the crash
      volume.writeFile('/after crash.txt', text('ok'));
      volume.unmount();
      const again = checkFat32(volume.device);
      assert.deepEqual(again.errors.filter((e) => !ours.has(e.code)), [], `${label}: after more writes`);
    }
  } finally {
    tmp.remove();
  }
  assert.ok(withLost > 0, 'some crash points leave lost clusters (the test sees the window)');
});

test('power loss with random unflushed outcomes (keep / drop / tear): every image mounts, damage stays benign', () => {
  const base = baseImage();
  const { crash: totalWrites, disk } = crashDisk(base);
  {
    const v = Fat32Volume.mount(disk);
    for (const step of STEPS) step.run(v);
    v.unmount();
  }
  const tmp = tempDir('fat32-crash-random-');
  const rng = new Rng(99);
  let seen = 0;
  // A torn epoch can leave what one barrier-free epoch cannot avoid (see volume.ts): FAT copies that differ,
  // orphaned long-name slots, a size that disagrees with its chain, or both names of a rename.
  const ours = new Set(['clusters.lost', 'fsinfo.free_count', 'fat.copies_differ', 'lfn.orphan', 'lfn.checksum', 'chain.too_long', 'chain.too_short', 'chain.cross_linked']);
  try {
    for (let writes = 0; writes <= totalWrites.writeCalls; writes += 2) {
      const run = crashRun(base, writes, 'random', rng);
      const label = `random crash after ${writes} writes (in step ${run.completed}: ${STEPS[run.completed]?.name ?? 'unmount'})`;
      const volume = checkImage(run.image, join(tmp.path, 'crash.img'), label, ours, BENIGN_AFTER_TORN_EPOCH);
      try {
        snapshot(volume);
      } catch (e) {
        // a chain cut shorter than its size is refused on access, with a typed error
        assert.ok(isChimaeraError(e, 'fs.corrupt'), `${label}: ${String(e)}`);
        assert.ok(checkFat32(volume.device).errors.some((x) => x.code === 'chain.too_short'), `${label}: ${String(e)}`);
      }
      volume.unmount();
      seen++;
    }
  } finally {
    tmp.remove();
  }
  assert.ok(seen > 50, `${seen} random crash images checked`);
});
