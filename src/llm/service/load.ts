/**
 * Loading the model at boot: from the kernel's boot modules into the arena.
 *
 * GGUF ("model PATH" module): the header is read with small range reads;
 * the tensor data section goes straight from the module into ONE arena
 * allocation (owner "llm.weights"), in chunks, so there is no second copy
 * of the weights and progress can be reported. Tensors are views into it.
 *
 * Hugging Face folder ("model-hf PATH" modules, one per file): config.json,
 * tokenizer files and safetensors shards; the F32/F16/BF16 tensors are
 * copied into the arena (the shard buffers are dropped afterwards).
 *
 * With `acceleration` (the compiled WebAssembly kernels, supplied by the
 * host) the model runs on the SIMD kernels over the arena's shared memory,
 * on a pool of worker threads; without it, on the TypeScript reference.
 */

import { fail, formatBytes, formatDuration } from '../../common/index.ts';
import type { Kernel, KernelModule } from '../../kernel/index.ts';
import { readGgufHeader, type GgufFile } from '../gguf/index.ts';
import { POOL_CONTROL_BYTES, startKernelPool, type KernelWorkerFactory } from '../kernels/index.ts';
import { configFromGgufMetadata, configFromHfConfig, buildQwen2Weights, Qwen2Model, type ModelOptions, type Qwen2Config } from '../model/index.ts';
import { openHfFolder, safetensorsToTensor } from '../safetensors/index.ts';
import { ggmlTypeTraits, type Tensor } from '../tensor.ts';
import { Tokenizer } from '../tokenizer/index.ts';

export type LoadProgress = (loadedBytes: number, totalBytes: number) => void;

/** what the host supplies to run the model on the WebAssembly SIMD kernels */
export interface Acceleration {
  /** the compiled kernels (build/wasm/llm-kernels.wasm) */
  readonly wasmBytes: Uint8Array;
  /** extra worker threads (0 = the kernel's own thread only) */
  readonly workers: number;
  readonly factory?: KernelWorkerFactory;
}

export interface LoadOptions {
  readonly onProgress?: LoadProgress;
  /** without it the model runs on the TypeScript reference kernels */
  readonly acceleration?: Acceleration;
}

export interface LoadedModel {
  /** file or folder name, for logs */
  readonly name: string;
  readonly format: 'gguf' | 'hf';
  readonly config: Qwen2Config;
  readonly tokenizer: Tokenizer;
  readonly model: Qwen2Model;
  /** bytes of weights in the arena */
  readonly weightBytes: number;
  /** tensor count per type name ("Q8_0" → 169) */
  readonly tensorTypes: ReadonlyMap<string, number>;
  readonly loadMs: number;
  /** the file's `chimaera.*` string metadata (e.g. chimaera.prompt_style of our default model); empty for others */
  readonly chimaera: ReadonlyMap<string, string>;
}

/** read chunk for module → arena copies [bytes] */
const CHUNK = 16 * 2 ** 20;

