/**
 * LoRA adapters in the Hugging Face PEFT format: a folder of two files,
 *
 *   adapter_config.json        { "peft_type": "LORA", "r": 8, "lora_alpha": 16,
 *                                "lora_dropout": 0.05, "target_modules": ["q_proj", …],
 *                                "bias": "none", "fan_in_fan_out": false,
 *                                "task_type": "CAUSAL_LM", "base_model_name_or_path": … }
 *   adapter_model.safetensors  per adapted Linear (PEFT drops the adapter name "default"):
 *     base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight   [r, in]
 *     base_model.model.model.layers.{i}.self_attn.q_proj.lora_B.weight   [out, r]
 *     … k_proj, v_proj, o_proj (self_attn) and gate_proj, up_proj, down_proj (mlp)
 *
 * Shapes are PyTorch's (outermost first): lora_A.weight is nn.Linear(in, r)'s
 * weight, lora_B.weight nn.Linear(r, out)'s — the same layouts as our
 * LoraMatrices a [rank, nIn] and b [nOut, rank], so the bytes copy straight.
 * We write F32 (or F16/BF16 on request) and read all three. We load only what
 * our LoraAdapter can hold: one rank and alpha for every module (no
 * rank_pattern / alpha_pattern), every layer (no layers_to_transform),
 * bias "none", no DoRA, no rsLoRA, no modules_to_save. Anything else fails
 * with a typed error naming the field or tensor, before an adapter is built.
 */

import { fail } from '../common/index.ts';
import {
  dequantizeRow, GgmlType, quantizeRow, readSafetensors, safetensorsData, writeSafetensors,
  type GgmlTypeId, type Qwen2Config, type SafetensorsDtype, type SafetensorsTensorInfo,
} from '../llm/index.ts';
import { LORA_TARGET_MODULES, LORA_TARGETS, LoraAdapter, loraTargetShape, type LoraConfig, type LoraTarget } from './lora.ts';

export const PEFT_CONFIG_FILE = 'adapter_config.json';
export const PEFT_WEIGHTS_FILE = 'adapter_model.safetensors';

/** the two files of a PEFT adapter folder */
export interface PeftFiles {
  /** adapter_config.json, UTF-8 JSON text */
  readonly configJson: string;
  /** adapter_model.safetensors bytes */
  readonly weights: Uint8Array;
}

export interface PeftSaveOptions {
  /** base_model_name_or_path (the model the adapter was trained on); default "" */
  readonly baseModel?: string;
  /** tensor dtype; default 'F32' (exact) */
  readonly dtype?: SafetensorsDtype;
}

/** PEFT's name of a matrix: base_model.model.model.layers.{layer}.{module}.lora_{A|B}.weight */
export function peftTensorName(layer: number, target: LoraTarget, which: 'A' | 'B'): string {
  return `base_model.model.model.layers.${layer}.${LORA_TARGET_MODULES[target]}.lora_${which}.weight`;
}

/** the short module name PEFT lists in target_modules (q_proj, …, down_proj) */
function shortModuleName(target: LoraTarget): string {
  return LORA_TARGET_MODULES[target].split('.')[1]!;
}

// ── save ─────────────────────────────────────────────────────────────────────

/** adapter_config.json and adapter_model.safetensors for `adapter` (see header) */
export function adapterToPeft(adapter: LoraAdapter, options: PeftSaveOptions = {}): PeftFiles {
  const { rank, alpha, dropout, targets } = adapter.config;
  const config = {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: options.baseModel ?? '',
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: alpha,
    lora_dropout: dropout,
    modules_to_save: null,
    peft_type: 'LORA',
    r: rank,
    rank_pattern: {},
    revision: null,
    target_modules: LORA_TARGETS.filter((t) => targets.includes(t)).map(shortModuleName),
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: false,
  };
  const dtype = options.dtype ?? 'F32';
  const tensors = adapter.matrices.flatMap((m) => [
    { name: peftTensorName(m.layer, m.target, 'A'), dtype, shape: [m.rank, m.nIn], data: encode(m.a, dtype) },
    { name: peftTensorName(m.layer, m.target, 'B'), dtype, shape: [m.nOut, m.rank], data: encode(m.b, dtype) },
  ]);
  return { configJson: `${JSON.stringify(config, null, 2)}\n`, weights: writeSafetensors(tensors, { format: 'pt' }) };
}

