/**
 * Sensor sources: the narrow seam between the host's senses and the sensor
 * drivers (src/sensors). A source knows how to capture one kind of raw
 * reading and nothing else; it does no gating, coarsening or hashing.
 *
 *   start(emit)  begin capturing; every reading goes to `emit`, in time order
 *   stop()       stop capturing and release the device; no emit after it returns
 *
 * A source that cannot run (device or program missing) throws a typed
 * `sensors.source_unavailable` from start(). A source that fails later
 * reports through `onError` (if given) and stops itself.
 *
 * Raw readings never leave the driver: keyboard readings carry a key class,
 * never the key; paths and ports are coarsened and hashed by the driver
 * before anything reaches the bus.
 *
 * Backends: hal/hosted/sensors (the Linux host) and hal/memory (scripted).
 */

import type { KeyClass, SensorKind } from '../common/index.ts';

export type { KeyClass, SensorKind } from '../common/index.ts';

/** a key went down (terminal or compositor); the class only */
export interface KeyReading {
  readonly kind: 'kbd';
  /** [ms, monotonic] */
  readonly atMs: number;
  readonly keyClass: KeyClass;
}

/** a chunk of PCM audio, any length; the driver cuts it into 20 ms frames */
export interface AudioReading {
  readonly kind: 'mic';
  /** time of the first sample [ms, monotonic] */
  readonly atMs: number;
  /** [Hz] */
  readonly sampleRate: number;
  /** mono samples: Int16 full scale ±32768, or Float32 full scale ±1 */
  readonly samples: Int16Array | Float32Array;
}

/** a USB device arrived or left */
export interface UsbReading {
  readonly kind: 'usb';
  /** [ms, monotonic] */
  readonly atMs: number;
  readonly action: 'add' | 'remove';
  /** USB-IF class code 0..255 (device class, or the first interface's when the device says 0) */
  readonly deviceClass: number;
  /** idVendor 0..0xffff when known (never published) */
  readonly vendor?: number;
  /** idProduct 0..0xffff when known (never published) */
  readonly product?: number;
}

/** a file changed under a watched host folder or on our own volume */
export interface FileReading {
  readonly kind: 'fs';
  /** [ms, monotonic] */
  readonly atMs: number;
  readonly op: 'create' | 'modify' | 'delete' | 'rename';
  /** absolute path (host path, or volume path such as /home/notes.txt); never published */
  readonly path: string;
  readonly origin: 'host' | 'volume';
}

/** cumulative counters of one network interface, as the host keeps them */
export interface InterfaceCounters {
  readonly name: string;
  /** [bytes since the interface came up] */
  readonly rxBytes: number;
  readonly rxPackets: number;
  /** [bytes since the interface came up] */
  readonly txBytes: number;
  readonly txPackets: number;
}

/** one poll of the interface counters */
export interface NetCountersReading {
  readonly kind: 'net';
  readonly type: 'counters';
  /** [ms, monotonic] */
  readonly atMs: number;
  readonly interfaces: readonly InterfaceCounters[];
}

/** a TCP connection appeared in, or vanished from, the host's connection table */
export interface NetConnectionReading {
  readonly kind: 'net';
  readonly type: 'connection';
  /** [ms, monotonic] */
  readonly atMs: number;
  readonly action: 'opened' | 'closed';
  readonly localPort: number;
  /** 0 for a listening socket */
  readonly remotePort: number;
  /** kernel TCP state name: 'ESTABLISHED', 'LISTEN', 'SYN_SENT', … */
  readonly state: string;
  /** owning process basename when the source can tell (never published raw) */
  readonly process?: string;
}

export type NetReading = NetCountersReading | NetConnectionReading;

/** the raw reading type of each kind */
export interface SensorReadingMap {
  kbd: KeyReading;
  mic: AudioReading;
  usb: UsbReading;
  fs: FileReading;
  net: NetReading;
}

export type SensorReading = SensorReadingMap[SensorKind];

export interface SensorSource<K extends SensorKind = SensorKind> {
  readonly kind: K;
  /** begin capturing; throws `sensors.source_unavailable` when it cannot; a second start while running is a no-op */
  start(emit: (reading: SensorReadingMap[K]) => void, onError?: (error: Error) => void): void;
  /** stop capturing; idempotent; nothing is emitted after it returns */
  stop(): void;
}
