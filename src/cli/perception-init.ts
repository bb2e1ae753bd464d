/**
 * Perception bring-up at boot (ARCHITECTURE.md "Perceive"):
 *
 *   sources ─► SensorDriver (BrokerSenseGate, rate limit) ─► bus 'sensor.event'
 *     ─► SensorSpikeEncoder ─► PcSnn (stepped on the machine clock) ─► bus 'perception.window'
 *     ─► AnomalyDetector ─► bus 'anomaly.event'   (plasticity gain 0.1 while in alarm)
 *
 * Sources per sense: kbd — TerminalKeySource (the terminal feeds it through
 * `perception.keys`); fs — our own volume's 'fs.op' outside /lived (the
 * system's own logs and snapshots are not the user's activity) plus, hosted,
 * fs.watch on `watch` folders; usb — /sys/bus/usb/devices (hosted); net —
 * /proc/net (hosted); mic — only when configured (a WAV file, or arecord).
 * Tests inject scripted sources through `sources`. Nothing is captured until
 * the broker holds a live `sense` grant for the sense (perception-gate.ts);
 * with nothing granted no source starts, so boot stays fast.
 *
 * Time: drivers stamp events in ms since boot. The network counts ticks
 * since it was first created, across boots, so events are shifted by
 * `networkTime − bootTime` at the encoder, and a restored network and its
 * encoder simply continue. A kernel task advances the network to the
 * machine clock every `stepPeriodMs`, `lagMs` behind it so late readings
 * (polling, fs.watch) still land on their own tick.
 *
 * /lived/snn (perception-state.ts): the salt (first boot), and the network
 * + encoder state, saved every `snapshotPeriodMs` and at shutdown, restored
 * at boot; a damaged file gives a klog warning and a fresh network. The
 * detector's statistics are not saved: it relearns (30 windows for the
 * channel z-scores, `minTrainWindows` quiet windows for the forest,
 * `noveltyWarmupWindows` — 20 min — before first-seen channels count, and
 * its error scale over the first 30 min). The detector runs with its
 * defaults (src/anomaly/detector.ts; measured in bench/perception.bench.ts);
 * `detector` options override them.
 */

import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { fail, isChimaeraError, SENSOR_KINDS, type AnomalyReport, type PerceptionWindow, type SensorEvent, type SensorKind } from '../common/index.ts';
import type { Grant, ResourcePattern, Right } from '../consent/index.ts';
import type { Storage } from '../fs/index.ts';
import type { FileReading, SensorSource } from '../hal/index.ts';
import { ArecordSource, findOnPath, FsWatchSource, ProcNetSource, TerminalKeySource, UsbSysfsSource, WavFileSource } from '../hal/hosted/index.ts';
import type { Kernel, Subscription } from '../kernel/index.ts';
import { AnomalyDetector, PERCEPTION_FOREST_FEATURE_NAMES, type AnomalyDetectorOptions, type DetectorStatus } from '../anomaly/index.ts';
import { ENCODER_CHANNELS, PcSnn, PerceptionService, SENSOR_CHANNEL_MAP, SensorSpikeEncoder, type PcSnnOptions, type PcSnnStats, type SensorSpikeEncoderStats, type SpikeBatch, type SpikeEncoderLike } from '../perception/index.ts';
import { FsFeaturizer, KeyboardFeaturizer, MicFeaturizer, NetFeaturizer, SensorDriver, StaticSenseGate, UsbFeaturizer, VolumeOpsSource, type SenseGate, type SensorDriverStats, type SensorSalt } from '../sensors/index.ts';
import { BrokerSenseGate, type SenseGrantSource } from './perception-gate.ts';
import { SpikeRaster, type RasterView } from './perception-raster.ts';
import { loadOrCreateSalt, loadState, saveState, STATE_PATH } from './perception-state.ts';

/** what perception needs of the consent broker (ConsentBroker provides it) */
export interface PerceptionBroker extends SenseGrantSource {
  grantStanding(right: Right, pattern: ResourcePattern, scope: 'hour' | 'always'): Grant;
  revoke(target: string | { right?: Right; pattern?: string }): readonly Grant[];
}

