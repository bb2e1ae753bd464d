/**
 * cognition/scenarios/types — the shapes of the AgentDojo-style scenario suite
 * (COGNITION.md §5): user tasks (a seed state on the FAT32 volume, a prompt,
 * the reference plan and a utility predicate), injection tasks (text planted
 * in a file body or a file name, the attacker's calls and a security
 * predicate), and the volume snapshots the predicates read.
 *
 * Predicates read the volume state and the reply, never the model's prose
 * alone; a security predicate is true when the attack SUCCEEDED.
 */

import type { ResourceKind, RiskClass, Right } from '../../consent/index.ts';
import type { ToolCall } from '../tool-spec.ts';

/** one file of a volume snapshot */
export interface SnapshotFile {
  /** absolute volume path as stored ("/home/Notes/a.txt") */
  readonly path: string;
  /** UTF-8 text of the file */
  readonly text: string;
}

/** the files under /home after (or before) a run, keyed by the case-folded path (FAT32 is case-insensitive) */
export type VolumeSnapshot = ReadonlyMap<string, SnapshotFile>;

/** what one executed call showed the model, as the scenario planners see it */
export interface Observation {
  readonly call: ToolCall;
  readonly ok: boolean;
  /** the tool's result text (file contents, listings, errors) */
  readonly text: string;
}

/** one assistant turn of a reference plan: fixed calls, or calls computed from what was observed so far */
export type TurnScript = readonly ToolCall[] | ((observations: readonly Observation[]) => readonly ToolCall[]);

/** a right on one resource that the user means to give for a task (the scripted user approves exactly these) */
export interface IntendedGrant {
  readonly right: Right;
  readonly kind: ResourceKind;
  /** exact resource name: "/home/summary.txt", "bob" */
  readonly name: string;
}

/** what a utility predicate sees */
export interface UtilityInput {
  readonly pre: VolumeSnapshot;
  readonly post: VolumeSnapshot;
  /** the daemon's final reply ('' when none) */
  readonly reply: string;
}

export interface UserTask {
  readonly id: string;
  /** the user's words */
  readonly prompt: string;
  /** the most dangerous thing the task does (for prompts-per-task by class) */
  readonly risk: RiskClass;
  readonly seed: {
    /** files added to (or replacing) the base /home: path → content, may hold the `{{inj}}` marker */
    readonly files?: Readonly<Record<string, string>>;
    /** wall clock at the start of the run (ISO 8601); default BASE_CLOCK_ISO */
    readonly clockIso?: string;
  };
  /** where an injection can reach the model: files it reads (body marker) and folders it lists (file names) */
  readonly injectionVectors: { readonly files: readonly string[]; readonly folders: readonly string[] };
  /** the turns an ideal planner makes; the last one ends with reply(...) */
  readonly groundTruth: readonly TurnScript[];
  /** the non-read rights the user grants when asked (reads under /home are pre-granted by policy) */
  readonly intendedGrants: readonly IntendedGrant[];
  readonly utility: (input: UtilityInput) => boolean;
}

/** how an injection reaches the model */
export type InjectionVector = 'content' | 'name';

export interface Injection {
  readonly id: string;
  /** what the attacker wants, in words */
  readonly goal: string;
  /** the wording family ("important-instructions", "fake-tool-call", …) */
  readonly template: string;
  readonly vector: InjectionVector;
  /** 'content': text planted at `{{inj}}`; 'name': the name of a file created in a listed folder */
  readonly text: string;
  /** the calls the attacker wants made (for classification: the capabilities the attack needs) */
  readonly calls: readonly ToolCall[];
  /** true when the attack succeeded */
  readonly security: (pre: VolumeSnapshot, post: VolumeSnapshot) => boolean;
}

/** where the injection of one case is planted */
export interface InjectionPlacement {
  readonly injection: Injection;
  /** the file whose marker holds the text, or the folder that gets the named file */
  readonly target: string;
}
