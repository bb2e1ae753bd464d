/** consent — layer 5: the default-deny consent broker, grants, labels (taint) and the audit log. */
export * from './types.ts';
