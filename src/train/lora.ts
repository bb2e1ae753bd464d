/**
 * LoRA adapters (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large
 * Language Models"), laid out and initialised as Hugging Face PEFT does:
 *
 *   y = W x + b + scale · B (A · dropout(x)),   scale = alpha / rank
 *
 *   A: [rank, nIn]  (PEFT lora_A.weight)  init Kaiming-uniform with a = √5,
 *                   i.e. U(−1/√nIn, +1/√nIn), as nn.Linear's default
 *   B: [nOut, rank] (PEFT lora_B.weight)  init zeros, so a new adapter is a no-op
 *
 * Knobs: rank r (1…256; 8–16 typical: capacity vs. size), alpha (scale =
 * alpha/r; PEFT's default alpha = 8, many recipes use 2r), dropout p in
 * [0, 1) on the adapter's input only (0.05–0.1 typical; 0 disables),
 * targets: which of q, k, v, o, gate, up, down carry an adapter.
 *
 * Several adapters may be active at once: their deltas add. An adapter
 * never touches the base; swapping is replacing the list of adapters.
 * `applyLoraDelta` / `applyAdapters` are the inference-side helpers: they add
 * scale · B(A·x) to a base product the engine computed.
 */

import { Rng, fail } from '../common/index.ts';
import { adapterTargetShape, type AdapterMatricesLike, type Qwen2Config } from '../llm/index.ts';
import { matmulRowsForward } from './ops/matmul.ts';

export const LORA_TARGETS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

/** the Hugging Face module each target adapts (PEFT target_modules names) */
export const LORA_TARGET_MODULES: Readonly<Record<LoraTarget, string>> = {
  q: 'self_attn.q_proj', k: 'self_attn.k_proj', v: 'self_attn.v_proj', o: 'self_attn.o_proj',
  gate: 'mlp.gate_proj', up: 'mlp.up_proj', down: 'mlp.down_proj',
};

export interface LoraConfig {
  /** r: inner width of the low-rank update */
  readonly rank: number;
  /** the update is scaled by alpha / rank */
  readonly alpha: number;
  /** probability of zeroing an input element of the adapter branch in training [0, 1) */
  readonly dropout: number;
  readonly targets: readonly LoraTarget[];
}

/** one adapted matrix (the engine's shape: nIn, nOut, rank, scale = alpha / rank, A [rank, nIn], B [nOut, rank]) at `layer`, `target` */
export interface LoraMatrices extends AdapterMatricesLike {
  readonly layer: number;
  readonly target: LoraTarget;
}

/** (nIn, nOut) of a target's base matrix in a Qwen2 model (the engine's own table) */
export const loraTargetShape: (config: Qwen2Config, target: LoraTarget) => { nIn: number; nOut: number } = adapterTargetShape;

export function validateLoraConfig(config: LoraConfig): LoraConfig {
  if (!Number.isInteger(config.rank) || config.rank < 1 || config.rank > 256) fail('train.config_invalid', `LoRA rank must be an integer in 1…256, got ${config.rank}`);
  if (!(config.alpha > 0) || !Number.isFinite(config.alpha)) fail('train.config_invalid', `LoRA alpha must be a positive number, got ${config.alpha}`);
  if (!(config.dropout >= 0 && config.dropout < 1)) fail('train.config_invalid', `LoRA dropout must be in [0, 1), got ${config.dropout}`);
  if (config.targets.length === 0) fail('train.config_invalid', 'LoRA needs at least one target (q, k, v, o, gate, up, down)');
  for (const target of config.targets) {
    if (!LORA_TARGETS.includes(target)) fail('train.config_invalid', `unknown LoRA target "${String(target)}" (known: ${LORA_TARGETS.join(', ')})`);
  }
  if (new Set(config.targets).size !== config.targets.length) fail('train.config_invalid', `LoRA targets listed twice: ${config.targets.join(', ')}`);
  return Object.freeze({ ...config, targets: Object.freeze([...config.targets]) });
}

export class LoraAdapter {
  readonly name: string;
  readonly config: LoraConfig;
  /** the model shape the adapter fits */
  readonly layerCount: number;
  readonly hiddenSize: number;
  /** every adapted matrix, layer by layer in LORA_TARGETS order */
  readonly matrices: readonly LoraMatrices[];
  private readonly byKey: ReadonlyMap<string, LoraMatrices>;

  private constructor(name: string, config: LoraConfig, model: Qwen2Config, matrices: LoraMatrices[]) {
    this.name = name;
    this.config = config;
    this.layerCount = model.layerCount;
    this.hiddenSize = model.hiddenSize;
    this.matrices = matrices;
    this.byKey = new Map(matrices.map((m) => [`${m.layer}.${m.target}`, m]));
  }

