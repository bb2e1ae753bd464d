/**
 * Which build of the kernel module to load. scripts/build-wasm.js writes
 * two from the same sources: build/wasm/llm-kernels.wasm (128-bit SIMD) and
 * build/wasm/llm-kernels-relaxed.wasm (the same plus relaxed SIMD: the int8
 * matmuls — Q8_0, Q4_K, Q5_K, Q6_K — use i16x8.relaxed_dot_i8x16_i7x16_s,
 * one pmaddubsw on x86, with the same result bits). The relaxed one is taken
 * when it is present, wanted, and the engine validates it; Node 20 validates
 * it only after `--experimental-wasm-relaxed-simd` (command line, or
 * v8.setFlagsFromString before compiling: bin/chimaera.js does that).
 * CHIMAERA_WASM_RELAXED=0 forces the plain module (A/B runs, tests).
 *
 * This file reads no files: the caller supplies the bytes (KERNELS_WASM_PATH
 * and KERNELS_RELAXED_WASM_PATH are relative to the repository root).
 */

import { validateWasm } from './wasm-api.ts';

/** where scripts/build-wasm.js writes the relaxed-SIMD build, relative to the repository root */
export const KERNELS_RELAXED_WASM_PATH = 'build/wasm/llm-kernels-relaxed.wasm';

/** the kernel module builds */
export type KernelModuleVariant = 'relaxed-simd' | 'simd';

/** what the caller wants: the relaxed build when the engine takes it, or the plain one always */
export type KernelModulePreference = 'relaxed-if-supported' | 'plain';

/** the preference an environment variable's value states: '0', 'off', 'false', 'no' → 'plain'; anything else or unset → 'relaxed-if-supported' */
export function kernelModulePreference(value: string | undefined): KernelModulePreference {
  return value !== undefined && ['0', 'off', 'false', 'no'].includes(value.trim().toLowerCase()) ? 'plain' : 'relaxed-if-supported';
}

export interface KernelModuleChoice {
  readonly bytes: Uint8Array;
  readonly variant: KernelModuleVariant;
  /** why the plain build was taken (absent when the relaxed one was) */
  readonly reason?: string;
}

/**
 * The module to load: `relaxed` when given, wanted and valid on this engine,
 * else `plain` (unchanged behaviour), with the reason.
 */
export function chooseKernelModule(plain: Uint8Array, relaxed: Uint8Array | undefined, preference: KernelModulePreference): KernelModuleChoice {
  if (preference === 'plain') return { bytes: plain, variant: 'simd', reason: 'the plain SIMD module was asked for (CHIMAERA_WASM_RELAXED=0)' };
  if (relaxed === undefined) return { bytes: plain, variant: 'simd', reason: `${KERNELS_RELAXED_WASM_PATH} is not built` };
  if (!validateWasm(relaxed)) return { bytes: plain, variant: 'simd', reason: 'this engine does not validate relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)' };
  return { bytes: relaxed, variant: 'relaxed-simd' };
}
