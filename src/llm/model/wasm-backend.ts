/**
 * The 'wasm' matmul backend: activations are quantized once per token by the
 * WebAssembly quantizers into the context's prepared scratch, then one pool
 * job computes every product of the group (rows split over the threads).
 * All buffers are byte offsets into the pool's memory: the model checks at
 * construction that weights live there (or copies them in once) and the
 * context that its scratch does (llm/kernels viewInMemory). Weight types
 * without a WASM kernel (Q5_1) take the TypeScript path. Attention runs as
 * one pool job per layer, (token, head) rows split over the threads, and
 * SwiGLU's gating as one job with the elements split. For Q8_0 weights and
 * four or more tokens the activations are also unpacked once per group
 * (signs, magnitudes, f32 scales) for the relaxed module's batch tiles, in
 * scratch after the prepared ones (preparedBytes sizes both).
 */

import { KernelPool, MATMUL_KERNELS, POOL_MAX_TASKS, Q8_0_UNPACKED_BYTES, viewInMemory, type PoolTask } from '../kernels/index.ts';
import { GgmlType, type GgmlTypeId } from '../tensor.ts';
import type { AttentionShape } from './attention.ts';
import type { MatmulBackend, Product } from './backend.ts';
import { matmul } from './matmul.ts';
import { preparedBytes, rowBytes, vecDotType } from './quant.ts';

type MutableTask = { -readonly [K in keyof PoolTask]: PoolTask[K] };

export class WasmMatmulBackend implements MatmulBackend {
  readonly kind = 'wasm' as const;
  readonly pool: KernelPool;
  /** reused task descriptors (no allocation per matmul) */
  private readonly tasks: MutableTask[] = [];
  /** tasks filled and not yet run */
  private pending = 0;

  constructor(pool: KernelPool) {
    this.pool = pool;
    for (let i = 0; i < POOL_MAX_TASKS; i++) {
      this.tasks.push({ type: 0 as GgmlTypeId, out: 0, outTokenStride: 0, weights: 0, rowStride: 0, x: 0, xTokenStride: 0, tokens: 0, n: 0, nOut: 0, unpacked: 0 });
    }
  }

  accepts(view: ArrayBufferView): boolean {
    return viewInMemory(view, this.pool.kernels.memory);
  }

  attend(out: Float32Array, q: Float32Array, keys: Float32Array, values: Float32Array, layerOffset: number, startPosition: number, tokens: number, shape: AttentionShape): void {
    this.pool.attention({
      out: out.byteOffset, q: q.byteOffset,
      keys: keys.byteOffset + 4 * layerOffset, values: values.byteOffset + 4 * layerOffset,
      startPosition, tokens, headCount: shape.headCount, kvHeadCount: shape.kvHeadCount, headDim: shape.headDim,
    });
  }

  /** per token: the prepared activations, and for Q8_0 weights room after them for the unpacked ones (WasmKernels.unpackQ8_0) */
  preparedBytes(type: GgmlTypeId, nIn: number): number {
    const bytes = preparedBytes(type, nIn);
    return type === GgmlType.Q8_0 ? bytes + (nIn / 32) * Q8_0_UNPACKED_BYTES : bytes;
  }

  swiglu(gate: Float32Array, up: Float32Array, n: number): void {
    this.pool.swiglu(gate.byteOffset, up.byteOffset, n);
  }

  multiply(input: Float32Array, tokens: number, nIn: number, products: readonly Product[], count: number, prepared: Uint8Array): void {
    const kernels = this.pool.kernels;
    const inputOffset = input.byteOffset;
    /** vec-dot type whose activations are in `prepared` now (-1: none) */
    let preparedType = -1;
    /** where those Q8_0 activations are unpacked for the relaxed batch tiles: -1 not tried yet, 0 not usable */
    let unpacked = -1;
    this.pending = 0;
    for (let p = 0; p < count; p++) {
      const product = products[p]!;
      const type = product.weight.type as GgmlTypeId;
      if (!MATMUL_KERNELS.has(type)) {
        this.flush();
        matmul(product.out, 0, input, 0, tokens, product.weight, nIn, product.nOut, prepared);
        preparedType = -1;
        unpacked = -1;
        continue;
      }
      const activationType = vecDotType(type);
      let x = inputOffset;
      let xStride = 4 * nIn;
      if (activationType !== GgmlType.F32) {
        xStride = preparedBytes(type, nIn);
        if (activationType !== preparedType) {
          this.flush();
          // the tokens' rows lie back to back in both buffers, so one call quantizes them all
          kernels.prepare(type, inputOffset, prepared.byteOffset, nIn * tokens);
          preparedType = activationType;
          unpacked = -1;
        }
        x = prepared.byteOffset;
      }
      if (type === GgmlType.Q8_0 && tokens >= 4 && unpacked === -1) {
        // once per group: the scratch after the prepared blocks (this.preparedBytes sizes it)
        const at = prepared.byteOffset + xStride * tokens;
        unpacked = kernels.unpackQ8_0(x, xStride, tokens, nIn, at) ? at : 0;
      }
      const task = this.tasks[this.pending++]!;
      task.type = type;
      task.out = product.out.byteOffset;
      task.outTokenStride = 4 * product.nOut;
      task.weights = product.weight.data.byteOffset;
      task.rowStride = rowBytes(type, nIn);
      task.x = x;
      task.xTokenStride = xStride;
      task.tokens = tokens;
      task.n = nIn;
      task.nOut = product.nOut;
      task.unpacked = type === GgmlType.Q8_0 ? Math.max(0, unpacked) : 0;
      if (this.pending === this.tasks.length) this.flush();
    }
    this.flush();
  }

  private flush(): void {
    if (this.pending > 0) this.pool.run(this.tasks, this.pending);
    this.pending = 0;
  }
}
