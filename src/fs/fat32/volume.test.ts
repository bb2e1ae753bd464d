/** Every Fat32Volume operation on a RAM disk, with its errors; each test ends with our fsck finding nothing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError, type ErrorCode } from '../../common/index.ts';
import { ManualClock, RamBlockDevice } from '../../hal/memory/index.ts';
import { checkFat32, Fat32Volume, formatFat32, type FsOperation } from './index.ts';
import { defaultClusterSize, fatSectorsFor } from './geometry.ts';

/** smallest comfortable FAT32 disk with 512-byte clusters: 66 600 sectors ≈ 32.5 MiB */
const SMALL_DISK_SECTORS = 66_600;
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

function fresh(options: { clock?: ManualClock; onOperation?: (op: FsOperation) => void } = {}) {
  const device = new RamBlockDevice(SMALL_DISK_SECTORS);
  formatFat32(device, { label: 'TEST', volumeId: 0x1234abcd });
  return { device, volume: Fat32Volume.mount(device, options) };
}

function expectCode(code: ErrorCode, fn: () => unknown): void {
  assert.throws(fn, (e) => isChimaeraError(e, code), `expected ${code}`);
}

function assertClean(device: RamBlockDevice): void {
  const report = checkFat32(device);
  assert.deepEqual(report.errors, []);
  assert.equal(report.ok, true);
}

test('format: cluster-size table, FAT sizing, too-small devices', () => {
  assert.equal(defaultClusterSize(256 * 1024 * 1024), 512);
  assert.equal(defaultClusterSize(4 * 1024 ** 3), 4096);
  assert.equal(defaultClusterSize(12 * 1024 ** 3), 8192);
  assert.equal(defaultClusterSize(64 * 1024 ** 3), 32768);
  const fatSectors = fatSectorsFor(524288, 32, 2, 1, 512);
  const clusters = Math.floor((524288 - 32 - 2 * fatSectors) / 1);
  assert.ok(fatSectors * 128 >= clusters + 2, 'FAT covers every cluster');
  assert.ok((fatSectors - 1) * 128 < clusters + 2 + 256, 'FAT is not oversized');
  expectCode('arg.invalid', () => formatFat32(new RamBlockDevice(60_000)));
  expectCode('arg.invalid', () => formatFat32(new RamBlockDevice(SMALL_DISK_SECTORS), { sectorsPerCluster: 8 }));
  expectCode('arg.invalid', () => formatFat32(new RamBlockDevice(SMALL_DISK_SECTORS), { sectorsPerCluster: 3 }));
  expectCode('arg.invalid', () => formatFat32(new RamBlockDevice(SMALL_DISK_SECTORS), { label: 'way too long label' }));
});

test('mount reports geometry; garbage is not FAT32', () => {
  const { device, volume } = fresh();
  const s = volume.statfs();
  assert.equal(s.label, 'TEST');
  assert.equal(s.volumeId, 0x1234abcd);
  assert.equal(s.clusterSize, 512);
  assert.ok(s.totalClusters >= 65525);
  assert.equal(s.freeClusters, s.totalClusters - 1);
  assert.equal(s.freeBytes, s.freeClusters * 512);
  assertClean(device);
  expectCode('fs.not_fat32', () => Fat32Volume.mount(new RamBlockDevice(SMALL_DISK_SECTORS)));
});

