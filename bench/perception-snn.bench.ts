// Cost of the PC-SNN (PERCEPTION.md §5.6): replays 60 s of synthetic sensor
// events at 200 events/s (keyboard, microphone frames, file activity, network
// counters and connections, a USB arrival) through the real spike encoders
// into a default network (N0 = 128; R 256/128/64; STDP on), and reports
// synaptic operations per event (mean and worst 1-s window), throughput in
// events per CPU second, and the CPU share: process CPU time / simulated wall
// time (target ≤ 5% of one core).
// Run: npm run bench:perception-snn   (BENCH_SECONDS, BENCH_RATE to change the replay)
import { Rng, type SensorEvent } from '../src/common/index.ts';
import { PcSnn, SENSOR_CHANNEL_MAP, SensorSpikeEncoder, type SpikeBatch } from '../src/perception/index.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const rng = new Rng(2025);

/** one synthetic event at `atMs`, the kinds mixed roughly as on a busy desktop */
function syntheticEvent(atMs: number, previousKeyMs: { value: number }): SensorEvent {
  const roll = rng.next();
  if (roll < 0.3) {
    const interval = atMs - previousKeyMs.value;
    previousKeyMs.value = atMs;
    return { kind: 'kbd', atMs, type: 'key', keyClass: rng.chance(0.85) ? 'printable' : rng.pick(['modifier', 'navigation', 'enter', 'backspace'] as const), value: interval };
  }
  if (roll < 0.55) {
    const energy = -6 + 3 * rng.next();
    return { kind: 'mic', atMs, type: 'frame', value: energy, bands: Array.from({ length: 12 }, (_, b) => energy - 0.3 * b + rng.next()) };
  }
  if (roll < 0.8) return { kind: 'fs', atMs, type: rng.pick(['create', 'modify', 'modify', 'modify', 'delete', 'rename'] as const), bucket: rng.int(0, 7), extensionClass: 'code', origin: 'host' };
  if (roll < 0.9) {
    return { kind: 'net', atMs, type: 'counters', value: 100, rxBytes: rng.int(0, 200_000), rxPackets: rng.int(0, 200), txBytes: rng.int(0, 50_000), txPackets: rng.int(0, 80) };
  }
  if (roll < 0.9995) return { kind: 'net', atMs, type: rng.chance(0.5) ? 'open' : 'close', bucket: rng.int(0, 7), portClass: '443' };
  return { kind: 'usb', atMs, type: 'add', bucket: rng.int(0, 7), deviceClass: 8 };
}

const network = new PcSnn({ channelMap: SENSOR_CHANNEL_MAP, seed: 1 });
const encoder = new SensorSpikeEncoder();
const previousKey = { value: 0 };
const opsPerWindow: number[] = [];
const eventsPerWindow: number[] = [];
let events = 0;
let lastOps = 0;

const cpuStart = process.cpuUsage();
const wallStart = performance.now();
for (let second = 0; second < SECONDS; second++) {
  // events of this second at Poisson times
  let atMs = second * 1000;
  let count = 0;
  for (;;) {
    atMs += -Math.log(1 - rng.next()) * (1000 / RATE);
    if (atMs >= (second + 1) * 1000) break;
    encoder.encode(syntheticEvent(atMs, previousKey));
    count++;
  }
  events += count;
  const batches: SpikeBatch[] = [];
  const end = (second + 1) * 1000;
  encoder.drainBatches(end - 1, (batch) => batches.push(batch));
  network.step(end - network.tick, batches);
  const ops = network.stats().synapticOps;
  opsPerWindow.push(ops - lastOps);
  eventsPerWindow.push(count);
  lastOps = ops;
}
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const wallSeconds = (performance.now() - wallStart) / 1000;
const stats = network.stats();

const worst = Math.max(...opsPerWindow.map((ops, k) => ops / Math.max(1, eventsPerWindow[k]!)));
console.log(`PC-SNN cost: ${SECONDS} s replayed at ${RATE} events/s (N0 ${network.params.inputChannels}, R ${network.params.representationSizes.join('/')}, STDP on)`);
console.log(`  events ${events}, input spikes ${stats.inputSpikes} (dropped ${stats.droppedInputSpikes}), error spikes ${stats.errorSpikes}, R spikes ${stats.representationSpikes.join('/')}`);
console.log(`  synaptic ops per event: mean ${(stats.synapticOps / events).toFixed(0)}, worst 1-s window ${worst.toFixed(0)}   (targets ≤ 1500, ≤ 4000)`);
console.log(`  throughput ${(events / cpuSeconds).toFixed(0)} events per CPU second`);
console.log(`  CPU ${cpuSeconds.toFixed(2)} s for ${SECONDS} s simulated: ${((100 * cpuSeconds) / SECONDS).toFixed(2)}% of one core   (target ≤ 5%; wall ${wallSeconds.toFixed(2)} s)`);
