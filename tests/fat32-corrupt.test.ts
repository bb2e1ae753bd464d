/**
 * Damaged FAT32 images: every kind of damage must give a typed
 * ChimaeraError (or success), never another exception and never a hang;
 * writes after damage is found must not change the disk; checkFat32 must
 * name each corruption. Ends with a seeded fuzz of metadata sectors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError, Rng, type ErrorCode } from '../src/common/index.ts';
import { RamBlockDevice } from '../src/hal/memory/index.ts';
import { checkFat32, Fat32Volume, formatFat32 } from '../src/fs/index.ts';
import { ZeroTailDevice } from './fat32-tools.ts';

const SECTORS = 66_600;
/** sectors holding every non-zero byte of the test volume */
const HEAD_SECTORS = 4096;
const SECTOR = 512;
const RESERVED = 32;

interface Layout {
  /** FAT copy size [sectors] */
  readonly fatSectors: number;
  /** first sector of cluster 2 */
  readonly dataStart: number;
  readonly clusterCount: number;
}

/** a populated, cleanly unmounted volume: head bytes + where things are */
function populated(): { head: Uint8Array; layout: Layout } {
  const device = new RamBlockDevice(SECTORS);
  formatFat32(device, { volumeId: 7 });
  const volume = Fat32Volume.mount(device);
  volume.mkdir('/home/docs', { recursive: true });
  volume.writeFile('/home/a.txt', new Uint8Array(3000).fill(1)); // 6 clusters
  volume.writeFile('/home/docs/long name document.text', new Uint8Array(700).fill(2));
  volume.writeFile('/readme', new TextEncoder().encode('hi'));
  volume.mkdir('/lived');
  for (let i = 0; i < 20; i++) volume.writeFile(`/lived/entry number ${i}.json`, new Uint8Array(i * 40).fill(i));
  volume.unmount();
  const view = new DataView(device.bytes.buffer);
  const fatSectors = view.getUint32(36, true);
  const dataStart = RESERVED + 2 * fatSectors;
  assert.ok(device.bytes.subarray(HEAD_SECTORS * SECTOR).every((b) => b === 0));
  return { head: device.bytes.slice(0, HEAD_SECTORS * SECTOR), layout: { fatSectors, dataStart, clusterCount: Math.floor(SECTORS - dataStart) } };
}

const base = populated();
const disk = (head: Uint8Array, sectors = SECTORS) => new ZeroTailDevice(new RamBlockDevice(head.length / SECTOR, { bytes: head }), sectors);
const u32 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);
const setU32 = (bytes: Uint8Array, at: number, value: number) => new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, value, true);
const setU16 = (bytes: Uint8Array, at: number, value: number) => new DataView(bytes.buffer, bytes.byteOffset).setUint16(at, value, true);

function expectCode(codes: ErrorCode[], fn: () => unknown, label: string): void {
  assert.throws(fn, (e) => isChimaeraError(e) && codes.includes(e.code), label);
}

/** byte offset of the first cluster-2-relative cluster's entry `index` in FAT copy `copy` */
const fatEntry = (layout: Layout, copy: number, cluster: number) => (RESERVED + copy * layout.fatSectors) * SECTOR + cluster * 4;
const clusterOffset = (layout: Layout, cluster: number) => (layout.dataStart + cluster - 2) * SECTOR;

/** slot offset of the short entry for `shortName` (11 chars) in a directory cluster */
function findEntry(head: Uint8Array, layout: Layout, dirCluster: number, shortName: string): number {
  const at = clusterOffset(layout, dirCluster);
  for (let slot = 0; slot < 16; slot++) {
    const o = at + slot * 32;
    if (String.fromCharCode(...head.subarray(o, o + 11)) === shortName) return o;
  }
  throw new Error(`no entry ${shortName}`);
}
const firstCluster = (head: Uint8Array, entry: number) => (head[entry + 20]! | (head[entry + 21]! << 8)) * 65536 + (head[entry + 26]! | (head[entry + 27]! << 8));

