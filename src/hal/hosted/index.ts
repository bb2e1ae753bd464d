/** hal/hosted — the Node.js-on-Linux backend: disk-image files, host clock, terminal console. */
export { FileBlockDevice, type FileBlockDeviceOptions } from './file-block-device.ts';
export { HostedClock } from './hosted-clock.ts';
export { HostedConsole } from './hosted-console.ts';
export { HostedMachine, type HostedMachineOptions, type HostedModule } from './hosted-machine.ts';
export { workerFlagsPrelude } from './young-generation.ts';
export * from './sensors/index.ts';
