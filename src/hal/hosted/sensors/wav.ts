/**
 * RIFF/WAVE reader for 16-bit integer PCM (format 1, or WAVE_FORMAT_EXTENSIBLE
 * with the PCM sub-format), 1–8 channels, any sample rate; channels are
 * mixed down to mono by averaging. Layout (all little-endian):
 *
 *   "RIFF" u32 size "WAVE"  then chunks: 4-byte id, u32 size, body, pad to even
 *   "fmt " u16 format, u16 channels, u32 sampleRate, u32 byteRate,
 *          u16 blockAlign, u16 bitsPerSample [, u16 cbSize, …, 16-byte subformat GUID]
 *   "data" interleaved samples
 *
 * A data chunk that claims more bytes than the file holds (a stream that was
 * cut, or a size of 0xffffffff from a pipe) is read up to the last whole frame.
 */

import { fail } from '../../../common/index.ts';

export interface WavAudio {
  /** [Hz] */
  readonly sampleRate: number;
  /** channels in the file (the samples are already mixed to mono) */
  readonly channels: number;
  /** mono samples, full scale ±32768 */
  readonly samples: Int16Array;
}

const FORMAT_PCM = 1;
const FORMAT_EXTENSIBLE = 0xfffe;

export function parseWav(bytes: Uint8Array, name = 'wav'): WavAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') fail('sensors.wav_invalid', `${name}: not a RIFF/WAVE file (no "RIFF....WAVE" header)`);
  let format: { channels: number; sampleRate: number; blockAlign: number } | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) fail('sensors.wav_invalid', `${name}: "fmt " chunk at offset ${offset} is too short (${size} bytes)`);
      let formatTag = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const sampleRate = view.getUint32(body + 4, true);
      const blockAlign = view.getUint16(body + 12, true);
      const bits = view.getUint16(body + 14, true);
      if (formatTag === FORMAT_EXTENSIBLE && size >= 40 && body + 26 <= bytes.length) formatTag = view.getUint16(body + 24, true);
      if (formatTag !== FORMAT_PCM) fail('sensors.wav_invalid', `${name}: sample format ${formatTag} is not integer PCM (1)`, { formatTag });
      if (bits !== 16) fail('sensors.wav_invalid', `${name}: ${bits}-bit samples; only 16-bit PCM is read`, { bits });
      if (channels < 1 || channels > 8) fail('sensors.wav_invalid', `${name}: ${channels} channels; 1 to 8 are read`, { channels });
      if (sampleRate < 1000 || sampleRate > 384_000) fail('sensors.wav_invalid', `${name}: sample rate ${sampleRate} Hz is out of range (1000–384000)`, { sampleRate });
      if (blockAlign !== channels * 2) fail('sensors.wav_invalid', `${name}: block align ${blockAlign} does not match ${channels} channels of 16 bits`, { blockAlign });
      format = { channels, sampleRate, blockAlign };
    } else if (id === 'data') {
      if (format === undefined) fail('sensors.wav_invalid', `${name}: "data" chunk at offset ${offset} comes before the "fmt " chunk`);
      const available = Math.min(size, bytes.length - body);
      const frames = Math.floor(available / format.blockAlign);
      const samples = new Int16Array(frames);
      for (let frame = 0; frame < frames; frame++) {
        let sum = 0;
        const at = body + frame * format.blockAlign;
        for (let channel = 0; channel < format.channels; channel++) sum += view.getInt16(at + channel * 2, true);
        samples[frame] = Math.round(sum / format.channels);
      }
      return { sampleRate: format.sampleRate, channels: format.channels, samples };
    }
    offset = body + size + (size & 1);
  }
  fail('sensors.wav_invalid', format === undefined ? `${name}: no "fmt " chunk` : `${name}: no "data" chunk`);
}

/** a mono 16-bit PCM WAV file image (for tests and tools) */
export function encodeWav(samples: Int16Array, sampleRate: number): Uint8Array {
  const bytes = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(bytes.buffer);
  const put = (at: number, text: string): void => {
    for (let i = 0; i < 4; i++) bytes[at + i] = text.charCodeAt(i);
  };
  put(0, 'RIFF');
  view.setUint32(4, 36 + samples.length * 2, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  put(36, 'data');
  view.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) view.setInt16(44 + i * 2, samples[i]!, true);
  return bytes;
}
