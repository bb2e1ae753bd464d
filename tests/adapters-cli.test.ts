/**
 * `chimaera adapters` (src/cli/adapters.ts, run in-process) on a disk image
 * whose episodic log holds answered tasks in the action grammar, with a
 * small random GGUF on Qwen's real tokenizer (1,000 merges): list on a
 * fresh disk, retrain --now (dataset → train → held-out check → outcome,
 * history and PEFT folder on the disk, read back with our FAT32 code),
 * rollback, and the usage errors. Then the shell's adapter commands
 * (src/shell/adapters-commands.ts): list, correct (a correction record in
 * the episodic log), and the no-model errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isChimaeraError } from '../src/common/index.ts';
import { Fat32Volume } from '../src/fs/index.ts';
import { FileBlockDevice } from '../src/hal/hosted/index.ts';
import { syntheticQwen2Gguf, tinyConfig } from '../src/llm/index.ts';
import { EpisodeLog, openEpisodeLog, readCorrections } from '../src/memory/index.ts';
import { AdapterStore } from '../src/train/index.ts';
import { writeTask } from '../src/train/retrain-fixtures.ts';
import { adaptersCommand } from '../src/cli/adapters.ts';
import { makeImage } from '../src/cli/disk.ts';
import { adaptersCommands, type AdaptersPort } from '../src/shell/adapters-commands.ts';
import type { CommandHost } from '../src/shell/index.ts';
import { smallQwenTokenizer } from './helpers/synthetic-models.ts';

const dir = mkdtempSync(join(tmpdir(), 'chimaera-adapters-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const disk = join(dir, 'disk.img');
const model = join(dir, 'model.gguf');
const { tokenizer } = smallQwenTokenizer();
const config = tinyConfig({ vocabSize: tokenizer.vocabSize, hiddenSize: 32, intermediateSize: 64, layerCount: 2, headCount: 4, kvHeadCount: 2, headDim: 8, maxContext: 1024 });
writeFileSync(model, syntheticQwen2Gguf({ config, seed: 5, tokenizer, target: 'f32', scale: 0.3 }));
makeImage(disk, 64 * 2 ** 20);

const WORDS = ['mail', 'notes', 'photos', 'music', 'todo', 'plans'];
const turn = (text: string) => `<tool_call>\n{"name": "reply", "arguments": {"text": ${JSON.stringify(text)}}}\n</tool_call>`;

function withVolume<T>(fn: (volume: Fat32Volume) => T): T {
  const device = FileBlockDevice.open(disk, { lock: false });
  const volume = Fat32Volume.mount(device);
  try {
    return fn(volume);
  } finally {
    volume.unmount();
    device.close();
  }
}

async function adapters(...argv: string[]): Promise<string> {
  let out = '';
  const code = await adaptersCommand([...argv, '--disk', disk, '--loglevel', 'error', '--arena-mb', '64'], (text) => (out += text));
  assert.equal(code, 0);
  process.exitCode = undefined;
  return out;
}

test('list on a fresh disk; retrain without --now and unknown commands are usage errors', async () => {
  assert.equal(await adapters('list'), 'no retrain has run yet\nactive: none (the base model runs alone)\n');
  await assert.rejects(adapters('retrain', '--model', model), (e) => isChimaeraError(e, 'cli.usage'));
  await assert.rejects(adapters('train'), (e) => isChimaeraError(e, 'cli.usage'));
  await assert.rejects(adapters('rollback'), (e) => isChimaeraError(e, 'llm.not_loaded'));
});

test('retrain --now trains on the episodic log and promotes; history and PEFT folder on the disk; rollback withdraws it', async () => {
  withVolume((volume) => {
    const file = openEpisodeLog(volume);
    for (let i = 1; i <= 40; i++) {
      const word = WORDS[(i * 7) % WORDS.length]!;
      writeTask(file.episodes, { taskId: `t${i}`, request: `open my ${word}`, turns: [turn(`done ${word}`)], atMs: 1_000 * i });
    }
    file.close();
  });
  const outcome = await adapters('retrain', '--now', '--model', model, '--prompt-style', 'compact');
  assert.match(outcome, /^lora-0001 promoted: held-out loss \d+\.\d+ beats the base model's \d+\.\d+ by at least 0\.01 \(\d+ training and \d+ held-out examples, \d+ steps\)\n$/);
  const listed = (await adapters('list')).trimEnd().split('\n');
  assert.equal(listed.length, 2);
  assert.match(listed[0]!, /lora-0001 {2}promoted {2}held-out/);
  assert.equal(listed[1], 'active: lora-0001');
  withVolume((volume) => {
    assert.deepEqual(volume.readdir('/lived/adapters/lora-0001').map((e) => e.name).sort(), ['adapter_config.json', 'adapter_model.safetensors']);
    const store = AdapterStore.open(volume);
    assert.equal(store.state.active, 'lora-0001');
    assert.equal(store.load('lora-0001', config).config.rank, 8);
    store.close();
  });
  assert.equal(await adapters('rollback', '--model', model), 'lora-0001 withdrawn; the base model runs without an adapter\n');
  await assert.rejects(adapters('rollback', '--model', model), (e) => isChimaeraError(e, 'train.rollback_unavailable'));
  assert.match(await adapters('list'), /rollback {2}lora-0001 → base model {2}\(rolled back by the user\)\nactive: none/);
});

test('shell: adapters list, correct records a correction, retrain and rollback without a model fail llm.not_loaded', async () => {
  const device = FileBlockDevice.open(disk, { lock: false });
  const volume = Fat32Volume.mount(device);
  const file = openEpisodeLog(volume);
  const store = AdapterStore.open(volume);
  try {
    const port: AdaptersPort = {
      history: () => store.history(), active: () => store.state.active, retrainNow: undefined, rollback: undefined,
      episodes: file.episodes, wallTime: () => Date.UTC(2026, 1, 2),
    };
    await runShell(port, file.episodes);
  } finally {
    store.close();
    file.close();
    volume.unmount();
    device.close();
  }
});

async function runShell(port: AdaptersPort, episodes: EpisodeLog): Promise<void> {
  const commands = new Map(adaptersCommands(port).map((c) => [c.name, c]));
  let printed = '';
  const host = { print: (text: string) => (printed += `${text}\n`) } as unknown as CommandHost;
  const run = async (line: string): Promise<string> => {
    printed = '';
    const [name, ...args] = line.split(' ');
    await commands.get(name!)!.run(host, args);
    return printed;
  };
  assert.match(await run('adapters list'), /lora-0001 {2}promoted[^\n]*\n[^\n]*rollback {2}lora-0001 → base model[^\n]*\nactive: none/);
  assert.equal(await run('correct t3 the mail is in the inbox'), 'correction of t3 recorded; the next retrain trains on it instead of the reply given\n');
  assert.deepEqual(readCorrections(episodes).map((c) => c.record), [{
    kind: 'correction', taskId: 't3', atMs: Date.UTC(2026, 1, 2), source: 'command', text: 'the mail is in the inbox',
    answer: '<tool_call>\n{"name": "reply", "arguments": {"text": "the mail is in the inbox"}}\n</tool_call>',
  }]);
  await assert.rejects(run('correct t99 nothing'), (e) => isChimaeraError(e, 'memory.correction_invalid'));
  await assert.rejects(run('adapters retrain'), (e) => isChimaeraError(e, 'llm.not_loaded'));
  await assert.rejects(run('adapters rollback'), (e) => isChimaeraError(e, 'llm.not_loaded'));
  await assert.rejects(run('adapters'), (e) => isChimaeraError(e, 'arg.missing'));

  // with a model: retrain starts in the background and returns at once; rollback prints what became active
  let started = 0;
  const withModel = new Map(adaptersCommands({
    ...port,
    retrainNow: () => {
      started++;
      return new Promise(() => {});
    },
    rollback: () => ({ from: 'lora-0004', to: 'lora-0002' }),
  }).map((c) => [c.name, c]));
  printed = '';
  await withModel.get('adapters')!.run(host, ['retrain']);
  assert.equal(started, 1);
  assert.match(printed, /^retrain started in the background \(task retrain-now\)/);
  printed = '';
  await withModel.get('adapters')!.run(host, ['rollback']);
  assert.equal(printed, 'lora-0004 withdrawn; lora-0002 is active again\n');
}
