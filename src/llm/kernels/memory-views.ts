/**
 * Does a typed array lie in a given WebAssembly memory? A view made before
 * the memory grew holds a different SharedArrayBuffer object over the same
 * bytes, so object identity cannot tell; instead one byte is flipped through
 * the view and looked for through the memory (then restored). Call it only
 * while no other thread writes those bytes (at model or context creation).
 */

import type { WasmMemory } from '../../kernel/index.ts';

/** true when `view`'s bytes are bytes [view.byteOffset, +byteLength) of `memory` (an empty view counts when its offset is inside) */
export function viewInMemory(view: ArrayBufferView, memory: WasmMemory): boolean {
  if (!(view.buffer instanceof SharedArrayBuffer)) return false;
  const all = new Uint8Array(memory.buffer);
  if (view.byteOffset + view.byteLength > all.length) return false;
  if (view.byteLength === 0) return true;
  const bytes = new Uint8Array(view.buffer, view.byteOffset, 1);
  const original = bytes[0]!;
  bytes[0] = original ^ 0xa5;
  const same = all[view.byteOffset] === (original ^ 0xa5);
  bytes[0] = original;
  return same;
}
