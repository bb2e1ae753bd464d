/** Sensor-event recordings (JSON Lines): round trip and line-numbered errors. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError, type SensorEvent } from '../common/index.ts';
import { formatSensorEventLine, parseSensorEvents } from './recording.ts';

const events: SensorEvent[] = [
  { kind: 'kbd', atMs: 0, type: 'key', keyClass: 'printable' },
  { kind: 'mic', atMs: 20, type: 'frame', value: -5.5, bands: [-9, -8.5] },
  { kind: 'fs', atMs: 31, type: 'create', origin: 'host', extensionClass: 'code', bucket: 3 },
  { kind: 'net', atMs: 1000, type: 'counters', value: 1000, rxBytes: 10, rxPackets: 1, txBytes: 0, txPackets: 0 },
];

test('recording: events survive format then parse', () => {
  const text = `${events.map(formatSensorEventLine).join('\n')}\n\n`;
  assert.deepEqual(parseSensorEvents(text), events);
});

test('recording: a bad line is a typed error naming the line', () => {
  const bad = ['{"kind":"kbd","atMs":0,"type":"key"}', '{"kind":"fs","atMs":1,"type":"key"}'].join('\n');
  assert.throws(() => parseSensorEvents(bad, 'x.jsonl'), (e) => isChimaeraError(e, 'sensors.recording_invalid') && /x\.jsonl:2/.test(e.message));
  assert.throws(() => parseSensorEvents('{"kind":"fs","atMs":1,"type":"create","bucket":99}'), (e) => isChimaeraError(e, 'sensors.recording_invalid'));
  assert.throws(() => parseSensorEvents('not json'), (e) => isChimaeraError(e, 'sensors.recording_invalid'));
});

test('recording: the committed perception fixtures are valid, time-ordered and carry no path text', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const folder = new URL('../../bench/fixtures/perception/', import.meta.url);
  const names = readdirSync(folder).filter((name) => name.endsWith('.jsonl'));
  assert.ok(names.length >= 4, `fixtures: ${names.join(', ')}`);
  for (const name of names) {
    const text = readFileSync(new URL(name, folder), 'utf8');
    const events = parseSensorEvents(text, name);
    assert.ok(events.length > 0, name);
    assert.ok(events.every((e, i) => i === 0 || e.atMs >= events[i - 1]!.atMs), `${name} is in time order`);
    assert.ok(!text.includes('/'), `${name} holds no paths`);
  }
});