const DTYPE_GGML: Readonly<Record<SafetensorsDtype, GgmlTypeId>> = { F32: GgmlType.F32, F16: GgmlType.F16, BF16: GgmlType.BF16 };

function encode(values: Float32Array, dtype: SafetensorsDtype): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  const out = new Uint8Array(values.length * 2);
  quantizeRow(DTYPE_GGML[dtype], values, 0, out, 0, values.length);
  return out;
}

// ── load ─────────────────────────────────────────────────────────────────────

/** the LoRA settings of an adapter_config.json (fails train.peft_config_invalid on anything we cannot load) */
export function parsePeftConfig(configJson: string, fileName = PEFT_CONFIG_FILE): LoraConfig & { readonly baseModel: string } {
  const bad = (why: string): never => fail('train.peft_config_invalid', `${fileName}: ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(configJson);
  } catch (e) {
    return bad(`not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return bad('not a JSON object');
  const c = parsed as Record<string, unknown>;
  if (c['peft_type'] !== 'LORA') bad(`peft_type is ${JSON.stringify(c['peft_type'])}, only "LORA" is supported`);
  const rank = c['r'];
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 1) bad(`r must be a positive integer, got ${JSON.stringify(rank)}`);
  const alpha = c['lora_alpha'] ?? 8;
  if (typeof alpha !== 'number' || !(alpha > 0)) bad(`lora_alpha must be a positive number, got ${JSON.stringify(alpha)}`);
  const dropout = c['lora_dropout'] ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) bad(`lora_dropout must be in [0, 1), got ${JSON.stringify(dropout)}`);
  if ((c['bias'] ?? 'none') !== 'none') bad(`bias is ${JSON.stringify(c['bias'])}; only "none" (no trained biases) is supported`);
  if (c['fan_in_fan_out'] === true) bad('fan_in_fan_out is true (Conv1D-style weights); Qwen2 uses nn.Linear, so it must be false');
  if (c['use_dora'] === true) bad('use_dora is true; DoRA adapters are not supported');
  if (c['use_rslora'] === true) bad('use_rslora is true; rank-stabilised scaling (alpha/√r) is not supported');
  for (const key of ['rank_pattern', 'alpha_pattern'] as const) {
    const pattern = c[key];
    if (pattern !== undefined && pattern !== null && (typeof pattern !== 'object' || Object.keys(pattern).length > 0)) bad(`${key} is set; per-module ranks and alphas are not supported`);
  }
  for (const key of ['layers_to_transform', 'modules_to_save'] as const) {
    const value = c[key];
    if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0)) bad(`${key} is set; adapters must cover every layer and save no whole modules`);
  }
  const taskType = c['task_type'];
  if (taskType !== undefined && taskType !== null && taskType !== 'CAUSAL_LM') bad(`task_type is ${JSON.stringify(taskType)}, expected "CAUSAL_LM"`);
  const modules = c['target_modules'];
  if (!Array.isArray(modules) || modules.length === 0 || modules.some((m) => typeof m !== 'string')) {
    bad(`target_modules must be a non-empty list of module names (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj), got ${JSON.stringify(modules)}`);
  }
  const targets: LoraTarget[] = [];
  for (const module of modules as string[]) {
    // PEFT matches a listed name against the end of each module path: "q_proj" or "self_attn.q_proj"
    const target = LORA_TARGETS.find((t) => module === shortModuleName(t) || module === LORA_TARGET_MODULES[t]);
    if (target === undefined) bad(`unknown target module "${module}" (known: ${LORA_TARGETS.map(shortModuleName).join(', ')})`);
    if (!targets.includes(target!)) targets.push(target!);
  }
  const baseModel = c['base_model_name_or_path'];
  return {
    rank: rank as number, alpha: alpha as number, dropout: dropout as number,
    targets: LORA_TARGETS.filter((t) => targets.includes(t)),
    baseModel: typeof baseModel === 'string' ? baseModel : '',
  };
}