/** the model passed at boot, or undefined when there is none */
export function loadBootModel(kernel: Kernel, options: LoadOptions = {}): LoadedModel | undefined {
  const { onProgress } = options;
  const gguf = kernel.modules('model');
  const hf = kernel.modules('model-hf');
  if (gguf.length > 1) fail('boot.config_invalid', `boot: ${gguf.length} model modules were passed; give one`);
  if (gguf.length === 1 && hf.length > 0) fail('boot.config_invalid', 'boot: both a GGUF model and a Hugging Face folder were passed; give one');
  const started = kernel.machine.clock.now();
  const modelOptions = () => modelOptionsFor(kernel, options.acceleration);
  const loaded = gguf.length === 1 ? loadGguf(kernel, gguf[0]!, modelOptions, onProgress) : hf.length > 0 ? loadHf(kernel, hf, modelOptions, onProgress) : undefined;
  if (loaded === undefined) return undefined;
  // the header's read buffers, the vocabulary's decoding batches and the merge list's ranges are garbage now
  kernel.machine.reclaimMemory?.();
  const result = { ...loaded, loadMs: kernel.machine.clock.now() - started };
  const c = result.config;
  kernel.klog.info('llm', `${result.name}: qwen2, ${c.layerCount} layers, hidden ${c.hiddenSize}, ${c.headCount} heads / ${c.kvHeadCount} kv, ffn ${c.intermediateSize}, vocab ${c.vocabSize}, ${c.tiedEmbeddings ? 'tied' : 'separate'} output head`);
  kernel.klog.info('llm', `weights ${formatBytes(result.weightBytes)} in the arena (${[...result.tensorTypes].map(([t, n]) => `${n} ${t}`).join(', ')}), loaded in ${formatDuration(result.loadMs)}`);
  kernel.klog.info('llm', result.model.kernels === 'wasm' ? `kernels: WebAssembly SIMD, ${options.acceleration!.workers + 1} thread${options.acceleration!.workers === 0 ? '' : 's'}` : 'kernels: TypeScript reference (no WebAssembly kernels supplied)');
  return result;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function countTypes(tensors: Iterable<Tensor>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of tensors) {
    const name = ggmlTypeTraits(t.type)?.name ?? `type ${t.type}`;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

function scratchAllocator(kernel: Kernel) {
  return (bytes: number, label: string): Uint8Array => kernel.arena.view(kernel.arena.alloc(bytes, `llm.${label}`));
}

/** scratch in the arena; with acceleration, a kernel pool over the arena's memory, closed at shutdown */
function modelOptionsFor(kernel: Kernel, acceleration: Acceleration | undefined): ModelOptions {
  const allocator = scratchAllocator(kernel);
  if (acceleration === undefined) return { allocator, kernels: 'typescript' };
  const control = kernel.arena.alloc(POOL_CONTROL_BYTES, 'llm.pool');
  const pool = startKernelPool(acceleration.wasmBytes, kernel.arena.memory, control.offset, {
    workers: acceleration.workers,
    ...(acceleration.factory === undefined ? {} : { factory: acceleration.factory }),
  });
  kernel.onShutdown('llm.pool', () => pool.close());
  return { allocator, pool, kernels: 'wasm' };
}

function loadGguf(kernel: Kernel, module: KernelModule, modelOptions: () => ModelOptions, onProgress?: LoadProgress): Omit<LoadedModel, 'loadMs'> {
  const { machine } = kernel;
  const name = basename(module.name);
  const size = module.end - module.start;
  // one scratch buffer for the header's range reads (the GGUF cursor copies what it keeps)
  let scratch = new Uint8Array(0);
  const read = (offset: number, length: number): Uint8Array => {
    if (scratch.length < length) scratch = new Uint8Array(length);
    const out = scratch.subarray(0, length);
    machine.readModuleRange(module.start, module.end, offset, out);
    return out;
  };
  const file: GgufFile = readGgufHeader(read, size, name);
  const dataBytes = size - file.dataOffset;
  const allocation = kernel.arena.alloc(Math.max(dataBytes, 1), 'llm.weights', 64, 'uninitialized');
  const data = kernel.arena.view(allocation).subarray(0, dataBytes);
  // the weights stream in on the machine's reader threads while the tokenizer and the model objects are built
  const reading = machine.startModuleRead?.(module.start, module.end, file.dataOffset, data);
  if (reading === undefined) {
    for (let done = 0; done < dataBytes; ) {
      const n = Math.min(CHUNK, dataBytes - done);
      machine.readModuleRange(module.start, module.end, file.dataOffset + done, data.subarray(done, done + n));
      done += n;
      onProgress?.(done, dataBytes);
    }
  }
  const tensors = new Map<string, Tensor>();
  for (const info of file.tensors) {
    const at = info.offset - file.dataOffset;
    tensors.set(info.name, { name: info.name, type: info.type, shape: info.shape, data: data.subarray(at, at + info.byteLength) });
  }
  const config = configFromGgufMetadata({ get: (key) => file.metadata.get(key)?.value }, name, tensors);
  const tokenizer = Tokenizer.fromGgufMetadata(file.metadata, name);
  const options = modelOptions(); // starts the kernel pool's threads, which need no weights yet
  reading?.wait(onProgress);
  const weights = buildQwen2Weights(config, tensors, name, { naming: 'gguf' });
  const model = new Qwen2Model(config, weights, options);
  const chimaera = new Map<string, string>();
  for (const [key, entry] of file.metadata) if (key.startsWith('chimaera.') && typeof entry.value === 'string') chimaera.set(key, entry.value);
  return { name, format: 'gguf', config, tokenizer, model, weightBytes: dataBytes, tensorTypes: countTypes(tensors.values()), chimaera };
}

function loadHf(kernel: Kernel, modules: readonly KernelModule[], modelOptions: () => ModelOptions, onProgress?: LoadProgress): Omit<LoadedModel, 'loadMs'> {
  const byName = new Map(modules.map((m) => [basename(m.name), m]));
  const folder = modules[0]!.name.slice(0, modules[0]!.name.lastIndexOf('/')) || '.';
  const name = basename(folder);
  const folderFiles = openHfFolder({ read: (file) => {
    const m = byName.get(file);
    return m === undefined ? undefined : kernel.machine.readModule(m.start, m.end);
  } }, name);
  const config = configFromHfConfig(folderFiles.config, `${name}/config.json`);
  if (folderFiles.tokenizerJson === undefined) fail('llm.config_invalid', `${name}: tokenizer.json is missing from the model folder`);
  const tokenizer = Tokenizer.fromTokenizerJson(JSON.parse(folderFiles.tokenizerJson), folderFiles.tokenizerConfig, `${name}/tokenizer.json`);
  let total = 0;
  for (const t of folderFiles.tensors.values()) total += t.data.length;
  const allocation = kernel.arena.alloc(Math.max(total, 1), 'llm.weights', 64, 'uninitialized');
  const arena = kernel.arena.view(allocation);
  const tensors = new Map<string, Tensor>();
  let at = 0;
  for (const t of folderFiles.tensors.values()) {
    const view = arena.subarray(at, at + t.data.length);
    view.set(t.data);
    at += t.data.length;
    tensors.set(t.name, safetensorsToTensor(t, view));
    onProgress?.(at, total);
  }
  const weights = buildQwen2Weights(config, tensors, name, { naming: 'hf', shapeOrder: 'ggml' });
  const model = new Qwen2Model(config, weights, modelOptions());
  return { name, format: 'hf', config, tokenizer, model, weightBytes: total, tensorTypes: countTypes(tensors.values()), chimaera: new Map() };
}