test('boot sector damage: garbage and FAT16 are not FAT32; impossible fields are corrupt', () => {
  const cases: [string, (h: Uint8Array) => void, ErrorCode][] = [
    ['no signature', (h) => (h[510] = 0), 'fs.not_fat32'],
    ['garbage sector 0', (h) => new Rng(1).fillBytes(h.subarray(0, 512)), 'fs.not_fat32'],
    ['FAT16 BPB', (h) => setU16(h, 22, 200), 'fs.not_fat32'],
    ['cluster size not a power of two', (h) => (h[13] = 3), 'fs.not_fat32'],
    ['sector size differs from the device', (h) => setU16(h, 11, 4096), 'fs.corrupt'],
    ['FAT too small', (h) => setU32(h, 36, 10), 'fs.corrupt'],
    ['root cluster outside the volume', (h) => setU32(h, 44, 0x0fffff00), 'fs.corrupt'],
    ['no FATs', (h) => (h[16] = 0), 'fs.corrupt'],
  ];
  for (const [label, damage, code] of cases) {
    const head = base.head.slice();
    damage(head);
    expectCode([code], () => Fat32Volume.mount(disk(head)), label);
    const report = checkFat32(disk(head));
    assert.equal(report.ok, false, label);
    assert.equal(report.errors[0]!.code, 'boot.invalid', label);
  }
});

test('a truncated image is refused', () => {
  expectCode(['fs.corrupt', 'dev.out_of_range'], () => Fat32Volume.mount(disk(base.head, SECTORS - 1000)), 'truncated tail');
  expectCode(['fs.corrupt', 'dev.out_of_range'], () => Fat32Volume.mount(new RamBlockDevice(600, { bytes: base.head.slice(0, 600 * SECTOR) })), 'cut inside the FAT');
  expectCode(['fs.not_fat32'], () => Fat32Volume.mount(new RamBlockDevice(1)), 'one zero sector');
});

test('FAT copies that disagree on a clean volume are refused; checkFat32 agrees', () => {
  const head = base.head.slice();
  setU32(head, fatEntry(base.layout, 1, 500), 0x0fffffff);
  assert.throws(() => Fat32Volume.mount(disk(head)), (e) => isChimaeraError(e, 'fs.corrupt') && /FAT copy 2 disagrees .* FAT sector 3/.test(e.message));
  assert.deepEqual(checkFat32(disk(head)).errors.map((e) => e.code), ['fat.copies_differ'], 'copy 1 is the reference, so nothing is lost');
});

test('FAT copies that disagree after a crash (clean bit clear): copy 1 is trusted and sync rewrites the others', () => {
  const head = base.head.slice();
  const volume = Fat32Volume.mount(disk(head));
  volume.writeFile('/in flight', new Uint8Array(100)); // clears the clean bit; never unmounted
  setU32(head, fatEntry(base.layout, 1, 700), 0x0fffffff);
  assert.ok(checkFat32(disk(head)).errors.some((e) => e.code === 'fat.copies_differ'));
  const again = Fat32Volume.mount(disk(head));
  assert.equal(again.readFile('/in flight').length, 100);
  again.sync();
  assert.deepEqual(checkFat32(disk(head)).errors, []);
  again.unmount();
  assert.deepEqual(checkFat32(disk(head)).warnings, []);
});

test('a cluster-chain loop is found on access, and later writes change nothing', () => {
  const head = base.head.slice();
  const root = 2;
  const home = firstCluster(head, findEntry(head, base.layout, root, 'HOME       '));
  const file = firstCluster(head, findEntry(head, base.layout, home, 'A       TXT'));
  for (const copy of [0, 1]) setU32(head, fatEntry(base.layout, copy, file + 5), file + 1); // last cluster → second
  const volume = Fat32Volume.mount(disk(head));
  assert.equal(volume.readFile('/readme').length, 2, 'undamaged files still read');
  assert.throws(() => volume.readFile('/home/a.txt'), (e) => isChimaeraError(e, 'fs.corrupt') && /loops/.test(e.message));
  const before = head.slice();
  expectCode(['fs.corrupt'], () => volume.writeFile('/new', new Uint8Array(10)), 'writes refused after damage');
  expectCode(['fs.corrupt'], () => volume.unlink('/readme'), 'writes refused after damage');
  assert.ok(Buffer.from(head).equals(Buffer.from(before)), 'the disk is unchanged');
  assert.ok(checkFat32(disk(head)).errors.some((e) => e.code === 'chain.loop'));
});

test('entries pointing past the volume and chains shorter than the size are corrupt on access', () => {
  const head = base.head.slice();
  const home = firstCluster(head, findEntry(head, base.layout, 2, 'HOME       '));
  const docs = findEntry(head, base.layout, home, 'DOCS       ');
  setU16(head, docs + 20, 0x0fff); // directory's first cluster far past the end
  const file = findEntry(head, base.layout, home, 'A       TXT');
  setU32(head, file + 28, 100_000); // size larger than its 6-cluster chain
  const volume = Fat32Volume.mount(disk(head));
  assert.throws(() => volume.readdir('/home/docs'), (e) => isChimaeraError(e, 'fs.corrupt') && /outside/.test(e.message));
  assert.throws(() => volume.readFile('/home/a.txt'), (e) => isChimaeraError(e, 'fs.corrupt') && /needs 196 clusters but its chain has 6/.test(e.message));
  const codes = checkFat32(disk(head)).errors.map((e) => e.code);
  assert.ok(codes.includes('entry.bad_cluster') && codes.includes('chain.too_short') && codes.includes('clusters.lost'), codes.join());
});