  /** a fresh adapter for `model`: A Kaiming-uniform from `seed`, B zeros (PEFT's init) */
  static create(name: string, model: Qwen2Config, options: LoraConfig, seed: number): LoraAdapter {
    const config = validateLoraConfig(options);
    const rng = new Rng(seed);
    const matrices: LoraMatrices[] = [];
    for (let layer = 0; layer < model.layerCount; layer++) {
      for (const target of LORA_TARGETS) {
        if (!config.targets.includes(target)) continue;
        const { nIn, nOut } = loraTargetShape(model, target);
        const a = new Float32Array(config.rank * nIn);
        const bound = 1 / Math.sqrt(nIn);
        for (let i = 0; i < a.length; i++) a[i] = (rng.next() * 2 - 1) * bound;
        matrices.push({ layer, target, nIn, nOut, rank: config.rank, scale: config.alpha / config.rank, a, b: new Float32Array(nOut * config.rank) });
      }
    }
    return new LoraAdapter(name, config, model, matrices);
  }

  /** an adapter over given values (a loader's path); `valuesOf` returns [A, B] for each adapted matrix */
  static fromValues(name: string, model: Qwen2Config, options: LoraConfig, valuesOf: (layer: number, target: LoraTarget) => [Float32Array, Float32Array]): LoraAdapter {
    const config = validateLoraConfig(options);
    const matrices: LoraMatrices[] = [];
    for (let layer = 0; layer < model.layerCount; layer++) {
      for (const target of LORA_TARGETS) {
        if (!config.targets.includes(target)) continue;
        const { nIn, nOut } = loraTargetShape(model, target);
        const [a, b] = valuesOf(layer, target);
        if (a.length !== config.rank * nIn || b.length !== nOut * config.rank) {
          fail('train.adapter_mismatch', `adapter ${name}: layer ${layer} ${target} has A of ${a.length} and B of ${b.length} values, the model needs ${config.rank}×${nIn} and ${nOut}×${config.rank}`);
        }
        matrices.push({ layer, target, nIn, nOut, rank: config.rank, scale: config.alpha / config.rank, a, b });
      }
    }
    return new LoraAdapter(name, config, model, matrices);
  }

  /** the adapted matrix at (layer, target), or undefined */
  get(layer: number, target: LoraTarget): LoraMatrices | undefined {
    return this.byKey.get(`${layer}.${target}`);
  }

  /** trainable values (Σ rank·(nIn + nOut)) */
  get parameterCount(): number {
    return this.matrices.reduce((sum, m) => sum + m.a.length + m.b.length, 0);
  }

  /** fail train.adapter_mismatch unless the adapter fits `model` */
  checkFits(model: Qwen2Config): void {
    if (this.layerCount !== model.layerCount || this.hiddenSize !== model.hiddenSize) {
      fail('train.adapter_mismatch', `adapter ${this.name} was made for ${this.layerCount} layers of width ${this.hiddenSize}, the model has ${model.layerCount} of width ${model.hiddenSize}`);
    }
    for (const m of this.matrices) {
      const shape = loraTargetShape(model, m.target);
      if (shape.nIn !== m.nIn || shape.nOut !== m.nOut) {
        fail('train.adapter_mismatch', `adapter ${this.name}: layer ${m.layer} ${m.target} is ${m.nOut}×${m.nIn}, the model's matrix is ${shape.nOut}×${shape.nIn}`);
      }
    }
  }
}

/**
 * out[t] += scale · B (A x[t]) for every token: the adapter's share of
 * W_eff·x = W·x + scale·B(A·x). out: [tokens, nOut]; x: [tokens, nIn];
 * scratch: [≥ tokens · rank] f32.
 */
export function applyLoraDelta(out: Float32Array, x: Float32Array, tokens: number, lora: LoraMatrices, scratch: Float32Array): void {
  const inner = scratch.subarray(0, tokens * lora.rank);
  matmulRowsForward(inner, x, tokens, lora.nIn, lora.rank, lora.a, 0, lora.rank, null, 'overwrite');
  for (let i = 0; i < inner.length; i++) inner[i] = inner[i]! * lora.scale;
  matmulRowsForward(out, inner, tokens, lora.rank, lora.nOut, lora.b, 0, lora.nOut, null, 'accumulate');
}

/** add every adapter's delta for (layer, target) to out (see applyLoraDelta); adapters without that matrix are skipped */
export function applyAdapters(out: Float32Array, x: Float32Array, tokens: number, adapters: readonly LoraAdapter[], layer: number, target: LoraTarget, scratch: Float32Array): void {
  for (const adapter of adapters) {
    const lora = adapter.get(layer, target);
    if (lora !== undefined) applyLoraDelta(out, x, tokens, lora, scratch);
  }
}
