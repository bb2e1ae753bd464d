/** consent — layer 5: the default-deny consent broker, grants, labels (taint) and the audit log. */
export * from './types.ts';
export { canonicalName, canonicalPath, canonicalPattern, parsePattern, patternCovers, patternMatches, patternsOverlap, type PatternShape } from './patterns.ts';
export { ALWAYS_ASK_RIGHTS, DEFAULT_POLICY, NEEDLESS_TOOLS, type ConsentPolicy, type Rule } from './policy.ts';
export { decide, decideInDetail, type DecisionDetail, type NeedOutcome } from './decide.ts';
export { CLOCK_BACKWARDS_TOLERANCE_MS, HOUR_MS, describeGrant, grantIsLive, grantServes, type ClockView } from './grants.ts';
export { GRANTS_PATH, GrantStore } from './grant-store.ts';
export { AUDIT_PATH, AuditLog, GENESIS_HASH, MemoryAuditStorage, RecordLogAuditStorage, digestOf, type AuditEntry, type AuditKind, type AuditRecord, type AuditStorage, type AuditVerification } from './audit.ts';
export { SCOPES_BY_RIGHT, allowEveryItem } from './bundle.ts';
export { explainAction, type GrantTrail, type WhyReport } from './why.ts';
export { ConsentBroker, type AuthorizeResult, type ConsentBrokerLike, type ConsentBrokerOptions } from './broker.ts';
export { unguardedBroker } from './unguarded.ts';
