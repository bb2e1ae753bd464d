/**
 * A rolling spike raster of the PC-SNN for the shell's `perception`: spike
 * counts per row (input spikes per sensor group, then each population) in
 * time bins over the last few seconds. Fed by PcSnn.observeSpikes; a ring
 * of bins, so memory is fixed and each spike costs one increment.
 *
 *   rows  in.kbd in.mic in.usb in.fs in.net in.reserved E0+ E0- R1 E1+ E1- R2 E2+ E2- R3
 *   bins  `binCount` bins of `binTicks` ticks, the newest last
 */

import type { SpikeChannelMap, SpikePopulation } from '../perception/index.ts';

export const RASTER_ROWS = ['in.kbd', 'in.mic', 'in.usb', 'in.fs', 'in.net', 'in.reserved', 'E0+', 'E0-', 'R1', 'E1+', 'E1-', 'R2', 'E2+', 'E2-', 'R3'] as const;
const INPUT_GROUPS = ['kbd', 'mic', 'usb', 'fs', 'net', 'reserved'] as const;
const POPULATION_ROW: Partial<Record<SpikePopulation, number>> = { 'E0+': 6, 'E0-': 7, R1: 8, 'E1+': 9, 'E1-': 10, R2: 11, 'E2+': 12, 'E2-': 13, R3: 14 };

export interface RasterView {
  /** [ms] per bin */
  readonly binMs: number;
  /** tick the newest bin ends at (exclusive) */
  readonly endTick: number;
  /** one row per RASTER_ROWS entry, `binCount` counts each, oldest first */
  readonly rows: readonly { readonly name: string; readonly counts: readonly number[] }[];
}

export class SpikeRaster {
  readonly binTicks: number;
  readonly binCount: number;
  private readonly tickMs: number;
  /** (channels) row of each input channel */
  private readonly inputRow: Uint8Array;
  /** (binCount, rows) spike counts */
  private readonly counts: Uint32Array;
  /** (binCount) which bin number each slot holds now (−1: none yet) */
  private readonly slotBin: Float64Array;

  constructor(channelMap: SpikeChannelMap, options: { binTicks?: number; binCount?: number; tickMs?: number } = {}) {
    this.binTicks = options.binTicks ?? 250;
    this.binCount = options.binCount ?? 40;
    this.tickMs = options.tickMs ?? 1;
    this.inputRow = new Uint8Array(channelMap.channels);
    INPUT_GROUPS.forEach((group, row) => {
      const [start, end] = channelMap.groups[group];
      for (let c = start; c < end; c++) this.inputRow[c] = row;
    });
    this.counts = new Uint32Array(this.binCount * RASTER_ROWS.length);
    this.slotBin = new Float64Array(this.binCount).fill(-1);
  }

  /** the observer to hand to PcSnn.observeSpikes */
  readonly observe = (tick: number, population: SpikePopulation, unit: number): void => {
    const row = population === 'input' ? this.inputRow[unit]! : POPULATION_ROW[population];
    if (row === undefined) return;
    const bin = Math.floor(tick / this.binTicks);
    const slot = bin % this.binCount;
    if (this.slotBin[slot] !== bin) {
      this.counts.fill(0, slot * RASTER_ROWS.length, (slot + 1) * RASTER_ROWS.length);
      this.slotBin[slot] = bin;
    }
    this.counts[slot * RASTER_ROWS.length + row]!++;
  };

  /** the last `binCount` bins ending with the bin of tick `nowTick - 1` */
  view(nowTick: number): RasterView {
    const lastBin = Math.floor(Math.max(0, nowTick - 1) / this.binTicks);
    const rows = RASTER_ROWS.map((name, row) => {
      const counts: number[] = [];
      for (let bin = lastBin - this.binCount + 1; bin <= lastBin; bin++) {
        const slot = ((bin % this.binCount) + this.binCount) % this.binCount;
        counts.push(bin >= 0 && this.slotBin[slot] === bin ? this.counts[slot * RASTER_ROWS.length + row]! : 0);
      }
      return { name, counts };
    });
    return { binMs: this.binTicks * this.tickMs, endTick: (lastBin + 1) * this.binTicks, rows };
  }
}
