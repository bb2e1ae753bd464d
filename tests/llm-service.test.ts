/**
 * The LLM as a kernel service: a synthetic model passed as a Multiboot2
 * module, loaded into the arena at boot, served through the llm.*
 * syscalls — rights, fair queueing across callers, cancellation, streaming
 * on the bus, embeddings — and the same weights from a Hugging Face folder
 * giving the same logits as the GGUF file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChimaeraError, type BusEvent } from '../src/common/index.ts';
import { MemoryMachine, type MemoryModule } from '../src/hal/memory/index.ts';
import { bootKernel, encodeBootInfo, MemoryRegionType, MULTIBOOT2_BOOTLOADER_MAGIC, Rights, type Kernel } from '../src/kernel/index.ts';
import { LLM_OBJECT_TYPE, syntheticQwen2Gguf, syntheticQwen2HfFiles, type GenerationOutcome, type LlmService } from '../src/llm/index.ts';
import { startLlm } from '../src/cli/init.ts';
import { ourGreedy, smallQwenTokenizer, testShapes } from './helpers/synthetic-models.ts';

const MiB = 2 ** 20;

function bootWithModules(files: { role: string; name: string; bytes: Uint8Array }[]): { kernel: Kernel; llm: LlmService } {
  let cursor = 0x100000;
  const modules: (MemoryModule & { string: string })[] = files.map((f) => {
    const start = cursor;
    cursor = Math.ceil((start + f.bytes.length) / 4096) * 4096;
    return { start, end: start + f.bytes.length, bytes: f.bytes, string: `${f.role} /models/${f.name}` };
  });
  const info = encodeBootInfo({
    commandLine: 'chimaera loglevel=none arena_mb=256',
    modules: modules.map((m) => ({ start: m.start, end: m.end, string: m.string })),
    memoryMap: [
      { base: 0x100000, length: cursor - 0x100000, type: MemoryRegionType.RESERVED },
      { base: cursor, length: 256 * MiB, type: MemoryRegionType.AVAILABLE },
    ],
  });
  const kernel = bootKernel(MULTIBOOT2_BOOTLOADER_MAGIC, info, new MemoryMachine(modules));
  const llm = startLlm(kernel);
  assert.ok(llm !== undefined);
  return { kernel, llm };
}

const { tokenizer, json: tokenizerJson } = smallQwenTokenizer();
const config = testShapes(tokenizer.vocabSize).B;
const ggufBytes = syntheticQwen2Gguf({ config, tokenizer, seed: 11, target: 'f32' });

function call(kernel: Kernel, principal: string, name: string, handle: number, args: Record<string, unknown>): Promise<unknown> {
  return kernel.syscalls.dispatch({ handles: kernel.handles, principal }, name, handle, args).then((r) => {
    if (!r.ok) throw r.error;
    return r.value;
  });
}

test('boot loads the model into the arena; llm.generate is greedy-identical to the model itself', async () => {
  const { kernel, llm } = bootWithModules([{ role: 'model', name: 'b.gguf', bytes: ggufBytes }]);
  const handle = kernel.handles.create(llm, LLM_OBJECT_TYPE, Rights.READ | Rights.EXECUTE);
  const info = (await call(kernel, 'test', 'llm.info', handle, {})) as { weightBytes: number; config: { layerCount: number } };
  assert.equal(info.config.layerCount, 3);
  const usage = kernel.arena.meminfo().byOwner.find((o) => o.owner === 'llm.weights');
  assert.ok(usage !== undefined && usage.bytes >= info.weightBytes, 'the weights live in the arena');

  const prompt = 'Once upon a time, in a kingdom by the sea,';
  const outcome = (await call(kernel, 'test', 'llm.generate', handle, { prompt, maxTokens: 24, temperature: 0 })) as GenerationOutcome;
  const direct = ourGreedy(llm.loaded.model.createContext(128), tokenizer.encode(prompt), 24).map((s) => s.token);
  const stops = new Set([tokenizer.eosId, tokenizer.specialTokens.get('<|im_end|>'), tokenizer.specialTokens.get('<|endoftext|>')]);
  const stopAt = direct.findIndex((t) => stops.has(t));
  assert.deepEqual(outcome.tokens, stopAt === -1 ? direct : direct.slice(0, stopAt));
  assert.equal(outcome.text, tokenizer.decode(outcome.tokens));
  kernel.shutdown('test done');
});

test('rights gate the syscalls; bad arguments are typed errors', async () => {
  const { kernel, llm } = bootWithModules([{ role: 'model', name: 'b.gguf', bytes: ggufBytes }]);
  const readOnly = kernel.handles.create(llm, LLM_OBJECT_TYPE, Rights.READ);
  assert.deepEqual(await call(kernel, 'test', 'llm.tokenize', readOnly, { text: 'hello world' }), tokenizer.encode('hello world'));
  await assert.rejects(call(kernel, 'test', 'llm.generate', readOnly, { prompt: 'x' }), (e) => isChimaeraError(e, 'handle.access_denied'));
  const full = kernel.handles.create(llm, LLM_OBJECT_TYPE, Rights.READ | Rights.EXECUTE);
  await assert.rejects(call(kernel, 'test', 'llm.generate', full, { prompt: 'x', temperature: -1 }), (e) => isChimaeraError(e, 'syscall.bad_args'));
  await assert.rejects(call(kernel, 'test', 'llm.generate', full, {}), (e) => isChimaeraError(e, 'arg.invalid'));
  kernel.shutdown('test done');
});

test('requests queue fairly across callers, stream on the bus, and can be cancelled', async () => {
  const { kernel, llm } = bootWithModules([{ role: 'model', name: 'b.gguf', bytes: ggufBytes }]);
  const handle = kernel.handles.create(llm, LLM_OBJECT_TYPE, Rights.READ | Rights.EXECUTE);
  const finished: string[] = [];
  const streamed = new Map<string, string>();
  kernel.bus.subscribe(['llm.token'], { onEvent: (e: BusEvent<'llm.token'>) => streamed.set(e.payload.requestId, (streamed.get(e.payload.requestId) ?? '') + e.payload.text) });
  const submit = (principal: string, requestId: string, maxTokens = 6) =>
    (call(kernel, principal, 'llm.generate', handle, { prompt: 'The capital of France is', maxTokens, temperature: 0, stream: true, requestId }) as Promise<GenerationOutcome>).then((o) => {
      finished.push(requestId);
      return o;
    });
  // alice queues three, then bob one: bob must not wait behind all of alice's
  const a1 = submit('alice', 'a1');
  const a2 = submit('alice', 'a2');
  const a3 = submit('alice', 'a3');
  const b1 = submit('bob', 'b1');
  const cancelled = submit('carol', 'c1', 10_000).catch((e: unknown) => e);
  assert.equal(await call(kernel, 'carol', 'llm.cancel', handle, { requestId: 'c1' }), true);
  const outcomes = await Promise.all([a1, a2, a3, b1]);
  assert.ok(finished.indexOf('b1') < finished.indexOf('a3'), `order: ${finished.join(' ')}`);
  assert.ok(isChimaeraError(await cancelled, 'cancelled'), 'a queued request cancelled before it started fails with cancelled');
  for (const o of outcomes) assert.equal(streamed.get(o.requestId), o.text, `streamed text of ${o.requestId}`);

  // cancelling a running request stops it at the next token
  const long = call(kernel, 'dave', 'llm.generate', handle, { prompt: 'Tell me a story', maxTokens: 500, temperature: 0.8, seed: 1, requestId: 'd1', stream: true }) as Promise<GenerationOutcome>;
  await new Promise<void>((resolve) => {
    const sub = kernel.bus.subscribe(['llm.token'], { onEvent: (e: BusEvent<'llm.token'>) => e.payload.requestId === 'd1' && (sub.close(), resolve()) });
  });
  assert.equal(await call(kernel, 'dave', 'llm.cancel', handle, { requestId: 'd1' }), true);
  const stopped = await long;
  assert.equal(stopped.stopReason, 'cancelled');
  assert.ok(stopped.tokens.length < 500);
  assert.equal(await call(kernel, 'dave', 'llm.cancel', handle, { requestId: 'nope' }), false);
  kernel.shutdown('test done');
});

test('llm.embed is the mean-pooled final hidden state, deterministic and text-dependent', async () => {
  const { kernel, llm } = bootWithModules([{ role: 'model', name: 'b.gguf', bytes: ggufBytes }]);
  const handle = kernel.handles.create(llm, LLM_OBJECT_TYPE, Rights.READ | Rights.EXECUTE);
  const a = (await call(kernel, 'test', 'llm.embed', handle, { text: 'a cat sat on the mat' })) as Float32Array;
  const again = (await call(kernel, 'test', 'llm.embed', handle, { text: 'a cat sat on the mat' })) as Float32Array;
  const other = (await call(kernel, 'test', 'llm.embed', handle, { text: 'SELECT * FROM users' })) as Float32Array;
  assert.equal(a.length, config.hiddenSize);
  assert.deepEqual(a, again);
  assert.notDeepEqual(a, other);
  kernel.shutdown('test done');
});

for (const dtype of ['F32', 'F16', 'BF16'] as const) {
  test(`the same weights as a Hugging Face folder (${dtype}) give the same logits as the GGUF file`, async () => {
    const hfFiles = syntheticQwen2HfFiles({ config, seed: 11, tokenizerJson, dtype });
    const fromHf = bootWithModules(hfFiles.map((f) => ({ role: 'model-hf', name: f.name, bytes: f.bytes }))).llm;
    const target = dtype.toLowerCase() as 'f32' | 'f16' | 'bf16';
    const fromGguf = bootWithModules([{ role: 'model', name: 'b.gguf', bytes: dtype === 'F32' ? ggufBytes : syntheticQwen2Gguf({ config, tokenizer, seed: 11, target }) }]).llm;
    assert.equal(fromHf.loaded.format, 'hf');
    const prompt = tokenizer.encode('The quick brown fox jumps over the lazy dog.');
    assert.deepEqual(fromHf.loaded.tokenizer.encode('The quick brown fox jumps over the lazy dog.'), prompt);
    const x = fromHf.loaded.model.createContext(64).evaluate(prompt, { logits: 'all' });
    const y = fromGguf.loaded.model.createContext(64).evaluate(prompt, { logits: 'all' });
    assert.deepEqual(x, y);
  });
}
