/**
 * Which matmul backend a model gets, and getting its weights into the
 * backend's memory. Rule (ModelOptions.kernels):
 *   undefined    → 'wasm' when a kernel pool is given and the allocator hands
 *                  out bytes of the pool's memory, else 'typescript';
 *   'wasm'       → required: fails kernels.unavailable without a pool or
 *                  with an allocator outside its memory;
 *   'typescript' → the reference kernels, whatever else is given.
 * With 'wasm', weight matrices already in the memory (the kernel service
 * loads them into the arena) are used in place; others (tests build models
 * from plain Uint8Arrays) are copied in once through the allocator.
 */

import { fail } from '../../common/index.ts';
import type { KernelPool } from '../kernels/index.ts';
import type { Tensor } from '../tensor.ts';
import { typescriptBackend, type KernelChoice, type MatmulBackend } from './backend.ts';
import type { ScratchAllocator } from './scratch.ts';
import { WasmMatmulBackend } from './wasm-backend.ts';
import type { Qwen2Weights } from './weights.ts';

export interface BackendChoice {
  readonly backend: MatmulBackend;
  readonly weights: Qwen2Weights;
}

export function chooseBackend(weights: Qwen2Weights, allocator: ScratchAllocator, kernels: KernelChoice | undefined, pool: KernelPool | undefined): BackendChoice {
  if (kernels === 'typescript' || (kernels === undefined && pool === undefined)) return { backend: typescriptBackend, weights };
  if (pool === undefined) return fail('kernels.unavailable', 'llm model: the wasm kernels were requested but no kernel pool (compiled module over the arena memory) was given');
  const backend = new WasmMatmulBackend(pool);
  const probe = allocator(64, 'kernel memory probe');
  if (!backend.accepts(probe)) {
    if (kernels === undefined) return { backend: typescriptBackend, weights };
    fail('kernels.unavailable', "llm model: the wasm kernels were requested but the model's allocator does not hand out the kernel pool's memory (pass the arena's allocator)");
  }
  return { backend, weights: weightsInMemory(weights, backend, allocator) };
}

/** the same weights with every matrix in the backend's memory (copied once when it is not) */
function weightsInMemory(weights: Qwen2Weights, backend: MatmulBackend, allocator: ScratchAllocator): Qwen2Weights {
  const copies = new Map<Tensor, Tensor>();
  const place = (tensor: Tensor): Tensor => {
    if (backend.accepts(tensor.data)) return tensor;
    let copy = copies.get(tensor);
    if (copy === undefined) {
      const data = allocator(tensor.data.length, `weights ${tensor.name}`).subarray(0, tensor.data.length);
      data.set(tensor.data);
      copy = { ...tensor, data };
      copies.set(tensor, copy);
    }
    return copy;
  };
  return {
    ...weights,
    tokenEmbedding: place(weights.tokenEmbedding),
    output: place(weights.output),
    layers: weights.layers.map((layer) => ({
      ...layer,
      query: place(layer.query), key: place(layer.key), value: place(layer.value), attentionOutput: place(layer.attentionOutput),
      gate: place(layer.gate), up: place(layer.up), down: place(layer.down),
    })),
  };
}
