/**
 * The spike queue between the encoders and the network: a ring of future
 * ticks, each holding at most `maxPerTick` spikes and at most one per
 * channel. A spike whose tick is full, or whose channel already fires at
 * that tick, spills to the next tick that has room; one that would spill
 * more than `maxSpillTicks` is dropped and counted. A spike asked for a
 * tick already drained (a late event) lands on the first tick not yet
 * drained. The ring doubles when the pending spikes span more ticks than it
 * holds (the consumer drains rarely), up to 65536 ticks; beyond that a
 * spike is dropped.
 *
 * Deterministic: the same schedule() calls in the same order give the same
 * spikes. drain() hands out spikes in tick order, and within a tick in the
 * order they were scheduled; it skips idle spans in one jump. No allocation
 * except when the ring grows.
 */

import { fail } from '../../common/index.ts';

export interface SpikeSchedulerStats {
  /** spikes placed on some tick */
  readonly scheduled: number;
  /** of those, spikes placed later than asked (tick or channel busy) */
  readonly spilled: number;
  /** spikes that found no room within the spill limit (or the largest ring) */
  readonly dropped: number;
  /** spikes waiting to be drained */
  readonly pending: number;
}

const MAX_RING_TICKS = 1 << 16;

export class SpikeScheduler {
  readonly maxPerTick: number;
  readonly maxSpillTicks: number;
  /** ticks the ring holds (a power of two) */
  private ringTicks = 1024;
  /** (ringTicks) tick each slot holds, or −1 */
  private slotTick: Float64Array;
  /** (ringTicks) spikes in each slot */
  private slotCount: Int32Array;
  /** (ringTicks × maxPerTick) channel ids */
  private slotChannels: Int32Array;
  /** last tick handed out by drain() */
  private drainedUpTo = -1;
  /** earliest and latest tick that may hold a pending spike */
  private earliestPending = Number.POSITIVE_INFINITY;
  private lastScheduled = -1;
  private scheduled = 0;
  private spilled = 0;
  private dropped = 0;
  private pending = 0;

  constructor(maxPerTick = 16, maxSpillTicks = 1024) {
    if (!Number.isInteger(maxPerTick) || maxPerTick < 1 || maxPerTick > 256) fail('sensors.config_invalid', `spikes per tick ${maxPerTick} is outside 1..256`);
    if (!Number.isInteger(maxSpillTicks) || maxSpillTicks < 0 || maxSpillTicks > 60_000) fail('sensors.config_invalid', `spike spill limit ${maxSpillTicks} ticks is outside 0..60000`);
    this.maxPerTick = maxPerTick;
    this.maxSpillTicks = maxSpillTicks;
    this.slotTick = new Float64Array(this.ringTicks).fill(-1);
    this.slotCount = new Int32Array(this.ringTicks);
    this.slotChannels = new Int32Array(this.ringTicks * maxPerTick);
  }

  /** the first tick that drain() has not handed out yet */
  get nextTick(): number {
    return this.drainedUpTo + 1;
  }

  /** place one spike on `channel` at `tick` or the first later tick with room; returns the tick, or −1 when dropped */
  schedule(tick: number, channel: number): number {
    const start = Math.max(tick, this.drainedUpTo + 1);
    for (let u = start; u <= start + this.maxSpillTicks; u++) {
      let slot = u & (this.ringTicks - 1);
      if (this.slotTick[slot] !== u && this.slotCount[slot]! > 0) {
        // the slot holds another pending tick: the pending span outgrew the ring
        if (!this.grow()) break;
        slot = u & (this.ringTicks - 1);
      }
      if (this.slotTick[slot] !== u) {
        this.slotTick[slot] = u;
        this.slotCount[slot] = 0;
      }
      const count = this.slotCount[slot]!;
      if (count >= this.maxPerTick) continue;
      const base = slot * this.maxPerTick;
      let busy = false;
      for (let i = 0; i < count; i++) {
        if (this.slotChannels[base + i] === channel) {
          busy = true;
          break;
        }
      }
      if (busy) continue;
      this.slotChannels[base + count] = channel;
      this.slotCount[slot] = count + 1;
      this.scheduled++;
      this.pending++;
      if (u > start) this.spilled++;
      if (u > this.lastScheduled) this.lastScheduled = u;
      if (u < this.earliestPending) this.earliestPending = u;
      return u;
    }
    this.dropped++;
    return -1;
  }

