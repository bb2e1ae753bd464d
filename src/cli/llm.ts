/**
 * `chimaera llm` — the LLM engine from the command line.
 *
 *   run --model PATH --prompt TEXT [sampling flags]   raw completion; the continuation alone on stdout
 *   chat --model PATH [sampling flags]                ChatML conversation (interactive, or one turn per stdin line)
 *   info PATH                                         architecture, shapes, tensor types, tokenizer (header only)
 *   quantize IN OUT --type TYPE                       re-quantize a GGUF file (f32 f16 bf16 q8_0 q4_0 q4_k q5_k q6_k q4_k_m)
 *   make-random OUT --shape NAME --type TYPE          a random-weight model of a real Qwen2 shape (for benchmarks and tests)
 *
 * run and chat boot the kernel with the model as a Multiboot2 module (no
 * disk), load it into the arena and talk to it through the llm.* syscalls
 * like any other client; klog goes to stderr (--verbose shows all of it).
 */

import * as nodeFs from 'node:fs';
import * as nodePath from 'node:path';
import * as readline from 'node:readline';
import { ChimaeraError, fail, formatBytes, type BusEvent } from '../common/index.ts';
import { HostedConsole } from '../hal/hosted/index.ts';
import { bootKernel, MULTIBOOT2_BOOTLOADER_MAGIC, Rights, type Kernel } from '../kernel/index.ts';
import {
  configFromGgufMetadata,
  configFromHfConfig,
  convertTensorData,
  encodeGgufHeader,
  fileTypeOf,
  gguf,
  ggufPadding,
  ggmlTypeTraits,
  LLM_OBJECT_TYPE,
  openHfFolder,
  parseQuantizeTarget,
  quantizedTypeFor,
  readGgufHeader,
  layoutTypeCounts,
  streamSyntheticQwen2Gguf,
  Tokenizer,
  type GenerationOutcome,
  type GgufFile,
  type Qwen2Config,
  type SyntheticGgufLayout,
} from '../llm/index.ts';
import { parseArgs, type FlagSpec, type ParsedArgs } from './args.ts';
import { startLlm } from './init.ts';
import { load } from './loader.ts';
import { modelModules } from './model-modules.ts';
import { progressBar } from './progress.ts';

export const LLM_USAGE = `  chimaera llm run --model PATH --prompt TEXT [--max-tokens N] [--temperature T] [--top-k K] [--top-p P] [--min-p P]
                   [--repeat-penalty R] [--presence-penalty P] [--seed S] [--verbose]
      raw completion: the continuation alone on stdout (temperature 0 = greedy)
  chimaera llm chat --model PATH [same sampling flags]      ChatML chat; one user turn per line
  chimaera llm info PATH                                    architecture, shapes, tensor types, tokenizer
  chimaera llm quantize IN OUT --type TYPE                  re-quantize a GGUF file (f32 f16 bf16 q8_0 q4_0 q4_k q5_k q6_k q4_k_m)
  chimaera llm make-random OUT --shape 0.5b|1.5b|tiny [--type TYPE] [--seed S]
      a random-weight Qwen2 GGUF in a real shape, with the Qwen tokenizer from --tokenizer tokenizer.json`;

const SAMPLING_FLAGS: Record<string, FlagSpec> = {
  model: { kind: 'value' },
  prompt: { kind: 'value' },
  'max-tokens': { kind: 'value' },
  temperature: { kind: 'value' },
  'top-k': { kind: 'value' },
  'top-p': { kind: 'value' },
  'min-p': { kind: 'value' },
  'repeat-penalty': { kind: 'value' },
  'presence-penalty': { kind: 'value' },
  seed: { kind: 'value' },
  'arena-mb': { kind: 'value' },
  verbose: { kind: 'switch', short: 'v' },
};

