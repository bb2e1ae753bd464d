/** llm/sampling — token samplers (llama.cpp's chain), stop strings and the generation loop. */
export { Sampler, argmax, DEFAULT_SAMPLER_OPTIONS, type SamplerOptions } from './sampler.ts';
export { StopStringMatcher, type StopCheck } from './stop-strings.ts';
export { generate, type GenerateOptions, type GenerateResult, type GenerationContext, type StopReason, type TextDecoding } from './generate.ts';
export { applyMaskToLogits, maskAllowedCount, maskAllows, type Alternatives, type TokenConstraint, type TokenMask } from './constraint.ts';
export { scoreAlternatives, type ScoredChoice, type ScoringContext } from './alternatives.ts';
