/**
 * LoRA adapters as GGUF files that llama.cpp loads (`--lora FILE`,
 * llama_adapter_lora_init), laid out as llama.cpp's convert_lora_to_gguf.py
 * writes them:
 *
 *   metadata  general.architecture = "qwen2"   (must equal the base model's)
 *             general.type         = "adapter"
 *             general.name         = the adapter's name
 *             adapter.type         = "lora"
 *             adapter.lora.alpha   = alpha (f32)
 *   tensors   blk.{i}.{attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down}.weight.lora_a
 *               ggml shape [nIn, rank]   (PEFT lora_A [rank, nIn], same bytes)
 *             ….weight.lora_b
 *               ggml shape [rank, nOut]  (PEFT lora_B [nOut, rank], same bytes)
 *
 * llama.cpp pairs each `X.lora_a`/`X.lora_b` with the base tensor X, checks
 * X.ne[0] = a.ne[0], X.ne[1] = b.ne[1] and a.ne[1] = b.ne[0], and adds
 * scale · b·(a·x) after the base matmul with scale = user scale · alpha / rank
 * (rank = b.ne[0]) — our y = W·x + (alpha/rank)·B(A·x) at user scale 1.
 * Tensors are F32 (exact) or F16.
 */

import { fail } from '../common/index.ts';
import {
  dequantizeRow, gguf, GgmlType, quantizeRow, readGguf, writeGguf,
  type GgmlTypeId, type GgufTensorToWrite, type Qwen2Config,
} from '../llm/index.ts';
import { LORA_TARGETS, LoraAdapter, loraTargetShape, type LoraTarget } from './lora.ts';

/** the GGUF base-tensor name of each target (llama.cpp's LLM_TENSOR names for qwen2) */
export const GGUF_LORA_TENSORS: Readonly<Record<LoraTarget, string>> = {
  q: 'attn_q', k: 'attn_k', v: 'attn_v', o: 'attn_output', gate: 'ffn_gate', up: 'ffn_up', down: 'ffn_down',
};

export type GgufLoraDtype = 'F32' | 'F16';

export interface GgufLoraOptions {
  /** tensor type; default 'F32' */
  readonly dtype?: GgufLoraDtype;
}

/** the lora_a / lora_b tensor name for (layer, target) */
export function ggufLoraTensorName(layer: number, target: LoraTarget, which: 'a' | 'b'): string {
  return `blk.${layer}.${GGUF_LORA_TENSORS[target]}.weight.lora_${which}`;
}

/** a GGUF LoRA file (see header) holding `adapter` */
export function adapterToGgufLora(adapter: LoraAdapter, options: GgufLoraOptions = {}): Uint8Array {
  const dtype = options.dtype ?? 'F32';
  const type = GgmlType[dtype] as GgmlTypeId;
  const tensors: GgufTensorToWrite[] = adapter.matrices.flatMap((m) => [
    { name: ggufLoraTensorName(m.layer, m.target, 'a'), type, shape: [m.nIn, m.rank], data: encode(m.a, type) },
    { name: ggufLoraTensorName(m.layer, m.target, 'b'), type, shape: [m.rank, m.nOut], data: encode(m.b, type) },
  ]);
  const metadata = new Map([
    ['general.architecture', gguf.string('qwen2')],
    ['general.type', gguf.string('adapter')],
    ['general.name', gguf.string(adapter.name)],
    ['general.file_type', gguf.u32(dtype === 'F32' ? 0 : 1)],
    ['adapter.type', gguf.string('lora')],
    ['adapter.lora.alpha', gguf.f32(adapter.config.alpha)],
  ]);
  return writeGguf({ metadata, tensors });
}

function encode(values: Float32Array, type: GgmlTypeId): Uint8Array {
  const out = new Uint8Array(values.length * (type === GgmlType.F32 ? 4 : 2));
  quantizeRow(type, values, 0, out, 0, values.length);
  return out;
}

/**
 * Read a GGUF LoRA file back into an adapter for `model` (dropout 0: a file
 * does not record it). Fails train.peft_config_invalid on metadata that is
 * not a qwen2 LoRA adapter and train.peft_tensor_missing /
 * train.peft_tensor_invalid on missing, unpaired, unknown or mis-shaped tensors.
 */
export function adapterFromGgufLora(bytes: Uint8Array, model: Qwen2Config, name: string, fileName = 'adapter.gguf'): LoraAdapter {
  const file = readGguf(bytes, fileName);
  const expectString = (key: string, value: string): void => {
    const stored = file.getString(key, '');
    if (stored !== value) fail('train.peft_config_invalid', `${fileName}: ${key} is "${stored}", a qwen2 LoRA adapter has "${value}"`);
  };
  expectString('general.type', 'adapter');
  expectString('adapter.type', 'lora');
  expectString('general.architecture', 'qwen2');
  const alphaValue = file.get('adapter.lora.alpha');
  if (alphaValue?.type !== 'f32' && alphaValue?.type !== 'f64') fail('train.peft_config_invalid', `${fileName}: adapter.lora.alpha is missing or not a float`);
  const alpha = alphaValue!.value as number;

  const byName = new Map(file.tensors.map((info) => [info.name, info]));
  const targets = LORA_TARGETS.filter((target) => byName.has(ggufLoraTensorName(0, target, 'a')));
  if (targets.length === 0) fail('train.peft_tensor_missing', `${fileName}: no LoRA tensors for layer 0 (blk.0.*.weight.lora_a)`);
  const rank = byName.get(ggufLoraTensorName(0, targets[0]!, 'a'))!.shape[1]!;
  const expected = new Set<string>();
  for (let layer = 0; layer < model.layerCount; layer++) {
    for (const target of targets) {
      const { nIn, nOut } = loraTargetShape(model, target);
      for (const [which, shape] of [['a', [nIn, rank]], ['b', [rank, nOut]]] as const) {
        const tensorName = ggufLoraTensorName(layer, target, which);
        expected.add(tensorName);
        const info = byName.get(tensorName);
        if (info === undefined) fail('train.peft_tensor_missing', `${fileName}: no tensor ${tensorName}`, { tensor: tensorName });
        if (info!.type !== GgmlType.F32 && info!.type !== GgmlType.F16) fail('train.peft_tensor_invalid', `${fileName}: tensor ${tensorName} has type ${info!.type}; only F32 and F16 are read`, { tensor: tensorName });
        if (info!.shape.length !== 2 || info!.shape[0] !== shape[0] || info!.shape[1] !== shape[1]) {
          fail('train.peft_tensor_invalid', `${fileName}: tensor ${tensorName} has ggml shape [${info!.shape.join(', ')}], rank ${rank} on this model needs [${shape.join(', ')}]`, { tensor: tensorName });
        }
      }
    }
  }
  for (const info of file.tensors) {
    if (!expected.has(info.name)) fail('train.peft_tensor_invalid', `${fileName}: unexpected tensor ${info.name}`, { tensor: info.name });
  }
  const values = (tensorName: string): Float32Array => {
    const info = byName.get(tensorName)!;
    const out = new Float32Array(info.elementCount);
    dequantizeRow(info.type, bytes.subarray(info.offset, info.offset + info.byteLength), 0, out, 0, info.elementCount);
    return out;
  };
  return LoraAdapter.fromValues(name, model, { rank, alpha, dropout: 0, targets }, (layer, target) => [
    values(ggufLoraTensorName(layer, target, 'a')),
    values(ggufLoraTensorName(layer, target, 'b')),
  ]);
}
