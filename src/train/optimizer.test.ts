// AdamW against a hand-computed update, clipping, and the schedule's shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError } from '../common/index.ts';
import { AdamW, clipGradients, gradientNorm, learningRateAt } from './optimizer.ts';
import type { TrainableParameter } from './train-model.ts';

function parameter(values: number[], grads: number[], decay: 'decay' | 'no-decay' = 'decay'): TrainableParameter {
  return { name: 'p', value: Float32Array.from(values), grad: Float32Array.from(grads), decay };
}

test('AdamW: two steps match the formulas (decoupled decay, bias correction); no-decay parameters skip the decay', () => {
  const p = parameter([1, -2], [0.5, -0.1]);
  const q = parameter([1, -2], [0.5, -0.1], 'no-decay');
  const optimizer = new AdamW([p, q], { beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1 });
  const lr = 0.01;
  const expected = (theta: number, g: number, decay: number): number => {
    // step 1: m = 0.1 g, v = 0.01 g²; m̂ = g, v̂ = g² → update = lr · sign(g) (almost)
    let value = theta * (1 - lr * decay);
    value -= (lr * g) / (Math.abs(g) + 1e-8);
    return value;
  };
  optimizer.step(lr);
  for (let i = 0; i < 2; i++) {
    assert.ok(Math.abs(p.value[i]! - expected([1, -2][i]!, [0.5, -0.1][i]!, 0.1)) < 1e-6);
    assert.ok(Math.abs(q.value[i]! - expected([1, -2][i]!, [0.5, -0.1][i]!, 0)) < 1e-6);
  }
  // step 2 with a new gradient
  const before = p.value[0]!;
  p.grad[0] = 0.2;
  optimizer.step(lr);
  const m = 0.9 * 0.05 + 0.1 * 0.2, v = 0.99 * 0.0025 + 0.01 * 0.04;
  const update = (lr * (m / (1 - 0.81))) / (Math.sqrt(v / (1 - 0.9801)) + 1e-8);
  assert.ok(Math.abs(p.value[0]! - (before * (1 - lr * 0.1) - update)) < 1e-6);
  assert.equal(optimizer.stepCount, 2);
  assert.throws(() => new AdamW([p], { beta1: 1 }), (e) => isChimaeraError(e, 'train.config_invalid'));
});

test('global-norm clipping scales all gradients together; small norms pass; NaN fails train.diverged', () => {
  const a = parameter([0, 0], [3, 0]);
  const b = parameter([0], [4]);
  assert.equal(clipGradients([a, b], 1), 5);
  assert.ok(Math.abs(gradientNorm([a, b]) - 1) < 1e-5);
  assert.ok(Math.abs(a.grad[0]! / b.grad[0]! - 0.75) < 1e-6);
  const c = parameter([0], [0.5]);
  clipGradients([c], 1);
  assert.equal(c.grad[0], 0.5);
  assert.throws(() => clipGradients([parameter([0], [Number.NaN])], 1), (e) => isChimaeraError(e, 'train.diverged'));
});

test('schedule: linear warmup to the peak, cosine down to minimumRatio·peak at the last step, flat after', () => {
  const schedule = { peak: 1e-3, warmupSteps: 4, totalSteps: 14, minimumRatio: 0.1 };
  assert.ok(Math.abs(learningRateAt(0, schedule) - 0.25e-3) < 1e-12);
  assert.ok(Math.abs(learningRateAt(3, schedule) - 1e-3) < 1e-12);
  assert.ok(Math.abs(learningRateAt(4, schedule) - 1e-3) < 1e-12);
  assert.ok(Math.abs(learningRateAt(8.5, schedule) - 0.55e-3) < 1e-12, 'halfway through the decay: the mean of peak and minimum');
  assert.ok(Math.abs(learningRateAt(13, schedule) - 1e-4) < 1e-12);
  assert.ok(Math.abs(learningRateAt(100, schedule) - 1e-4) < 1e-12);
  for (let s = 4; s < 13; s++) assert.ok(learningRateAt(s + 1, schedule) < learningRateAt(s, schedule));
});
