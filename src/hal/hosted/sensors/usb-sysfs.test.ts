/** USB arrivals and removals from a fake /sys/bus/usb/devices tree. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isChimaeraError } from '../../../common/index.ts';
import { ManualClock } from '../../memory/index.ts';
import type { UsbReading } from '../../sensors.ts';
import { readUsbDevices, UsbSysfsSource } from './usb-sysfs.ts';

function addDevice(root: string, name: string, deviceClass: string, vendor: string, product: string, interfaceClass?: string): void {
  mkdirSync(join(root, name));
  writeFileSync(join(root, name, 'bDeviceClass'), `${deviceClass}\n`);
  writeFileSync(join(root, name, 'idVendor'), `${vendor}\n`);
  writeFileSync(join(root, name, 'idProduct'), `${product}\n`);
  if (interfaceClass !== undefined) {
    mkdirSync(join(root, `${name}:1.0`));
    mkdirSync(join(root, name, `${name}:1.0`));
    writeFileSync(join(root, name, `${name}:1.0`, 'bInterfaceClass'), `${interfaceClass}\n`);
  }
}

test('usb: the device list reads classes (per-interface when the device says 00) and skips interface entries', () => {
  const root = mkdtempSync(join(tmpdir(), 'chimaera-usb-'));
  try {
    addDevice(root, 'usb1', '09', '1d6b', '0002');
    addDevice(root, '1-1', '00', '0781', '5567', '08');
    const devices = readUsbDevices(root);
    assert.deepEqual([...devices.entries()], [
      ['1-1', { deviceClass: 8, vendor: 0x0781, product: 0x5567 }],
      ['usb1', { deviceClass: 9, vendor: 0x1d6b, product: 0x0002 }],
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('usb source: devices present at start are not events; later arrivals and removals are', () => {
  const root = mkdtempSync(join(tmpdir(), 'chimaera-usb-'));
  try {
    addDevice(root, 'usb1', '09', '1d6b', '0002');
    const clock = new ManualClock();
    const source = new UsbSysfsSource({ clock, timers: clock, root, intervalMs: 500 });
    const readings: UsbReading[] = [];
    source.start((r) => readings.push(r));
    clock.advance(500);
    addDevice(root, '1-2', '00', '0781', '5567', '08');
    clock.advance(500);
    rmSync(join(root, '1-2'), { recursive: true });
    clock.advance(500);
    source.stop();
    addDevice(root, '1-3', '03', '046d', 'c52b');
    clock.advance(5000);
    assert.deepEqual(readings, [
      { kind: 'usb', atMs: 1000, action: 'add', deviceClass: 8, vendor: 0x0781, product: 0x5567 },
      { kind: 'usb', atMs: 1500, action: 'remove', deviceClass: 8, vendor: 0x0781, product: 0x5567 },
    ]);
    assert.throws(() => new UsbSysfsSource({ clock, timers: clock, root: join(root, 'none') }).start(() => {}), (e) => isChimaeraError(e, 'sensors.source_unavailable'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
