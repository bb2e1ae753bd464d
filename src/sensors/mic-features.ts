/**
 * Microphone features: PCM chunks of any length are cut into 20 ms frames
 * (frames do not overlap); per frame, a Hann window, a real FFT zero-padded
 * to the next power of two, and
 *   log energy  = ln(mean of x² + 1e−10), samples scaled to ±1 (silence ≈ −23, full-scale sine ≈ −0.7)
 *   12 bands    = ln(band power + 1e−10), bands log-spaced from 100 Hz to
 *                 min(8 kHz, 0.45·sampleRate); band power is the one-sided
 *                 spectrum summed over the band's bins, scaled so the bands
 *                 of white noise add up to about the mean square of the windowed frame
 * No allocation per frame.
 */

import { fail } from '../common/index.ts';
import { RealFft } from './fft.ts';

export const MIC_BAND_COUNT = 12;
const FLOOR = 1e-10;

export class MicFeatures {
  readonly sampleRate: number;
  /** samples per frame */
  readonly frameLength: number;
  /** [ms] */
  readonly frameMs: number;
  private readonly fft: RealFft;
  /** (frameLength) f64 Hann window */
  private readonly window: Float64Array;
  /** (frameLength) f64: the frame being filled, then windowed */
  private readonly frame: Float64Array;
  private filled = 0;
  /** [ms] time of the frame's first sample */
  private frameStartMs = 0;
  /** (fftSize/2 + 1) f64 power spectrum */
  private readonly spectrum: Float64Array;
  /** (MIC_BAND_COUNT + 1) first bin of each band, then the end bin */
  private readonly bandBins: Int32Array;
  /** (MIC_BAND_COUNT) f32 output bands, reused per frame */
  readonly bands = new Float32Array(MIC_BAND_COUNT);

  constructor(sampleRate: number, frameMs = 20) {
    if (!(sampleRate >= 4000 && sampleRate <= 384_000)) fail('sensors.config_invalid', `mic: sample rate ${sampleRate} Hz is outside 4000–384000`);
    this.sampleRate = sampleRate;
    this.frameMs = frameMs;
    this.frameLength = Math.round((sampleRate * frameMs) / 1000);
    let size = 2;
    while (size < this.frameLength) size *= 2;
    this.fft = new RealFft(size);
    this.window = new Float64Array(this.frameLength);
    for (let i = 0; i < this.frameLength; i++) this.window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (this.frameLength - 1));
    this.frame = new Float64Array(this.frameLength);
    this.spectrum = new Float64Array(size / 2 + 1);
    const lowHz = 100;
    const highHz = Math.min(8000, 0.45 * sampleRate);
    const binHz = sampleRate / size;
    this.bandBins = new Int32Array(MIC_BAND_COUNT + 1);
    for (let b = 0; b <= MIC_BAND_COUNT; b++) {
      const edgeHz = lowHz * (highHz / lowHz) ** (b / MIC_BAND_COUNT);
      const bin = Math.round(edgeHz / binHz);
      this.bandBins[b] = b === 0 ? Math.max(1, bin) : Math.max(bin, this.bandBins[b - 1]! + 1);
    }
  }

  /**
   * add samples (Int16 full scale ±32768 or Float32 ±1) whose first one is at
   * `atMs`; `onFrame(startMs, logEnergy, bands)` runs for each completed frame
   * (`bands` is this.bands, valid during the call only)
   */
  push(samples: Int16Array | Float32Array, atMs: number, onFrame: (startMs: number, logEnergy: number, bands: Float32Array) => void): void {
    const scale = samples instanceof Int16Array ? 1 / 32768 : 1;
    const msPerSample = 1000 / this.sampleRate;
    for (let i = 0; i < samples.length; i++) {
      if (this.filled === 0) this.frameStartMs = atMs + i * msPerSample;
      this.frame[this.filled++] = samples[i]! * scale;
      if (this.filled === this.frameLength) {
        this.filled = 0;
        onFrame(this.frameStartMs, this.analyse(), this.bands);
      }
    }
  }

  /** forget a partly filled frame (capture stopped) */
  reset(): void {
    this.filled = 0;
  }

  private analyse(): number {
    const n = this.frameLength;
    let sumSquares = 0;
    for (let i = 0; i < n; i++) {
      const x = this.frame[i]!;
      sumSquares += x * x;
      this.frame[i] = x * this.window[i]!;
    }
    this.fft.power(this.frame, this.spectrum);
    const norm = 2 / (this.fft.size * n);
    for (let b = 0; b < MIC_BAND_COUNT; b++) {
      let power = 0;
      for (let k = this.bandBins[b]!; k < this.bandBins[b + 1]! && k < this.spectrum.length; k++) power += this.spectrum[k]!;
      this.bands[b] = Math.log(power * norm + FLOOR);
    }
    return Math.log(sumSquares / n + FLOOR);
  }
}
