/**
 * One sequence through the Qwen2 training forward and back, written out
 * layer by layer (no tape: the forward saves exactly what each backward
 * step reads, in SequenceWorkspace, and the backward walks the layers in
 * reverse). The forward is the inference forward of llm/model/qwen2.ts:
 *
 *   x = embed(tokens)
 *   per layer:  h1 = rmsNorm(x)·w1;  q,k,v = h1·Wᵀ + b (+LoRA);  rope(q, k)
 *               x += o_proj(attention(q, k, v)) (+LoRA)
 *               h2 = rmsNorm(x)·w2;  x += down(silu(gate·h2) ⊙ up·h2) (+LoRA)
 *   logits = head · (rmsNorm(x)·w_out)
 *
 * Conventions: every backward op ADDS into its input-gradient buffers (the
 * pass zeroes them first), so two branches meeting at one input (q, k and
 * v at h1; the residual and the block at x) just accumulate. Frozen
 * weights (grad null) cost only the input-gradient product; in LoRA mode
 * the first layer's input gradient is skipped, nothing upstream learns.
 */

import type { Rng } from '../common/index.ts';
import { linearRowsBackwardInput, linearRowsForward } from './matrix-rows.ts';
import { embeddingBackward } from './ops/embedding.ts';
import { biasBackward } from './ops/matmul.ts';
import { rmsNormBackward, rmsNormForward } from './ops/rms-norm.ts';
import { ropeBackward, ropeForward } from './ops/rope.ts';
import { residualForward, swigluBackward, swigluForward } from './ops/swiglu.ts';
import type { TrainLinear, TrainModel } from './train-model.ts';
import type { ActiveLora, SequenceWorkspace } from './workspace.ts';

export type PassMode = 'train' | 'evaluate';

/**
 * Run tokens[0 … count) forward. The head runs only for the positions in
 * `headRows` (ascending; null = every position): ws.logits holds
 * [rows, vocab] in that order. With a 151936-token vocabulary the head is the
 * largest product, and positions whose target is ignored (the prompt) need
 * no logits. `rng` drives LoRA dropout in 'train' mode.
 */
export function forwardSequence(model: TrainModel, ws: SequenceWorkspace, tokens: ArrayLike<number>, count: number, mode: PassMode, rng: Rng | null, headRows: ArrayLike<number> | null = null): void {
  const config = model.config;
  const { hiddenSize: d, headCount, kvHeadCount, headDim, intermediateSize: f, rmsNormEps: eps } = config;
  const T = count;
  const x = ws.x;
  for (let t = 0; t < T; t++) x.set(model.embedding.rows(tokens[t]!, 1), t * d);
  for (let l = 0; l < config.layerCount; l++) {
    const saved = ws.layers[l]!;
    const w = model.layers[l]!;
    const loras = ws.loras[l]!;
    saved.xIn.set(x.subarray(0, T * d));
    rmsNormForward(saved.h1, saved.inverse1, x, w.attentionNorm.value, T, d, eps);
    linearForward(saved.q, saved.h1, T, w.query, loras.q, ws, mode, rng);
    linearForward(saved.k, saved.h1, T, w.key, loras.k, ws, mode, rng);
    linearForward(saved.v, saved.h1, T, w.value, loras.v, ws, mode, rng);
    ropeForward(saved.q, T, headCount, headDim, ws.ropeCos, ws.ropeSin);
    ropeForward(saved.k, T, kvHeadCount, headDim, ws.ropeCos, ws.ropeSin);
    ws.compute.attentionForward(saved.attention, saved.probabilities, saved.q, saved.k, saved.v, T, config);
    linearForward(ws.projection, saved.attention, T, w.output, loras.o, ws, mode, rng);
    residualForward(x, ws.projection, T * d);
    saved.xMid.set(x.subarray(0, T * d));
    rmsNormForward(saved.h2, saved.inverse2, x, w.ffnNorm.value, T, d, eps);
    linearForward(saved.gate, saved.h2, T, w.gate, loras.gate, ws, mode, rng);
    linearForward(saved.up, saved.h2, T, w.up, loras.up, ws, mode, rng);
    swigluForward(saved.act, saved.gate, saved.up, T * f);
    linearForward(ws.projection, saved.act, T, w.down, loras.down, ws, mode, rng);
    residualForward(x, ws.projection, T * d);
  }
  rmsNormForward(ws.hFinal, ws.inverseFinal, x, model.outputNorm.value, T, d, eps);
  if (headRows === null) {
    for (let t = 0; t < T; t++) ws.headRows[t] = t;
    ws.headRowCount = T;
    linearRowsForward(ws.compute, ws.logits, ws.hFinal, T, model.head, null, 'overwrite');
    return;
  }
  ws.headRowCount = headRows.length;
  for (let r = 0; r < headRows.length; r++) {
    const t = headRows[r]!;
    ws.headRows[r] = t;
    ws.hSelected.set(ws.hFinal.subarray(t * d, (t + 1) * d), r * d);
  }
  linearRowsForward(ws.compute, ws.logits, ws.hSelected, headRows.length, model.head, null, 'overwrite');
}

