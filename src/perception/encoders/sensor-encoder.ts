/**
 * The sensor spike encoder: 'sensor.event's in, input spikes out, for the
 * PC-SNN. Deterministic (no sampling) and change-driven; see each
 * per-sense file for its coding and channel-layout.ts for the channels.
 *
 *   encode(event)          the event's spikes (≤ 4) are scheduled at its tick,
 *                          tick = floor((atMs − originMs) / tickMs)
 *   drain(upto, out)       every spike up to tick `upto`, in tick order
 *
 * Limits: ≤ 1 spike per channel per tick and ≤ maxSpikesPerTick (16) per
 * tick; a spike that does not fit spills to the next tick with room
 * (spike-scheduler.ts). An event asking for more than 4 spikes keeps its
 * first 4 (the encoders order them by importance) and the rest are counted
 * as truncated. Events must come in time order; a late one lands on the
 * first tick not yet drained.
 *
 * State (exportState/importState): the per-sense references and levels and
 * the pending spikes, as f64 values, so a snapshot resumes bit-exactly.
 */

import { fail, type SensorEvent, type SensorKind } from '../../common/index.ts';
import type { SpikeBatch, SpikeChannelMap } from '../spikes.ts';
import { ENCODER_CHANNELS, SENSOR_CHANNEL_MAP } from './channel-layout.ts';
import { FsEncoder, UsbEncoder } from './device-file-encoders.ts';
import { KeyboardEncoder } from './keyboard-encoder.ts';
import { MAX_SPIKES_PER_EVENT, type KindEncoder } from './kind-encoder.ts';
import { MicEncoder } from './mic-encoder.ts';
import { NetworkEncoder } from './network-encoder.ts';
import { SpikeScheduler, type SpikeSchedulerStats } from './spike-scheduler.ts';

export interface SensorSpikeEncoderOptions {
  /** [ms] per tick; default 1 (the network's dt) */
  readonly tickMs?: number;
  /** [ms] event time of tick 0; default 0 */
  readonly originMs?: number;
  /** input spikes per tick at most; default 16 (PERCEPTION.md §5.6) */
  readonly maxSpikesPerTick?: number;
  /** ticks a spike may spill past its own before it is dropped; default 1024 */
  readonly maxSpillTicks?: number;
}

export interface SensorSpikeEncoderStats extends SpikeSchedulerStats {
  /** events encoded, per sense */
  readonly events: Readonly<Record<SensorKind, number>>;
  /** spikes events asked for beyond MAX_SPIKES_PER_EVENT */
  readonly truncated: number;
}

const STATE_VERSION = 2; // 2: net levels split into rx and tx (network-encoder.ts)
const KINDS: readonly SensorKind[] = ['kbd', 'mic', 'usb', 'fs', 'net'];

export class SensorSpikeEncoder {
  readonly channelMap: SpikeChannelMap = SENSOR_CHANNEL_MAP;
  readonly tickMs: number;
  readonly originMs: number;
  private scheduler: SpikeScheduler;
  private readonly encoders: Record<SensorKind, KindEncoder> = {
    kbd: new KeyboardEncoder(),
    mic: new MicEncoder(),
    usb: new UsbEncoder(),
    fs: new FsEncoder(),
    net: new NetworkEncoder(),
  };
  /** (MAX_SPIKES_PER_EVENT + 8) channels of the event being encoded */
  private readonly wanted = new Int32Array(MAX_SPIKES_PER_EVENT + 8);
  private readonly events: Record<SensorKind, number> = { kbd: 0, mic: 0, usb: 0, fs: 0, net: 0 };
  private truncated = 0;

  constructor(options: SensorSpikeEncoderOptions = {}) {
    this.tickMs = options.tickMs ?? 1;
    this.originMs = options.originMs ?? 0;
    if (!(this.tickMs > 0 && this.tickMs <= 100)) fail('sensors.config_invalid', `encoder tick ${this.tickMs} ms is outside (0, 100]`);
    this.scheduler = new SpikeScheduler(options.maxSpikesPerTick ?? 16, options.maxSpillTicks ?? 1024);
  }

  /** the tick an event time falls on */
  tickOf(atMs: number): number {
    return Math.floor((atMs - this.originMs) / this.tickMs);
  }

