/**
 * consent/policy — rules: standing allow / ask / deny decisions over a right
 * and a resource pattern, and the built-in facts of the decision procedure.
 *
 * Where rules sit in the decision order (decide.ts): built-in deny → user
 * deny rules → ask rules → taint gate → grants → allow rules → default. A
 * deny rule fires when its pattern overlaps what a call needs; allow and ask
 * rules when their pattern covers it. Order, not specificity, settles ties.
 *
 * Origins: 'builtin' (the broker's own), 'policy' (system defaults such as
 * pre-granting reads of /home) and 'user' (standing rules the user made).
 * Only a user allow rule (or an 'always' grant) is a "standing rule" that
 * lets egress, destroy and sense calls skip their default ask; even then the
 * taint gate still applies.
 */

import type { ResourcePattern, Right } from './types.ts';

export interface Rule {
  /** stable, shown in the audit trail ("policy.read-home") */
  readonly id: string;
  readonly effect: 'allow' | 'ask' | 'deny';
  readonly right: Right;
  readonly resource: ResourcePattern;
  readonly origin: 'builtin' | 'policy' | 'user';
  /** only calls of this tool; absent = any tool */
  readonly tool?: string;
  readonly description?: string;
}

export interface ConsentPolicy {
  readonly rules: readonly Rule[];
}

/** tools that need no right at all: allowed by the built-in allow rule */
export const NEEDLESS_TOOLS: ReadonlySet<string> = new Set(['time.now', 'reply', 'ask_user']);

/** rights that ask by default unless a standing user rule or an 'always' grant covers them */
export const ALWAYS_ASK_RIGHTS: ReadonlySet<string> = new Set(['egress', 'destroy', 'sense']);

/** places no tool may ever touch (the broker's own state), whatever the right */
export const SEALED_PATTERNS: readonly ResourcePattern[] = [
  { kind: 'path', pattern: '/lived/grants/**' },
  { kind: 'path', pattern: '/lived/audit/**' },
];

/** where only reading is allowed: what the system has lived */
export const READ_ONLY_PATTERN: ResourcePattern = { kind: 'path', pattern: '/lived/**' };

/**
 * The default policy: reading the user's files and recalling the episodic
 * memory do not prompt. Everything else asks (interactive) or is denied
 * (headless) until a grant or a user rule covers it.
 */
export const DEFAULT_POLICY: ConsentPolicy = {
  rules: [
    { id: 'policy.read-home', effect: 'allow', right: 'read', resource: { kind: 'path', pattern: '/home/**' }, origin: 'policy', description: 'read your files under /home' },
    { id: 'policy.recall-memory', effect: 'allow', right: 'read', resource: { kind: 'log', pattern: 'episodes' }, origin: 'policy', description: 'recall the episodic memory' },
  ],
};
