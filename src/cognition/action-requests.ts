/**
 * cognition/action-requests — a checked call becomes the ActionRequest the
 * consent broker decides on: ids, risk, the display form, each need with
 * the label of the argument that names its resource, and the label of the
 * data the call carries out.
 *
 * Labels (COGNITION.md §4): every argument inherits the context label,
 * except a value found verbatim in the user's own words (trusted). A need
 * whose argument is '' names a resource the tool fixes itself (a log), so
 * its label is the system's (trusted).
 */

import type { ActionRequest, Label, Need, RiskClass } from '../consent/index.ts';
import { renderCall } from './actions.ts';
import { EMPTY_LABEL, joinLabels, labelArgument, trustedLabel, type TrustedText } from './labels.ts';
import type { ToolCall, ToolSpec } from './tool-spec.ts';

/** danger order of the risk classes: a request's risk is its most dangerous need */
const RISK_RANK: Readonly<Record<RiskClass, number>> = { read: 0, write: 1, sense: 2, egress: 3, destroy: 4 };

export function riskiest(risks: readonly RiskClass[]): RiskClass {
  let worst: RiskClass = 'read';
  for (const risk of risks) if (RISK_RANK[risk] > RISK_RANK[worst]) worst = risk;
  return worst;
}

/** "<taskId>.<round>.<call>" */
export function actionIdOf(taskId: string, round: number, callIndex: number): string {
  return `${taskId}.${round}.${callIndex}`;
}

export interface ActionRequestInput {
  readonly taskId: string;
  /** 1-based round of the task */
  readonly round: number;
  /** 0-based index of the call in its turn */
  readonly callIndex: number;
  /** a checked call (checkCall) */
  readonly call: ToolCall;
  readonly spec: ToolSpec<never> | ToolSpec<unknown>;
  /** contextLabel(transcript) when the turn was planned */
  readonly context: Label;
  /** userTexts(transcript) */
  readonly trustedTexts: readonly TrustedText[];
}

export interface LabelledRequest {
  readonly request: ActionRequest;
  /** each argument's label */
  readonly argumentLabels: Readonly<Record<string, Label>>;
}

export function buildActionRequest(input: ActionRequestInput): LabelledRequest {
  const { call, spec } = input;
  const argumentLabels: Record<string, Label> = {};
  for (const [name, value] of Object.entries(call.args)) argumentLabels[name] = labelArgument(value, input.context, input.trustedTexts);
  const needs: Need[] = spec.needs(call.args).map((need) => ({
    ...need,
    label: need.argument === '' ? trustedLabel({ kind: 'system', ref: spec.name }) : argumentLabels[need.argument] ?? input.context,
  }));
  const dataLabels = spec.params.filter((p) => p.role === 'data' && argumentLabels[p.name] !== undefined).map((p) => argumentLabels[p.name]!);
  const planId = `${input.taskId}.${input.round}`;
  const request: ActionRequest = {
    actionId: actionIdOf(input.taskId, input.round, input.callIndex),
    planId,
    callIndex: input.callIndex,
    tool: spec.name,
    risk: riskiest([spec.risk, ...needs.map((n) => n.right)]),
    args: call.args,
    rendered: renderCall(call),
    needs,
    dataLabel: dataLabels.length === 0 ? EMPTY_LABEL : joinLabels(dataLabels),
  };
  return { request, argumentLabels };
}