  /** schedule the spikes of one event; returns how many were placed */
  encode(event: SensorEvent): number {
    const encoder = this.encoders[event.kind];
    if (encoder === undefined) return 0;
    this.events[event.kind]++;
    let count = encoder.encode(event, this.wanted);
    if (count > MAX_SPIKES_PER_EVENT) {
      this.truncated += count - MAX_SPIKES_PER_EVENT;
      count = MAX_SPIKES_PER_EVENT;
    }
    const tick = this.tickOf(event.atMs);
    let placed = 0;
    for (let i = 0; i < count; i++) if (this.scheduler.schedule(tick, this.wanted[i]!) !== -1) placed++;
    return placed;
  }

  /** every spike up to and including tick `uptoTick`, in tick order (scheduling order within a tick) */
  drain(uptoTick: number, out: (tick: number, channel: number) => void): void {
    this.scheduler.drain(uptoTick, out);
  }

  /** as drain, grouped per tick (allocates one batch per tick that has spikes) */
  drainBatches(uptoTick: number, out: (batch: SpikeBatch) => void): void {
    let tick = -1;
    let channels: number[] = [];
    this.scheduler.drain(uptoTick, (spikeTick, channel) => {
      if (spikeTick !== tick && channels.length > 0) {
        out({ tick, channels: Int32Array.from(channels) });
        channels = [];
      }
      tick = spikeTick;
      channels.push(channel);
    });
    if (channels.length > 0) out({ tick, channels: Int32Array.from(channels) });
  }

  /** the first tick drain() has not handed out */
  get nextTick(): number {
    return this.scheduler.nextTick;
  }

  stats(): SensorSpikeEncoderStats {
    return { ...this.scheduler.stats(), events: { ...this.events }, truncated: this.truncated };
  }

  /** forget every reference and level (capture restarted); pending spikes stay */
  resetSense(kind: SensorKind): void {
    this.encoders[kind].reset();
  }

  /** version, channels, tickMs, originMs, truncated, 5 event counts, per-sense states, scheduler */
  exportState(): Float64Array {
    let length = 10 + this.scheduler.stateLength();
    for (const kind of KINDS) length += this.encoders[kind].stateLength;
    const out = new Float64Array(length);
    out.set([STATE_VERSION, ENCODER_CHANNELS, this.tickMs, this.originMs, this.truncated], 0);
    let at = 5;
    for (const kind of KINDS) out[at++] = this.events[kind];
    for (const kind of KINDS) {
      this.encoders[kind].writeState(out, at);
      at += this.encoders[kind].stateLength;
    }
    at = this.scheduler.writeState(out, at);
    if (at !== length) throw new Error(`encoder state: wrote ${at} values of ${length}`);
    return out;
  }

  /** restore exportState() output; on a typed error nothing has changed */
  importState(state: Float64Array): void {
    if (state.length < 10 || state[0] !== STATE_VERSION || state[1] !== ENCODER_CHANNELS) fail('sensors.encoder_state_invalid', `spike encoder state: version ${state[0]} or ${state[1]} channels do not match (version ${STATE_VERSION}, ${ENCODER_CHANNELS} channels)`);
    if (state[2] !== this.tickMs || state[3] !== this.originMs) fail('sensors.encoder_state_invalid', `spike encoder state: saved with tick ${state[2]} ms from ${state[3]} ms, not ${this.tickMs} ms from ${this.originMs} ms`);
    // restore into a scratch encoder first, so a bad state changes nothing here
    const scratch = new SensorSpikeEncoder({ tickMs: this.tickMs, originMs: this.originMs, maxSpikesPerTick: this.scheduler.maxPerTick, maxSpillTicks: this.scheduler.maxSpillTicks });
    let at = 10;
    for (const kind of KINDS) {
      scratch.encoders[kind].readState(state, at);
      at += scratch.encoders[kind].stateLength;
    }
    at = scratch.scheduler.readState(state, at, ENCODER_CHANNELS);
    if (at !== state.length) fail('sensors.encoder_state_invalid', `spike encoder state: ${state.length - at} values left over`);
    const counts = Array.from(state.subarray(4, 10));
    if (!counts.every((n) => Number.isSafeInteger(n) && n >= 0)) fail('sensors.encoder_state_invalid', 'spike encoder state: event counters are not counts');
    for (const kind of KINDS) {
      this.encoders[kind] = scratch.encoders[kind];
      this.events[kind] = state[5 + KINDS.indexOf(kind)]!;
    }
    this.scheduler = scratch.scheduler;
    this.truncated = state[4]!;
  }
}
