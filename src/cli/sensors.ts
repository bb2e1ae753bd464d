/**
 * `chimaera sensors record` — record the coarsened sensor-event stream of
 * this machine, from the real hosted sources, as JSON Lines (one
 * 'sensor.event' per line, times relative to the start [ms]). The person
 * running it grants the senses by naming them; the events are what the
 * drivers would publish on the bus: classes and keyed-hash buckets, never
 * paths, ports, ids or samples. The hashing salt is random per run unless
 * --salt is given (use one salt for recordings that are compared).
 *
 * kbd is not recorded here: key timing comes from the shell's terminal.
 */

import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { fail, type SensorEvent, type SensorKind } from '../common/index.ts';
import { ArecordSource, findOnPath, FsWatchSource, HostedClock, ProcNetSource, UsbSysfsSource, WavFileSource } from '../hal/hosted/index.ts';
import { checkSalt, formatSensorEventLine, FsFeaturizer, MicFeaturizer, NetFeaturizer, SensorDriver, StaticSenseGate, UsbFeaturizer, type SensorDriverStats } from '../sensors/index.ts';
import { parseArgs, type FlagSpec } from './args.ts';

export const SENSORS_USAGE = `  chimaera sensors record --seconds N --out FILE.jsonl [--watch DIR]... [options]
      record N seconds of this machine's coarsened sensor events as JSON Lines
      --watch DIR        a host folder whose file activity is recorded (repeatable; fs needs at least one)
      --kinds LIST       senses to record, comma-separated from usb,fs,net,mic (default: those available here)
      --wav FILE         audio for mic from a 16-bit PCM WAV file (default: arecord when installed)
      --poll-ms MS       usb and net polling interval (default 1000)
      --net-interfaces all|non-loopback   which interfaces the net counters sum (default non-loopback)
      --salt HEX         the 128-bit hashing salt as 32 hex digits (default: random for this run)`;

const FLAGS: Record<string, FlagSpec> = {
  seconds: { kind: 'value' },
  out: { kind: 'value' },
  kinds: { kind: 'value' },
  wav: { kind: 'value' },
  'poll-ms': { kind: 'value' },
  'net-interfaces': { kind: 'value' },
  salt: { kind: 'value' },
};

export interface SensorsOutput {
  out(text: string): void;
}

/** pull every `--watch DIR` / `--watch=DIR` out of argv (parseArgs keeps only one value per flag) */
function takeRepeated(argv: readonly string[], name: string): { values: string[]; rest: string[] } {
  const values: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === `--${name}`) {
      const value = argv[++i];
      if (value === undefined) fail('cli.usage', `option --${name} needs a value`);
      values.push(value);
    } else if (arg.startsWith(`--${name}=`)) values.push(arg.slice(name.length + 3));
    else rest.push(arg);
  }
  return { values, rest };
}

function positiveNumber(text: string | undefined, what: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) fail('arg.invalid', `${what}: "${text}" is not a positive number`);
  return value;
}

