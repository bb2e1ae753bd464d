/** `chimaera sensors record`: a short real recording of a watched temporary folder, read back as sensor events. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isChimaeraError } from '../common/index.ts';
import { parseSensorEvents } from '../sensors/index.ts';
import { sensorsCommand } from './sensors.ts';

test('sensors record: file activity under --watch becomes coarsened fs events; no path text is written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chimaera-record-'));
  try {
    const watched = join(dir, 'watched');
    mkdirSync(join(watched, 'secret-project', 'src'), { recursive: true });
    const out = join(dir, 'events.jsonl');
    let printed = '';
    const recording = sensorsCommand(['record', '--seconds', '1.5', '--out', out, '--watch', watched, '--kinds', 'fs,net', '--salt', '000102030405060708090a0b0c0d0e0f'], { out: (text) => (printed += text) });
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeFileSync(join(watched, 'secret-project', 'src', 'plan.ts'), 'one');
    writeFileSync(join(watched, 'secret-project', 'notes.md'), 'two');
    assert.equal(await recording, 0);
    const text = readFileSync(out, 'utf8');
    const events = parseSensorEvents(text, out);
    const fs = events.filter((e) => e.kind === 'fs');
    assert.ok(fs.some((e) => e.type === 'create' && e.extensionClass === 'code'), text);
    assert.ok(fs.some((e) => e.extensionClass === 'text'), text);
    assert.ok(events.some((e) => e.kind === 'net' && e.type === 'counters'));
    assert.ok(events.every((e, i) => i === 0 || e.atMs >= events[i - 1]!.atMs), 'in time order');
    assert.ok(!text.includes('secret') && !text.includes('plan') && !text.includes(dir));
    assert.match(printed, /fs\s+capturing captured \d+, published \d+, dropped 0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sensors record: usage errors', async () => {
  const quiet = { out: () => {} };
  await assert.rejects(sensorsCommand(['record', '--seconds', '1'], quiet), (e) => isChimaeraError(e, 'cli.usage'));
  await assert.rejects(sensorsCommand(['record', '--seconds', '1', '--out', '/tmp/x.jsonl', '--kinds', 'fs'], quiet), (e) => isChimaeraError(e, 'cli.usage'));
  await assert.rejects(sensorsCommand(['record', '--seconds', '1', '--out', '/tmp/x.jsonl', '--kinds', 'kbd'], quiet), (e) => isChimaeraError(e, 'arg.invalid'));
  await assert.rejects(sensorsCommand(['record', '--seconds', '1', '--out', '/tmp/x.jsonl', '--salt', 'abc'], quiet), (e) => isChimaeraError(e, 'arg.invalid'));
  await assert.rejects(sensorsCommand(['play'], quiet), (e) => isChimaeraError(e, 'cli.usage'));
});
