/** cognition — layer 5: the cognition daemon, the action grammar, tools and constrained decoding. */
export * from './tool-spec.ts';
export * from './labels.ts';
export * from './actions.ts';
export * from './action-requests.ts';
export * from './transcript.ts';
export * from './prompt.ts';
export * from './planner.ts';
export * from './daemon-types.ts';
export * from './daemon.ts';
export * from './tools/index.ts';
export * from './fixtures.ts';
export * from './grammar/index.ts';
export * from './llm-planner.ts';
