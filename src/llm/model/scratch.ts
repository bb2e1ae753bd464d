/**
 * Where a context's buffers come from. The kernel passes an allocator that
 * carves them out of its memory arena; by default they are plain typed
 * arrays. Buffers are allocated once per context, never per token.
 */

/** returns `bytes` zeroed bytes, 4-byte aligned; `label` names the buffer for the arena's accounting */
export type ScratchAllocator = (bytes: number, label: string) => Uint8Array;

export const plainAllocator: ScratchAllocator = (bytes) => new Uint8Array(bytes);

/** an f32 view of `count` elements from the allocator */
export function allocateFloat32(allocator: ScratchAllocator, count: number, label: string): Float32Array {
  const bytes = allocator(count * 4, label);
  if (bytes.byteOffset % 4 !== 0 || bytes.length < count * 4) {
    throw new Error(`scratch allocator returned a misaligned or short buffer for ${label} (offset ${bytes.byteOffset}, ${bytes.length} bytes)`);
  }
  return new Float32Array(bytes.buffer, bytes.byteOffset, count);
}
