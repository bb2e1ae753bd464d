/**
 * A Hugging Face model folder, read through a narrow file-access seam (the
 * CLI backs it with node:fs; tests with in-memory files):
 *
 *   config.json                        required
 *   model.safetensors                  or model.safetensors.index.json + shards
 *   tokenizer.json                     optional here (the tokenizer needs it)
 *   tokenizer_config.json              optional
 *   generation_config.json             optional
 *
 * Tensors keep safetensors (row-major) shapes; see safetensorsToTensor for
 * ggml order. Shard names from the index must be plain file names in the
 * folder (no paths), so a hostile index cannot reach outside it.
 */

import { fail } from '../../common/index.ts';
import { readSafetensors, safetensorsData, type SafetensorsDtype } from './reader.ts';

export interface HfFileAccess {
  /** the whole file, or undefined if the folder has no such file */
  read(name: string): Uint8Array | undefined;
}

export interface HfTensor {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  /** row-major, outermost first */
  readonly shape: readonly number[];
  readonly data: Uint8Array;
  /** the shard it came from */
  readonly file: string;
}

export interface HfFolder {
  readonly folderName: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly tensors: ReadonlyMap<string, HfTensor>;
  /** tokenizer.json text, if present */
  readonly tokenizerJson: string | undefined;
  readonly tokenizerConfig: Readonly<Record<string, unknown>> | undefined;
  readonly generationConfig: Readonly<Record<string, unknown>> | undefined;
}

export function openHfFolder(files: HfFileAccess | readonly { name: string; bytes: Uint8Array }[], folderName: string): HfFolder {
  const access: HfFileAccess = Array.isArray(files)
    ? { read: (name) => (files as readonly { name: string; bytes: Uint8Array }[]).find((f) => f.name === name)?.bytes }
    : (files as HfFileAccess);
  const where = (name: string): string => `${folderName}/${name}`;

  const readJson = (name: string, required: 'required' | 'optional'): Record<string, unknown> | undefined => {
    const bytes = access.read(name);
    if (bytes === undefined) {
      if (required === 'required') fail('hf.file_missing', `${where(name)} is missing`, { file: name });
      return undefined;
    }
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      fail('hf.file_invalid', `${where(name)} is not valid JSON (${(e as Error).message})`, { file: name });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('hf.file_invalid', `${where(name)} is not a JSON object`, { file: name });
    return value as Record<string, unknown>;
  };

  const config = readJson('config.json', 'required')!;
  const tensors = new Map<string, HfTensor>();
  const addShard = (file: string): void => {
    if (!/^[^/\\]+$/.test(file) || file.startsWith('.')) fail('hf.file_invalid', `${where('model.safetensors.index.json')} names shard "${file}", which is not a file in the folder`);
    const bytes = access.read(file) ?? fail('hf.file_missing', `${where(file)} is missing (listed in model.safetensors.index.json)`, { file });
    const parsed = readSafetensors(bytes, where(file));
    for (const info of parsed.tensors) {
      const other = tensors.get(info.name);
      if (other !== undefined) fail('hf.tensor_conflict', `${folderName}: tensor ${info.name} is in both ${other.file} and ${file}`, { tensor: info.name });
      tensors.set(info.name, { name: info.name, dtype: info.dtype, shape: info.shape, data: safetensorsData(info, bytes), file });
    }
  };

  const index = readJson('model.safetensors.index.json', 'optional');
  if (index !== undefined) {
    const weightMap = index['weight_map'];
    if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) fail('hf.file_invalid', `${where('model.safetensors.index.json')} has no weight_map object`);
    const entries = Object.entries(weightMap as Record<string, unknown>);
    const shards = new Set<string>();
    for (const [tensor, shard] of entries) {
      if (typeof shard !== 'string') fail('hf.file_invalid', `${where('model.safetensors.index.json')}: weight_map.${tensor} is not a file name`);
      shards.add(shard);
    }
    for (const shard of [...shards].sort()) addShard(shard);
    for (const [tensor, shard] of entries) {
      const found = tensors.get(tensor);
      if (found === undefined || found.file !== shard) {
        fail('hf.tensor_conflict', `${folderName}: the index puts tensor ${tensor} in ${shard as string}, but ${found === undefined ? 'no shard has it' : `it is in ${found.file}`}`, { tensor });
      }
    }
  } else if (access.read('model.safetensors') !== undefined) {
    addShard('model.safetensors');
  } else {
    fail('hf.file_missing', `${folderName} has neither model.safetensors nor model.safetensors.index.json`);
  }

  const tokenizerBytes = access.read('tokenizer.json');
  return {
    folderName,
    config,
    tensors,
    tokenizerJson: tokenizerBytes === undefined ? undefined : new TextDecoder().decode(tokenizerBytes),
    tokenizerConfig: readJson('tokenizer_config.json', 'optional'),
    generationConfig: readJson('generation_config.json', 'optional'),
  };
}
