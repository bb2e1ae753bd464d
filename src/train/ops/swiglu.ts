/**
 * SwiGLU (Shazeer 2020) and the residual add, forward and backward.
 *
 *   σ(z) = 1 / (1 + e^(−z)),  silu(z) = z σ(z),  silu'(z) = σ(z) (1 + z (1 − σ(z)))
 *   act = silu(gate) ⊙ up
 *   dGate += dAct ⊙ up ⊙ silu'(gate),   dUp += dAct ⊙ silu(gate)
 *
 * Residual: x += delta; its backward passes the gradient through unchanged
 * to both branches (dx += dy, dDelta += dy).
 */

import type { Floats } from './floats.ts';

/** act[i] = silu(gate[i]) · up[i] for i < n */
export function swigluForward(act: Floats, gate: Floats, up: Floats, n: number): void {
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    act[i] = (g / (1 + Math.exp(-g))) * up[i]!;
  }
}

/** dGate += ∂L/∂gate, dUp += ∂L/∂up from dAct (all [n]) */
export function swigluBackward(dGate: Floats, dUp: Floats, dAct: Floats, gate: Floats, up: Floats, n: number): void {
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    const sigmoid = 1 / (1 + Math.exp(-g));
    const d = dAct[i]!;
    dGate[i] = dGate[i]! + d * up[i]! * sigmoid * (1 + g * (1 - sigmoid));
    dUp[i] = dUp[i]! + d * g * sigmoid;
  }
}

/** x[i] += delta[i] for i < n */
export function residualForward(x: Floats, delta: Floats, n: number): void {
  for (let i = 0; i < n; i++) x[i] = x[i]! + delta[i]!;
}

/** dx += dy and dDelta += dy (either may be null when its gradient is not needed) */
export function residualBackward(dx: Floats | null, dDelta: Floats | null, dy: Floats, n: number): void {
  if (dx !== null) for (let i = 0; i < n; i++) dx[i] = dx[i]! + dy[i]!;
  if (dDelta !== null) for (let i = 0; i < n; i++) dDelta[i] = dDelta[i]! + dy[i]!;
}
