/**
 * consent/validate — check an ActionRequest's shape and canonicalise its
 * needs before any decision. The broker never trusts the daemon's objects:
 * every field is checked here, and anything odd is consent.malformed_request
 * (which the decision turns into a deny).
 */

import { fail } from '../common/index.ts';
import { formatPattern, resourceShape, type PatternShape } from './patterns.ts';
import { RISK_CLASSES, type ActionRequest, type Label, type ResourcePattern, type Right, type TaskScope } from './types.ts';

/** a need with its resource in canonical form */
export interface CheckedNeed {
  readonly right: Right;
  readonly shape: PatternShape;
  /** the same resource as a canonical pattern (exact name, or "dir/*", "dir/**") */
  readonly pattern: ResourcePattern;
  readonly argument: string;
  readonly label: Label;
}

const RIGHTS: ReadonlySet<string> = new Set(RISK_CLASSES);
/** longest id or tool name [UTF-16 units] */
const ID_MAX = 200;

function malformed(message: string, detail: Record<string, unknown> = {}): never {
  return fail('consent.malformed_request', message, detail);
}

function checkId(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > ID_MAX || /[\u0000-\u001f]/.test(value)) malformed(`${what} must be a non-empty string of at most ${ID_MAX} printable characters`);
  return value;
}

export function checkLabel(label: unknown, what: string): Label {
  if (label === null || typeof label !== 'object') malformed(`${what} is not a label`);
  const { integrity, private: isPrivate, sources } = label as Label;
  if (integrity !== 'trusted' && integrity !== 'untrusted') malformed(`${what}: integrity must be 'trusted' or 'untrusted'`);
  if (typeof isPrivate !== 'boolean') malformed(`${what}: private must be a boolean`);
  if (!Array.isArray(sources)) malformed(`${what}: sources must be a list`);
  for (const source of sources as unknown[]) {
    if (source === null || typeof source !== 'object' || typeof (source as { kind?: unknown }).kind !== 'string' || typeof (source as { ref?: unknown }).ref !== 'string') {
      malformed(`${what}: every source needs a kind and a ref`);
    }
  }
  return label as Label;
}

export function checkTask(task: unknown): TaskScope {
  if (task === null || typeof task !== 'object') malformed('the task scope is missing');
  const scope = task as TaskScope;
  checkId(scope.taskId, 'taskId');
  checkId(scope.intentId, 'intentId');
  if (typeof scope.intentText !== 'string') malformed('intentText must be a string');
  if (scope.presence !== 'interactive' && scope.presence !== 'headless') malformed("presence must be 'interactive' or 'headless'");
  return scope;
}

/** the risk is one the broker knows */
export function knowsRisk(request: ActionRequest): boolean {
  return typeof request?.risk === 'string' && RIGHTS.has(request.risk);
}

/** every field of the request, and its needs canonicalised; throws consent.malformed_request */
export function checkRequest(request: unknown): CheckedNeed[] {
  if (request === null || typeof request !== 'object') malformed('the action request is not an object');
  const call = request as ActionRequest;
  checkId(call.actionId, 'actionId');
  checkId(call.planId, 'planId');
  checkId(call.tool, 'tool');
  if (!Number.isSafeInteger(call.callIndex) || call.callIndex < 0) malformed(`${call.actionId}: callIndex must be a non-negative integer`);
  if (typeof call.rendered !== 'string') malformed(`${call.actionId}: rendered must be a string`);
  if (call.args === null || typeof call.args !== 'object' || Array.isArray(call.args)) malformed(`${call.actionId}: args must be an object`);
  for (const [name, value] of Object.entries(call.args)) {
    const fine = typeof value === 'string' ? !value.includes('\u0000') : typeof value === 'number' && Number.isFinite(value);
    if (!fine) malformed(`${call.actionId}: argument ${JSON.stringify(name)} must be a string without NUL or a finite number`, { argument: name });
  }
  checkLabel(call.dataLabel, `${call.actionId} dataLabel`);
  if (!Array.isArray(call.needs)) malformed(`${call.actionId}: needs must be a list`);
  return (call.needs as unknown[]).map((raw, index) => {
    if (raw === null || typeof raw !== 'object') malformed(`${call.actionId}: need ${index} is not an object`);
    const need = raw as ActionRequest['needs'][number];
    if (typeof need.right !== 'string' || !RIGHTS.has(need.right)) malformed(`${call.actionId}: need ${index} has unknown right ${JSON.stringify(need.right)}`);
    if (typeof need.argument !== 'string') malformed(`${call.actionId}: need ${index} must name its argument`);
    const label = checkLabel(need.label, `${call.actionId} need ${index} label`);
    const shape = resourceShape(need.resource);
    return { right: need.right, shape, pattern: formatPattern(shape), argument: need.argument, label };
  });
}
