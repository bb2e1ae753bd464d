/**
 * consent/types — the vocabulary the consent broker and the cognition daemon
 * share: risk classes and rights, resources and their patterns, data labels
 * (taint), the action requests the daemon brings to the broker, the broker's
 * decisions, grants, and the bundled consent prompt with its answer.
 *
 * Cognition imports these; consent never imports cognition.
 */

/** what an action does to a resource; a tool's risk is its most dangerous need */
export type RiskClass = 'read' | 'write' | 'egress' | 'destroy' | 'sense';

/** a right in a grant is named like the risk class it covers */
export type Right = RiskClass;

export const RISK_CLASSES: readonly RiskClass[] = ['read', 'write', 'egress', 'destroy', 'sense'];

/** what a right is exercised on */
export type ResourceKind =
  | 'path' //      a file or folder on the FAT32 volume, absolute volume path ("/home/notes/a.txt")
  | 'recipient' // an egress destination ("bob", "bob@x.org")
  | 'sensor' //    a sensor kind ("kbd", "mic", "usb", "fs", "net")
  | 'log' //       a system log ("klog", "episodes")
  | 'clock'; //    the time of day

export interface Resource {
  readonly kind: ResourceKind;
  /** canonical name: paths normalised and case-folded by the broker before matching */
  readonly name: string;
}

/**
 * A resource pattern in a grant or rule. Paths: exact "/home/a.txt",
 * one level "/home/notes/*", subtree "/home/notes/**". Recipients: exact
 * "bob@x.org" or "*@x.org". Sensors and logs: exact name or "*". No regexes.
 */
export interface ResourcePattern {
  readonly kind: ResourceKind;
  readonly pattern: string;
}

/** where a piece of data came from */
export interface LabelSource {
  /** a tool name ("fs.read"), 'user' (the request or an ask_user answer) or 'system' */
  readonly kind: string;
  /** what it read: a path, a log name, a recipient… */
  readonly ref: string;
}

/** the taint label carried by every value in the daemon */
export interface Label {
  /** 'untrusted': derived from tool output (file contents, file names, log lines) */
  readonly integrity: 'trusted' | 'untrusted';
  /** derived from the user's files (anything read under /home) */
  readonly private: boolean;
  readonly sources: readonly LabelSource[];
}

export type ArgumentValue = string | number;

/** one right a call needs, on one resource, named by one argument of the call */
export interface Need {
  readonly right: Right;
  readonly resource: Resource;
  /** the argument that names the resource ("path", "to", "from") */
  readonly argument: string;
  /** that argument's label: a target named by tainted data cannot ride on a grant */
  readonly label: Label;
}

/** the task an action belongs to; grants given for one intent never serve another */
export interface TaskScope {
  readonly taskId: string;
  readonly intentId: string;
  /** the user's words, shown in prompts and the audit trail */
  readonly intentText: string;
  /** 'interactive': a user can be asked; 'headless' (scheduled work): anything that would ask is denied */
  readonly presence: 'interactive' | 'headless';
}

/** one tool call of a plan, as the daemon brings it to the broker */
export interface ActionRequest {
  /** unique, stable: "<taskId>.<planIndex>.<callIndex>" — `why <actionId>` starts here */
  readonly actionId: string;
  readonly planId: string;
  readonly callIndex: number;
  readonly tool: string;
  readonly risk: RiskClass;
  readonly args: Readonly<Record<string, ArgumentValue>>;
  /** the call in the action grammar's display form: fs.read(path="/home/a.txt") */
  readonly rendered: string;
  readonly needs: readonly Need[];
  /** join of the labels of the arguments that carry data out (bodies, message text) */
  readonly dataLabel: Label;
}

/** the step of the decision procedure that settled a call (for the audit trail) */
export type DecisionStep =
  | 'malformed' | 'unknown-tool' | 'builtin-deny' | 'user-deny' | 'ask-rule' | 'taint'
  | 'grant' | 'allow-rule' | 'policy' | 'default' | 'broker-error';

export type Decision =
  | { readonly kind: 'allow'; readonly step: DecisionStep; readonly grantId?: string; readonly ruleId?: string; readonly reason: string }
  | { readonly kind: 'deny'; readonly step: DecisionStep; readonly reason: string }
  | {
      readonly kind: 'ask';
      readonly step: DecisionStep;
      readonly reason: string;
      /** only a grant made by this prompt may satisfy it (taint, ask rules, destroy/egress) */
      readonly freshOnly: boolean;
      /** where the data or target came from, shown to the user */
      readonly provenance: readonly LabelSource[];
    };

/** how long a grant lives */
export type GrantScope = 'once' | 'task' | 'hour' | 'session' | 'always';

export interface Grant {
  readonly id: string;
  readonly right: Right;
  readonly resource: ResourcePattern;
  /** the intent it was given for; null only for standing rules the user made ('always' reads, policies) */
  readonly intentId: string | null;
  readonly scope: GrantScope;
  /** absolute expiry [ms since epoch, broker clock]; null = no time limit */
  readonly expiresAtMs: number | null;
  /** uses left; null = unlimited */
  readonly usesLeft: number | null;
  readonly createdAtMs: number;
  /** audit sequence number of the answer that created it */
  readonly createdBy: number;
  readonly revokedAtMs?: number;
  /** task-lived grants ('once', 'task'): the task whose end kills them */
  readonly taskId?: string;
  /** a fresh grant (taint, egress, destroy, sense, ask rules): only these calls, shown in the prompt that made it, may use it */
  readonly freshFor?: readonly string[];
}

/** one line of a bundled consent prompt: a right on a resource pattern, covering one or more calls */
export interface ConsentItem {
  readonly itemId: string;
  readonly right: Right;
  readonly resource: ResourcePattern;
  readonly actionIds: readonly string[];
  /** "read 3 files in /home/notes", "send 1 message to bob" */
  readonly summary: string;
  /** data origins to show (egress of file-derived data, tainted targets) */
  readonly provenance: readonly LabelSource[];
  /** read items start ticked; egress and destroy need an explicit tick */
  readonly preselected: boolean;
  /** the scopes the user may choose for this item; the first is the default */
  readonly scopes: readonly GrantScope[];
}

/** one prompt per plan: everything the plan needs that no grant or rule covers */
export interface ConsentPrompt {
  readonly promptId: string;
  readonly taskId: string;
  readonly intentText: string;
  /** "To summarise your notes I need:" */
  readonly headline: string;
  readonly items: readonly ConsentItem[];
}

export type ConsentAnswer =
  | { readonly kind: 'allow-all'; readonly scope: 'task' | 'hour' }
  | { readonly kind: 'deny-all' }
  | { readonly kind: 'each'; readonly items: Readonly<Record<string, { readonly allow: boolean; readonly scope?: GrantScope }>> };

/** whoever answers consent prompts: the terminal, a script in tests */
export interface ConsentUi {
  ask(prompt: ConsentPrompt, signal?: AbortSignal): Promise<ConsentAnswer>;
}