export type SensorSources = { readonly [K in SensorKind]?: readonly SensorSource<K>[] };

export interface PerceptionOptions {
  /** the consent broker whose `sense` grants open the gate; without one (and without `gate`) nothing is ever captured */
  readonly broker?: PerceptionBroker;
  /** a gate to use instead of the broker's (tests, tools) */
  readonly gate?: SenseGate;
  /** host folders whose file activity the fs sense watches (hosted only) */
  readonly watch?: readonly string[];
  /** 'on': the host's real sources (sysfs USB, /proc/net, fs.watch, audio); default 'off' (volume and terminal only) */
  readonly hosted?: 'on' | 'off';
  /** mic source when hosted: a WAV file, or 'arecord' (when installed); default none */
  readonly mic?: { readonly wav: string } | 'arecord';
  /** more sources per sense (tests: ScriptedSensorSource) */
  readonly sources?: SensorSources;
  /** how often the network is advanced to the clock [ms]; default 250 */
  readonly stepPeriodMs?: number;
  /** how far behind the clock the network stays [ms]; default 100 */
  readonly lagMs?: number;
  /** how often the state is saved to /lived/snn [ms]; default 600 000 (10 min) */
  readonly snapshotPeriodMs?: number;
  /** how often the gate re-reads the grants [ms]; default 1000 */
  readonly gatePollMs?: number;
  /** options of a fresh network (a restored one keeps its own) */
  readonly network?: PcSnnOptions;
  /** detector options (featureCount and names are the perception forest's) */
  readonly detector?: Omit<AnomalyDetectorOptions, 'featureCount' | 'featureNames'>;
  /** anomalies kept for `anomalies`; default 100 */
  readonly keepAnomalies?: number;
  /** the salt's randomness at first boot; default node:crypto */
  readonly randomBytes?: (count: number) => Uint8Array;
}

/** an anomaly as kept for the shell */
export interface AnomalyRecord {
  readonly report: AnomalyReport;
  /** wall time of the window start [ms since epoch] */
  readonly wallTimeMs: number;
}

/** a sense with no source on this machine */
export interface MissingSensor {
  readonly kind: SensorKind;
  readonly state: 'no source';
}

export interface PerceptionStatus {
  readonly sensors: readonly (SensorDriverStats | MissingSensor)[];
  readonly allowed: readonly SensorKind[];
  readonly network: PcSnnStats;
  /** how the network came up at boot: 'fresh', 'restored', or why the saved one was not used */
  readonly origin: string;
  readonly encoder: SensorSpikeEncoderStats;
  readonly detector: DetectorStatus;
  readonly lastWindow: PerceptionWindow | undefined;
  readonly windowsPublished: number;
}

const DEFAULT_STEP_PERIOD_MS = 250;
const DEFAULT_LAG_MS = 100;
const DEFAULT_SNAPSHOT_PERIOD_MS = 600_000;
const DEFAULT_GATE_POLL_MS = 1000;
/** plasticity gain while the detector is in alarm (PERCEPTION.md §6 "learning the anomaly") */
const ALARM_PLASTICITY_GAIN = 0.1;

export class Perception {
  readonly keys: TerminalKeySource;
  readonly drivers: ReadonlyMap<SensorKind, SensorDriver<SensorKind>>;
  readonly gate: SenseGate;
  readonly encoder: SensorSpikeEncoder;
  readonly service: PerceptionService;
  readonly detector: AnomalyDetector;
  readonly raster: SpikeRaster;
  readonly origin: string;
  private readonly kernel: Kernel;
  private readonly storage: Storage;
  private readonly broker: PerceptionBroker | undefined;
  private readonly bootTime: number;
  /** network time − time since boot [ms] */
  private readonly shiftMs: number;
  private readonly lagMs: number;
  private readonly keepAnomalies: number;
  private readonly anomalyRecords: AnomalyRecord[] = [];
  private windowSubscription: Subscription<'perception.window'> | undefined;
  private stopped = false;

