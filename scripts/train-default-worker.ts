// One data-parallel training worker of `npm run train:default` (node:worker_threads).
//
// Every worker holds the same model (same seed) and the same AdamW state. Per step:
//   'accumulate' {indices}  forward + backward of its share of the batch; the gradients
//                           go into this worker's slot of the shared gradient buffer
//   'step'                  the coordinator has averaged every slot into the shared
//                           average buffer: copy it in, clip, AdamW — identical on
//                           every worker, so the copies never drift apart
//   'parameters'            send the current values (for snapshots and the final file)
//   'evaluate' {indices}    mean loss, no gradients
import { parentPort, workerData } from 'node:worker_threads';
import { existsSync, readFileSync } from 'node:fs';
import { JAVASCRIPT_COMPUTE, Qwen2Parameters, Qwen2Trainer, WasmTrainCompute, type CopyCircuitOptions, type TrainingExample } from '../src/train/index.ts';
import { TRAIN_KERNELS_WASM_PATH, TrainKernels, type Qwen2Config } from '../src/llm/index.ts';

interface WorkerSetup {
  readonly config: Qwen2Config;
  readonly seed: number;
  readonly maxTokens: number;
  readonly schedule: { peak: number; warmupSteps: number; totalSteps: number; minimumRatio?: number };
  readonly weightDecay: number;
  readonly examples: readonly { tokens: Int32Array; targets: Int32Array }[];
  /** (workers, parameters) f32 */
  readonly gradients: SharedArrayBuffer;
  /** (parameters) f32 */
  readonly average: SharedArrayBuffer;
  readonly slot: number;
  /** the random init's copy circuit (copy-circuit.ts); absent: none */
  readonly copyCircuit?: CopyCircuitOptions;
  /** starting values per tensor (--init: continue from a model file); absent: random init from the seed */
  readonly initial?: readonly Float32Array[];
  /** 'wasm': the SIMD training kernels (JavaScript when the module is not built) */
  readonly engine?: 'wasm' | 'javascript';
}

const setup = workerData as WorkerSetup;
const port = parentPort!;
const parameters = Qwen2Parameters.initialize(setup.config, setup.seed, setup.copyCircuit === undefined ? {} : { copyCircuit: setup.copyCircuit });
setup.initial?.forEach((values, i) => parameters.tensors[i]!.values.set(values));
const wasmFile = new URL(`../${TRAIN_KERNELS_WASM_PATH}`, import.meta.url);
const compute = setup.engine !== 'javascript' && existsSync(wasmFile) ? new WasmTrainCompute(new TrainKernels(new Uint8Array(readFileSync(wasmFile)))) : JAVASCRIPT_COMPUTE;
if (setup.slot === 0) console.log(`training engine: ${compute.engine}`);
const trainer = Qwen2Trainer.full(parameters, { maxTokens: setup.maxTokens, schedule: setup.schedule, adamW: { weightDecay: setup.weightDecay }, clipNorm: 1, compute });
const count = parameters.parameterCount;
const mine = new Float32Array(setup.gradients, setup.slot * count * 4, count);
const average = new Float32Array(setup.average);
const examples: TrainingExample[] = setup.examples.map((e) => ({ tokens: e.tokens, targets: e.targets }));

port.on('message', (message: { kind: string; indices?: number[] }) => {
  if (message.kind === 'accumulate') {
    const report = trainer.accumulate(message.indices!.map((i) => examples[i]!));
    let at = 0;
    for (const p of trainer.trainable) {
      mine.set(p.grad, at);
      at += p.grad.length;
    }
    port.postMessage({ kind: 'accumulated', loss: report.loss, tokens: report.tokens, positions: message.indices!.reduce((s, i) => s + examples[i]!.tokens.length, 0) });
  } else if (message.kind === 'step') {
    let at = 0;
    for (const p of trainer.trainable) {
      p.grad.set(average.subarray(at, at + p.grad.length));
      at += p.grad.length;
    }
    const report = trainer.step();
    port.postMessage({ kind: 'stepped', ...report });
  } else if (message.kind === 'parameters') {
    port.postMessage({ kind: 'parameters', values: parameters.tensors.map((t) => t.values.slice()) });
  } else if (message.kind === 'evaluate') {
    const report = trainer.evaluate(message.indices!.map((i) => examples[i]!));
    port.postMessage({ kind: 'evaluated', loss: report.loss, tokens: report.tokens });
  }
});
port.postMessage({ kind: 'ready', parameters: count });
