/** llm/service — the model loaded at boot, served to the kernel through syscalls. */
export { loadBootModel, type Acceleration, type LoadedModel, type LoadOptions, type LoadProgress } from './load.ts';
export { LlmService, DEFAULT_CONTEXT_TOKENS, type GenerationOutcome, type GenerationRequest } from './llm-service.ts';
export { LLM_OBJECT_TYPE, LLM_SYSCALLS, registerLlmSyscalls } from './syscalls.ts';