test('files: create, read, replace, positional write with zero gap, append, read ranges', () => {
  const { device, volume } = fresh();
  volume.writeFile('/a.txt', text('hello'));
  assert.equal(str(volume.readFile('/a.txt')), 'hello');
  assert.equal(str(volume.readFile('/A.TXT')), 'hello', 'case-insensitive lookup');
  volume.writeFile('/a.txt', text('replaced content'));
  assert.equal(str(volume.readFile('/a.txt')), 'replaced content');
  volume.write('/a.txt', 9, text('CONTENT!'));
  assert.equal(str(volume.readFile('/a.txt')), 'replaced CONTENT!');
  volume.write('/gap.bin', 1000, text('x'));
  const gap = volume.readFile('/gap.bin');
  assert.equal(gap.length, 1001);
  assert.ok(gap.subarray(0, 1000).every((b) => b === 0));
  volume.appendFile('/gap.bin', text('yz'));
  assert.equal(str(volume.read('/gap.bin', 1000, 10)), 'xyz');
  assert.equal(volume.read('/gap.bin', 5000, 10).length, 0);
  const big = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
  volume.writeFile('/big.bin', big);
  assert.deepEqual(volume.readFile('/big.bin'), big);
  assert.deepEqual(volume.read('/big.bin', 1234, 5000), big.subarray(1234, 6234));
  volume.writeFile('/empty', new Uint8Array(0));
  assert.equal(volume.stat('/empty').size, 0);
  assert.equal(volume.readFile('/empty').length, 0);
  expectCode('fs.not_found', () => volume.readFile('/missing'));
  expectCode('fs.is_dir', () => volume.readFile('/'));
  expectCode('arg.invalid', () => volume.read('/a.txt', -1, 3));
  assertClean(device);
});

test('truncate shrinks (freeing clusters) and grows with zeros', () => {
  const { device, volume } = fresh();
  const free0 = volume.statfs().freeClusters;
  volume.writeFile('/t', new Uint8Array(5000).fill(9));
  assert.equal(volume.statfs().freeClusters, free0 - 10);
  volume.truncate('/t', 600);
  assert.equal(volume.statfs().freeClusters, free0 - 2);
  assert.deepEqual(volume.readFile('/t'), new Uint8Array(600).fill(9));
  volume.truncate('/t', 2000);
  const grown = volume.readFile('/t');
  assert.ok(grown.subarray(0, 600).every((b) => b === 9) && grown.subarray(600).every((b) => b === 0));
  volume.truncate('/t', 0);
  assert.equal(volume.statfs().freeClusters, free0);
  expectCode('fs.file_too_large', () => volume.truncate('/t', 2 ** 32));
  expectCode('fs.file_too_large', () => volume.write('/t', 2 ** 32 - 1, text('ab')));
  assert.equal(volume.statfs().freeClusters, free0, 'failed calls allocate nothing');
  assertClean(device);
});

test('directories: mkdir (recursive), readdir, stat, rmdir (recursive), errors', () => {
  const { device, volume } = fresh();
  volume.mkdir('/home');
  volume.mkdir('/lived/episodes/2026', { recursive: true });
  volume.mkdir('/lived', { recursive: true });
  expectCode('fs.exists', () => volume.mkdir('/home'));
  expectCode('fs.not_found', () => volume.mkdir('/nope/x'));
  volume.writeFile('/home/f', text('1'));
  expectCode('fs.not_dir', () => volume.mkdir('/home/f/x'));
  expectCode('fs.not_dir', () => volume.readdir('/home/f'));
  assert.deepEqual(volume.readdir('/').map((s) => [s.name, s.kind]), [['home', 'directory'], ['lived', 'directory']]);
  assert.equal(volume.stat('/lived/episodes').kind, 'directory');
  assert.equal(volume.stat('/').kind, 'directory');
  assert.equal(volume.exists('/home/f'), true);
  assert.equal(volume.exists('/home/f/g'), false);
  assert.equal(volume.exists('/zzz'), false);
  expectCode('fs.not_empty', () => volume.rmdir('/lived'));
  expectCode('fs.not_dir', () => volume.rmdir('/home/f'));
  expectCode('fs.is_dir', () => volume.unlink('/home'));
  expectCode('fs.path_invalid', () => volume.rmdir('/'));
  volume.rmdir('/lived', { recursive: true });
  assert.equal(volume.exists('/lived'), false);
  expectCode('fs.path_invalid', () => volume.stat('relative'));
  expectCode('fs.name_invalid', () => volume.writeFile('/bad?name', text('')));
  assertClean(device);
});

