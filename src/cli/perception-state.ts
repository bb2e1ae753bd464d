/**
 * What perception keeps in /lived/snn between boots:
 *
 *   /lived/snn/salt     16 bytes: the per-install SipHash key of the sensor
 *                       drivers (random at first boot, never in a snapshot)
 *   /lived/snn/state    the PC-SNN snapshot and the spike-encoder state, one
 *                       file so they can never come from different moments
 *
 * State file layout (little-endian):
 *   [0]   4 B   magic "SNNS"
 *   [4]   u32   version (STATE_FILE_VERSION)
 *   [8]   u32   N, PC-SNN snapshot length [bytes] (itself versioned and CRC-checked: perception/snapshot.ts)
 *   [12]  u32   M, encoder state length [f64 values]
 *   [16]  N B   PcSnn.toBytes()
 *         M×8 B SensorSpikeEncoder.exportState(), f64
 *   [end-4] u32 CRC-32 of every byte before it
 * Writes go through Fat32Volume.writeFile, which replaces copy-on-write when
 * there is room for both copies. Reading checks length, magic, version and
 * CRC (perception.snapshot_truncated / _format / _version / _crc); the
 * caller turns any failure into a klog warning and a fresh network.
 */

import { crc32, fail } from '../common/index.ts';
import type { Fat32Volume } from '../fs/index.ts';
import { PcSnn } from '../perception/index.ts';
import { checkSalt, type SensorSalt } from '../sensors/index.ts';

export const SNN_FOLDER = '/lived/snn';
export const SALT_PATH = `${SNN_FOLDER}/salt`;
export const STATE_PATH = `${SNN_FOLDER}/state`;
export const STATE_FILE_MAGIC = 0x534e4e53; // "SNNS" read as u32 little-endian
export const STATE_FILE_VERSION = 1;
/** magic, version, N, M */
const HEADER_BYTES = 16;

/** the salt of this install: read from /lived/snn/salt, or made with `randomBytes` (first boot, or a damaged file) */
export function loadOrCreateSalt(volume: Fat32Volume, randomBytes: (count: number) => Uint8Array, warn: (message: string) => void): SensorSalt {
  if (volume.exists(SALT_PATH)) {
    const bytes = volume.readFile(SALT_PATH);
    if (bytes.length === 16) return checkSalt(bytes);
    warn(`${SALT_PATH} holds ${bytes.length} bytes, not 16: making a new salt (file buckets change once)`);
  }
  const salt = checkSalt(randomBytes(16));
  if (!volume.exists(SNN_FOLDER)) volume.mkdir(SNN_FOLDER, { recursive: true });
  volume.writeFile(SALT_PATH, salt);
  return salt;
}

/** the state file's bytes for this network and encoder state */
export function encodeStateFile(networkBytes: Uint8Array, encoderState: Float64Array): Uint8Array {
  const total = HEADER_BYTES + networkBytes.length + encoderState.length * 8 + 4;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, STATE_FILE_MAGIC, true);
  view.setUint32(4, STATE_FILE_VERSION, true);
  view.setUint32(8, networkBytes.length, true);
  view.setUint32(12, encoderState.length, true);
  out.set(networkBytes, HEADER_BYTES);
  let at = HEADER_BYTES + networkBytes.length;
  for (let i = 0; i < encoderState.length; i++, at += 8) view.setFloat64(at, encoderState[i]!, true);
  view.setUint32(at, crc32(out, 0, 0, at), true);
  return out;
}

export interface DecodedState {
  readonly network: PcSnn;
  /** exactly the bytes the network was restored from */
  readonly networkBytes: Uint8Array;
  readonly encoderState: Float64Array;
}

/** check and decode a state file; every failure is a typed perception.snapshot_* error */
export function decodeStateFile(bytes: Uint8Array, name = STATE_PATH): DecodedState {
  if (bytes.length < HEADER_BYTES + 4) fail('perception.snapshot_truncated', `${name}: ${bytes.length} bytes is shorter than the state file header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== STATE_FILE_MAGIC) fail('perception.snapshot_format', `${name}: not a perception state file (bad magic)`);
  const version = view.getUint32(4, true);
  if (version !== STATE_FILE_VERSION) fail('perception.snapshot_version', `${name}: state file version ${version}, this build reads ${STATE_FILE_VERSION}`);
  const networkLength = view.getUint32(8, true);
  const encoderLength = view.getUint32(12, true);
  const total = HEADER_BYTES + networkLength + encoderLength * 8 + 4;
  if (bytes.length < total) fail('perception.snapshot_truncated', `${name}: ${bytes.length} bytes, the header promises ${total}`);
  if (bytes.length > total) fail('perception.snapshot_format', `${name}: ${bytes.length - total} bytes past the end the header gives`);
  const crcAt = total - 4;
  if (crc32(bytes, 0, 0, crcAt) !== view.getUint32(crcAt, true)) fail('perception.snapshot_crc', `${name}: CRC-32 mismatch (damaged on disk)`);
  const networkBytes = bytes.slice(HEADER_BYTES, HEADER_BYTES + networkLength);
  const network = PcSnn.fromBytes(networkBytes);
  const encoderState = new Float64Array(encoderLength);
  for (let i = 0, at = HEADER_BYTES + networkLength; i < encoderLength; i++, at += 8) encoderState[i] = view.getFloat64(at, true);
  return { network, networkBytes, encoderState };
}

/** write the state file (creating /lived/snn if needed); returns its size [bytes] */
export function saveState(volume: Fat32Volume, networkBytes: Uint8Array, encoderState: Float64Array): number {
  const bytes = encodeStateFile(networkBytes, encoderState);
  if (!volume.exists(SNN_FOLDER)) volume.mkdir(SNN_FOLDER, { recursive: true });
  volume.writeFile(STATE_PATH, bytes);
  return bytes.length;
}

/** the saved state, undefined when there is none yet; a damaged file throws its typed error */
export function loadState(volume: Fat32Volume): DecodedState | undefined {
  if (!volume.exists(STATE_PATH)) return undefined;
  return decodeStateFile(volume.readFile(STATE_PATH));
}