  constructor(kernel: Kernel, storage: Storage, parts: { drivers: Map<SensorKind, SensorDriver<SensorKind>>; keys: TerminalKeySource; gate: SenseGate; network: PcSnn; encoder: SensorSpikeEncoder; origin: string }, options: PerceptionOptions) {
    this.kernel = kernel;
    this.storage = storage;
    this.broker = options.broker;
    this.keys = parts.keys;
    this.drivers = parts.drivers;
    this.gate = parts.gate;
    this.encoder = parts.encoder;
    this.origin = parts.origin;
    this.bootTime = kernel.klog.bootTime;
    this.lagMs = options.lagMs ?? DEFAULT_LAG_MS;
    this.keepAnomalies = options.keepAnomalies ?? 100;
    const network = parts.network;
    this.shiftMs = network.tick * network.params.tickMs - (kernel.machine.clock.now() - this.bootTime);
    this.raster = new SpikeRaster(network.channelMap, { tickMs: network.params.tickMs });
    network.observeSpikes(this.raster.observe);
    const encoder = this.encoder;
    const shiftMs = this.shiftMs;
    const shifted: SpikeEncoderLike = {
      encode: (event: SensorEvent) => encoder.encode({ ...event, atMs: event.atMs + shiftMs }),
      drainBatches: (uptoTick: number, out: (batch: SpikeBatch) => void) => encoder.drainBatches(uptoTick, out),
      tickOf: (atMs: number) => encoder.tickOf(atMs),
    };
    this.service = new PerceptionService({ bus: kernel.bus, network, encoder: shifted });
    this.detector = new AnomalyDetector({ ...options.detector, featureCount: PERCEPTION_FOREST_FEATURE_NAMES.length, featureNames: PERCEPTION_FOREST_FEATURE_NAMES });
  }

  get network(): PcSnn {
    return this.service.network;
  }

  /** the network's clock: ms since it was first created, now (minus the lag) */
  networkNowMs(): number {
    return this.kernel.machine.clock.now() - this.bootTime + this.shiftMs - this.lagMs;
  }

  /** take events, follow the gate, listen for windows */
  start(): void {
    this.service.start();
    this.windowSubscription = this.kernel.bus.subscribe(['perception.window'], { name: 'anomaly', onEvent: (event) => this.onWindow(event.payload) });
    for (const driver of this.drivers.values()) driver.open();
  }

  /** step the network up to the clock (the scheduler task calls this) */
  advance(): void {
    if (this.stopped) return;
    const tick = this.encoder.tickOf(this.networkNowMs());
    this.service.advanceTo(tick);
  }

  /** save network + encoder to /lived/snn/state; returns the bytes written */
  save(): number {
    return saveState(this.storage.volume, this.network.toBytes(), this.encoder.exportState());
  }

  /** stop capture and the service; the state stays as it is */
  stop(): void {
    if (this.stopped) return;
    for (const driver of this.drivers.values()) driver.close();
    this.service.stop();
    this.windowSubscription?.close();
    this.stopped = true;
  }

  // ── consent ──────────────────────────────────────────────────────────────

  /** grant `sense` on a sensor (or '*') as a standing grant; capture starts at once */
  allow(kind: SensorKind | '*', scope: 'hour' | 'always'): Grant {
    const grant = this.requireBroker().grantStanding('sense', { kind: 'sensor', pattern: kind }, scope);
    this.refreshGate();
    return grant;
  }

  /** revoke every `sense` grant that reaches the sensor (or all with '*'); capture stops at once */
  deny(kind: SensorKind | '*'): readonly Grant[] {
    const revoked = this.requireBroker().revoke({ right: 'sense', pattern: kind });
    this.refreshGate();
    return revoked;
  }

  refreshGate(): void {
    if (this.gate instanceof BrokerSenseGate) this.gate.refresh();
  }

  // ── views ────────────────────────────────────────────────────────────────

  anomalies(): readonly AnomalyRecord[] {
    return this.anomalyRecords;
  }

  rasterView(): RasterView {
    return this.raster.view(this.network.tick);
  }

