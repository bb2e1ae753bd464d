/**
 * hal — layer 1: the device interfaces the kernel is written against.
 * Backends: `hal/hosted` (Node.js on Linux) and `hal/memory` (tests).
 */
export { checkBlockAccess, firstSectorIsZero } from './block-device.ts';
export type { BlockDevice } from './block-device.ts';
export { CopyOnWriteDevice } from './copy-on-write-device.ts';
export type { Clock, Timers } from './clock.ts';
export type { Console } from './console.ts';
export type { Machine, ModuleRead } from './machine.ts';
export type {
  AudioReading,
  FileReading,
  InterfaceCounters,
  KeyClass,
  KeyReading,
  NetConnectionReading,
  NetCountersReading,
  NetReading,
  SensorKind,
  SensorReading,
  SensorReadingMap,
  SensorSource,
  UsbReading,
} from './sensors.ts';