export async function llmCommand(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'run':
      return runCompletion(parseArgs(rest, SAMPLING_FLAGS));
    case 'chat':
      return runChat(parseArgs(rest, SAMPLING_FLAGS));
    case 'info':
      return info(parseArgs(rest, {}));
    case 'quantize':
      return quantize(parseArgs(rest, { type: { kind: 'value' } }));
    case 'make-random':
      return makeRandom(parseArgs(rest, { shape: { kind: 'value' }, type: { kind: 'value' }, seed: { kind: 'value' }, tokenizer: { kind: 'value' } }));
    default:
      fail('cli.usage', `unknown llm command "${sub ?? ''}"\n${LLM_USAGE}`);
  }
}

// ── run and chat: a kernel with the model and nothing else ────────────────

function number(args: ParsedArgs, flag: string): number | undefined {
  const text = args.values.get(flag);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) fail('arg.invalid', `--${flag} must be a number, got "${text}"`);
  return value;
}

function samplingArgs(args: ParsedArgs): Record<string, number> {
  const pairs: [string, number | undefined][] = [
    ['maxTokens', number(args, 'max-tokens')],
    ['temperature', number(args, 'temperature')],
    ['topK', number(args, 'top-k')],
    ['topP', number(args, 'top-p')],
    ['minP', number(args, 'min-p')],
    ['repetitionPenalty', number(args, 'repeat-penalty')],
    ['presencePenalty', number(args, 'presence-penalty')],
    ['seed', number(args, 'seed')],
  ];
  return Object.fromEntries(pairs.filter(([, v]) => v !== undefined)) as Record<string, number>;
}

interface LlmSession {
  readonly kernel: Kernel;
  readonly handle: number;
  generate(args: Record<string, unknown>, onText: (text: string) => void): Promise<GenerationOutcome>;
}

function bootWithModel(args: ParsedArgs): LlmSession {
  const modelPath = args.values.get('model') ?? fail('cli.usage', `--model PATH is required\n${LLM_USAGE}`);
  const arenaMb = number(args, 'arena-mb') ?? 4096;
  const { bootInfo, machine } = load({
    commandLine: `chimaera loglevel=${args.switches.has('verbose') ? 'info' : 'warn'} arena_mb=${arenaMb}`,
    modules: modelModules(modelPath),
    arenaBytes: arenaMb * 2 ** 20,
    console: new HostedConsole(process.stderr),
  });
  const kernel = bootKernel(MULTIBOOT2_BOOTLOADER_MAGIC, bootInfo, machine);
  const progress = progressBar(`loading ${nodePath.basename(modelPath)}`);
  const llm = startLlm(kernel, progress.update);
  progress.finish();
  if (llm === undefined) fail('llm.not_loaded', `${modelPath}: no model was loaded`);
  const handle = kernel.handles.create(llm, LLM_OBJECT_TYPE, Rights.READ | Rights.EXECUTE);
  let next = 1;
  return {
    kernel,
    handle,
    async generate(callArgs, onText) {
      const requestId = `cli-${next++}`;
      const subscription = kernel.bus.subscribe(['llm.token'], {
        onEvent: (event: BusEvent<'llm.token'>) => {
          if (event.payload.requestId === requestId) onText(event.payload.text);
        },
      });
      try {
        const result = await kernel.syscalls.dispatch({ handles: kernel.handles, principal: 'cli' }, 'llm.generate', handle, { ...callArgs, stream: true, requestId });
        if (!result.ok) throw result.error;
        await new Promise((resolve) => setImmediate(resolve)); // deliver the last token events
        return result.value as GenerationOutcome;
      } finally {
        subscription.close();
      }
    },
  };
}

