/**
 * init — what runs after the kernel is up and before the shell: storage,
 * the kernel's own syscalls, the model, cognition (the consent broker, its
 * logs in /lived and the cognition daemon: cognition.ts), and the handles
 * the shell starts with. Shared
 * by `chimaera boot` and the in-process system tests, so both bring the
 * system up the same way.
 */

import { KERNEL_OBJECT_TYPE, Rights, registerKernelSyscalls, type Kernel } from '../kernel/index.ts';
import { DIRECTORY_OBJECT_TYPE, startStorage, type Storage } from '../fs/index.ts';
import * as nodeFs from 'node:fs';
import { chooseKernelModule, kernelModulePreference, KERNELS_RELAXED_WASM_PATH, KERNELS_WASM_PATH, LLM_OBJECT_TYPE, LlmService, loadBootModel, registerLlmSyscalls, type Acceleration, type LoadProgress } from '../llm/index.ts';
import { defaultKernelWorkers, nodeKernelWorkerFactory } from './llm-worker.ts';
import type { ShellHandles, SyscallPort } from '../shell/index.ts';
import { startCognition, type CognitionOptions, type SystemCognition } from './cognition.ts';
import { startRetrain, type RetrainService } from './retrain.ts';
import { startPerception, type Perception, type PerceptionOptions } from './perception-init.ts';

export interface System {
  readonly kernel: Kernel;
  readonly storage: Storage;
  /** the shell's syscall port (errors thrown as ChimaeraError) */
  readonly port: SyscallPort;
  /** the LLM service, when a model was passed at boot */
  readonly llm: LlmService | undefined;
  /** the handles the shell starts with: kernel (READ, MANAGE), the volume root (READ, WRITE, DUPLICATE), the LLM (READ, EXECUTE) */
  readonly shellHandles: ShellHandles;
  /** the consent broker, its logs in /lived, the tools and (with a model or an injected planner) the cognition daemon */
  readonly cognition: SystemCognition;
  /** the LoRA adapter history and, with a model, the weekly retrain cycle (a background kernel task) */
  readonly retrain: RetrainService;
  /** sensors behind the consent gate, the PC-SNN, the anomaly detector (nothing is captured until a sense is granted) */
  readonly perception: Perception;
}

export interface StartOptions {
  /** called while model weights load (for a progress bar) */
  readonly onModelProgress?: LoadProgress;
  /** cognition options: an injected planner (tests), the consent policy, daemon limits */
  readonly cognition?: CognitionOptions;
  /** 'scheduled' (chimaera boot): the weekly retrain runs as a background task; 'manual' (default): only on request */
  readonly retrain?: 'scheduled' | 'manual';
  /** perception options (hosted sensor sources, watched host folders, injected sources in tests) */
  readonly perception?: PerceptionOptions;
}

export function startSystem(kernel: Kernel, options: StartOptions = {}): System {
  const storage = startStorage(kernel);
  registerKernelSyscalls(kernel);
  const llm = startLlm(kernel, options.onModelProgress);
  const cognition = startCognition(kernel, storage, llm, options.cognition);
  const perception = startPerception(kernel, storage, { broker: cognition.broker, ...options.perception });
  const retrain = startRetrain(kernel, storage, llm, cognition.episodes, { schedule: options.retrain ?? 'manual', promptStyle: cognition.promptStyle });
  const shellHandles: ShellHandles = {
    kernel: kernel.handles.create(kernel, KERNEL_OBJECT_TYPE, Rights.READ | Rights.MANAGE),
    root: kernel.handles.create(storage.root, DIRECTORY_OBJECT_TYPE, Rights.READ | Rights.WRITE | Rights.DUPLICATE),
    ...(llm === undefined ? {} : { llm: kernel.handles.create(llm, LLM_OBJECT_TYPE, Rights.READ | Rights.EXECUTE) }),
  };
  const port: SyscallPort = {
    async call<T>(name: string, handle: number, args: Record<string, unknown> = {}): Promise<T> {
      const result = await kernel.syscalls.dispatch({ handles: kernel.handles, principal: 'shell' }, name, handle, args);
      if (!result.ok) throw result.error;
      return result.value as T;
    },
  };
  kernel.klog.info('init', `${kernel.syscalls.list().length} syscalls registered; shell handles: kernel ${shellHandles.kernel}, root ${shellHandles.root}`);
  return { kernel, storage, port, llm, shellHandles, cognition, retrain, perception };
}

export type KernelChoice = 'wasm' | 'typescript';

/** the compiled WebAssembly kernels and worker threads, when wanted and built (else the TypeScript reference runs) */
export function hostAcceleration(choice: KernelChoice = 'wasm', threads?: number): Acceleration | undefined {
  if (choice === 'typescript') return undefined;
  const path = new URL(`../../${KERNELS_WASM_PATH}`, import.meta.url);
  if (!nodeFs.existsSync(path)) return undefined;
  const workers = threads === undefined ? defaultKernelWorkers() : Math.max(0, threads - 1);
  // the relaxed-SIMD build when it is built and this engine validates it (bin/chimaera.js sets the Node 20 flag); CHIMAERA_WASM_RELAXED=0 forces the plain one
  const relaxedPath = new URL(`../../${KERNELS_RELAXED_WASM_PATH}`, import.meta.url);
  const relaxed = nodeFs.existsSync(relaxedPath) ? new Uint8Array(nodeFs.readFileSync(relaxedPath)) : undefined;
  const module = chooseKernelModule(new Uint8Array(nodeFs.readFileSync(path)), relaxed, kernelModulePreference(process.env.CHIMAERA_WASM_RELAXED));
  return { wasmBytes: module.bytes, workers, factory: nodeKernelWorkerFactory };
}

/** load the boot model (if any) into the arena and serve it through the llm.* syscalls */
export function startLlm(kernel: Kernel, onProgress?: LoadProgress, acceleration: Acceleration | undefined = hostAcceleration()): LlmService | undefined {
  const loaded = loadBootModel(kernel, { ...(onProgress === undefined ? {} : { onProgress }), ...(acceleration === undefined ? {} : { acceleration }) });
  if (loaded === undefined) return undefined;
  registerLlmSyscalls(kernel.syscalls);
  return new LlmService(kernel, loaded);
}
