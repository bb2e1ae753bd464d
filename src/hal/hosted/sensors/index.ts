/** hal/hosted/sensors — the Linux host's senses: terminal keys, WAV/arecord audio, sysfs USB, fs.watch, /proc/net. */
export { TerminalKeySource, classifyKeypress, type KeypressInfo } from './terminal-keys.ts';
export { parseWav, encodeWav, type WavAudio } from './wav.ts';
export { WavFileSource, ArecordSource, findOnPath, type WavFileSourceOptions, type ArecordSourceOptions } from './audio-sources.ts';
export { UsbSysfsSource, readUsbDevices, diffUsbDevices, type UsbDeviceInfo, type UsbSysfsSourceOptions } from './usb-sysfs.ts';
export { FsWatchSource } from './fs-watch.ts';
export { ProcNetSource, parseProcNetDev, parseProcNetTcp, liveConnections, type TcpEntry, type ProcNetSourceOptions } from './proc-net.ts';
