/** The host fs.watch source on a real temporary folder. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isChimaeraError } from '../../../common/index.ts';
import { ManualClock } from '../../memory/index.ts';
import type { FileReading } from '../../sensors.ts';
import { FsWatchSource } from './fs-watch.ts';

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  assert.ok(condition(), `timed out waiting for ${what}`);
}

test('fs watch: create, modify and delete in nested folders arrive as readings; nothing after stop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chimaera-watch-'));
  try {
    mkdirSync(join(dir, 'sub'));
    const source = new FsWatchSource([dir], new ManualClock());
    const readings: FileReading[] = [];
    source.start((r) => readings.push(r));
    const file = join(dir, 'sub', 'a.txt');
    writeFileSync(file, 'one');
    await waitFor(() => readings.some((r) => r.path === file && r.op === 'create'), 'create');
    writeFileSync(file, 'two');
    await waitFor(() => readings.some((r) => r.path === file && r.op === 'modify'), 'modify');
    unlinkSync(file);
    await waitFor(() => readings.some((r) => r.path === file && r.op === 'delete'), 'delete');
    assert.ok(readings.every((r) => r.origin === 'host' && r.kind === 'fs'));
    source.stop();
    const count = readings.length;
    writeFileSync(join(dir, 'after.txt'), 'x');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(readings.length, count);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fs watch: a folder that does not exist is a typed error at start', () => {
  assert.throws(() => new FsWatchSource(['/nonexistent-folder-x'], new ManualClock()).start(() => {}), (e) => isChimaeraError(e, 'sensors.source_unavailable'));
  assert.throws(() => new FsWatchSource([], new ManualClock()), (e) => isChimaeraError(e, 'sensors.config_invalid'));
});
