/**
 * The slice of the WebAssembly JS API the kernel loader needs: compile a
 * module from bytes and instantiate it against imports. The project's
 * TypeScript libs (ES2023 + node types) do not declare the `WebAssembly`
 * namespace, so it is described here, narrowly (as kernel/mm/wasm-memory.ts
 * does for Memory).
 */

import type { WasmMemory } from '../../kernel/index.ts';

/** a compiled module; structured-cloneable, so workers can instantiate the same one */
export interface WasmModule {
  readonly __brand: 'WebAssembly.Module';
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WebAssemblyNamespace {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
}

function api(): WebAssemblyNamespace {
  return (globalThis as unknown as { WebAssembly: WebAssemblyNamespace }).WebAssembly;
}

/** compile synchronously (the kernel modules are a few KiB); throws the engine's CompileError on bad bytes */
export function compileWasm(bytes: Uint8Array): WasmModule {
  return new (api().Module)(bytes);
}

/** whether this engine accepts `bytes` (e.g. a module that uses relaxed SIMD, which Node 20 takes only behind --experimental-wasm-relaxed-simd) */
export function validateWasm(bytes: Uint8Array): boolean {
  return api().validate(bytes);
}

/** instantiate `module` with `memory` as its `env.memory` import */
export function instantiateWasm(module: WasmModule, memory: WasmMemory): WasmInstance {
  return new (api().Instance)(module, { env: { memory } });
}