/**
 * The adapter stored in a PEFT folder, for a model of shape `model`. Every
 * lora_A/lora_B tensor the config promises must be present with shapes
 * [r, in] / [out, r] (train.peft_tensor_missing / train.peft_tensor_invalid),
 * and no other tensor may be (a LoRA tensor for an unlisted module or layer,
 * a bias, a saved module: train.peft_tensor_invalid).
 */
export function adapterFromPeft(files: PeftFiles, model: Qwen2Config, name: string): LoraAdapter {
  const config = parsePeftConfig(files.configJson);
  const file = readSafetensors(files.weights, PEFT_WEIGHTS_FILE);
  const byName = new Map(file.tensors.map((info) => [info.name, info]));
  const expected = new Set<string>();
  for (let layer = 0; layer < model.layerCount; layer++) {
    for (const target of config.targets) {
      const { nIn, nOut } = loraTargetShape(model, target);
      for (const [which, shape] of [['A', [config.rank, nIn]], ['B', [nOut, config.rank]]] as const) {
        const tensorName = peftTensorName(layer, target, which);
        expected.add(tensorName);
        const info = byName.get(tensorName);
        if (info === undefined) fail('train.peft_tensor_missing', `${PEFT_WEIGHTS_FILE}: no tensor ${tensorName}, which target_modules and the model's ${model.layerCount} layers call for`, { tensor: tensorName });
        checkShape(info!, shape, config.rank, which);
      }
    }
  }
  for (const info of file.tensors) {
    if (!expected.has(info.name)) {
      fail('train.peft_tensor_invalid', `${PEFT_WEIGHTS_FILE}: unexpected tensor ${info.name} (target_modules lists ${config.targets.map(shortModuleName).join(', ')}; the model has ${model.layerCount} layers)`, { tensor: info.name });
    }
  }
  const values = (layer: number, target: LoraTarget, which: 'A' | 'B'): Float32Array => {
    const info = byName.get(peftTensorName(layer, target, which))!;
    return decode(info, safetensorsData(info, files.weights));
  };
  const { baseModel: _baseModel, ...loraConfig } = config;
  return LoraAdapter.fromValues(name, model, loraConfig, (layer, target) => [values(layer, target, 'A'), values(layer, target, 'B')]);
}

function checkShape(info: SafetensorsTensorInfo, shape: readonly [number, number], rank: number, which: 'A' | 'B'): void {
  if (info.shape.length === 2 && info.shape[0] === shape[0] && info.shape[1] === shape[1]) return;
  const stored = `[${info.shape.join(', ')}]`;
  const storedRank = info.shape.length === 2 ? info.shape[which === 'A' ? 0 : 1] : undefined;
  const why = storedRank !== undefined && storedRank !== rank
    ? `has rank ${storedRank} (shape ${stored}), adapter_config.json says r = ${rank}`
    : `has shape ${stored}, the model needs [${shape.join(', ')}]`;
  fail('train.peft_tensor_invalid', `${PEFT_WEIGHTS_FILE}: tensor ${info.name} ${why}`, { tensor: info.name, shape: info.shape });
}

/** f32 values of a stored F32/F16/BF16 tensor (a fresh array, independent of the file bytes) */
function decode(info: SafetensorsTensorInfo, data: Uint8Array): Float32Array {
  const count = info.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(count);
  dequantizeRow(DTYPE_GGML[info.dtype], data, 0, out, 0, count);
  return out;
}
