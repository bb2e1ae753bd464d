// The /lived/snn state file codec and the broker-backed sense gate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isChimaeraError } from '../common/index.ts';
import { ManualClock } from '../hal/memory/index.ts';
import { AuditLog, ConsentBroker } from '../consent/index.ts';
import { PcSnn, SensorSpikeEncoder } from '../perception/index.ts';
import { BrokerSenseGate } from './perception-gate.ts';
import { decodeStateFile, encodeStateFile } from './perception-state.ts';

const small = () => new PcSnn({ inputChannels: 64, seed: 7 });

test('state file: encode → decode gives the same network bytes and encoder state, for any encoder values', () => {
  const networkBytes = small().toBytes();
  fc.assert(
    fc.property(fc.array(fc.double({ noNaN: true }), { maxLength: 40 }), (values) => {
      const state = Float64Array.from(values);
      const decoded = decodeStateFile(encodeStateFile(networkBytes, state));
      assert.deepEqual(decoded.networkBytes, networkBytes);
      assert.deepEqual(decoded.network.toBytes(), networkBytes);
      assert.deepEqual(decoded.encoderState, state);
    }),
    { numRuns: 20 },
  );
  const encoder = new SensorSpikeEncoder();
  encoder.encode({ kind: 'fs', atMs: 5, type: 'modify', bucket: 3 });
  const decoded = decodeStateFile(encodeStateFile(networkBytes, encoder.exportState()));
  const restored = new SensorSpikeEncoder();
  restored.importState(decoded.encoderState);
  assert.deepEqual(restored.exportState(), encoder.exportState());
});

test('state file: truncation, bad magic, version, CRC and trailing bytes are typed errors', () => {
  const good = encodeStateFile(small().toBytes(), Float64Array.of(1, 2, 3));
  const code = (bytes: Uint8Array): string => {
    try {
      decodeStateFile(bytes, 'test');
      return 'ok';
    } catch (error) {
      assert.ok(isChimaeraError(error), String(error));
      return error.code;
    }
  };
  assert.equal(code(good), 'ok');
  assert.equal(code(good.subarray(0, 10)), 'perception.snapshot_truncated');
  assert.equal(code(good.subarray(0, good.length - 1)), 'perception.snapshot_truncated');
  const magic = good.slice();
  magic[0] ^= 1;
  assert.equal(code(magic), 'perception.snapshot_format');
  const version = good.slice();
  version[4] = 9;
  assert.equal(code(version), 'perception.snapshot_version');
  const flipped = good.slice();
  flipped[100] ^= 0x10;
  assert.equal(code(flipped), 'perception.snapshot_crc');
  const longer = new Uint8Array(good.length + 3);
  longer.set(good);
  assert.equal(code(longer), 'perception.snapshot_format');
});

test('gate: allows a sense only under a live sense grant covering it; refresh reports changes once', () => {
  const clock = new ManualClock(0, Date.UTC(2026, 0, 1));
  const broker = new ConsentBroker({ clock, audit: AuditLog.inMemory(clock) });
  const gate = new BrokerSenseGate(broker);
  let changes = 0;
  gate.onChange(() => changes++);
  assert.deepEqual(gate.allowedKinds(), []);
  broker.grantStanding('sense', { kind: 'sensor', pattern: 'net' }, 'hour');
  assert.equal(gate.allows('net'), true);
  assert.equal(gate.allows('kbd'), false);
  assert.equal(gate.refresh(), true);
  assert.equal(gate.refresh(), false);
  assert.equal(changes, 1);
  broker.grantStanding('sense', { kind: 'sensor', pattern: '*' }, 'always');
  assert.deepEqual(gate.allowedKinds().sort(), ['fs', 'kbd', 'mic', 'net', 'usb']);
  broker.grantStanding('read', { kind: 'sensor', pattern: 'mic' }, 'always');
  broker.revoke({ right: 'sense', pattern: '*' });
  assert.deepEqual(gate.allowedKinds(), []);
  gate.refresh();
  assert.equal(changes, 2);
  const broken = new BrokerSenseGate({ grants: () => { throw new Error('store unreadable'); } });
  assert.equal(broken.allows('kbd'), false);
});
