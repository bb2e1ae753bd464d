/**
 * Every buffer one sequence's forward and backward pass needs, allocated
 * once for up to `maxTokens` tokens and reused for every sequence: the
 * activations each layer saves for its backward, the running residual and
 * its gradient, the logits (overwritten in place by their gradient), the
 * RoPE tables, and the per-adapter state of the LoRA branches.
 *
 * Shapes below are for T = maxTokens; a shorter sequence uses the prefix.
 */

import type { Qwen2Config } from '../llm/index.ts';
import { ropeAngles } from '../llm/index.ts';
import { LORA_TARGETS, type LoraMatrices, type LoraTarget } from './lora.ts';
import { JAVASCRIPT_COMPUTE, type TrainCompute } from './ops/train-compute.ts';

/** one adapter matrix taking part in a pass */
export interface ActiveLora {
  readonly matrices: LoraMatrices;
  /** [rank, nIn] gradient, or null when this adapter is applied but not trained */
  readonly gradA: Float32Array | null;
  /** [nOut, rank] gradient, or null */
  readonly gradB: Float32Array | null;
  /** dropout probability in training passes */
  readonly dropout: number;
  /** saved: scale · A·x̃ [T, rank] */
  readonly scaledInner: Float32Array;
  /** saved: 1 where the input element was kept by dropout [T, nIn], or null without dropout */
  readonly keep: Uint8Array | null;
  /** whether the last forward applied dropout (training passes only) */
  droppedInLastForward: boolean;
}

export type LayerLoras = Readonly<Record<LoraTarget, readonly ActiveLora[]>>;

/** what layer l saves in the forward for the backward */
export interface LayerActivations {
  /** residual stream entering the layer [T, d] */
  readonly xIn: Float32Array;
  /** 1/rms of xIn per token [T] */
  readonly inverse1: Float32Array;
  /** attention-normed input [T, d] */
  readonly h1: Float32Array;
  /** rotated queries [T, heads·headDim] */
  readonly q: Float32Array;
  /** rotated keys [T, kvHeads·headDim] */
  readonly k: Float32Array;
  /** values [T, kvHeads·headDim] */
  readonly v: Float32Array;
  /** softmax weights [heads, T, T] */
  readonly probabilities: Float32Array;
  /** attention output before o_proj [T, heads·headDim] */
  readonly attention: Float32Array;
  /** residual after the attention block [T, d] */
  readonly xMid: Float32Array;
  readonly inverse2: Float32Array;
  /** ffn-normed [T, d] */
  readonly h2: Float32Array;
  /** gate pre-activation [T, ffn] */
  readonly gate: Float32Array;
  /** up projection [T, ffn] */
  readonly up: Float32Array;
  /** silu(gate)·up [T, ffn] */
  readonly act: Float32Array;
}

export class SequenceWorkspace {
  readonly config: Qwen2Config;
  readonly maxTokens: number;
  /** who computes the linear layers' matrix products (JavaScript or WASM SIMD) */
  readonly compute: TrainCompute;
  readonly layers: readonly LayerActivations[];
  /** residual stream [T, d]; after the forward: the final residual */
  readonly x: Float32Array;
  /** o_proj / ffn_down output [T, d] */
  readonly projection: Float32Array;
  readonly inverseFinal: Float32Array;
  /** output-normed final hidden states [T, d] */
  readonly hFinal: Float32Array;
  /** logits [rows, vocab] of the head rows (all T positions, or the selected ones); the backward overwrites them with their gradient */
  readonly logits: Float32Array;
  /** positions whose logits the last forward computed, in order [T]; headRowCount of them */
  readonly headRows: Int32Array;
  headRowCount = 0;
  /** hFinal rows of the selected positions [T, d], and their gradient */
  readonly hSelected: Float32Array;
  readonly dhSelected: Float32Array;
  /** gradients [T, d] */
  readonly dx: Float32Array;
  readonly dh: Float32Array;
  /** [T, heads·headDim] */
  readonly dq: Float32Array;
  readonly dAttention: Float32Array;
  /** [T, kvHeads·headDim] */
  readonly dk: Float32Array;
  readonly dv: Float32Array;
  /** [T, ffn] */
  readonly dGate: Float32Array;
  readonly dUp: Float32Array;
  readonly dAct: Float32Array;
  /** attention backward scratch [T] */
  readonly attentionScratch: Float32Array;
  /** RoPE tables for positions 0 … T−1 [T, headDim/2] */
  readonly ropeCos: Float32Array;
  readonly ropeSin: Float32Array;
  /** LoRA scratch: [T, largest rank] and [T, largest nIn] */
  private loraInnerScratch: Float32Array;
  readonly loraInputScratch: Float32Array;
  /** active adapter matrices per layer and target */
  loras: readonly LayerLoras[];

