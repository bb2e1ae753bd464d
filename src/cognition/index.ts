/** cognition — layer 5: the cognition daemon, the action grammar, tools and constrained decoding. */
export * from './tool-spec.ts';
