/**
 * Microphone sources: a WAV file played out in chunks (real time, or all at
 * once for tools and tests), or `arecord` (ALSA) capturing 16 kHz mono
 * 16-bit PCM from the default device. Both emit raw PCM chunks; the mic
 * driver cuts them into 20 ms frames.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fail, ChimaeraError } from '../../../common/index.ts';
import type { Clock, Timers } from '../../clock.ts';
import type { AudioReading, SensorSource } from '../../sensors.ts';
import { parseWav, type WavAudio } from './wav.ts';

export interface WavFileSourceOptions {
  readonly clock: Clock;
  readonly timers: Timers;
  /** samples per emitted chunk, as a duration [ms]; default 100 */
  readonly chunkMs?: number;
  /** 'realtime': one chunk per chunkMs; 'immediate': every chunk on the next timer tick, time stamps still spaced as in the file */
  readonly pace?: 'realtime' | 'immediate';
}

export class WavFileSource implements SensorSource<'mic'> {
  readonly kind = 'mic' as const;
  private readonly path: string;
  private readonly options: WavFileSourceOptions;
  private cancel: (() => void) | undefined;
  private running = false;

  constructor(path: string, options: WavFileSourceOptions) {
    this.path = path;
    this.options = options;
  }

  start(emit: (reading: AudioReading) => void): void {
    if (this.running) return;
    let audio: WavAudio;
    try {
      audio = parseWav(readFileSync(this.path), this.path);
    } catch (error) {
      if (error instanceof ChimaeraError) throw error;
      fail('sensors.source_unavailable', `mic: cannot read ${this.path}: ${(error as Error).message}`);
    }
    this.running = true;
    const chunk = Math.max(1, Math.round((audio.sampleRate * (this.options.chunkMs ?? 100)) / 1000));
    const startedAt = this.options.clock.now();
    let next = 0;
    const step = (): void => {
      this.cancel = undefined;
      do {
        if (!this.running || next >= audio.samples.length) return;
        const samples = audio.samples.subarray(next, Math.min(audio.samples.length, next + chunk));
        emit({ kind: 'mic', atMs: startedAt + (next * 1000) / audio.sampleRate, sampleRate: audio.sampleRate, samples });
        next += chunk;
      } while (this.options.pace === 'immediate');
      this.cancel = this.options.timers.schedule((chunk * 1000) / audio.sampleRate, step);
    };
    this.cancel = this.options.timers.schedule(0, step);
  }

  stop(): void {
    this.running = false;
    this.cancel?.();
    this.cancel = undefined;
  }
}

/** the full path of `program` on $PATH, or undefined */
export function findOnPath(program: string, path = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface ArecordSourceOptions {
  readonly clock: Clock;
  /** [Hz]; default 16000 */
  readonly sampleRate?: number;
  /** ALSA device name; default the system default */
  readonly device?: string;
}

export class ArecordSource implements SensorSource<'mic'> {
  readonly kind = 'mic' as const;
  private readonly options: ArecordSourceOptions;
  private child: ChildProcess | undefined;

  constructor(options: ArecordSourceOptions) {
    this.options = options;
  }

  start(emit: (reading: AudioReading) => void, onError?: (error: Error) => void): void {
    if (this.child !== undefined) return;
    const program = findOnPath('arecord');
    if (program === undefined) fail('sensors.source_unavailable', 'mic: arecord (alsa-utils) is not installed on this host; install alsa-utils or use a WAV file as the audio source');
    const sampleRate = this.options.sampleRate ?? 16_000;
    const args = ['-q', '-t', 'raw', '-f', 'S16_LE', '-c', '1', '-r', String(sampleRate)];
    if (this.options.device !== undefined) args.push('-D', this.options.device);
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let carry: Buffer | undefined;
    let stderr = '';
    child.stdout!.on('data', (data: Buffer) => {
      if (this.child !== child) return;
      const bytes = carry === undefined ? data : Buffer.concat([carry, data]);
      const whole = bytes.length & ~1;
      carry = whole < bytes.length ? bytes.subarray(whole) : undefined;
      const samples = new Int16Array(whole / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
      emit({ kind: 'mic', atMs: this.options.clock.now() - (samples.length * 1000) / sampleRate, sampleRate, samples });
    });
    child.stderr!.on('data', (data: Buffer) => {
      stderr = (stderr + data.toString()).slice(-500);
    });
    const failed = (reason: string): void => {
      if (this.child !== child) return;
      this.child = undefined;
      onError?.(new ChimaeraError('sensors.source_failed', `mic: arecord ${reason}${stderr === '' ? '' : `: ${stderr.trim()}`}`));
    };
    child.on('error', (error) => failed(`could not run (${error.message})`));
    child.on('exit', (code, signal) => failed(`exited (${signal ?? `status ${code}`})`));
  }

  stop(): void {
    const child = this.child;
    this.child = undefined;
    child?.kill('SIGTERM');
  }
}