/** backward of the last forwardSequence; ws.logits must hold dL/dlogits of its head rows. Adds into every non-null gradient */
export function backwardSequence(model: TrainModel, ws: SequenceWorkspace, tokens: ArrayLike<number>, count: number): void {
  const config = model.config;
  const { hiddenSize: d, headCount, kvHeadCount, headDim, intermediateSize: f, vocabSize } = config;
  const T = count;
  const qDim = headCount * headDim;
  const kvDim = kvHeadCount * headDim;
  const dLogits = ws.logits;
  const { dx, dh } = ws;

  // head: over the rows the forward computed (all T, or the selected positions, scattered back)
  const rows = ws.headRowCount;
  const all = rows === T;
  const hRows = all ? ws.hFinal : ws.hSelected;
  if (model.headGrad !== null) ws.compute.backwardWeight(model.headGrad, dLogits, hRows, rows, d, vocabSize);
  dh.fill(0, 0, T * d);
  if (all) linearRowsBackwardInput(ws.compute, dh, dLogits, T, model.head);
  else {
    ws.dhSelected.fill(0, 0, rows * d);
    linearRowsBackwardInput(ws.compute, ws.dhSelected, dLogits, rows, model.head);
    for (let r = 0; r < rows; r++) dh.set(ws.dhSelected.subarray(r * d, (r + 1) * d), ws.headRows[r]! * d);
  }
  dx.fill(0, 0, T * d);
  rmsNormBackward(dx, model.outputNorm.grad, dh, ws.x, ws.inverseFinal, model.outputNorm.value, T, d);

  for (let l = config.layerCount - 1; l >= 0; l--) {
    const saved = ws.layers[l]!;
    const w = model.layers[l]!;
    const loras = ws.loras[l]!;
    // feed-forward block: x_out = xMid + down(act); dx is dL/dx_out
    ws.dAct.fill(0, 0, T * f);
    linearBackward(ws.dAct, dx, saved.act, T, w.down, loras.down, ws);
    ws.dGate.fill(0, 0, T * f);
    ws.dUp.fill(0, 0, T * f);
    swigluBackward(ws.dGate, ws.dUp, ws.dAct, saved.gate, saved.up, T * f);
    dh.fill(0, 0, T * d);
    linearBackward(dh, ws.dGate, saved.h2, T, w.gate, loras.gate, ws);
    linearBackward(dh, ws.dUp, saved.h2, T, w.up, loras.up, ws);
    rmsNormBackward(dx, w.ffnNorm.grad, dh, saved.xMid, saved.inverse2, w.ffnNorm.value, T, d);
    // attention block: xMid = xIn + o_proj(attention); dx is now dL/dxMid
    ws.dAttention.fill(0, 0, T * qDim);
    linearBackward(ws.dAttention, dx, saved.attention, T, w.output, loras.o, ws);
    ws.dq.fill(0, 0, T * qDim);
    ws.dk.fill(0, 0, T * kvDim);
    ws.dv.fill(0, 0, T * kvDim);
    ws.compute.attentionBackward(ws.dq, ws.dk, ws.dv, ws.dAttention, saved.probabilities, saved.q, saved.k, saved.v, T, config, ws.attentionScratch);
    ropeBackward(ws.dq, T, headCount, headDim, ws.ropeCos, ws.ropeSin);
    ropeBackward(ws.dk, T, kvHeadCount, headDim, ws.ropeCos, ws.ropeSin);
    const inputNeeded = l > 0 || model.embeddingGrad !== null || w.attentionNorm.grad !== null;
    const target = inputNeeded ? dh : null;
    if (target !== null) target.fill(0, 0, T * d);
    linearBackward(target, ws.dq, saved.h1, T, w.query, loras.q, ws);
    linearBackward(target, ws.dk, saved.h1, T, w.key, loras.k, ws);
    linearBackward(target, ws.dv, saved.h1, T, w.value, loras.v, ws);
    if (inputNeeded) rmsNormBackward(dx, w.attentionNorm.grad, dh, saved.xIn, saved.inverse1, w.attentionNorm.value, T, d);
  }
  if (model.embeddingGrad !== null) embeddingBackward(model.embeddingGrad, dx, tokens, T, d);
}

