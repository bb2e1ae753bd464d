/**
 * USB source: polls the Linux sysfs device list (/sys/bus/usb/devices) and
 * reports arrivals and removals as the difference between two polls. Each
 * device directory (names like "1-2" or "usb1"; interface directories
 * contain ":" and are skipped) holds hex text files:
 *
 *   bDeviceClass  "09"    USB-IF class, 00 = defined per interface
 *   idVendor      "1d6b"
 *   idProduct     "0002"
 *   <name>:1.0/bInterfaceClass  the first interface's class
 *
 * The first poll only learns what is already attached (no events). Serial
 * numbers are never read.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../../../common/index.ts';
import type { Clock, Timers } from '../../clock.ts';
import type { SensorSource, UsbReading } from '../../sensors.ts';

export interface UsbDeviceInfo {
  /** USB-IF class 0..255 (the first interface's class when the device class is 0) */
  readonly deviceClass: number;
  readonly vendor?: number;
  readonly product?: number;
}

function readHex(path: string): number | undefined {
  try {
    const value = Number.parseInt(readFileSync(path, 'utf8').trim(), 16);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** the devices under `root`, by sysfs name; throws sensors.source_unavailable when root cannot be listed */
export function readUsbDevices(root: string): Map<string, UsbDeviceInfo> {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (error) {
    fail('sensors.source_unavailable', `usb: cannot list ${root} (${(error as NodeJS.ErrnoException).code ?? 'error'}); this host exposes no USB bus in sysfs`);
  }
  const devices = new Map<string, UsbDeviceInfo>();
  for (const name of names.sort()) {
    if (name.includes(':')) continue;
    let deviceClass = readHex(join(root, name, 'bDeviceClass'));
    if (deviceClass === undefined) continue;
    if (deviceClass === 0) deviceClass = readHex(join(root, name, `${name}:1.0`, 'bInterfaceClass')) ?? 0;
    const vendor = readHex(join(root, name, 'idVendor'));
    const product = readHex(join(root, name, 'idProduct'));
    devices.set(name, { deviceClass, ...(vendor === undefined ? {} : { vendor }), ...(product === undefined ? {} : { product }) });
  }
  return devices;
}

/** arrivals then removals between two device lists, each in name order */
export function diffUsbDevices(before: ReadonlyMap<string, UsbDeviceInfo>, after: ReadonlyMap<string, UsbDeviceInfo>): { action: 'add' | 'remove'; name: string; info: UsbDeviceInfo }[] {
  const changes: { action: 'add' | 'remove'; name: string; info: UsbDeviceInfo }[] = [];
  for (const [name, info] of after) if (!before.has(name)) changes.push({ action: 'add', name, info });
  for (const [name, info] of before) if (!after.has(name)) changes.push({ action: 'remove', name, info });
  return changes;
}

export interface UsbSysfsSourceOptions {
  readonly clock: Clock;
  readonly timers: Timers;
  /** default /sys/bus/usb/devices */
  readonly root?: string;
  /** [ms] between polls; default 1000 */
  readonly intervalMs?: number;
}

export class UsbSysfsSource implements SensorSource<'usb'> {
  readonly kind = 'usb' as const;
  private readonly options: UsbSysfsSourceOptions;
  private cancel: (() => void) | undefined;
  private running = false;

  constructor(options: UsbSysfsSourceOptions) {
    this.options = options;
  }

  start(emit: (reading: UsbReading) => void, onError?: (error: Error) => void): void {
    if (this.running) return;
    const root = this.options.root ?? '/sys/bus/usb/devices';
    let known = readUsbDevices(root);
    this.running = true;
    const poll = (): void => {
      this.cancel = undefined;
      if (!this.running) return;
      let now: Map<string, UsbDeviceInfo>;
      try {
        now = readUsbDevices(root);
      } catch (error) {
        this.running = false;
        onError?.(error as Error);
        return;
      }
      const atMs = this.options.clock.now();
      for (const change of diffUsbDevices(known, now)) {
        emit({ kind: 'usb', atMs, action: change.action, ...change.info });
        if (!this.running) return;
      }
      known = now;
      this.cancel = this.options.timers.schedule(this.options.intervalMs ?? 1000, poll);
    };
    this.cancel = this.options.timers.schedule(this.options.intervalMs ?? 1000, poll);
  }

  stop(): void {
    this.running = false;
    this.cancel?.();
    this.cancel = undefined;
  }
}