  constructor(config: Qwen2Config, maxTokens: number, compute: TrainCompute = JAVASCRIPT_COMPUTE) {
    this.config = config;
    this.maxTokens = maxTokens;
    this.compute = compute;
    const T = maxTokens;
    const { hiddenSize: d, headCount, kvHeadCount, headDim, intermediateSize: f, vocabSize } = config;
    const qDim = headCount * headDim;
    const kvDim = kvHeadCount * headDim;
    const f32 = (n: number): Float32Array => new Float32Array(n);
    this.layers = Array.from({ length: config.layerCount }, (): LayerActivations => ({
      xIn: f32(T * d), inverse1: f32(T), h1: f32(T * d), q: f32(T * qDim), k: f32(T * kvDim), v: f32(T * kvDim),
      probabilities: f32(headCount * T * T), attention: f32(T * qDim), xMid: f32(T * d), inverse2: f32(T), h2: f32(T * d),
      gate: f32(T * f), up: f32(T * f), act: f32(T * f),
    }));
    this.x = f32(T * d);
    this.projection = f32(T * d);
    this.inverseFinal = f32(T);
    this.hFinal = f32(T * d);
    this.logits = f32(T * vocabSize);
    this.headRows = new Int32Array(T);
    this.hSelected = f32(T * d);
    this.dhSelected = f32(T * d);
    this.dx = f32(T * d);
    this.dh = f32(T * d);
    this.dq = f32(T * qDim);
    this.dAttention = f32(T * qDim);
    this.dk = f32(T * kvDim);
    this.dv = f32(T * kvDim);
    this.dGate = f32(T * f);
    this.dUp = f32(T * f);
    this.dAct = f32(T * f);
    this.attentionScratch = f32(T);
    const half = headDim / 2;
    this.ropeCos = f32(T * half);
    this.ropeSin = f32(T * half);
    for (let t = 0; t < T; t++) ropeAngles(this.ropeCos, this.ropeSin, t * half, t, headDim, config.ropeTheta);
    this.loraInnerScratch = f32(0);
    this.loraInputScratch = f32(T * Math.max(d, qDim, f));
    this.loras = Array.from({ length: config.layerCount }, () => emptyLayerLoras());
  }

  /** [T · rank] scratch for the widest active adapter */
  loraInner(rank: number): Float32Array {
    const need = this.maxTokens * rank;
    if (this.loraInnerScratch.length < need) this.loraInnerScratch = new Float32Array(need);
    return this.loraInnerScratch;
  }

  /** make `matrices` the active adapter matrices (hot swap); `grads` is [gradA, gradB], or null for an adapter applied but not trained (no dropout then) */
  setLoras(matrices: readonly { matrices: LoraMatrices; dropout: number; grads: [Float32Array, Float32Array] | null }[]): void {
    const layers = Array.from({ length: this.config.layerCount }, () => LORA_TARGETS.map((): ActiveLora[] => []));
    for (const entry of matrices) {
      const m = entry.matrices;
      const slot = layers[m.layer]![LORA_TARGETS.indexOf(m.target)]!;
      slot.push({
        matrices: m,
        gradA: entry.grads?.[0] ?? null,
        gradB: entry.grads?.[1] ?? null,
        dropout: entry.dropout,
        scaledInner: new Float32Array(this.maxTokens * m.rank),
        keep: entry.dropout > 0 && entry.grads !== null ? new Uint8Array(this.maxTokens * m.nIn) : null,
        droppedInLastForward: false,
      });
      this.loraInner(m.rank);
    }
    this.loras = layers.map((slots) => Object.fromEntries(LORA_TARGETS.map((target, i) => [target, slots[i]!])) as unknown as LayerLoras);
  }
}

function emptyLayerLoras(): LayerLoras {
  return { q: [], k: [], v: [], o: [], gate: [], up: [], down: [] };
}