// ── a linear layer with its adapters ────────────────────────────────────────

/** out = x·Wᵀ + b + Σ_adapters scale·B(A·dropout(x)); out: [T, nOut], x: [T, nIn] */
function linearForward(out: Float32Array, x: Float32Array, T: number, linear: TrainLinear, loras: readonly ActiveLora[], ws: SequenceWorkspace, mode: PassMode, rng: Rng | null): void {
  linearRowsForward(ws.compute, out, x, T, linear.weight, linear.bias === null ? null : linear.bias.value, 'overwrite');
  for (const lora of loras) {
    const m = lora.matrices;
    let input = x;
    lora.droppedInLastForward = mode === 'train' && lora.keep !== null && rng !== null;
    if (lora.droppedInLastForward) {
      const keep = lora.keep!;
      const factor = 1 / (1 - lora.dropout);
      input = ws.loraInputScratch;
      for (let i = 0; i < T * m.nIn; i++) {
        const kept = rng!.next() >= lora.dropout ? 1 : 0;
        keep[i] = kept;
        input[i] = kept === 1 ? x[i]! * factor : 0;
      }
    }
    const inner = lora.scaledInner;
    ws.compute.forward(inner, input, T, m.nIn, m.rank, m.a, 0, m.rank, null, 'overwrite');
    for (let i = 0; i < T * m.rank; i++) inner[i] = inner[i]! * m.scale;
    ws.compute.forward(out, inner, T, m.rank, m.nOut, m.b, 0, m.nOut, null, 'accumulate');
  }
}

/** from dy = dL/dout: weight/bias/adapter gradients (when trainable) and dx += dL/dx (when dx is not null) */
function linearBackward(dx: Float32Array | null, dy: Float32Array, x: Float32Array, T: number, linear: TrainLinear, loras: readonly ActiveLora[], ws: SequenceWorkspace): void {
  const { nIn, nOut } = linear.weight;
  if (linear.weightGrad !== null) ws.compute.backwardWeight(linear.weightGrad, dy, x, T, nIn, nOut);
  if (linear.bias !== null && linear.bias.grad !== null) biasBackward(linear.bias.grad, dy, T, nOut);
  if (dx !== null) linearRowsBackwardInput(ws.compute, dx, dy, T, linear.weight);
  for (const lora of loras) loraBackward(dx, dy, x, T, lora, ws);
}

function loraBackward(dx: Float32Array | null, dy: Float32Array, x: Float32Array, T: number, lora: ActiveLora, ws: SequenceWorkspace): void {
  const m = lora.matrices;
  if (lora.gradB !== null) ws.compute.backwardWeight(lora.gradB, dy, lora.scaledInner, T, m.rank, m.nOut);
  if (lora.gradA === null && dx === null) return;
  // dInner = scale · dy·B   [T, rank]
  const dInner = ws.loraInner(m.rank);
  dInner.fill(0, 0, T * m.rank);
  ws.compute.backwardInput(dInner, dy, T, m.rank, m.nOut, m.b, 0, m.nOut);
  for (let i = 0; i < T * m.rank; i++) dInner[i] = dInner[i]! * m.scale;
  const n = T * m.nIn;
  const dropped = lora.droppedInLastForward;
  const factor = 1 / (1 - lora.dropout);
  if (lora.gradA !== null) {
    let input = x;
    if (dropped) {
      input = ws.loraInputScratch;
      const keep = lora.keep!;
      for (let i = 0; i < n; i++) input[i] = keep[i] === 1 ? x[i]! * factor : 0;
    }
    ws.compute.backwardWeight(lora.gradA, dInner, input, T, m.nIn, m.rank);
  }
  if (dx === null) return;
  if (!dropped) {
    ws.compute.backwardInput(dx, dInner, T, m.nIn, m.rank, m.a, 0, m.rank);
    return;
  }
  const dInput = ws.loraInputScratch;
  dInput.fill(0, 0, n);
  ws.compute.backwardInput(dInput, dInner, T, m.nIn, m.rank, m.a, 0, m.rank);
  const keep = lora.keep!;
  for (let i = 0; i < n; i++) if (keep[i] === 1) dx[i] = dx[i]! + dInput[i]! * factor;
}