test('long, non-ASCII and 8.3 names are stored as given and listed back', () => {
  const { device, volume } = fresh();
  const names = ['readme.txt', 'README2.TXT', 'Mixed.Case', 'a very long file name with spaces.markdown', '日本語のファイル.txt', 'café crème.doc', 'emoji 😀 party.bin', 'x'.repeat(255)];
  for (const name of names) volume.writeFile(`/${name}`, text(name));
  assert.deepEqual(volume.readdir('/').map((s) => s.name), names);
  for (const name of names) assert.equal(str(volume.readFile(`/${name.toUpperCase()}`)), name);
  expectCode('fs.exists', () => volume.preallocate('/CAFÉ CRÈME.DOC', 10));
  assertClean(device);
});

test('directories grow past one cluster and reuse deleted slots', () => {
  const { device, volume } = fresh();
  volume.mkdir('/d');
  for (let i = 0; i < 60; i++) volume.writeFile(`/d/a rather long file name number ${i}.text`, text(String(i)));
  assert.equal(volume.readdir('/d').length, 60);
  for (let i = 0; i < 60; i += 2) volume.unlink(`/d/a rather long file name number ${i}.text`);
  const free = volume.statfs().freeClusters;
  for (let i = 0; i < 30; i++) volume.writeFile(`/d/other name ${i}`, new Uint8Array(0));
  assert.equal(volume.statfs().freeClusters, free, 'new entries fit in deleted slots');
  for (let i = 1; i < 60; i += 2) assert.equal(str(volume.readFile(`/d/a rather long file name number ${i}.text`)), String(i));
  assertClean(device);
});

test('rename: in place, case only, across directories (fixing ..), refusing collisions and cycles', () => {
  const { device, volume } = fresh();
  volume.mkdir('/a/b', { recursive: true });
  volume.mkdir('/c');
  volume.writeFile('/a/b/file.txt', text('data'));
  volume.rename('/a/b/file.txt', '/a/b/renamed with long name.txt');
  volume.rename('/a/b/renamed with long name.txt', '/a/b/RENAMED WITH LONG NAME.TXT');
  assert.deepEqual(volume.readdir('/a/b').map((s) => s.name), ['RENAMED WITH LONG NAME.TXT']);
  volume.rename('/a/b/renamed with long name.txt', '/c/moved.txt');
  assert.equal(str(volume.readFile('/c/moved.txt')), 'data');
  volume.rename('/a/b', '/c/b2');
  volume.writeFile('/c/b2/inner', text('in'));
  assert.deepEqual(volume.readdir('/a'), []);
  assertClean(device); // '..' of /c/b2 now points at /c
  volume.writeFile('/x', text('x'));
  expectCode('fs.exists', () => volume.rename('/x', '/c/moved.txt'));
  expectCode('fs.path_invalid', () => volume.rename('/c', '/c/b2/inside'));
  expectCode('fs.not_found', () => volume.rename('/nope', '/y'));
  expectCode('fs.not_found', () => volume.rename('/x', '/nope/y'));
  assert.equal(str(volume.readFile('/x')), 'x');
  assertClean(device);
});

test('no space: the failing write changes nothing and earlier data survives', () => {
  const { device, volume } = fresh();
  volume.writeFile('/keep', text('precious'));
  const free = volume.statfs().freeBytes;
  expectCode('fs.no_space', () => volume.writeFile('/huge', new Uint8Array(free + 512)));
  volume.writeFile('/fill', new Uint8Array(free - 2048));
  expectCode('fs.no_space', () => volume.appendFile('/keep', new Uint8Array(4096)));
  expectCode('fs.no_space', () => volume.preallocate('/p', 8192));
  assert.equal(volume.exists('/p'), false);
  assert.equal(str(volume.readFile('/keep')), 'precious');
  volume.writeFile('/fill', new Uint8Array(free - 1024).fill(1)); // replace in place: no room for two copies
  assert.equal(volume.stat('/fill').size, free - 1024);
  assertClean(device);
});

