/**
 * The spike interface between the encoders (src/perception/encoders) and the
 * PC-SNN (network.ts): which input channel means what, and the spikes of one
 * tick. A tick is `tickMs` of simulated time (1 ms by default), counted from
 * the start of the network.
 */

import type { SensorKind } from '../common/index.ts';

/** the sensor groups of the input channels: one per sense, plus room for future sensors */
export type SpikeGroup = SensorKind | 'reserved';

/** the groups in the order the window outputs list them */
export const SPIKE_GROUPS: readonly SpikeGroup[] = ['kbd', 'mic', 'usb', 'fs', 'net', 'reserved'];

/** the N0 input channels: names and the channel range of each sensor group */
export interface SpikeChannelMap {
  /** N0, number of input channels (64–256; default 128) */
  readonly channels: number;
  /** (N0) channel names, e.g. "kbd.interval.3", "fs.modify.bucket5" */
  readonly names: readonly string[];
  /** channel range [start, end) of each group; groups do not overlap (an empty group has start == end) */
  readonly groups: Readonly<Record<SpikeGroup, readonly [start: number, end: number]>>;
}

/** the input spikes of one tick */
export interface SpikeBatch {
  /** [ticks since the network started] */
  readonly tick: number;
  /** channel ids that spiked at this tick, each in [0, N0) */
  readonly channels: Int32Array;
}

/**
 * A channel map with every channel in the 'reserved' group, named "in.<i>":
 * for tests and for networks fed by something other than the sensor encoders.
 */
export function plainChannelMap(channels: number): SpikeChannelMap {
  const names: string[] = [];
  for (let i = 0; i < channels; i++) names.push(`in.${i}`);
  return {
    channels,
    names,
    groups: { kbd: [0, 0], mic: [0, 0], usb: [0, 0], fs: [0, 0], net: [0, 0], reserved: [0, channels] },
  };
}