export async function sensorsCommand(argv: readonly string[], output: SensorsOutput): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help') {
    output.out(`${SENSORS_USAGE}\n`);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'record') fail('cli.usage', `unknown sensors command "${sub}"\n${SENSORS_USAGE}`);
  const { values: watch, rest: flags } = takeRepeated(rest, 'watch');
  const args = parseArgs(flags, FLAGS);
  if (args.positional.length > 0) fail('cli.usage', `unexpected argument "${args.positional[0]}"\n${SENSORS_USAGE}`);
  const outPath = args.values.get('out');
  if (outPath === undefined) fail('cli.usage', `sensors record needs --out FILE.jsonl\n${SENSORS_USAGE}`);
  const seconds = positiveNumber(args.values.get('seconds'), '--seconds', Number.NaN);
  if (Number.isNaN(seconds)) fail('cli.usage', `sensors record needs --seconds N\n${SENSORS_USAGE}`);
  const pollMs = positiveNumber(args.values.get('poll-ms'), '--poll-ms', 1000);
  const interfaces = args.values.get('net-interfaces') ?? 'non-loopback';
  if (interfaces !== 'all' && interfaces !== 'non-loopback') fail('arg.invalid', `--net-interfaces: "${interfaces}" is neither all nor non-loopback`);
  const saltText = args.values.get('salt');
  if (saltText !== undefined && !/^[0-9a-fA-F]{32}$/.test(saltText)) fail('arg.invalid', '--salt: give exactly 32 hex digits (128 bits)');
  const salt = checkSalt(saltText === undefined ? new Uint8Array(randomBytes(16)) : Uint8Array.from(Buffer.from(saltText, 'hex')));
  const wav = args.values.get('wav');

  const available: SensorKind[] = [];
  if (existsSync('/sys/bus/usb/devices')) available.push('usb');
  if (watch.length > 0) available.push('fs');
  if (existsSync('/proc/net/dev')) available.push('net');
  if (wav !== undefined || findOnPath('arecord') !== undefined) available.push('mic');
  const kindsText = args.values.get('kinds');
  const kinds = kindsText === undefined ? available : (kindsText.split(',').map((k) => k.trim()) as SensorKind[]);
  for (const kind of kinds) if (!['usb', 'fs', 'net', 'mic'].includes(kind)) fail('arg.invalid', `--kinds: "${kind}" is not one of usb, fs, net, mic`);
  if (kinds.includes('fs') && watch.length === 0) fail('cli.usage', 'recording fs needs at least one --watch DIR');
  if (kinds.length === 0) fail('cli.usage', 'nothing to record on this host; pass --watch DIR for fs, or --wav FILE for mic');

  const clock = new HostedClock();
  const gate = new StaticSenseGate();
  const events: SensorEvent[] = [];
  const common = { gate, onEvent: (event: SensorEvent) => events.push(event), timeOriginMs: clock.now() };
  const drivers: SensorDriver<SensorKind>[] = [];
  const folders = watch.map((dir) => resolve(dir));
  for (const kind of kinds) {
    if (kind === 'usb') drivers.push(new SensorDriver({ ...common, kind, sources: [new UsbSysfsSource({ clock, timers: clock, intervalMs: pollMs })], featurizer: new UsbFeaturizer(salt) }));
    if (kind === 'fs') drivers.push(new SensorDriver({ ...common, kind, sources: [new FsWatchSource(folders, clock)], featurizer: new FsFeaturizer({ salt, hostRoots: [homedir(), ...folders] }) }));
    if (kind === 'net') drivers.push(new SensorDriver({ ...common, kind, sources: [new ProcNetSource({ clock, timers: clock, intervalMs: pollMs })], featurizer: new NetFeaturizer({ salt, interfaces }) }));
    if (kind === 'mic') {
      const source = wav === undefined ? new ArecordSource({ clock }) : new WavFileSource(wav, { clock, timers: clock, pace: 'realtime' });
      drivers.push(new SensorDriver({ ...common, kind, sources: [source], featurizer: new MicFeaturizer() }));
    }
  }
  for (const driver of drivers) driver.open();
  for (const kind of kinds) gate.set(kind, 'allow');
  output.out(`recording ${kinds.join(', ')} for ${seconds} s into ${outPath}\n`);
  await new Promise((done) => setTimeout(done, seconds * 1000));
  const stats = drivers.map((driver) => driver.stats());
  for (const driver of drivers) driver.close();

  events.sort((a, b) => a.atMs - b.atMs);
  const lines = events.map((event) => formatSensorEventLine({ ...event, atMs: Math.round(event.atMs * 1000) / 1000 }));
  writeFileSync(outPath, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
  output.out(`${events.length} events written\n${stats.map(describeStats).join('\n')}\n`);
  return 0;
}

function describeStats(stats: SensorDriverStats): string {
  const failure = stats.lastError === undefined ? '' : `  (${stats.lastError})`;
  return `  ${stats.kind.padEnd(4)} ${stats.state.padEnd(9)} captured ${stats.captured}, published ${stats.published}, dropped ${stats.dropped}${failure}`;
}
