/**
 * Training checkpoints as bytes: a safetensors file (llm's writer and
 * reader) holding, for every trainable parameter NAME, three F32 tensors of
 * shape [n] — "NAME" (values), "NAME#adam.m" and "NAME#adam.v" (AdamW
 * moments) — and string metadata:
 *
 *   format   "chimaera-train-checkpoint"
 *   version  "1"
 *   mode     "full" | "lora"
 *   step     AdamW updates applied so far (decimal)
 *   model    the Qwen2Config as JSON (a checkpoint only loads into the same shape)
 *   crc32    CRC-32 of the data section (8 hex digits), so a damaged file fails loudly
 *
 * Where the trainer keeps the bytes (/lived) is the caller's business.
 */

import { crc32, fail, isChimaeraError } from '../common/index.ts';
import { readSafetensors, safetensorsData, writeSafetensors, type Qwen2Config, type SafetensorsFile } from '../llm/index.ts';
import type { TrainableParameter } from './train-model.ts';

export const CHECKPOINT_FORMAT = 'chimaera-train-checkpoint';
export const CHECKPOINT_VERSION = '1';

export interface CheckpointState {
  readonly mode: 'full' | 'lora';
  readonly step: number;
  readonly config: Qwen2Config;
  readonly parameters: readonly TrainableParameter[];
  readonly firstMoments: readonly Float32Array[];
  readonly secondMoments: readonly Float32Array[];
}

function bytesOf(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

export function encodeCheckpoint(state: CheckpointState): Uint8Array {
  const tensors = state.parameters.flatMap((p, i) => [
    { name: p.name, dtype: 'F32' as const, shape: [p.value.length], data: bytesOf(p.value) },
    { name: `${p.name}#adam.m`, dtype: 'F32' as const, shape: [p.value.length], data: bytesOf(state.firstMoments[i]!) },
    { name: `${p.name}#adam.v`, dtype: 'F32' as const, shape: [p.value.length], data: bytesOf(state.secondMoments[i]!) },
  ]);
  let checksum = 0;
  for (const tensor of tensors) checksum = crc32(tensor.data, checksum);
  return writeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, mode: state.mode, step: String(state.step),
    model: JSON.stringify(state.config), crc32: checksum.toString(16).padStart(8, '0'),
  });
}

/**
 * Check `bytes` against the trainer's `state` (same mode, model and
 * parameter list), then copy values and moments into it. Returns the step.
 * Nothing is written unless every check passes.
 */
export function decodeCheckpointInto(bytes: Uint8Array, state: CheckpointState, fileName = 'checkpoint'): number {
  let file: SafetensorsFile;
  try {
    file = readSafetensors(bytes, fileName);
  } catch (e) {
    if (!isChimaeraError(e)) throw e;
    fail('train.checkpoint_invalid', `${fileName}: not a readable checkpoint (${e.message})`);
  }
  const meta = file.metadata;
  if (meta['format'] !== CHECKPOINT_FORMAT) fail('train.checkpoint_invalid', `${fileName}: format is ${JSON.stringify(meta['format'] ?? null)}, expected "${CHECKPOINT_FORMAT}"`);
  if (meta['version'] !== CHECKPOINT_VERSION) fail('train.checkpoint_invalid', `${fileName}: version ${meta['version']} is not supported (this build reads ${CHECKPOINT_VERSION})`);
  const actual = crc32(bytes, 0, file.dataOffset, bytes.length).toString(16).padStart(8, '0');
  if (meta['crc32'] !== actual) fail('train.checkpoint_invalid', `${fileName}: data CRC-32 is ${actual}, the header says ${meta['crc32']} (the file is damaged)`);
  if (meta['mode'] !== state.mode) fail('train.checkpoint_mismatch', `${fileName}: a ${meta['mode']} checkpoint cannot load into a ${state.mode} trainer`);
  if (meta['model'] !== JSON.stringify(state.config)) fail('train.checkpoint_mismatch', `${fileName}: written for model ${meta['model']}, this trainer has ${JSON.stringify(state.config)}`);
  const step = Number(meta['step']);
  if (!Number.isInteger(step) || step < 0) fail('train.checkpoint_invalid', `${fileName}: step "${meta['step']}" is not a count`);

  const byName = new Map(file.tensors.map((t) => [t.name, t]));
  if (byName.size !== state.parameters.length * 3) {
    fail('train.checkpoint_mismatch', `${fileName}: holds ${byName.size} tensors, this trainer has ${state.parameters.length} parameters (×3 with the moments)`);
  }
  const sources = state.parameters.map((p) => [p.name, `${p.name}#adam.m`, `${p.name}#adam.v`].map((name) => {
    const info = byName.get(name) ?? fail('train.checkpoint_mismatch', `${fileName}: tensor ${name} is missing`);
    if (info.dtype !== 'F32' || info.byteLength !== p.value.byteLength) {
      fail('train.checkpoint_mismatch', `${fileName}: tensor ${name} is ${info.dtype} of ${info.byteLength} bytes, expected F32 of ${p.value.byteLength}`);
    }
    return safetensorsData(info, bytes);
  }));
  state.parameters.forEach((p, i) => {
    const [values, first, second] = sources[i]!;
    bytesOf(p.value).set(values!);
    bytesOf(state.firstMoments[i]!).set(first!);
    bytesOf(state.secondMoments[i]!).set(second!);
  });
  return step;
}
