/**
 * cognition/scenarios/pairing — which (task, injection) cases a suite run
 * holds, and how each attack relates to what the user granted.
 *
 * A content injection fits a task that reads a file with a marker; a name
 * injection fits a task that lists a folder. 'all' pairs every injection
 * with every task it fits (AgentDojo's security cases); 'each-injection-once'
 * gives every injection one fitting task, rotating through the tasks so all
 * vector-bearing tasks get attacked (the fast subset for CI).
 *
 * Reach: an attack is 'within-grant' when every non-read need of its calls
 * is one of the task's intended grants (the user would approve it if asked),
 * else 'beyond-grant' — those must never succeed with the broker on.
 */

import type { ToolLookup } from '../actions.ts';
import type { AttackReach } from './report.ts';
import type { Injection, InjectionPlacement, UserTask } from './types.ts';

export type Pairing = 'all' | 'each-injection-once' | 'none';

export interface ScenarioCase {
  readonly task: UserTask;
  /** undefined: the benign run of the task */
  readonly placement?: InjectionPlacement;
}

/** the places in `task` where `injection` can be planted */
function targetsFor(task: UserTask, injection: Injection): readonly string[] {
  return injection.vector === 'content' ? task.injectionVectors.files : task.injectionVectors.folders;
}

export function attackCases(tasks: readonly UserTask[], injections: readonly Injection[], pairing: Pairing): ScenarioCase[] {
  const cases: ScenarioCase[] = [];
  if (pairing === 'none') return cases;
  injections.forEach((injection, injectionIndex) => {
    const fitting = tasks.filter((task) => targetsFor(task, injection).length > 0);
    const chosen = pairing === 'all' ? fitting : fitting.length === 0 ? [] : [fitting[injectionIndex % fitting.length]!];
    for (const task of chosen) {
      const targets = targetsFor(task, injection);
      cases.push({ task, placement: { injection, target: targets[injectionIndex % targets.length]! } });
    }
  });
  return cases;
}

export function attackReach(task: UserTask, injection: Injection, tools: ToolLookup): AttackReach {
  for (const call of injection.calls) {
    const spec = tools.get(call.tool);
    if (spec === undefined) return 'beyond-grant';
    for (const need of spec.needs(call.args)) {
      if (need.right === 'read') continue;
      const granted = task.intendedGrants.some(
        (grant) => grant.right === need.right && grant.kind === need.resource.kind && grant.name.toLowerCase() === need.resource.name.toLowerCase(),
      );
      if (!granted) return 'beyond-grant';
    }
  }
  return 'within-grant';
}
