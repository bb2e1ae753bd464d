/**
 * The typed events that travel on the kernel event bus.
 *
 * `EventMap` maps each topic to its payload. A subsystem that publishes a new
 * kind of event adds its topic here, so every subscriber sees one closed set
 * of shapes. Timestamps are monotonic milliseconds since boot.
 */

// ── sensors: the coarsened, gated readings that sensor drivers publish ─────

/** the senses; each is granted separately by the consent broker (`sense:<kind>`) */
export type SensorKind = 'kbd' | 'mic' | 'usb' | 'fs' | 'net';
export const SENSOR_KINDS: readonly SensorKind[] = ['kbd', 'mic', 'usb', 'fs', 'net'];

/** what a key was, never which key */
export type KeyClass = 'printable' | 'modifier' | 'navigation' | 'enter' | 'backspace';

/** what kind of file a path names, from its extension */
export type ExtensionClass = 'none' | 'code' | 'text' | 'data' | 'image' | 'audio' | 'video' | 'archive' | 'binary' | 'other';

/**
 * What happened, per kind:
 *   kbd: 'key' · mic: 'frame' (20 ms of audio) · usb: 'add' | 'remove'
 *   fs: 'create' | 'modify' | 'delete' | 'rename'
 *   net: 'counters' (interface byte/packet deltas) | 'open' | 'close' (TCP connections)
 */
export type SensorEventType = 'key' | 'frame' | 'add' | 'remove' | 'create' | 'modify' | 'delete' | 'rename' | 'counters' | 'open' | 'close';

/**
 * One coarsened sensor reading, as published on the bus by a sensor driver.
 * Never carries key identity, raw paths, addresses, vendor ids or serials:
 * strings are reduced to a class and a keyed-hash bucket before publishing.
 */
export interface SensorEvent {
  readonly kind: SensorKind;
  /** time of the reading [ms, monotonic; since boot on the bus, since start in recordings] */
  readonly atMs: number;
  readonly type: SensorEventType;
  /**
   * kbd: interval since the previous key [ms] (absent on the first key after capture starts);
   * mic: log energy [ln of mean square, samples scaled to ±1];
   * net counters: the poll interval the deltas cover [ms]
   */
  readonly value?: number;
  /** keyed-hash class bucket 0..7 — usb: device class; fs: path class; net open/close: (process, port class) */
  readonly bucket?: number;
  /** kbd */
  readonly keyClass?: KeyClass;
  /** mic: 12 log band energies [ln of band power], low to high frequency */
  readonly bands?: readonly number[];
  /** usb: USB-IF class code 0..255 (device class, or first interface class when the device defers to interfaces) */
  readonly deviceClass?: number;
  /** fs */
  readonly extensionClass?: ExtensionClass;
  /** fs: a host folder under watch, or our own FAT32 volume */
  readonly origin?: 'host' | 'volume';
  /** net counters: received bytes over the interval, summed over the counted interfaces */
  readonly rxBytes?: number;
  /** net counters: received packets over the interval */
  readonly rxPackets?: number;
  /** net counters: sent bytes over the interval */
  readonly txBytes?: number;
  /** net counters: sent packets over the interval */
  readonly txPackets?: number;
  /** net open/close: coarse port class of the far end — a well-known port number ("443"), "registered", "ephemeral" or "listen" */
  readonly portClass?: string;
}

// ── perception: per-window outputs of the PC-SNN (src/perception) ─────────

/**
 * The error-neuron summary of one window (PERCEPTION.md §4). Levels are
 * 0..2 (level 0 compares the input spikes with R1's prediction).
 */
export interface ErrorSummary {
  /** (6) f32 population rates [Hz]: E0⁺, E0⁻, E1⁺, E1⁻, E2⁺, E2⁻ */
  readonly byLayer: Float32Array;
  /** (N0) f32 E0⁺ + E0⁻ spike count per input channel in the window */
  readonly byChannel: Float32Array;
  /** (N0) name of each input channel ("kbd.interval.3", "fs.modify.bucket5", …) */
  readonly channelNames: readonly string[];
  /**
   * (20) f32 Isolation Forest features: log1p of the 6 byLayer rates; log1p of the
   * E0⁺ and E0⁻ counts per sensor group (kbd, mic, usb, fs, net, reserved; ⁺ then ⁻
   * for each group: 12); the largest byChannel count; E0⁺ / input spikes (0 if none)
   */
  readonly forest: Float32Array;
  /** 'steady' after 10 active minutes with < 20% silent representation units */
  readonly phase: 'warmup' | 'steady';
}

/** what the PC-SNN says about one window of sensor input */
export interface PerceptionWindow {
  /** start of the window [ms since the network started] */
  readonly windowStartMs: number;
  /** window length [ms] */
  readonly windowMs: number;
  /**
   * (N3 + 8) f32: R3 rates [Hz] filtered with τ 5 s (N3); log1p input spike counts
   * for kbd, mic, usb, fs, net, reserved (6); mean R2 rate, mean R3 rate in the window [Hz] (2)
   */
  readonly summary: Float32Array;
  readonly error: ErrorSummary;
}

// ── anomaly: what the detector reports (src/anomaly) ──────────────────────

/** one anomaly the detector opened (the alarm stays open until the score falls back) */
export interface AnomalyReport {
  /** start of the window that crossed the threshold [ms since the network started] */
  readonly atMs: number;
  /** combined score [z units]: forest part + error-neuron part + channel novelty, carried over from the previous window at half weight */
  readonly score: number;
  /** Isolation Forest −score_samples of the window (0..1, higher = more anomalous); 0 before the first fit */
  readonly forestScore: number;
  /** largest positive z-score of the error-neuron counts, per channel or per channel family, scaled by what is ordinary on this machine */
  readonly errorScore: number;
  /** the channels (or forest features) that deviated most, largest first ("fs.modify.bucket5") */
  readonly channels: readonly string[];
  /** one line for people: what deviated and by how much */
  readonly reason: string;
}

export interface EventMap {
  /** a coarsened sensor reading that passed the privacy gate and the sensor's rate limit */
  'sensor.event': SensorEvent;
  /** one window of PC-SNN output: summary features and the error-neuron summary */
  'perception.window': PerceptionWindow;
  /** the anomaly detector opened an alarm on a perception window */
  'anomaly.event': AnomalyReport;
  /** a file-system operation on a mounted ChimaeraOS volume */
  'fs.op': { readonly op: 'create' | 'write' | 'append' | 'truncate' | 'rename' | 'unlink' | 'mkdir' | 'rmdir'; readonly path: string; readonly bytes?: number };
  /** a kernel task changed state */
  'task.state': { readonly taskId: number; readonly name: string; readonly state: 'started' | 'stopped' | 'failed' | 'stuck' };
  /** a token generated for an llm.generate request that asked to stream */
  'llm.token': { readonly requestId: string; readonly principal: string; readonly token: number; readonly text: string };
  /** a klog line at warn level or above (so daemons can react to trouble) */
  'klog.alert': { readonly level: 'warn' | 'error' | 'panic'; readonly subsystem: string; readonly message: string };
}

export type EventTopic = keyof EventMap;

export interface BusEvent<T extends EventTopic = EventTopic> {
  readonly topic: T;
  /** bus-wide sequence number, starts at 1, no gaps */
  readonly seq: number;
  /** monotonic time of publication [ms since boot] */
  readonly time: number;
  readonly payload: EventMap[T];
}
