/** hal/memory — in-memory devices for tests: RAM disk, power-loss disk, manual clock, recording console. */
export { RamBlockDevice } from './ram-block-device.ts';
export { ManualClock } from './manual-clock.ts';
export { MemoryConsole } from './memory-console.ts';
export { CrashBlockDevice, type CrashOutcome, type CrashPolicy } from './crash-block-device.ts';
export { MemoryMachine, type MemoryModule } from './memory-machine.ts';
export { ScriptedSensorSource } from './scripted-sensor-source.ts';
