/**
 * The slice of the WebAssembly JS API the arena needs: a shared, growable
 * linear memory. The project's TypeScript libs (ES2023 + node types) do not
 * declare the `WebAssembly` namespace, so it is described here, narrowly.
 */

/** bytes per WebAssembly page */
export const WASM_PAGE_SIZE = 65536;
/** the most pages a 32-bit WebAssembly memory can have (4 GiB) */
export const WASM_MAX_PAGES = 65536;

export interface WasmMemory {
  /** the current backing store; a new SharedArrayBuffer object after each grow */
  readonly buffer: SharedArrayBuffer;
  /** add `deltaPages` pages; returns the old size [pages]; throws RangeError past the maximum */
  grow(deltaPages: number): number;
}

interface WebAssemblyNamespace {
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => WasmMemory;
}

/** a shared memory of `initialPages`, growable to `maximumPages` [64 KiB pages] */
export function createSharedMemory(initialPages: number, maximumPages: number): WasmMemory {
  const api = (globalThis as unknown as { WebAssembly: WebAssemblyNamespace }).WebAssembly;
  return new api.Memory({ initial: initialPages, maximum: maximumPages, shared: true });
}
