/**
 * PerceptionService: the PC-SNN as a system service. It takes sensor events
 * from the kernel bus ('sensor.event'), turns them into spikes with the
 * encoders, advances the network to the time it is told, and publishes every
 * window as 'perception.window' (summary + error-neuron summary) for the
 * anomaly detector, cognition and the User Sketch.
 *
 *   bus 'sensor.event' ─► encoder.encode ─► (spikes by tick) ─► PcSnn.step ─► bus 'perception.window'
 *
 * Time: the caller (a scheduled kernel task, or a test) calls advanceTo(tick)
 * or advanceToTime(ms); spikes of ticks before the target are fed, the rest
 * wait. Without an encoder, feed() takes spike batches directly.
 */

import type { PerceptionWindow, SensorEvent } from '../common/index.ts';
import type { EventBus, Subscription } from '../kernel/index.ts';
import type { PcSnn } from './network.ts';
import type { SpikeBatch } from './spikes.ts';

/** what the service needs of the encoders (SensorSpikeEncoder fits) */
export interface SpikeEncoderLike {
  encode(event: SensorEvent): unknown;
  /** every scheduled spike up to and including `uptoTick`, grouped per tick, in tick order */
  drainBatches(uptoTick: number, out: (batch: SpikeBatch) => void): void;
  /** the tick of a time [ms] on the bus clock */
  tickOf(atMs: number): number;
}

export interface PerceptionServiceOptions {
  readonly bus: EventBus;
  readonly network: PcSnn;
  /** the spike encoders; without one, feed() supplies the spikes */
  readonly encoder?: SpikeEncoderLike;
  /** windows kept for `recentWindows` (default 60) */
  readonly keepWindows?: number;
}

export class PerceptionService {
  readonly network: PcSnn;
  private readonly bus: EventBus;
  private readonly encoder: SpikeEncoderLike | undefined;
  private readonly keepWindows: number;
  private subscription: Subscription<'sensor.event'> | undefined;
  /** batches waiting for their tick, in tick order */
  private pending: SpikeBatch[] = [];
  private readonly recent: PerceptionWindow[] = [];
  private windowsPublished = 0;

  constructor(options: PerceptionServiceOptions) {
    this.bus = options.bus;
    this.network = options.network;
    this.encoder = options.encoder;
    this.keepWindows = options.keepWindows ?? 60;
  }

  /** start taking 'sensor.event's from the bus (needs an encoder) */
  start(): void {
    if (this.subscription !== undefined || this.encoder === undefined) return;
    const encoder = this.encoder;
    this.subscription = this.bus.subscribe(['sensor.event'], { name: 'perception', onEvent: (event) => encoder.encode(event.payload) });
  }

  stop(): void {
    this.subscription?.close();
    this.subscription = undefined;
  }

  /** queue spike batches (non-decreasing ticks) for the next advance */
  feed(batches: readonly SpikeBatch[]): void {
    for (const batch of batches) this.pending.push(batch);
  }

  /** advance the network to `tick` (exclusive), feeding every spike before it; publishes the windows that end on the way */
  advanceTo(tick: number): void {
    const network = this.network;
    if (tick <= network.tick) return;
    this.encoder?.drainBatches(tick - 1, (batch) => this.pending.push(batch));
    let due = 0;
    while (due < this.pending.length && this.pending[due]!.tick < tick) due++;
    const batches = this.pending.slice(0, due);
    this.pending = this.pending.slice(due);
    network.step(tick - network.tick, batches, (window) => this.publish(window));
  }

  /** advance to the tick of `atMs` on the bus clock (needs an encoder for the time base) */
  advanceToTime(atMs: number): void {
    if (this.encoder === undefined) return;
    this.advanceTo(this.encoder.tickOf(atMs));
  }

  /** the last windows, oldest first */
  recentWindows(): readonly PerceptionWindow[] {
    return this.recent;
  }

  get published(): number {
    return this.windowsPublished;
  }

  private publish(window: PerceptionWindow): void {
    this.recent.push(window);
    if (this.recent.length > this.keepWindows) this.recent.shift();
    this.windowsPublished++;
    this.bus.publish('perception.window', window);
  }
}