async function runCompletion(args: ParsedArgs): Promise<number> {
  const prompt = args.values.get('prompt') ?? fail('cli.usage', `--prompt TEXT is required\n${LLM_USAGE}`);
  const session = bootWithModel(args);
  const interrupt = (): void => void session.kernel.syscalls.dispatch({ handles: session.kernel.handles }, 'llm.cancel', session.handle, { requestId: 'cli-1' });
  process.once('SIGINT', interrupt);
  try {
    const outcome = await session.generate({ prompt, ...samplingArgs(args) }, (text) => process.stdout.write(text));
    if (args.switches.has('verbose')) process.stderr.write(`\n[${describeOutcome(outcome)}]\n`);
    return 0;
  } finally {
    process.off('SIGINT', interrupt);
    session.kernel.shutdown('llm run finished');
  }
}

async function runChat(args: ParsedArgs): Promise<number> {
  const session = bootWithModel(args);
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const messages: { role: 'user' | 'assistant'; content: string }[] = [];
  const rl = readline.createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive });
  if (interactive) {
    process.stdout.write('chat with the model; an empty line or Ctrl-D ends\n');
    rl.setPrompt('you> ');
    rl.prompt();
  }
  try {
    for await (const line of rl) {
      if (line.trim() === '') break;
      messages.push({ role: 'user', content: line });
      if (interactive) process.stdout.write('model> ');
      const outcome = await session.generate({ messages, ...samplingArgs(args) }, (text) => process.stdout.write(text));
      process.stdout.write('\n');
      messages.push({ role: 'assistant', content: outcome.text });
      if (args.switches.has('verbose')) process.stderr.write(`[${describeOutcome(outcome)}]\n`);
      if (interactive) rl.prompt();
    }
  } finally {
    rl.close();
    session.kernel.shutdown('llm chat finished');
  }
  return 0;
}

function describeOutcome(o: GenerationOutcome): string {
  const rate = (tokens: number, ms: number): string => (ms > 0 ? `${((1000 * tokens) / ms).toFixed(1)} tok/s` : '-');
  return `${o.promptTokens} prompt tokens (${rate(o.promptTokens, o.promptMs)}), ${o.tokens.length} generated (${rate(o.tokens.length, o.generateMs)}), stop: ${o.stopReason}`;
}

// ── info, quantize, make-random: host files, no kernel ───────────────────────

function readHeader(path: string): GgufFile {
  let fd: number;
  try {
    fd = nodeFs.openSync(path, 'r');
  } catch (e) {
    fail('cli.host_io', `${path}: ${(e as Error).message}`);
  }
  try {
    const size = nodeFs.fstatSync(fd).size;
    return readGgufHeader(
      (offset, length) => {
        const out = new Uint8Array(length);
        const n = nodeFs.readSync(fd, out, 0, length, offset);
        return n === length ? out : out.subarray(0, n);
      },
      size,
      nodePath.basename(path),
    );
  } finally {
    nodeFs.closeSync(fd);
  }
}

function describeConfig(c: Qwen2Config): string[] {
  return [
    `architecture: qwen2`,
    `layers: ${c.layerCount}, hidden: ${c.hiddenSize}, ffn: ${c.intermediateSize}`,
    `attention: ${c.headCount} heads, ${c.kvHeadCount} key/value heads (${c.headCount / c.kvHeadCount} per group), head dim ${c.headDim}`,
    `rope theta: ${c.ropeTheta}, rms eps: ${c.rmsNormEps}, context: ${c.maxContext}`,
    `vocabulary: ${c.vocabSize}, output head: ${c.tiedEmbeddings ? 'tied to the embeddings' : 'separate'}`,
  ];
}

