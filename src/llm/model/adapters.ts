/**
 * LoRA adapters at inference (Hu et al. 2021): after each base projection
 * the forward adds every active adapter's low-rank delta,
 *
 *   y = W·x + Σ_adapters scale · B (A · x)      (then biases, activations)
 *
 * with A: [rank, nIn], B: [nOut, rank] (PEFT's lora_A / lora_B layout),
 * scale = alpha / rank. The engine sees adapters only through the
 * structural `AdapterLike` (train's LoraAdapter satisfies it; llm, layer 3,
 * cannot import train, layer 4). `AdapterSet` resolves a list of adapters
 * against a model once — shapes checked, the matrices of each (layer,
 * target) gathered — so the hot path is a property read and two small
 * dense products per token, computed here in TypeScript on both backends
 * (the rank is small; the base matmul dominates). The set holds the
 * adapters' own arrays, not copies: values changed in place (a trainer's
 * step) show in the next forward; a new shape needs a new set.
 */

import { fail } from '../../common/index.ts';
import type { Qwen2Config } from './config.ts';

export const ADAPTER_TARGETS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
/** the projection an adapter matrix adapts: q/k/v/o_proj, gate/up/down_proj */
export type AdapterTarget = (typeof ADAPTER_TARGETS)[number];

/** one adapted projection */
export interface AdapterMatricesLike {
  readonly nIn: number;
  readonly nOut: number;
  readonly rank: number;
  /** multiplier of B·A (alpha / rank) */
  readonly scale: number;
  /** [rank, nIn] f32 */
  readonly a: Float32Array;
  /** [nOut, rank] f32 */
  readonly b: Float32Array;
}

/** what the engine needs of an adapter */
export interface AdapterLike {
  readonly name: string;
  /** the adapted matrices of (layer, target), or undefined where the adapter leaves the base alone */
  get(layer: number, target: AdapterTarget): AdapterMatricesLike | undefined;
}

/** every adapter's matrices for one layer, by target (empty lists where none) */
export type LayerAdapters = Readonly<Record<AdapterTarget, readonly AdapterMatricesLike[]>>;

/** (nIn, nOut) of a target's base matrix in a Qwen2 model */
export function adapterTargetShape(config: Qwen2Config, target: AdapterTarget): { nIn: number; nOut: number } {
  const { hiddenSize: d, intermediateSize: f } = config;
  const qDim = config.headCount * config.headDim;
  const kvDim = config.kvHeadCount * config.headDim;
  switch (target) {
    case 'q': return { nIn: d, nOut: qDim };
    case 'k': case 'v': return { nIn: d, nOut: kvDim };
    case 'o': return { nIn: qDim, nOut: d };
    case 'gate': case 'up': return { nIn: d, nOut: f };
    case 'down': return { nIn: f, nOut: d };
  }
}

const NO_MATRICES: readonly AdapterMatricesLike[] = Object.freeze([]);
const EMPTY_LAYER: LayerAdapters = Object.freeze({ q: NO_MATRICES, k: NO_MATRICES, v: NO_MATRICES, o: NO_MATRICES, gate: NO_MATRICES, up: NO_MATRICES, down: NO_MATRICES });

/** a list of adapters checked against one model and indexed by (layer, target) */
export class AdapterSet {
  /** the adapters, in the order their deltas are added */
  readonly adapters: readonly AdapterLike[];
  /** largest rank of any matrix (sizes the per-token scratch) */
  readonly maxRank: number;
  private readonly layers: readonly LayerAdapters[];

  private constructor(adapters: readonly AdapterLike[], layers: readonly LayerAdapters[], maxRank: number) {
    this.adapters = adapters;
    this.layers = layers;
    this.maxRank = maxRank;
  }

  /** no adapters: the plain base model */
  static none(config: Qwen2Config): AdapterSet {
    return new AdapterSet(Object.freeze([]), new Array<LayerAdapters>(config.layerCount).fill(EMPTY_LAYER), 0);
  }