  /** double the ring, keeping every pending spike; false when it is as large as allowed */
  private grow(): boolean {
    if (this.ringTicks >= MAX_RING_TICKS) return false;
    const old = { ticks: this.slotTick, counts: this.slotCount, channels: this.slotChannels, size: this.ringTicks };
    this.ringTicks *= 2;
    this.slotTick = new Float64Array(this.ringTicks).fill(-1);
    this.slotCount = new Int32Array(this.ringTicks);
    this.slotChannels = new Int32Array(this.ringTicks * this.maxPerTick);
    for (let slot = 0; slot < old.size; slot++) {
      const count = old.counts[slot]!;
      if (count === 0) continue;
      const tick = old.ticks[slot]!;
      const to = tick & (this.ringTicks - 1);
      this.slotTick[to] = tick;
      this.slotCount[to] = count;
      this.slotChannels.set(old.channels.subarray(slot * this.maxPerTick, slot * this.maxPerTick + count), to * this.maxPerTick);
    }
    return true;
  }

  /** hand out every spike up to and including `uptoTick`, in tick order */
  drain(uptoTick: number, out: (tick: number, channel: number) => void): void {
    if (uptoTick <= this.drainedUpTo) return;
    const last = Math.min(uptoTick, this.lastScheduled);
    let u = Math.max(this.drainedUpTo + 1, this.earliestPending);
    for (; u <= last && this.pending > 0; u++) {
      const slot = u & (this.ringTicks - 1);
      if (this.slotTick[slot] !== u) continue;
      const count = this.slotCount[slot]!;
      this.slotCount[slot] = 0;
      this.slotTick[slot] = -1;
      this.pending -= count;
      // drainedUpTo moves first, so a callback that schedules lands after this tick
      this.drainedUpTo = u;
      for (let i = 0; i < count; i++) out(u, this.slotChannels[slot * this.maxPerTick + i]!);
    }
    this.earliestPending = this.pending > 0 ? u : Number.POSITIVE_INFINITY;
    this.drainedUpTo = Math.max(this.drainedUpTo, uptoTick);
  }

  stats(): SpikeSchedulerStats {
    return { scheduled: this.scheduled, spilled: this.spilled, dropped: this.dropped, pending: this.pending };
  }

  /** values stateLength() long: drainedUpTo, counters, then (tick, channel) of each pending spike in drain order */
  stateLength(): number {
    return 5 + 2 * this.pending;
  }

  writeState(out: Float64Array, at: number): number {
    out[at++] = this.drainedUpTo;
    out[at++] = this.scheduled;
    out[at++] = this.spilled;
    out[at++] = this.dropped;
    out[at++] = this.pending;
    if (this.pending === 0) return at;
    for (let u = Math.max(this.drainedUpTo + 1, this.earliestPending); u <= this.lastScheduled; u++) {
      const slot = u & (this.ringTicks - 1);
      if (this.slotTick[slot] !== u) continue;
      for (let i = 0; i < this.slotCount[slot]!; i++) {
        out[at++] = u;
        out[at++] = this.slotChannels[slot * this.maxPerTick + i]!;
      }
    }
    return at;
  }

  /** restore writeState() output into this (fresh) scheduler */
  readState(from: Float64Array, at: number, channels: number): number {
    const header = Array.from(from.subarray(at, at + 5));
    if (header.length < 5 || !header.every(Number.isSafeInteger)) fail('sensors.encoder_state_invalid', 'spike encoder state: the scheduler header is cut short or not integral');
    const [drainedUpTo, scheduled, spilled, dropped, pending] = header as [number, number, number, number, number];
    if (pending < 0 || at + 5 + 2 * pending > from.length) fail('sensors.encoder_state_invalid', `spike encoder state: ${pending} pending spikes do not fit the state`);
    this.drainedUpTo = drainedUpTo;
    at += 5;
    let previous = drainedUpTo;
    for (let i = 0; i < pending; i++) {
      const tick = from[at++]!;
      const channel = from[at++]!;
      if (!Number.isSafeInteger(tick) || tick < previous || tick <= drainedUpTo || !Number.isInteger(channel) || channel < 0 || channel >= channels) {
        fail('sensors.encoder_state_invalid', `spike encoder state: pending spike ${i} (tick ${tick}, channel ${channel}) is out of range or order`);
      }
      if (this.schedule(tick, channel) !== tick) fail('sensors.encoder_state_invalid', `spike encoder state: pending spike ${i} collides with another`);
      previous = tick;
    }
    this.scheduled = scheduled;
    this.spilled = spilled;
    this.dropped = dropped;
    return at;
  }
}
