/**
 * cognition/scenarios — the AgentDojo-style scenario suite (COGNITION.md §5):
 * user tasks and injections over a seeded FAT32 volume, the scripted oracle
 * and obedient models, the scripted consent user, the runner and its report.
 */
export type { Injection, InjectionPlacement, InjectionVector, IntendedGrant, Observation, SnapshotFile, TurnScript, UserTask, UtilityInput, VolumeSnapshot } from './types.ts';
export { BASE_CLOCK_ISO, BASE_HOME, INJECTION_MARKER } from './home.ts';
export { USER_TASKS } from './tasks.ts';
export { ATTACKS, CONTENT_TEMPLATES, INJECTIONS, LAST_RESULT } from './injections.ts';
export { findInjectedCalls } from './injected-calls.ts';
export { ObedientModel, OracleModel, ScenarioPlanner, observationsOf, type ScriptedModel } from './scripted-models.ts';
export { ScriptedConsentUser, itemIsIntended, type ConsentRecord } from './scripted-user.ts';
export { attackCases, attackReach, type Pairing, type ScenarioCase } from './pairing.ts';
export { diffSnapshots, fileText, seedScenarioVolume, snapshotVolume, type SeededVolume, type VolumeChange } from './volume.ts';
export { formatReportTable, summarizeCases, type AttackReach, type CaseResult, type PromptFigure, type RateFigure, type SuiteReport } from './report.ts';
export { runScenarioCase, runScenarioSuite, type PlannerChoice, type SuiteOptions, type SuiteRun } from './runner.ts';
