/**
 * `--model PATH` → boot modules. A GGUF file is one module ("model PATH").
 * A Hugging Face folder becomes one module per file the engine reads
 * ("model-hf PATH"; the engine goes by the file name), the way a multiboot loader passes several
 * files: config.json, tokenizer.json, tokenizer_config.json,
 * generation_config.json, and model.safetensors or the index with its
 * shards.
 */

import * as nodeFs from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail } from '../common/index.ts';
import type { LoaderModule } from './loader.ts';

/** the shipped default model (models/default/MODEL_CARD.md), used when no --model is given */
export const DEFAULT_MODEL_PATH = fileURLToPath(new URL('../../models/default/chimaera-default.gguf', import.meta.url));

/**
 * The model a command boots with: `--model PATH`, else $CHIMAERA_MODEL, else
 * the shipped default model; `none` (either way) boots without a model.
 * Returns undefined for no model.
 */
export function chosenModelPath(option: string | undefined): string | undefined {
  const chosen = option ?? process.env['CHIMAERA_MODEL'];
  if (chosen === 'none') return undefined;
  if (chosen !== undefined) return chosen;
  return nodeFs.existsSync(DEFAULT_MODEL_PATH) ? DEFAULT_MODEL_PATH : undefined;
}

const HF_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'model.safetensors', 'model.safetensors.index.json'];

export function modelModules(path: string): LoaderModule[] {
  const absolute = nodePath.resolve(path);
  let stat: nodeFs.Stats;
  try {
    stat = nodeFs.statSync(absolute);
  } catch {
    fail('cli.host_io', `model ${path} does not exist (give a .gguf file or a Hugging Face folder)`);
  }
  if (stat.isFile()) return [{ role: 'model', path: absolute, size: stat.size }];
  if (!stat.isDirectory()) fail('cli.host_io', `model ${path} is neither a file nor a folder`);
  const names = new Set(HF_FILES.filter((name) => nodeFs.existsSync(nodePath.join(absolute, name))));
  const index = nodePath.join(absolute, 'model.safetensors.index.json');
  if (names.has('model.safetensors.index.json')) {
    let shards: string[];
    try {
      const json = JSON.parse(nodeFs.readFileSync(index, 'utf8')) as { weight_map?: Record<string, string> };
      shards = [...new Set(Object.values(json.weight_map ?? {}))];
    } catch (e) {
      fail('cli.host_io', `${index}: not valid JSON (${(e as Error).message})`);
    }
    for (const shard of shards) {
      if (shard.includes('/') || shard.includes('\\')) fail('cli.host_io', `${index}: shard name "${shard}" must be a plain file name`);
      names.add(shard);
    }
  }
  return [...names].map((name) => {
    const file = nodePath.join(absolute, name);
    const size = nodeFs.existsSync(file) ? nodeFs.statSync(file).size : fail('cli.host_io', `${file} is listed in model.safetensors.index.json but does not exist`);
    return { role: 'model-hf', path: file, size };
  });
}