function info(args: ParsedArgs): number {
  if (args.positional.length !== 1) fail('cli.usage', 'usage: chimaera llm info PATH');
  const path = args.positional[0]!;
  const lines: string[] = [`${path}`];
  if (nodeFs.existsSync(path) && nodeFs.statSync(path).isDirectory()) {
    const folder = openHfFolder({ read: (name) => (nodeFs.existsSync(nodePath.join(path, name)) ? nodeFs.readFileSync(nodePath.join(path, name)) : undefined) }, path);
    lines.push(`format: Hugging Face folder, ${folder.tensors.size} tensors`, ...describeConfig(configFromHfConfig(folder.config, `${path}/config.json`)));
    const dtypes = new Map<string, number>();
    for (const t of folder.tensors.values()) dtypes.set(t.dtype, (dtypes.get(t.dtype) ?? 0) + 1);
    lines.push(`tensor types: ${[...dtypes].map(([t, n]) => `${n} ${t}`).join(', ')}`);
    lines.push(`tokenizer: ${folder.tokenizerJson === undefined ? 'missing' : 'tokenizer.json'}`);
  } else {
    const file = readHeader(path);
    const tensors = new Map(file.tensors.map((t) => [t.name, { name: t.name, type: t.type, shape: t.shape, data: new Uint8Array(0) }]));
    const config = configFromGgufMetadata({ get: (key) => file.metadata.get(key)?.value }, file.fileName, tensors);
    lines.push(`format: GGUF v${file.version}, ${file.tensors.length} tensors, ${formatBytes(file.fileSize)}, data at ${file.dataOffset} (alignment ${file.alignment})`, ...describeConfig(config));
    const types = new Map<string, number>();
    for (const t of file.tensors) {
      const name = ggmlTypeTraits(t.type)?.name ?? String(t.type);
      types.set(name, (types.get(name) ?? 0) + 1);
    }
    lines.push(`tensor types: ${[...types].map(([t, n]) => `${n} ${t}`).join(', ')}`);
    const tokenizer = Tokenizer.fromGgufMetadata(file.metadata, file.fileName);
    lines.push(`tokenizer: byte-level BPE (${file.getString('tokenizer.ggml.pre', 'default')}), ${tokenizer.vocabSize} tokens, ${tokenizer.specialTokens.size} special; eos ${tokenizer.eosId ?? '-'}, bos ${tokenizer.bosId ?? '-'}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function quantize(args: ParsedArgs): number {
  if (args.positional.length !== 2) fail('cli.usage', 'usage: chimaera llm quantize IN OUT --type TYPE');
  const [input, output] = args.positional as [string, string];
  const target = parseQuantizeTarget(args.values.get('type') ?? fail('cli.usage', '--type TYPE is required'));
  const file = readHeader(input);
  const layerCount = Number(file.get('qwen2.block_count')?.value ?? 0);
  const hasOutput = file.tensors.some((t) => t.name === 'output.weight');
  const plan = file.tensors.map((t) => ({ info: t, type: quantizedTypeFor(t.name, t.shape, t.type, target, { layerCount, hasOutput }) }));
  const metadata = new Map(file.metadata);
  metadata.set('general.file_type', gguf.u32(fileTypeOf(target)));
  metadata.delete('general.alignment');
  const header = encodeGgufHeader(metadata, plan.map((p) => ({ name: p.info.name, type: p.type, shape: p.info.shape })), file.alignment);
  const inFd = nodeFs.openSync(input, 'r');
  const outFd = nodeFs.openSync(output, 'w');
  const progress = progressBar(`quantizing to ${target}`);
  try {
    nodeFs.writeSync(outFd, header.header);
    let done = 0;
    const total = plan.reduce((n, p) => n + p.info.byteLength, 0);
    for (const [i, p] of plan.entries()) {
      const data = new Uint8Array(p.info.byteLength);
      nodeFs.readSync(inFd, data, 0, data.length, p.info.offset);
      const converted = convertTensorData(data, p.info.shape, p.info.type, p.type);
      if (converted.length !== header.byteLengths[i]) throw new Error(`quantize: ${p.info.name} came out ${converted.length} bytes, the header says ${header.byteLengths[i]}`);
      nodeFs.writeSync(outFd, converted);
      nodeFs.writeSync(outFd, new Uint8Array(ggufPadding(converted.length, header.alignment)));
      done += data.length;
      progress.update(done, total);
    }
  } finally {
    progress.finish();
    nodeFs.closeSync(inFd);
    nodeFs.closeSync(outFd);
  }
  process.stdout.write(`${output}: ${target}, ${formatBytes(nodeFs.statSync(output).size)} (from ${formatBytes(file.fileSize)})\n`);
  return 0;
}

/** embedding rows of the real Qwen2 models (151,643 BPE tokens + specials, padded) */
const QWEN2_EMBEDDING_ROWS = 151936;

/** real Qwen2 shapes (vocabulary from the tokenizer, padded to the model's 151936 rows as Qwen does; tiny keeps the tokenizer's size) */
const SHAPES: Record<string, Omit<Qwen2Config, 'vocabSize'>> = {
  '0.5b': { hiddenSize: 896, intermediateSize: 4864, layerCount: 24, headCount: 14, kvHeadCount: 2, headDim: 64, ropeTheta: 1e6, rmsNormEps: 1e-6, maxContext: 32768, tiedEmbeddings: true },
  '1.5b': { hiddenSize: 1536, intermediateSize: 8960, layerCount: 28, headCount: 12, kvHeadCount: 2, headDim: 128, ropeTheta: 1e6, rmsNormEps: 1e-6, maxContext: 32768, tiedEmbeddings: true },
  tiny: { hiddenSize: 256, intermediateSize: 512, layerCount: 2, headCount: 4, kvHeadCount: 2, headDim: 64, ropeTheta: 1e6, rmsNormEps: 1e-6, maxContext: 4096, tiedEmbeddings: true },
};

function makeRandom(args: ParsedArgs): number {
  if (args.positional.length !== 1) fail('cli.usage', 'usage: chimaera llm make-random OUT --shape 0.5b|1.5b|tiny --tokenizer tokenizer.json [--type TYPE] [--seed S]');
  const output = args.positional[0]!;
  const shapeName = args.values.get('shape') ?? 'tiny';
  const shape = SHAPES[shapeName] ?? fail('arg.invalid', `unknown shape "${shapeName}" (${Object.keys(SHAPES).join(', ')})`);
  const tokenizerPath = args.values.get('tokenizer') ?? fail('cli.usage', '--tokenizer PATH (a tokenizer.json) is required');
  let tokenizer: Tokenizer;
  try {
    tokenizer = Tokenizer.fromTokenizerJson(JSON.parse(nodeFs.readFileSync(tokenizerPath, 'utf8')), undefined, tokenizerPath);
  } catch (e) {
    if (e instanceof ChimaeraError) throw e;
    fail('cli.host_io', `${tokenizerPath}: ${(e as Error).message}`);
  }
  const target = parseQuantizeTarget(args.values.get('type') ?? 'q8_0');
  const vocabSize = shapeName === 'tiny' ? tokenizer.vocabSize : Math.max(QWEN2_EMBEDDING_ROWS, tokenizer.vocabSize);
  const options = { config: { ...shape, vocabSize }, tokenizer, seed: number(args, 'seed') ?? 1, scale: 'fan-in' as const, target, name: `random-qwen2-${shapeName}` };
  // written beside the target and renamed at the end, so an interrupted run leaves no half file under the name
  const partial = `${output}.partial`;
  let fd: number;
  try {
    fd = nodeFs.openSync(partial, 'w');
  } catch (e) {
    fail('cli.host_io', `${partial}: ${(e as Error).message}`);
  }
  const progress = progressBar(`writing ${nodePath.basename(output)}`);
  let layout: SyntheticGgufLayout;
  try {
    layout = streamSyntheticQwen2Gguf(options, (chunk) => void nodeFs.writeSync(fd, chunk), { onProgress: progress.update });
  } finally {
    progress.finish();
    nodeFs.closeSync(fd);
  }
  nodeFs.renameSync(partial, output);
  const types = [...layoutTypeCounts(layout)].map(([t, n]) => `${n} ${t}`).join(', ');
  process.stdout.write(`${output}: random qwen2 ${shapeName}, ${target} (${types}), ${formatBytes(layout.fileSize)}\n`);
  return 0;
}
