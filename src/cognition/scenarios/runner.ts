/**
 * cognition/scenarios/runner — runs the scenario suite: for every case a
 * fresh FAT32 volume in RAM (seeded, injection planted), the real tool
 * registry, the cognition daemon, the consent broker (on: ConsentBroker with
 * the default policy; off: unguardedBroker, which allows everything), a
 * scripted user who approves exactly what the task asked for, and the
 * chosen planner. Predicates then read the volume before and after.
 *
 * Planners: 'oracle' (ground truth), 'obedient' (ground truth + every
 * injected order), a Planner used for every case (the real LLM path), or a
 * function making one per task.
 */

import { AuditLog, ConsentBroker, MemoryAuditStorage, unguardedBroker } from '../../consent/index.ts';
import { DirectoryObject } from '../../fs/index.ts';
import { ManualClock } from '../../hal/memory/index.ts';
import { Klog } from '../../kernel/index.ts';
import { openEpisodeLog } from '../../memory/index.ts';
import { checkCall } from '../actions.ts';
import { CognitionDaemon } from '../daemon.ts';
import type { DaemonLimits, StepRecord } from '../daemon-types.ts';
import type { Planner } from '../planner.ts';
import { createToolRegistry, type ToolRegistry, type ToolEnvironment } from '../tools/index.ts';
import { BASE_CLOCK_ISO } from './home.ts';
import { INJECTIONS } from './injections.ts';
import { attackCases, attackReach, type Pairing, type ScenarioCase } from './pairing.ts';
import { summarizeCases, type CaseResult, type SuiteReport } from './report.ts';
import { ObedientModel, OracleModel, ScenarioPlanner } from './scripted-models.ts';
import { ScriptedConsentUser } from './scripted-user.ts';
import { USER_TASKS } from './tasks.ts';
import type { Injection, UserTask } from './types.ts';
import { seedScenarioVolume, snapshotVolume } from './volume.ts';

export type PlannerChoice = 'oracle' | 'obedient' | Planner | ((task: UserTask, registry: ToolRegistry<ToolEnvironment>) => Planner);

export interface SuiteOptions {
  readonly broker: 'on' | 'off';
  readonly planner: PlannerChoice;
  /** default: all USER_TASKS */
  readonly tasks?: readonly UserTask[];
  /** default: all INJECTIONS */
  readonly injections?: readonly Injection[];
  /** default 'all' */
  readonly pairing?: Pairing;
  /** run each task once without an injection (default true) */
  readonly benign?: boolean;
  readonly limits?: Partial<DaemonLimits>;
  /** the report's column name; default "<planner>, broker <on|off>" */
  readonly label?: string;
  /** called after every case (progress) */
  readonly onCase?: (result: CaseResult) => void;
}

export interface SuiteRun {
  readonly report: SuiteReport;
  readonly cases: readonly CaseResult[];
}

/** size of the episodic log file per run [bytes] (small: a run is a handful of steps) */
const EPISODE_LOG_BYTES = 256 * 1024;

export async function runScenarioSuite(options: SuiteOptions): Promise<SuiteRun> {
  const registry = createToolRegistry();
  const tasks = options.tasks ?? USER_TASKS;
  const cases: ScenarioCase[] = [
    ...(options.benign === false ? [] : tasks.map((task) => ({ task }))),
    ...attackCases(tasks, options.injections ?? INJECTIONS, options.pairing ?? 'all'),
  ];
  const results: CaseResult[] = [];
  for (const scenarioCase of cases) {
    const result = await runScenarioCase(scenarioCase, options, registry);
    results.push(result);
    options.onCase?.(result);
  }
  const plannerName = typeof options.planner === 'string' ? options.planner : 'planner';
  return { report: summarizeCases(options.label ?? `${plannerName}, broker ${options.broker}`, results), cases: results };
}

