/** WAV parsing (and its typed errors) and the WAV file source. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isChimaeraError } from '../../../common/index.ts';
import { ManualClock } from '../../memory/index.ts';
import type { AudioReading } from '../../sensors.ts';
import { WavFileSource } from './audio-sources.ts';
import { encodeWav, parseWav } from './wav.ts';

test('wav: mono 16-bit round trip', () => {
  const samples = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
  const audio = parseWav(encodeWav(samples, 16000));
  assert.equal(audio.sampleRate, 16000);
  assert.equal(audio.channels, 1);
  assert.deepEqual([...audio.samples], [...samples]);
});

test('wav: stereo is mixed to mono; odd chunks are skipped with their pad byte; a cut data chunk is read to the last whole frame', () => {
  const parts: number[] = [];
  const tag = (text: string): void => {
    for (const c of text) parts.push(c.charCodeAt(0));
  };
  const u16 = (value: number): void => {
    parts.push(value & 0xff, (value >> 8) & 0xff);
  };
  const u32 = (value: number): void => {
    u16(value & 0xffff);
    u16(value >>> 16);
  };
  tag('RIFF');
  u32(0);
  tag('WAVE');
  tag('LIST');
  u32(1);
  parts.push(0x55, 0); // one byte of body, one pad byte
  tag('fmt ');
  u32(16);
  u16(1); // PCM
  u16(2); // channels
  u32(8000); // sample rate
  u32(32000); // byte rate
  u16(4); // block align
  u16(16); // bits
  tag('data');
  u32(0xffffffff); // size unknown (a stream)
  for (const value of [1000, 3000, -200, -400, 7, 9]) u16(value & 0xffff);
  parts.push(1, 2, 3); // a frame cut short
  const bytes = Uint8Array.from(parts);
  const audio = parseWav(bytes);
  assert.equal(audio.channels, 2);
  assert.equal(audio.sampleRate, 8000);
  assert.deepEqual([...audio.samples], [2000, -300, 8]);
});

test('wav: files it cannot read are typed errors that say why', () => {
  const good = encodeWav(new Int16Array(4), 16000);
  const expectError = (bytes: Uint8Array, pattern: RegExp): void =>
    assert.throws(() => parseWav(bytes, 'x.wav'), (e) => isChimaeraError(e, 'sensors.wav_invalid') && pattern.test(e.message));
  expectError(new TextEncoder().encode('not a wav file at all'), /not a RIFF\/WAVE/);
  const float = good.slice();
  new DataView(float.buffer).setUint16(20, 3, true);
  expectError(float, /format 3 is not integer PCM/);
  const eightBit = good.slice();
  new DataView(eightBit.buffer).setUint16(34, 8, true);
  expectError(eightBit, /8-bit/);
  expectError(good.subarray(0, 36), /no "data" chunk/);
});

test('wav source: chunks spaced by their place in the file; nothing after stop', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chimaera-wav-'));
  try {
    const path = join(dir, 'a.wav');
    writeFileSync(path, encodeWav(new Int16Array(16000), 16000));
    const clock = new ManualClock(500);
    const source = new WavFileSource(path, { clock, timers: clock, chunkMs: 100 });
    const readings: AudioReading[] = [];
    source.start((r) => readings.push(r));
    clock.advance(250);
    assert.deepEqual(readings.map((r) => [r.atMs, r.samples.length]), [[500, 1600], [600, 1600], [700, 1600]]);
    source.stop();
    clock.advance(2000);
    assert.equal(readings.length, 3);
    assert.throws(() => new WavFileSource(join(dir, 'missing.wav'), { clock, timers: clock }).start(() => {}), (e) => isChimaeraError(e, 'sensors.source_unavailable'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
