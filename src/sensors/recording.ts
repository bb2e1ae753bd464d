/**
 * Sensor-event recordings: JSON Lines, one `SensorEvent` per line, times
 * relative to the start of the recording [ms], in time order. Written by
 * `chimaera sensors record`; read by benchmarks and tests
 * (bench/fixtures/perception/*.jsonl). Reading validates every line, so a
 * damaged fixture fails loudly with its line number.
 */

import { fail, SENSOR_KINDS, type SensorEvent } from '../common/index.ts';

const TYPES_OF_KIND: Record<SensorEvent['kind'], readonly SensorEvent['type'][]> = {
  kbd: ['key'],
  mic: ['frame'],
  usb: ['add', 'remove'],
  fs: ['create', 'modify', 'delete', 'rename'],
  net: ['counters', 'open', 'close'],
};

const NUMERIC_FIELDS = ['value', 'bucket', 'deviceClass', 'rxBytes', 'rxPackets', 'txBytes', 'txPackets'] as const;

export function formatSensorEventLine(event: SensorEvent): string {
  return JSON.stringify(event);
}

function check(condition: boolean, name: string, line: number, what: string): asserts condition {
  if (!condition) fail('sensors.recording_invalid', `${name}:${line}: ${what}`, { line });
}

/** every event of a JSON Lines recording; blank lines are skipped */
export function parseSensorEvents(text: string, name = 'recording'): SensorEvent[] {
  const events: SensorEvent[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      fail('sensors.recording_invalid', `${name}:${index + 1}: not JSON`, { line: index + 1 });
    }
    check(typeof value === 'object' && value !== null && !Array.isArray(value), name, index + 1, 'not a JSON object');
    const event = value as Record<string, unknown>;
    check(SENSOR_KINDS.includes(event['kind'] as SensorEvent['kind']), name, index + 1, `unknown kind ${JSON.stringify(event['kind'])}`);
    const kind = event['kind'] as SensorEvent['kind'];
    check(TYPES_OF_KIND[kind].includes(event['type'] as SensorEvent['type']), name, index + 1, `type ${JSON.stringify(event['type'])} is not one of ${kind}'s`);
    check(typeof event['atMs'] === 'number' && Number.isFinite(event['atMs']), name, index + 1, 'atMs is not a number');
    for (const field of NUMERIC_FIELDS) check(event[field] === undefined || (typeof event[field] === 'number' && Number.isFinite(event[field])), name, index + 1, `${field} is not a number`);
    check(event['bucket'] === undefined || (Number.isInteger(event['bucket']) && (event['bucket'] as number) >= 0 && (event['bucket'] as number) < 16), name, index + 1, 'bucket is not an integer 0..15');
    check(event['bands'] === undefined || (Array.isArray(event['bands']) && event['bands'].every((b) => typeof b === 'number')), name, index + 1, 'bands is not a list of numbers');
    events.push(event as unknown as SensorEvent);
  }
  return events;
}
