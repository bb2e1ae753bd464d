/** The real FFT against the direct DFT, and the mic frame features built on it. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isChimaeraError } from '../common/index.ts';
import { directDftPower, RealFft } from './fft.ts';
import { MIC_BAND_COUNT, MicFeatures } from './mic-features.ts';

test('fft: power spectrum equals the direct DFT (random frames, sizes 2..512)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 9 }), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 512 }), (bits, samples) => {
      const size = 2 ** bits;
      const out = new Float64Array(size / 2 + 1);
      new RealFft(size).power(samples, out);
      const expected = directDftPower(samples, size);
      for (let k = 0; k < out.length; k++) assert.ok(Math.abs(out[k]! - expected[k]!) <= 1e-9 * Math.max(1, expected[k]!), `bin ${k}: ${out[k]} vs ${expected[k]}`);
    }),
    { numRuns: 60 },
  );
});

test('fft: a pure tone puts its power in its bin; sizes that are not powers of two are typed errors', () => {
  const size = 64;
  const tone = Array.from({ length: size }, (_, t) => Math.cos((2 * Math.PI * 5 * t) / size));
  const out = new Float64Array(size / 2 + 1);
  new RealFft(size).power(tone, out);
  assert.ok(Math.abs(out[5]! - (size / 2) ** 2) < 1e-9);
  for (let k = 0; k < out.length; k++) if (k !== 5) assert.ok(out[k]! < 1e-9);
  assert.throws(() => new RealFft(48), (e) => isChimaeraError(e, 'sensors.config_invalid'));
});

function sine(hz: number, sampleRate: number, count: number, amplitude: number): Int16Array {
  return Int16Array.from({ length: count }, (_, t) => Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * hz * t) / sampleRate)));
}

test('mic features: 20 ms frames from chunks of any length, stamped with their first sample', () => {
  const features = new MicFeatures(16000);
  assert.equal(features.frameLength, 320);
  const starts: number[] = [];
  const samples = sine(1000, 16000, 1600, 0.5);
  // 100 ms of audio in chunks of 7, 300 and the rest
  features.push(samples.subarray(0, 7), 0, (start) => starts.push(start));
  features.push(samples.subarray(7, 307), 7 / 16, (start) => starts.push(start));
  features.push(samples.subarray(307), 307 / 16, (start) => starts.push(start));
  assert.deepEqual(starts.map((s) => Math.round(s * 1000) / 1000), [0, 20, 40, 60, 80]);
});

test('mic features: energy follows loudness; a tone lights the band that holds it', () => {
  const features = new MicFeatures(16000);
  const energies: number[] = [];
  const loudestBand: number[] = [];
  for (const [hz, amplitude] of [[200, 0.01], [200, 0.5], [3000, 0.5]] as const) {
    features.push(sine(hz, 16000, 320, amplitude), 0, (_start, energy, bands) => {
      energies.push(energy);
      assert.equal(bands.length, MIC_BAND_COUNT);
      loudestBand.push(bands.indexOf(Math.max(...bands)));
    });
  }
  // mean square of a sine is A²/2
  assert.ok(Math.abs(energies[0]! - Math.log(0.01 ** 2 / 2)) < 0.05);
  assert.ok(Math.abs(energies[1]! - Math.log(0.5 ** 2 / 2)) < 0.05);
  // bands are log-spaced 100 Hz..7.2 kHz: 200 Hz is in band 1 or 2, 3 kHz in band 9
  const bandOf = (hz: number): number => Math.floor((MIC_BAND_COUNT * Math.log(hz / 100)) / Math.log(7200 / 100));
  assert.equal(loudestBand[1], bandOf(200));
  assert.equal(loudestBand[2], bandOf(3000));
  let silent = 0;
  features.push(new Int16Array(320), 0, (_start, energy) => (silent = energy));
  assert.ok(silent < -20);
});
