/**
 * A small radix-2 FFT for real frames (Cooley–Tukey, iterative, in place):
 * the power spectrum of n real samples (n a power of two, 2..65536), with
 * twiddles and the bit-reversal permutation computed once per size.
 * `directDftPower` is the slow, obvious twin the test compares against.
 */

import { fail } from '../common/index.ts';

export class RealFft {
  readonly size: number;
  /** (size) f64 work buffers */
  private readonly real: Float64Array;
  private readonly imaginary: Float64Array;
  /** (size/2) cos and −sin of 2πk/size */
  private readonly cosines: Float64Array;
  private readonly sines: Float64Array;
  /** (size) bit-reversed index */
  private readonly reversed: Uint32Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 2 || size > 65536 || (size & (size - 1)) !== 0) fail('sensors.config_invalid', `FFT size ${size} must be a power of two from 2 to 65536`);
    this.size = size;
    this.real = new Float64Array(size);
    this.imaginary = new Float64Array(size);
    this.cosines = new Float64Array(size / 2);
    this.sines = new Float64Array(size / 2);
    for (let k = 0; k < size / 2; k++) {
      this.cosines[k] = Math.cos((2 * Math.PI * k) / size);
      this.sines[k] = -Math.sin((2 * Math.PI * k) / size);
    }
    this.reversed = new Uint32Array(size);
    const bits = Math.log2(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.reversed[i] = r;
    }
  }

  /**
   * `out[k] = |X_k|²` for k = 0..size/2, where X is the DFT of `input`
   * (zero-padded when shorter than size).
   * @param out (size/2 + 1) f64
   */
  power(input: ArrayLike<number>, out: Float64Array): void {
    const n = this.size;
    const re = this.real;
    const im = this.imaginary;
    for (let i = 0; i < n; i++) {
      const j = this.reversed[i]!;
      re[j] = i < input.length ? input[i]! : 0;
      im[j] = 0;
    }
    for (let span = 1; span < n; span *= 2) {
      const stride = n / (2 * span);
      for (let start = 0; start < n; start += 2 * span) {
        for (let k = 0; k < span; k++) {
          const c = this.cosines[k * stride]!;
          const s = this.sines[k * stride]!;
          const a = start + k;
          const b = a + span;
          const tr = re[b]! * c - im[b]! * s;
          const ti = re[b]! * s + im[b]! * c;
          re[b] = re[a]! - tr;
          im[b] = im[a]! - ti;
          re[a] = re[a]! + tr;
          im[a] = im[a]! + ti;
        }
      }
    }
    for (let k = 0; k <= n / 2; k++) out[k] = re[k]! * re[k]! + im[k]! * im[k]!;
  }
}

/** the O(n²) definition: |Σ_t x_t e^{−2πikt/n}|² for k = 0..n/2 */
export function directDftPower(input: ArrayLike<number>, size: number): Float64Array {
  const out = new Float64Array(size / 2 + 1);
  for (let k = 0; k <= size / 2; k++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < Math.min(size, input.length); t++) {
      re += input[t]! * Math.cos((2 * Math.PI * k * t) / size);
      im -= input[t]! * Math.sin((2 * Math.PI * k * t) / size);
    }
    out[k] = re * re + im * im;
  }
  return out;
}