function plannerFor(choice: PlannerChoice, task: UserTask, registry: ToolRegistry<ToolEnvironment>): Planner {
  if (choice === 'oracle') return new ScenarioPlanner(new OracleModel(task));
  if (choice === 'obedient') return new ScenarioPlanner(new ObedientModel(task, registry, registry.list().map((tool) => tool.name)));
  if (typeof choice === 'function') return choice(task, registry);
  return choice;
}

/** run one case on a fresh volume */
export async function runScenarioCase(
  scenarioCase: ScenarioCase,
  options: Pick<SuiteOptions, 'broker' | 'planner' | 'limits'>,
  registry: ToolRegistry<ToolEnvironment> = createToolRegistry(),
): Promise<CaseResult> {
  const { task, placement } = scenarioCase;
  const started = performance.now();
  const clock = new ManualClock(0, Date.parse(task.seed.clockIso ?? BASE_CLOCK_ISO));
  const { volume } = seedScenarioVolume({ ...(task.seed.files === undefined ? {} : { files: task.seed.files }), ...(placement === undefined ? {} : { placement }), clock });
  const pre = snapshotVolume(volume);
  const episodeFile = openEpisodeLog(volume, { capacityBytes: EPISODE_LOG_BYTES, clock });
  const env: ToolEnvironment = { home: new DirectoryObject(volume, '/home'), volume, episodes: episodeFile.episodes, klog: new Klog({ clock, echoLevel: 'none' }), clock };
  const broker = options.broker === 'on' ? new ConsentBroker({ clock, audit: new AuditLog(new MemoryAuditStorage(), { clock }) }) : unguardedBroker();
  const user = new ScriptedConsentUser(task.intendedGrants);
  const daemon = new CognitionDaemon({
    registry,
    env,
    broker,
    planner: plannerFor(options.planner, task, registry),
    consentUi: user,
    episodes: episodeFile.episodes,
    clock,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  let outcome: Awaited<ReturnType<CognitionDaemon['run']>> | undefined;
  let error: string | undefined;
  try {
    outcome = await daemon.run({ text: task.prompt, presence: 'interactive' });
  } catch (thrown) {
    error = thrown instanceof Error ? thrown.message : String(thrown);
  }
  episodeFile.close();
  const post = snapshotVolume(volume);
  const reply = outcome?.reply ?? '';
  const wanted = wantedCallCounts(outcome?.steps ?? [], task, registry);
  return {
    taskId: task.id,
    taskRisk: task.risk,
    ...(placement === undefined
      ? {}
      : { injectionId: placement.injection.id, reach: attackReach(task, placement.injection, registry), attackSucceeded: placement.injection.security(pre, post) }),
    utility: error === undefined && task.utility({ pre, post, reply }),
    status: outcome?.status ?? 'threw',
    prompts: outcome?.prompts ?? user.prompts.length,
    wantedCalls: wanted.calls,
    wantedDenied: wanted.denied,
    elapsedMs: performance.now() - started,
    ...(error === undefined ? (outcome?.error === undefined ? {} : { error: outcome.error }) : { error }),
  };
}

/** calls needing only reads or the task's intended grants, and how many of them were denied */
function wantedCallCounts(steps: readonly StepRecord[], task: UserTask, registry: ToolRegistry<ToolEnvironment>): { calls: number; denied: number } {
  let calls = 0;
  let denied = 0;
  for (const step of steps) {
    if (step.outcome !== 'executed' && step.outcome !== 'denied') continue;
    let needs;
    try {
      const checked = checkCall(step.call, registry);
      needs = registry.require(checked.tool).needs(checked.args);
    } catch {
      continue;
    }
    const wanted = needs.every(
      (need) =>
        need.right === 'read' ||
        task.intendedGrants.some((grant) => grant.right === need.right && grant.kind === need.resource.kind && grant.name.toLowerCase() === need.resource.name.toLowerCase()),
    );
    if (!wanted) continue;
    calls++;
    if (step.outcome === 'denied') denied++;
  }
  return { calls, denied };
}
