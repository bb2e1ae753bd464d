/**
 * The key/value cache of one inference context: for every layer and every
 * position already evaluated, the rotated key and the value of each KV head.
 *
 *   keys, values: (layer, position, kvHead, headDim) f32
 *   capacity: positions per layer, fixed at creation
 *   length: positions filled (the same for all layers between evaluations)
 *
 * `precision: 'f16'` rounds stored entries to the nearest f16 (still kept in
 * f32 arrays) to reproduce llama.cpp's default f16 cache numerically.
 */

import { fail } from '../../common/index.ts';
import { roundToF16 } from './quant.ts';
import { allocateFloat32, plainAllocator, type ScratchAllocator } from './scratch.ts';

export type KvPrecision = 'f32' | 'f16';

export class KvCache {
  readonly layerCount: number;
  readonly capacity: number;
  /** kvHeadCount · headDim */
  readonly kvDim: number;
  readonly precision: KvPrecision;
  /** (layer, position, kvHead, headDim) f32 */
  readonly keys: Float32Array;
  /** (layer, position, kvHead, headDim) f32 */
  readonly values: Float32Array;
  private filled = 0;

  constructor(layerCount: number, capacity: number, kvDim: number, options: { precision?: KvPrecision; allocator?: ScratchAllocator } = {}) {
    this.layerCount = layerCount;
    this.capacity = capacity;
    this.kvDim = kvDim;
    this.precision = options.precision ?? 'f32';
    const allocator = options.allocator ?? plainAllocator;
    this.keys = allocateFloat32(allocator, layerCount * capacity * kvDim, 'kv-cache keys');
    this.values = allocateFloat32(allocator, layerCount * capacity * kvDim, 'kv-cache values');
  }

  /** positions filled */
  get length(): number {
    return this.filled;
  }

  /** offset of `layer`'s block in keys/values */
  layerOffset(layer: number): number {
    return layer * this.capacity * this.kvDim;
  }

  /** store k and v ([kvDim] f32 each, at kOffset/vOffset) for `position` of `layer` */
  store(layer: number, position: number, k: Float32Array, kOffset: number, v: Float32Array, vOffset: number): void {
    const base = this.layerOffset(layer) + position * this.kvDim;
    const n = this.kvDim;
    if (this.precision === 'f16') {
      for (let i = 0; i < n; i++) {
        this.keys[base + i] = roundToF16(k[kOffset + i]!);
        this.values[base + i] = roundToF16(v[vOffset + i]!);
      }
    } else {
      for (let i = 0; i < n; i++) {
        this.keys[base + i] = k[kOffset + i]!;
        this.values[base + i] = v[vOffset + i]!;
      }
    }
  }

  /** room left [positions] */
  get free(): number {
    return this.capacity - this.filled;
  }

  /** mark `count` more positions as filled (after every layer stored them) */
  advance(count: number): void {
    if (this.filled + count > this.capacity) throw new Error(`KvCache.advance past capacity (${this.filled} + ${count} > ${this.capacity})`);
    this.filled += count;
  }

  /** forget everything */
  reset(): void {
    this.filled = 0;
  }

  /** keep the first `length` positions (to reuse a shared prompt prefix) */
  truncate(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > this.filled) {
      fail('arg.invalid', `cannot truncate a KV cache of ${this.filled} positions to ${length}`);
    }
    this.filled = length;
  }
}