test('checkFat32 names cross-links, bad dot entries, orphaned long names and a wrong free count', () => {
  const head = base.head.slice();
  const lived = firstCluster(head, findEntry(head, base.layout, 2, 'LIVED      '));
  const home = firstCluster(head, findEntry(head, base.layout, 2, 'HOME       '));
  const readme = findEntry(head, base.layout, 2, 'README     ');
  const a = firstCluster(head, findEntry(head, base.layout, home, 'A       TXT'));
  setU16(head, readme + 26, a & 0xffff); // readme now shares a.txt's first cluster
  setU16(head, clusterOffset(base.layout, lived) + 32 + 26, 1234); // '..' of /lived
  const lfnSlot = clusterOffset(base.layout, lived) + 2 * 32; // first LFN slot of the first entry: orphan it
  head[lfnSlot + 13] ^= 0xff;
  setU32(head, SECTOR + 488, 5); // FSInfo free count
  const codes = new Set(checkFat32(disk(head)).errors.map((e) => e.code));
  for (const code of ['chain.cross_linked', 'dot.wrong', 'lfn.orphan', 'fsinfo.free_count'] as const) assert.ok(codes.has(code), `${code} in ${[...codes].join()}`);
});

test('fuzz: 300 seeded mutations of metadata sectors never give an untyped error', () => {
  const rng = new Rng(0xfa7);
  const { layout } = base;
  const metadata = [0, 1, 6, RESERVED, RESERVED + 1, RESERVED + layout.fatSectors, layout.dataStart, layout.dataStart + 1, ...Array.from({ length: 24 }, (_, i) => layout.dataStart + 2 + i)];
  const outcomes = { mounted: 0, refused: 0, typedLater: 0 };
  for (let trial = 0; trial < 300; trial++) {
    const head = base.head.slice();
    const mutations = rng.int(1, 4);
    for (let m = 0; m < mutations; m++) {
      const sector = rng.pick(metadata);
      const at = sector * SECTOR;
      switch (rng.int(0, 3)) {
        case 0:
          rng.fillBytes(head.subarray(at, at + SECTOR)); // garbage sector
          break;
        case 1:
          head[at + rng.int(0, SECTOR - 1)] = rng.int(0, 255); // one byte
          break;
        case 2:
          setU32(head, at + rng.int(0, 127) * 4, rng.pick([0, 1, 2, 3, 0x0ffffff7, 0x0fffffff, rng.nextU32(), rng.int(2, 200)])); // one u32 (FAT entries, cluster fields)
          break;
        default:
          head.fill(rng.pick([0, 0xe5, 0xff]), at + rng.int(0, 15) * 32, at + rng.int(16, 16) * 32); // wipe a run of slots
      }
    }
    const label = `trial ${trial}`;
    const typed = (fn: () => void) => {
      try {
        fn();
      } catch (e) {
        if (!isChimaeraError(e)) assert.fail(`${label}: untyped ${String((e as Error)?.stack ?? e)}`);
        outcomes.typedLater++;
      }
    };
    checkFat32(disk(head));
    let volume: Fat32Volume;
    try {
      volume = Fat32Volume.mount(disk(head));
    } catch (e) {
      if (!isChimaeraError(e)) assert.fail(`${label}: mount threw untyped ${String((e as Error)?.stack ?? e)}`);
      outcomes.refused++;
      continue;
    }
    outcomes.mounted++;
    const seen = new Set<string>();
    const walk = (dir: string, depth: number): void => {
      if (depth > 8 || seen.size > 500) return;
      typed(() => {
        for (const s of volume.readdir(dir)) {
          seen.add(s.path);
          if (s.kind === 'directory') walk(s.path, depth + 1);
          else typed(() => void volume.readFile(s.path));
        }
      });
    };
    walk('/', 0);
    typed(() => volume.writeFile('/fuzz new file.bin', new Uint8Array(2000).fill(5)));
    typed(() => volume.mkdir('/home/fuzz dir', { recursive: true }));
    typed(() => volume.appendFile('/home/a.txt', new Uint8Array(600)));
    typed(() => volume.rename('/readme', '/lived/readme moved'));
    typed(() => volume.rmdir('/lived', { recursive: true }));
    typed(() => volume.unmount());
  }
  assert.ok(outcomes.mounted > 50 && outcomes.refused > 20, JSON.stringify(outcomes));
});
