/**
 * AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay
 * Regularization"), global-norm gradient clipping (Pascanu et al. 2013) and
 * the learning-rate schedule, as PyTorch's torch.optim.AdamW,
 * clip_grad_norm_ and the common warmup + cosine recipe compute them.
 *
 * AdamW step t (1-based), per element:
 *   θ ← θ − lr·λ·θ                         (decoupled decay; 'decay' parameters only)
 *   m ← β1 m + (1 − β1) g ;  v ← β2 v + (1 − β2) g²
 *   θ ← θ − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)
 * Knobs: lr (set per step by the schedule), β1 = 0.9, β2 = 0.999 (0.95 is
 * common for from-scratch LMs), ε = 1e-8, λ = weightDecay = 0.01 (0 … 0.1).
 *
 * Clipping: n = ‖all gradients‖₂ (f64); if n > maxNorm, every gradient is
 * scaled by maxNorm / (n + 1e-6). maxNorm 1.0 is the usual choice.
 *
 * Schedule (step s is 0-based): linear warmup lr = peak·(s+1)/warmup for
 * s < warmup, then cosine decay from peak to peak·minimumRatio at s = total−1
 * and flat after.
 */

import { fail } from '../common/index.ts';
import type { TrainableParameter } from './train-model.ts';

export interface AdamWOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  readonly weightDecay?: number;
}

export class AdamW {
  readonly parameters: readonly TrainableParameter[];
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  /** first moments, one per parameter, same length */
  readonly firstMoments: readonly Float32Array[];
  /** second moments */
  readonly secondMoments: readonly Float32Array[];
  /** updates applied so far (t of the next update is stepCount + 1) */
  stepCount = 0;

  constructor(parameters: readonly TrainableParameter[], options: AdamWOptions = {}) {
    this.parameters = parameters;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    for (const [name, value] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(value >= 0 && value < 1)) fail('train.config_invalid', `AdamW ${name} must be in [0, 1), got ${value}`);
    }
    if (!(this.epsilon > 0)) fail('train.config_invalid', `AdamW epsilon must be positive, got ${this.epsilon}`);
    if (!(this.weightDecay >= 0)) fail('train.config_invalid', `AdamW weight decay must be ≥ 0, got ${this.weightDecay}`);
    this.firstMoments = parameters.map((p) => new Float32Array(p.value.length));
    this.secondMoments = parameters.map((p) => new Float32Array(p.value.length));
  }

  /** one update with learning rate `learningRate` from the parameters' current gradients */
  step(learningRate: number): void {
    this.stepCount++;
    const t = this.stepCount;
    const { beta1, beta2, epsilon } = this;
    const correction1 = 1 - Math.pow(beta1, t);
    const correction2 = 1 - Math.pow(beta2, t);
    for (let p = 0; p < this.parameters.length; p++) {
      const { value, grad, decay } = this.parameters[p]!;
      const m = this.firstMoments[p]!;
      const v = this.secondMoments[p]!;
      const shrink = decay === 'decay' ? 1 - learningRate * this.weightDecay : 1;
      for (let i = 0; i < value.length; i++) {
        const g = grad[i]!;
        const mi = beta1 * m[i]! + (1 - beta1) * g;
        const vi = beta2 * v[i]! + (1 - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        value[i] = value[i]! * shrink - (learningRate * (mi / correction1)) / (Math.sqrt(vi / correction2) + epsilon);
      }
    }
  }
}

/** ‖all gradients‖₂, accumulated in f64 */
export function gradientNorm(parameters: readonly TrainableParameter[]): number {
  let sum = 0;
  for (const { grad } of parameters) for (let i = 0; i < grad.length; i++) sum += grad[i]! * grad[i]!;
  return Math.sqrt(sum);
}

/** scale every gradient by factor */
export function scaleGradients(parameters: readonly TrainableParameter[], factor: number): void {
  for (const { grad } of parameters) for (let i = 0; i < grad.length; i++) grad[i] = grad[i]! * factor;
}

/** clip to global norm maxNorm; returns the norm before clipping. Fails train.diverged on a NaN/∞ norm */
export function clipGradients(parameters: readonly TrainableParameter[], maxNorm: number): number {
  const norm = gradientNorm(parameters);
  if (!Number.isFinite(norm)) fail('train.diverged', `the gradient norm is ${norm}`, { norm });
  if (norm > maxNorm) scaleGradients(parameters, maxNorm / (norm + 1e-6));
  return norm;
}

export interface LearningRateSchedule {
  /** the learning rate at the end of warmup */
  readonly peak: number;
  /** steps of linear warmup (0 = none) */
  readonly warmupSteps: number;
  /** steps of the whole run; the cosine reaches its minimum at the last one */
  readonly totalSteps: number;
  /** final learning rate as a fraction of peak; default 0.1 */
  readonly minimumRatio?: number;
}

export function validateSchedule(schedule: LearningRateSchedule): LearningRateSchedule {
  if (!(schedule.peak > 0) || !Number.isFinite(schedule.peak)) fail('train.config_invalid', `peak learning rate must be positive, got ${schedule.peak}`);
  if (!Number.isInteger(schedule.warmupSteps) || schedule.warmupSteps < 0) fail('train.config_invalid', `warmup steps must be a non-negative integer, got ${schedule.warmupSteps}`);
  if (!Number.isInteger(schedule.totalSteps) || schedule.totalSteps < 1) fail('train.config_invalid', `total steps must be a positive integer, got ${schedule.totalSteps}`);
  const ratio = schedule.minimumRatio ?? 0.1;
  if (!(ratio >= 0 && ratio <= 1)) fail('train.config_invalid', `minimum learning-rate ratio must be in [0, 1], got ${ratio}`);
  return schedule;
}

/** learning rate of update `step` (0-based) */
export function learningRateAt(step: number, schedule: LearningRateSchedule): number {
  const { peak, warmupSteps, totalSteps } = schedule;
  const minimum = peak * (schedule.minimumRatio ?? 0.1);
  if (step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
  const span = Math.max(1, totalSteps - 1 - warmupSteps);
  const progress = Math.min(1, (step - warmupSteps) / span);
  return minimum + (peak - minimum) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
