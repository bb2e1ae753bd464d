/**
 * The input channel layout of the sensor encoders (PERCEPTION.md §3), N0 = 128:
 *
 *   channels   group     what
 *     0–15     kbd       0–11 inter-key interval bins (log-spaced 30 ms–3 s), 12–15 key class
 *    16–47     mic       band b: 16+2b up, 17+2b down (send-on-delta, 12 bands); 40–47 energy level
 *    48–55     usb       48–51 add × class bucket 0–3, 52–55 remove × bucket
 *    56–87     fs        56 + 8·op + bucket, op = create, modify, delete, rename
 *    88–119    net       88–95 counter deltas (rx bytes, rx packets, tx bytes, tx packets) × (up, down);
 *                        96–99 rx byte-rate level, 100–103 tx byte-rate level; 104–111 open × bucket;
 *                        112–119 close × bucket
 *   120–127    reserved  future sensors
 *
 * Only this layout exists; networks of other widths use plainChannelMap
 * (spikes.ts) with other inputs.
 */

import type { SpikeChannelMap } from '../spikes.ts';

export const ENCODER_CHANNELS = 128;

export const KBD_START = 0;
export const KBD_INTERVAL_BINS = 12;
export const KBD_CLASSES = ['printable', 'modifier', 'navigation', 'edit'] as const;
export const MIC_START = 16;
export const MIC_BANDS = 12;
export const MIC_ENERGY_START = MIC_START + 2 * MIC_BANDS;
export const MIC_ENERGY_BINS = 8;
export const USB_START = 48;
export const FS_START = 56;
export const FS_OPS = ['create', 'modify', 'delete', 'rename'] as const;
export const NET_START = 88;
export const NET_COUNTERS = ['rxBytes', 'rxPackets', 'txBytes', 'txPackets'] as const;
export const NET_LEVEL_START = NET_START + 8;
/** level bins per direction: rx on NET_LEVEL_START + bin, tx on NET_LEVEL_START + NET_LEVEL_BINS + bin */
export const NET_LEVEL_BINS = 4;
export const NET_LEVEL_DIRECTIONS = ['rx', 'tx'] as const;
export const NET_OPEN_START = NET_START + 16;
export const NET_CLOSE_START = NET_START + 24;
export const RESERVED_START = 120;

function buildNames(): string[] {
  const names: string[] = [];
  for (let i = 0; i < KBD_INTERVAL_BINS; i++) names.push(`kbd.interval.${i}`);
  for (const keyClass of KBD_CLASSES) names.push(`kbd.class.${keyClass}`);
  for (let b = 0; b < MIC_BANDS; b++) names.push(`mic.band${b}.up`, `mic.band${b}.down`);
  for (let i = 0; i < MIC_ENERGY_BINS; i++) names.push(`mic.energy.${i}`);
  for (const action of ['add', 'remove']) for (let bucket = 0; bucket < 4; bucket++) names.push(`usb.${action}.bucket${bucket}`);
  for (const op of FS_OPS) for (let bucket = 0; bucket < 8; bucket++) names.push(`fs.${op}.bucket${bucket}`);
  for (const counter of NET_COUNTERS) names.push(`net.${counter}.up`, `net.${counter}.down`);
  for (const direction of NET_LEVEL_DIRECTIONS) for (let i = 0; i < NET_LEVEL_BINS; i++) names.push(`net.${direction}Level.${i}`);
  for (const action of ['open', 'close']) for (let bucket = 0; bucket < 8; bucket++) names.push(`net.${action}.bucket${bucket}`);
  for (let i = 0; i < ENCODER_CHANNELS - RESERVED_START; i++) names.push(`reserved.${i}`);
  return names;
}

/** the channel map of the sensor encoders (N0 = 128) */
export const SENSOR_CHANNEL_MAP: SpikeChannelMap = {
  channels: ENCODER_CHANNELS,
  names: buildNames(),
  groups: {
    kbd: [KBD_START, MIC_START],
    mic: [MIC_START, USB_START],
    usb: [USB_START, FS_START],
    fs: [FS_START, NET_START],
    net: [NET_START, RESERVED_START],
    reserved: [RESERVED_START, ENCODER_CHANNELS],
  },
};
