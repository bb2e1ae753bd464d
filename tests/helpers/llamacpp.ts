/**
 * The reference: llama.cpp through node-llama-cpp 3.21.1 (prebuilt CPU
 * binary, nothing downloaded). Given a GGUF file and prompt token ids, it
 * runs greedy decoding and returns, per step, the chosen token and the top
 * log-probabilities (log-softmax of llama.cpp's logits), so tests can
 * compare token streams and logit differences with our engine.
 *
 * The KV cache is kept in F32 and flash attention off, so that llama.cpp
 * computes attention the way our reference kernels do.
 */
import { getLlama, type Llama, type LlamaModel, type Token } from 'node-llama-cpp';

let llamaPromise: Promise<Llama> | undefined;

export function reference(): Promise<Llama> {
  llamaPromise ??= getLlama({ gpu: false, build: 'never', skipDownload: true, logLevel: 'error' as never });
  return llamaPromise;
}

export interface ReferenceStep {
  readonly token: number;
  /** the most likely tokens with their log-probabilities, best first */
  readonly top: ReadonlyArray<readonly [token: number, logProb: number]>;
}

export interface ReferenceModel {
  readonly model: LlamaModel;
  /** greedy continuation of `prompt` for `steps` tokens (stops early at end-of-generation tokens only if yieldEog is false) */
  greedy(prompt: readonly number[], steps: number, topN?: number): Promise<ReferenceStep[]>;
  tokenize(text: string, specialTokens?: boolean): number[];
  dispose(): Promise<void>;
}

export async function loadReference(path: string, options: { contextSize?: number; threads?: number } = {}): Promise<ReferenceModel> {
  const llama = await reference();
  const model = await llama.loadModel({ modelPath: path, gpuLayers: 0, useMmap: true });
  const context = await model.createContext({
    contextSize: options.contextSize ?? 256,
    batchSize: options.contextSize ?? 256,
    threads: options.threads ?? 1, // more threads only add synchronisation on models this small
    flashAttention: false,
    experimentalKvCacheKeyType: 'F32',
    experimentalKvCacheValueType: 'F32',
    sequences: 1,
  });
  return {
    model,
    async greedy(prompt, steps, topN = 5) {
      const sequence = context.getSequence();
      try {
        const out: ReferenceStep[] = [];
        const generator = sequence.evaluateWithMetadata(prompt as Token[], { probabilities: true }, { temperature: 0, yieldEogToken: true });
        for await (const step of generator) {
          const top: [number, number][] = [];
          for (const [token, p] of step.probabilities) {
            top.push([token, Math.log(p)]);
            if (top.length >= topN) break;
          }
          out.push({ token: step.token, top });
          if (out.length >= steps) break;
        }
        return out;
      } finally {
        sequence.dispose();
      }
    },
    tokenize(text, specialTokens = true) {
      return model.tokenize(text, specialTokens) as number[];
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
    },
  };
}