  status(): PerceptionStatus {
    const sensors = SENSOR_KINDS.map((kind) => this.drivers.get(kind)?.stats() ?? { kind, state: 'no source' as const });
    const recent = this.service.recentWindows();
    return {
      sensors,
      allowed: SENSOR_KINDS.filter((kind) => this.gate.allows(kind)),
      network: this.network.stats(),
      origin: this.origin,
      encoder: this.encoder.stats(),
      detector: this.detector.status(),
      lastWindow: recent[recent.length - 1],
      windowsPublished: this.service.published,
    };
  }

  private requireBroker(): PerceptionBroker {
    return this.broker ?? fail('sensors.no_consent_broker', 'perception: no consent broker was wired in, so sensing cannot be granted or withdrawn');
  }

  private onWindow(window: PerceptionWindow): void {
    const event = this.detector.observePerception(window);
    this.network.setPlasticityGain(this.detector.alarm === 'alarm' ? ALARM_PLASTICITY_GAIN : 1);
    if (event === null) return;
    const report: AnomalyReport = { atMs: event.atMs, score: event.score, forestScore: event.forestScore, errorScore: event.errorScore, channels: event.channels, reason: event.reason };
    const clock = this.kernel.machine.clock;
    const ageMs = this.network.tick * this.network.params.tickMs - report.atMs;
    this.anomalyRecords.push({ report, wallTimeMs: clock.wallTime() - ageMs });
    if (this.anomalyRecords.length > this.keepAnomalies) this.anomalyRecords.shift();
    this.kernel.klog.notice('anomaly', report.reason);
    this.kernel.bus.publish('anomaly.event', report);
  }
}

// ── bring-up ─────────────────────────────────────────────────────────────────

export function startPerception(kernel: Kernel, storage: Storage, options: PerceptionOptions = {}): Perception {
  const { klog, machine } = kernel;
  const clock = machine.clock;
  const volume = storage.volume;
  const warn = (message: string): void => {
    klog.warn('perception', message);
  };

  let salt: SensorSalt;
  const random = options.randomBytes ?? ((count: number) => new Uint8Array(nodeRandomBytes(count)));
  try {
    salt = loadOrCreateSalt(volume, random, warn);
  } catch (error) {
    warn(`cannot keep the sensor salt in /lived/snn (${(error as Error).message}): using one for this boot only`);
    salt = random(16);
  }

  // network and encoder: restored, or fresh
  const encoder = new SensorSpikeEncoder();
  let network: PcSnn | undefined;
  let origin = 'fresh';
  try {
    const saved = loadState(volume);
    if (saved !== undefined && saved.network.channelMap.channels !== ENCODER_CHANNELS) {
      origin = `${STATE_PATH} has ${saved.network.channelMap.channels} input channels, the encoders make ${ENCODER_CHANNELS}: fresh network`;
      warn(origin);
    } else if (saved !== undefined) {
      network = saved.network;
      origin = 'restored';
      try {
        encoder.importState(saved.encoderState);
      } catch (error) {
        warn(`${STATE_PATH}: encoder state not restored (${(error as Error).message}); encoders start fresh`);
      }
    }
  } catch (error) {
    origin = `${STATE_PATH} unusable (${isChimaeraError(error) ? `${error.code}: ` : ''}${(error as Error).message}): fresh network`;
    warn(origin);
  }
  network ??= new PcSnn({ ...options.network, channelMap: SENSOR_CHANNEL_MAP });

  // gate and drivers
  const gate = options.gate ?? (options.broker !== undefined ? new BrokerSenseGate(options.broker) : new StaticSenseGate());
  const keys = new TerminalKeySource(clock);
  const sources = hostSources(kernel, keys, options);
  const timeOriginMs = klog.bootTime;
  const watchRoots = (options.watch ?? []).map((dir) => resolve(dir));
  const featurizers = {
    kbd: new KeyboardFeaturizer(),
    mic: new MicFeaturizer(),
    usb: new UsbFeaturizer(salt),
    fs: new FsFeaturizer({ salt, hostRoots: [homedir(), ...watchRoots] }),
    net: new NetFeaturizer({ salt }),
  };
  const drivers = new Map<SensorKind, SensorDriver<SensorKind>>();
  for (const kind of SENSOR_KINDS) {
    const list = [...(sources[kind] ?? []), ...(options.sources?.[kind] ?? [])] as SensorSource<SensorKind>[];
    if (list.length === 0) continue;
    drivers.set(kind, new SensorDriver<SensorKind>({ kind, sources: list, featurizer: featurizers[kind] as never, gate, bus: kernel.bus, timeOriginMs }));
  }

  const perception = new Perception(kernel, storage, { drivers, keys, gate, network, encoder, origin }, options);
  perception.start();

  // tasks: step, gate poll, periodic save; and a save at shutdown
  const stepPeriodMs = options.stepPeriodMs ?? DEFAULT_STEP_PERIOD_MS;
  kernel.scheduler.spawn({ name: 'perception', kind: 'daemon', priority: 'background', periodMs: stepPeriodMs, run: () => perception.advance() });
  if (gate instanceof BrokerSenseGate) {
    kernel.scheduler.spawn({ name: 'perception-gate', kind: 'daemon', priority: 'background', periodMs: options.gatePollMs ?? DEFAULT_GATE_POLL_MS, run: () => void gate.refresh() });
  }
  const snapshotPeriodMs = options.snapshotPeriodMs ?? DEFAULT_SNAPSHOT_PERIOD_MS;
  let savedAt = clock.now();
  kernel.scheduler.spawn({
    name: 'perception-snapshot', kind: 'daemon', priority: 'idle', periodMs: snapshotPeriodMs,
    run: () => {
      if (clock.now() - savedAt < snapshotPeriodMs) return;
      savedAt = clock.now();
      const bytes = perception.save();
      klog.debug('perception', `state saved to ${STATE_PATH} (${bytes} bytes)`);
    },
  });
  kernel.onShutdown('perception', () => {
    perception.advance();
    perception.stop();
    const bytes = perception.save();
    klog.info('perception', `state saved to ${STATE_PATH} (${bytes} bytes, tick ${perception.network.tick})`);
  });
  const present = [...drivers.keys()].join(', ') || 'none';
  klog.info('perception', `PC-SNN ${origin} at tick ${network.tick}; senses with a source: ${present}; granted: ${SENSOR_KINDS.filter((kind) => gate.allows(kind)).join(', ') || 'none'}`);
  return perception;
}

