/**
 * The whole system in one process on an in-memory machine: loader-built
 * Multiboot2 info → kernel → init (storage, syscalls, shell handles) → shell.
 * Checks what crosses subsystem boundaries: the shell works only through
 * syscalls, derived handles confine and only shrink, revocation reaches
 * derived handles, file operations appear on the event bus, and shutdown
 * and panic leave a consistent disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isChimaeraError, type BusEvent } from '../src/common/index.ts';
import { RamBlockDevice } from '../src/hal/memory/index.ts';
import { PANIC_EXIT_CODE, Rights } from '../src/kernel/index.ts';
import { bootKernelInMemory } from './helpers/memory-boot.ts';
import { checkFat32 } from '../src/fs/index.ts';
import { Shell } from '../src/shell/index.ts';
import { startSystem } from '../src/cli/init.ts';
import { fsckFat, tempDir, writeSparseImage } from './fat32-tools.ts';

const MiB = 2 ** 20;

function bootInMemory(disk = new RamBlockDevice((64 * MiB) / 512)) {
  const { kernel, machine } = bootKernelInMemory({ disk });
  const system = startSystem(kernel);
  let output = '';
  const shell = new Shell(system.port, system.shellHandles, { write: (t) => (output += t) });
  const run = async (line: string): Promise<string> => {
    output = '';
    await shell.runLine(line);
    return output;
  };
  return { disk, machine, kernel, system, shell, run };
}

function fsckClean(image: Uint8Array): { status: number; text: string } {
  const dir = tempDir('chimaera-sys-');
  try {
    const path = join(dir.path, 'disk.img');
    writeSparseImage(path, image);
    const r = fsckFat(path);
    return { status: r.status, text: r.output };
  } finally {
    dir.remove();
  }
}

test('a blank disk is formatted at boot with /home and /lived, and the shell works through syscalls', async () => {
  const { run, kernel, disk, machine } = bootInMemory();
  assert.equal(await run('ls /'), 'home/\nlived/\n');
  assert.equal(await run('mkdir -p /home/a/b/c'), '');
  assert.equal(await run('write "/home/a/b/c/ünïcödé long name.txt" "hello" world'), '');
  assert.equal(await run('cat "/home/a/b/c/ünïcödé long name.txt"'), 'hello world\n');
  await run('cd /home/a/b');
  assert.equal(await run('pwd'), '/home/a/b\n');
  assert.equal(await run('ls c'), 'ünïcödé long name.txt\n');
  await run('mv "c/ünïcödé long name.txt" ../moved.txt');
  assert.equal(await run('cat /home/a/moved.txt'), 'hello world\n');
  assert.match(await run('rm /home/a'), /error fs\.is_dir/);
  await run('rm -r /home/a');
  assert.equal(await run('ls /home'), '');
  assert.match(await run('dmesg'), /fs: mounted FAT32 volume/);
  kernel.shutdown('test done');
  assert.deepEqual(machine.powerOffs, [0]);
  const report = checkFat32(RamBlockDevice.fromImage(disk.bytes));
  assert.ok(report.ok, JSON.stringify(report.errors));
  const fsck = fsckClean(disk.bytes);
  assert.equal(fsck.status, 0, fsck.text);
});

test('derived directory handles confine paths, only shrink rights, and die with their parent', async () => {
  const { system, kernel } = bootInMemory();
  const { port, shellHandles } = system;
  await port.call('fs.mkdir', shellHandles.root, { path: '/home/notes' });
  await port.call('fs.write', shellHandles.root, { path: '/home/notes/a.txt', data: new TextEncoder().encode('note') });
  await port.call('fs.write', shellHandles.root, { path: '/lived/secret', data: new TextEncoder().encode('grants') });

  const notes = await port.call<number>('fs.open_dir', shellHandles.root, { path: '/home/notes', rights: Rights.READ | Rights.DUPLICATE });
  assert.equal(kernel.handles.rightsOf(notes), Rights.READ | Rights.DUPLICATE);
  const read = await port.call<Uint8Array>('fs.read', notes, { path: '/a.txt' });
  assert.equal(new TextDecoder().decode(read), 'note');
  // ".." cannot climb out of the subtree
  await assert.rejects(port.call('fs.read', notes, { path: '/../../lived/secret' }), (e) => isChimaeraError(e, 'fs.not_found'));
  // no WRITE on the derived handle
  await assert.rejects(port.call('fs.write', notes, { path: '/b.txt', data: new Uint8Array(1) }), (e) => isChimaeraError(e, 'handle.access_denied'));
  // asking for more rights than the source has yields no more than the source has
  const again = await port.call<number>('fs.open_dir', notes, { path: '/', rights: Rights.READ | Rights.WRITE | Rights.DUPLICATE });
  assert.equal(kernel.handles.rightsOf(again) & Rights.WRITE, 0);
  // a kernel handle is not a directory handle
  await assert.rejects(port.call('fs.read', shellHandles.kernel, { path: '/x' }), (e) => isChimaeraError(e, 'handle.wrong_type'));
  // bad arguments are refused before anything happens
  await assert.rejects(port.call('fs.write', shellHandles.root, { path: '/home/x', data: 'not bytes' }), (e) => isChimaeraError(e, 'syscall.bad_args'));
  // revoking the parent reaches the grandchild
  kernel.handles.revoke(notes);
  await assert.rejects(port.call('fs.read', again, { path: '/a.txt' }), (e) => isChimaeraError(e, 'handle.revoked'));
  assert.equal(new TextDecoder().decode(await port.call<Uint8Array>('fs.read', shellHandles.root, { path: '/home/notes/a.txt' })), 'note');
});

test('file operations are published on the event bus', async () => {
  const { system, kernel } = bootInMemory();
  const sub = kernel.bus.subscribe(['fs.op']);
  await system.port.call('fs.write', system.shellHandles.root, { path: '/home/x.txt', data: new Uint8Array(10) });
  await system.port.call('fs.append', system.shellHandles.root, { path: '/home/x.txt', data: new Uint8Array(5) });
  await system.port.call('fs.unlink', system.shellHandles.root, { path: '/home/x.txt' });
  const ops = sub.poll().map((e: BusEvent<'fs.op'>) => `${e.payload.op} ${e.payload.path}`);
  assert.ok(ops.includes('append /home/x.txt'), ops.join(', '));
  assert.ok(ops.includes('unlink /home/x.txt'), ops.join(', '));
  assert.ok(ops.some((o) => /^(create|write) \/home\/x\.txt$/.test(o)), ops.join(', '));
});

test('a panic logs, unmounts the disk cleanly and powers off non-zero', async () => {
  const { system, kernel, machine, disk } = bootInMemory();
  await system.port.call('fs.write', system.shellHandles.root, { path: '/home/before-panic.txt', data: new TextEncoder().encode('kept') });
  kernel.panic('test: simulated fault', new Error('boom'));
  assert.deepEqual(machine.powerOffs, [PANIC_EXIT_CODE]);
  const log = kernel.klog.dmesg().join('\n');
  assert.match(log, /Kernel panic - not syncing: test: simulated fault/);
  assert.match(log, /unmounted cleanly/);
  assert.match(log, /system halted/);
  const fsck = fsckClean(disk.bytes);
  assert.equal(fsck.status, 0, fsck.text);
  // the disk boots again and still has the file
  const second = bootInMemory(RamBlockDevice.fromImage(disk.bytes));
  assert.equal(await second.run('cat /home/before-panic.txt'), 'kept');
});

test('a disk that is not FAT32 is refused at mount with a typed error and is not formatted over', () => {
  const disk = new RamBlockDevice((64 * MiB) / 512);
  disk.bytes.set(new TextEncoder().encode('precious user data, not a file system'), 0);
  const before = disk.bytes.slice(0, 4096);
  assert.throws(() => bootInMemory(disk), (e) => isChimaeraError(e, 'fs.not_fat32'));
  assert.deepEqual(disk.bytes.slice(0, 4096), before);
});