test('preallocate + openFileDevice: sector writes land in the file; busy while open; dead after unmount', () => {
  const { device, volume } = fresh();
  volume.mkdir('/lived');
  volume.preallocate('/lived/seg', 64 * 1024);
  assert.ok(volume.readFile('/lived/seg').every((b) => b === 0));
  const before = checkFat32(device);
  const file = volume.openFileDevice('/lived/seg');
  assert.equal(file.sectorCount, 128);
  const payload = new Uint8Array(1024).fill(0xab);
  file.write(100, payload);
  file.flush();
  const back = new Uint8Array(1024);
  file.read(100, back);
  assert.deepEqual(back, payload);
  assert.deepEqual(volume.read('/lived/seg', 100 * 512, 1024), payload);
  expectCode('dev.out_of_range', () => file.write(127, payload));
  expectCode('fs.busy', () => volume.unlink('/lived/seg'));
  expectCode('fs.busy', () => volume.truncate('/lived/seg', 0));
  expectCode('fs.busy', () => volume.writeFile('/lived/seg', text('no')));
  volume.rename('/lived/seg', '/lived/seg.0');
  file.close();
  assert.equal(checkFat32(device).usedClusters, before.usedClusters, 'device writes allocate nothing');
  volume.unlink('/lived/seg.0');
  const second = (volume.preallocate('/p', 4096), volume.openFileDevice('/p'));
  volume.unmount();
  expectCode('fs.unmounted', () => second.read(0, new Uint8Array(512)));
  expectCode('fs.unmounted', () => volume.stat('/'));
  assertClean(device);
});

test('onOperation reports each change with its path and bytes', () => {
  const ops: FsOperation[] = [];
  const { volume } = fresh({ onOperation: (op) => ops.push(op) });
  volume.mkdir('/d');
  volume.writeFile('/d/f', text('abc'));
  volume.writeFile('/d/f', text('abcd'));
  volume.appendFile('/d/f', text('e'));
  volume.write('/d/f', 0, text('Z'));
  volume.truncate('/d/f', 2);
  volume.rename('/d/f', '/d/g');
  volume.unlink('/d/g');
  volume.rmdir('/d');
  assert.deepEqual(ops, [
    { op: 'mkdir', path: '/d' },
    { op: 'create', path: '/d/f', bytes: 3 },
    { op: 'write', path: '/d/f', bytes: 4 },
    { op: 'append', path: '/d/f', bytes: 1 },
    { op: 'write', path: '/d/f', bytes: 1 },
    { op: 'truncate', path: '/d/f', bytes: 2 },
    { op: 'rename', path: '/d/f', target: '/d/g' },
    { op: 'unlink', path: '/d/g', bytes: 2 },
    { op: 'rmdir', path: '/d' },
  ]);
});

test('timestamps come from the clock; data survives unmount and remount; read-only mounts refuse writes', () => {
  const clock = new ManualClock(0, Date.UTC(2030, 5, 15, 12, 30, 10));
  const { device, volume } = fresh({ clock });
  volume.writeFile('/f', text('v1'));
  clock.advance(60_000);
  volume.appendFile('/f', text('v2'));
  const stat = volume.stat('/f');
  assert.equal(stat.createdAt, Date.UTC(2030, 5, 15, 12, 30, 10));
  assert.equal(stat.modifiedAt, Date.UTC(2030, 5, 15, 12, 31, 10));
  volume.unmount();
  expectCode('fs.unmounted', () => volume.readFile('/f'));
  const report = checkFat32(device);
  assert.deepEqual(report.warnings, [], 'clean bit set at unmount');
  const again = Fat32Volume.mount(device, { readOnly: true });
  assert.equal(str(again.readFile('/f')), 'v1v2');
  expectCode('fs.read_only', () => again.writeFile('/g', text('')));
  expectCode('fs.read_only', () => again.mkdir('/g'));
  const free = again.statfs().freeClusters;
  again.unmount();
  const third = Fat32Volume.mount(device);
  assert.equal(third.statfs().freeClusters, free);
  third.writeFile('/g', text('g'));
  assert.match(checkFat32(device).warnings.join(), /not unmounted cleanly/, 'dirty while changes are in flight');
  third.sync();
  third.unmount();
  assertClean(device);
});
