/**
 * Featurizers: the per-kind step of a sensor driver that turns one raw
 * reading into zero or more coarsened `SensorEvent`s. This is where key
 * identity, paths, ports, vendor ids and audio samples are dropped:
 *
 *   kbd  key class + interval since the previous key [ms]
 *   mic  per 20 ms frame: log energy + 12 log band energies (mic-features.ts)
 *   usb  add/remove + class code + keyed bucket of the class
 *   fs   op + extension class + keyed bucket of "top two folders|extension class"
 *   net  counter deltas over each poll (loopback left out by default);
 *        open/close + port class + keyed bucket of "process|port class"
 *
 * Featurizers keep a little state (previous key time, previous counters,
 * a partial audio frame); `reset()` forgets it when capture stops, so
 * nothing from before a withdrawal reaches an event after a new grant.
 */

import type { SensorEvent, SensorKind } from '../common/index.ts';
import type { AudioReading, FileReading, InterfaceCounters, KeyReading, NetReading, SensorReadingMap, UsbReading } from '../hal/index.ts';
import { coarsenPath, portClassOf, processBasename } from './coarsen.ts';
import { MicFeatures } from './mic-features.ts';
import { hashBucket, type SensorSalt } from './siphash.ts';

export interface Featurizer<K extends SensorKind> {
  readonly kind: K;
  /** the events for one reading; `atMs` in each is the reading's time minus `timeOriginMs` */
  featurize(reading: SensorReadingMap[K], timeOriginMs: number, out: (event: SensorEvent) => void): void;
  reset(): void;
}

/** 3 decimals are plenty for log energies and keep recordings small */
function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export class KeyboardFeaturizer implements Featurizer<'kbd'> {
  readonly kind = 'kbd' as const;
  private lastKeyMs: number | undefined;

  featurize(reading: KeyReading, timeOriginMs: number, out: (event: SensorEvent) => void): void {
    const interval = this.lastKeyMs === undefined ? undefined : Math.max(0, Math.round(reading.atMs - this.lastKeyMs));
    this.lastKeyMs = reading.atMs;
    out({ kind: 'kbd', atMs: reading.atMs - timeOriginMs, type: 'key', keyClass: reading.keyClass, ...(interval === undefined ? {} : { value: interval }) });
  }

  reset(): void {
    this.lastKeyMs = undefined;
  }
}

export class MicFeaturizer implements Featurizer<'mic'> {
  readonly kind = 'mic' as const;
  private features: MicFeatures | undefined;

  featurize(reading: AudioReading, timeOriginMs: number, out: (event: SensorEvent) => void): void {
    if (this.features?.sampleRate !== reading.sampleRate) this.features = new MicFeatures(reading.sampleRate);
    this.features.push(reading.samples, reading.atMs, (startMs, logEnergy, bands) => {
      const rounded: number[] = [];
      for (let b = 0; b < bands.length; b++) rounded.push(round3(bands[b]!));
      out({ kind: 'mic', atMs: round3(startMs - timeOriginMs), type: 'frame', value: round3(logEnergy), bands: rounded });
    });
  }

  reset(): void {
    this.features?.reset();
  }
}

export class UsbFeaturizer implements Featurizer<'usb'> {
  readonly kind = 'usb' as const;
  private readonly salt: SensorSalt;

  constructor(salt: SensorSalt) {
    this.salt = salt;
  }

  featurize(reading: UsbReading, timeOriginMs: number, out: (event: SensorEvent) => void): void {
    const deviceClass = reading.deviceClass & 0xff;
    out({ kind: 'usb', atMs: reading.atMs - timeOriginMs, type: reading.action, deviceClass, bucket: hashBucket(this.salt, `usb-class|${deviceClass}`) });
  }

  reset(): void {}
}

export interface FsFeaturizerOptions {
  readonly salt: SensorSalt;
  /** host folders paths are coarsened under (the home folder, the watched folders) */
  readonly hostRoots: readonly string[];
  /** volume folders paths are coarsened under; default ['/home'] */
  readonly volumeRoots?: readonly string[];
}

export class FsFeaturizer implements Featurizer<'fs'> {
  readonly kind = 'fs' as const;
  private readonly options: FsFeaturizerOptions;

  constructor(options: FsFeaturizerOptions) {
    this.options = options;
  }

  featurize(reading: FileReading, timeOriginMs: number, out: (event: SensorEvent) => void): void {
    const roots = reading.origin === 'host' ? this.options.hostRoots : (this.options.volumeRoots ?? ['/home']);
    const { pathClass, extensionClass } = coarsenPath(reading.path, roots);
    out({ kind: 'fs', atMs: reading.atMs - timeOriginMs, type: reading.op, origin: reading.origin, extensionClass, bucket: hashBucket(this.options.salt, `${reading.origin}|${pathClass}`) });
  }

  reset(): void {}
}

export interface NetFeaturizerOptions {
  readonly salt: SensorSalt;
  /** which interfaces the counters sum over; default 'non-loopback' */
  readonly interfaces?: 'all' | 'non-loopback';
}

export class NetFeaturizer implements Featurizer<'net'> {
  readonly kind = 'net' as const;
  private readonly options: NetFeaturizerOptions;
  /** previous totals: rxBytes, rxPackets, txBytes, txPackets, and when [ms] */
  private previous: { totals: [number, number, number, number]; atMs: number } | undefined;

  constructor(options: NetFeaturizerOptions) {
    this.options = options;
  }

  private totals(interfaces: readonly InterfaceCounters[]): [number, number, number, number] {
    const sums: [number, number, number, number] = [0, 0, 0, 0];
    for (const counters of interfaces) {
      if (this.options.interfaces !== 'all' && counters.name === 'lo') continue;
      sums[0] += counters.rxBytes;
      sums[1] += counters.rxPackets;
      sums[2] += counters.txBytes;
      sums[3] += counters.txPackets;
    }
    return sums;
  }

  featurize(reading: NetReading, timeOriginMs: number, out: (event: SensorEvent) => void): void {
    if (reading.type === 'connection') {
      const portClass = portClassOf(reading.localPort, reading.remotePort, reading.state);
      const process = reading.process === undefined ? '' : processBasename(reading.process);
      out({ kind: 'net', atMs: reading.atMs - timeOriginMs, type: reading.action === 'opened' ? 'open' : 'close', portClass, bucket: hashBucket(this.options.salt, `${process}|${portClass}`) });
      return;
    }
    const totals = this.totals(reading.interfaces);
    const previous = this.previous;
    this.previous = { totals, atMs: reading.atMs };
    if (previous === undefined) return;
    // a counter that went down was reset (interface re-created): count from zero
    const delta = totals.map((value, i) => (value >= previous.totals[i]! ? value - previous.totals[i]! : value));
    out({
      kind: 'net',
      atMs: reading.atMs - timeOriginMs,
      type: 'counters',
      value: Math.round(reading.atMs - previous.atMs),
      rxBytes: delta[0]!,
      rxPackets: delta[1]!,
      txBytes: delta[2]!,
      txPackets: delta[3]!,
    });
  }

  reset(): void {
    this.previous = undefined;
  }
}