/** the volume's own file activity, leaving out /lived (the system's logs, grants and snapshots) */
class UserVolumeSource implements SensorSource<'fs'> {
  readonly kind = 'fs' as const;
  private readonly inner: VolumeOpsSource;

  constructor(inner: VolumeOpsSource) {
    this.inner = inner;
  }

  start(emit: (reading: FileReading) => void): void {
    this.inner.start((reading) => {
      const path = reading.path.toLowerCase();
      if (path !== '/lived' && !path.startsWith('/lived/')) emit(reading);
    });
  }

  stop(): void {
    this.inner.stop();
  }
}

/** the sources this machine has for each sense: the terminal and the volume always, the host's with hosted 'on' */
function hostSources(kernel: Kernel, keys: TerminalKeySource, options: PerceptionOptions): { [K in SensorKind]?: SensorSource<K>[] } {
  const { clock, timers } = kernel.machine;
  const out: { [K in SensorKind]?: SensorSource<K>[] } = {
    kbd: [keys],
    fs: [new UserVolumeSource(new VolumeOpsSource(kernel.bus, clock))],
  };
  if (options.hosted !== 'on') return out;
  if (existsSync('/sys/bus/usb/devices')) out.usb = [new UsbSysfsSource({ clock, timers })];
  if (existsSync('/proc/net/dev')) out.net = [new ProcNetSource({ clock, timers })];
  const watch = (options.watch ?? []).map((dir) => resolve(dir));
  if (watch.length > 0) out.fs!.push(new FsWatchSource(watch, clock));
  if (options.mic === 'arecord' && findOnPath('arecord') !== undefined) out.mic = [new ArecordSource({ clock })];
  else if (typeof options.mic === 'object') out.mic = [new WavFileSource(options.mic.wav, { clock, timers, pace: 'realtime' })];
  return out;
}