  /** validate every matrix of every adapter against `config` (fails llm.adapter_mismatch) before building anything */
  static build(config: Qwen2Config, adapters: readonly AdapterLike[]): AdapterSet {
    if (adapters.length === 0) return AdapterSet.none(config);
    const layers: LayerAdapters[] = [];
    let maxRank = 0;
    for (let layer = 0; layer < config.layerCount; layer++) {
      const slots = {} as Record<AdapterTarget, AdapterMatricesLike[]>;
      let any = false;
      for (const target of ADAPTER_TARGETS) {
        const list: AdapterMatricesLike[] = [];
        for (const adapter of adapters) {
          const matrices = adapter.get(layer, target);
          if (matrices === undefined) continue;
          checkMatrices(config, adapter.name, layer, target, matrices);
          list.push(matrices);
          maxRank = Math.max(maxRank, matrices.rank);
        }
        slots[target] = list.length === 0 ? (NO_MATRICES as AdapterMatricesLike[]) : list;
        any ||= list.length > 0;
      }
      layers.push(any ? Object.freeze(slots) : EMPTY_LAYER);
    }
    for (const adapter of adapters) {
      const beyond = ADAPTER_TARGETS.some((target) => adapter.get(config.layerCount, target) !== undefined);
      if (beyond) fail('llm.adapter_mismatch', `adapter ${adapter.name} adapts layer ${config.layerCount}, but the model has only ${config.layerCount} layers`);
    }
    return new AdapterSet(Object.freeze([...adapters]), layers, maxRank);
  }

  /** the matrices to add at `layer` */
  layer(layer: number): LayerAdapters {
    return this.layers[layer]!;
  }

  get empty(): boolean {
    return this.adapters.length === 0;
  }
}

function checkMatrices(config: Qwen2Config, name: string, layer: number, target: AdapterTarget, m: AdapterMatricesLike): void {
  const where = `adapter ${name}: layer ${layer} ${target}`;
  const { nIn, nOut } = adapterTargetShape(config, target);
  if (m.nIn !== nIn || m.nOut !== nOut) fail('llm.adapter_mismatch', `${where} is ${m.nOut}×${m.nIn}, the model's matrix is ${nOut}×${nIn}`, { layer, target });
  if (!Number.isInteger(m.rank) || m.rank < 1) fail('llm.adapter_mismatch', `${where} has rank ${m.rank}; a rank is a positive integer`, { layer, target });
  if (m.a.length !== m.rank * nIn || m.b.length !== nOut * m.rank) {
    fail('llm.adapter_mismatch', `${where} holds A of ${m.a.length} and B of ${m.b.length} values, rank ${m.rank} needs ${m.rank}×${nIn} and ${nOut}×${m.rank}`, { layer, target });
  }
  if (!Number.isFinite(m.scale)) fail('llm.adapter_mismatch', `${where} has scale ${m.scale}`, { layer, target });
}

/**
 * out[t] += Σ_m scale_m · B_m (A_m · x[t]) for t < tokens, over the matrices `list`.
 * x: [tokens, nIn] f32; out: [tokens, nOut] f32; inner: scratch [≥ largest rank] f64.
 * Sums run in f64 (JavaScript numbers) and each output is rounded to f32 once per matrix.
 */
export function addAdapterDeltas(out: Float32Array, x: Float32Array, tokens: number, list: readonly AdapterMatricesLike[], inner: Float64Array): void {
  for (let m = 0; m < list.length; m++) {
    const { nIn, nOut, rank, scale, a, b } = list[m]!;
    for (let t = 0; t < tokens; t++) {
      const xBase = t * nIn;
      for (let r = 0; r < rank; r++) {
        const aBase = r * nIn;
        let sum = 0;
        for (let i = 0; i < nIn; i++) sum += a[aBase + i]! * x[xBase + i]!;
        inner[r] = sum * scale;
      }
      const outBase = t * nOut;
      for (let o = 0; o < nOut; o++) {
        const bBase = o * rank;
        let sum = 0;
        for (let r = 0; r < rank; r++) sum += b[bBase + r]! * inner[r]!;
        out[outBase + o] = out[outBase + o]! + sum;
      }
    }
  }
}
