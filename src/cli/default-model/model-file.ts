/**
 * default-model/model-file — the shipped default model as one GGUF file:
 * the Qwen2 tensors (F32) plus, in the metadata, the tokenizer
 * (tokenizer.ggml.*), the architecture (qwen2.*) and
 * `chimaera.prompt_style` = "compact" (prompt.ts) and `chimaera.copy_arguments` =
 * "from-conversation" (cognition/grammar/copy.ts). Loading it back gives our
 * engine's model, tokenizer and the metadata, without a kernel.
 */

import { ggufTensor, readGguf, buildQwen2Weights, configFromGgufMetadata, configToGgufMetadata, gguf, Qwen2Model, Tokenizer, writeGguf, type GgufValue, type Qwen2Config, type Tensor } from '../../llm/index.ts';
import { COPY_ARGUMENTS_METADATA_KEY, PROMPT_STYLE_METADATA_KEY } from '../../cognition/index.ts';
import type { Qwen2Parameters } from '../../train/index.ts';

export const DEFAULT_MODEL_FILE = 'chimaera-default.gguf';

export interface DefaultModelInfo {
  readonly name: string;
  /** free text, stored as general.description */
  readonly description: string;
}

/** the GGUF bytes of `parameters` with `tokenizer` and the compact prompt style in the metadata */
export function encodeDefaultModel(parameters: Qwen2Parameters, tokenizer: Tokenizer, info: DefaultModelInfo): Uint8Array {
  const metadata = new Map<string, GgufValue>(configToGgufMetadata(parameters.config));
  metadata.set('general.name', gguf.string(info.name));
  metadata.set('general.description', gguf.string(info.description));
  metadata.set('general.file_type', gguf.u32(0));
  for (const [key, value] of tokenizer.toGgufMetadata()) metadata.set(key, value);
  metadata.set(PROMPT_STYLE_METADATA_KEY, gguf.string('compact'));
  metadata.set(COPY_ARGUMENTS_METADATA_KEY, gguf.string('from-conversation'));
  const tensors = [...parameters.toTensors().values()].map((t) => ({ name: t.name, type: t.type, shape: t.shape, data: t.data }));
  return writeGguf({ metadata, tensors });
}

export interface LoadedDefaultModel {
  readonly config: Qwen2Config;
  readonly tokenizer: Tokenizer;
  readonly model: Qwen2Model;
  /** GGUF metadata values (unwrapped) */
  readonly metadata: ReadonlyMap<string, unknown>;
}

/** our engine over a GGUF file's bytes (TypeScript kernels) */
export function loadDefaultModel(bytes: Uint8Array, fileName = DEFAULT_MODEL_FILE): LoadedDefaultModel {
  const file = readGguf(bytes, fileName);
  const tensors = new Map<string, Tensor>(file.tensors.map((info) => [info.name, ggufTensor(info, bytes)]));
  const config = configFromGgufMetadata({ get: (key) => file.metadata.get(key)?.value }, fileName, tensors);
  const tokenizer = Tokenizer.fromGgufMetadata(file.metadata, fileName);
  const model = new Qwen2Model(config, buildQwen2Weights(config, tensors, fileName, { naming: 'gguf' }));
  const metadata = new Map<string, unknown>([...file.metadata].map(([key, value]) => [key, value.value]));
  return { config, tokenizer, model, metadata };
}
