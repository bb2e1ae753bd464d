/**
 * Our training engine against PyTorch (Debian's python3-torch, run as
 * /usr/bin/python3): a tiny random Qwen2 (hidden 32, 2 layers, 4 heads /
 * 2 KV heads, head dim 8, vocab 64, ffn 48), a batch of two sequences with
 * ignored target positions, and
 *   1. LoRA (rank 4, alpha 8, on q k v o gate up down, B randomised so every
 *      gradient is non-zero): the loss and every lora_A / lora_B gradient;
 *   2. full-parameter training: the loss and every base tensor's gradient.
 * The torch side is a plain-ops Qwen2 forward in float64 (no transformers),
 * written by this test into a temp dir together with the weights (raw f32 +
 * a JSON manifest). Tolerance: |Δloss| ≤ 1e-5·loss and, per tensor,
 * max|Δgrad| ≤ 1e-4 · max|grad_torch|.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/common/index.ts';
import { LORA_TARGETS, LoraAdapter, Qwen2Parameters, Qwen2Trainer, type TrainingExample, type TrainableParameter } from '../src/train/index.ts';
import { randomBase, smallConfig } from '../src/train/test-models.ts';

const PYTHON = '/usr/bin/python3';
const SCHEDULE = { peak: 1e-3, warmupSteps: 0, totalSteps: 1 };

const TORCH_SCRIPT = String.raw`
import json, sys
import torch
torch.set_default_dtype(torch.float64)
folder = sys.argv[1]
everything = json.load(open(folder + '/manifest.json'))
blob = open(folder + '/tensors.bin', 'rb').read()
GGUF = {'q': 'attn_q', 'k': 'attn_k', 'v': 'attn_v', 'o': 'attn_output', 'gate': 'ffn_gate', 'up': 'ffn_up', 'down': 'ffn_down'}

def load(entry):
    n = 1
    for s in entry['shape']: n *= s
    raw = torch.frombuffer(bytearray(blob[entry['offset']:entry['offset'] + 4 * n]), dtype=torch.float32)
    return raw.reshape(entry['shape']).to(torch.float64).clone().requires_grad_(True)

def linear(x, layer, target, bias):
    name = 'blk.%d.%s' % (layer, GGUF[target])
    y = x @ P[name + '.weight'].T
    if bias:
        y = y + P[name + '.bias']
    key = 'blk.%d.%s' % (layer, target)
    if key + '.a' in L:
        y = y + scale * ((x @ L[key + '.a'].T) @ L[key + '.b'].T)
    return y

def rms(x, w):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * w

def rope(x, T):
    half = hd // 2
    inv = theta ** (-2.0 * torch.arange(half, dtype=torch.float64) / hd)
    angle = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    cos, sin = torch.cos(angle)[:, None, :], torch.sin(angle)[:, None, :]
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)

def forward(tokens):
    T = len(tokens)
    x = P['token_embd.weight'][torch.tensor(tokens)]
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    for l in range(cfg['layerCount']):
        h = rms(x, P['blk.%d.attn_norm.weight' % l])
        q = rope(linear(h, l, 'q', True).reshape(T, H, hd), T)
        k = rope(linear(h, l, 'k', True).reshape(T, G, hd), T)
        v = linear(h, l, 'v', True).reshape(T, G, hd)
        k = k.repeat_interleave(H // G, dim=1)
        v = v.repeat_interleave(H // G, dim=1)
        scores = torch.einsum('ihd,jhd->hij', q, k) / (hd ** 0.5)
        probabilities = torch.softmax(scores.masked_fill(mask, float('-inf')), dim=-1)
        attention = torch.einsum('hij,jhd->ihd', probabilities, v).reshape(T, H * hd)
        x = x + linear(attention, l, 'o', False)
        h = rms(x, P['blk.%d.ffn_norm.weight' % l])
        x = x + linear(torch.nn.functional.silu(linear(h, l, 'gate', False)) * linear(h, l, 'up', False), l, 'down', False)
    head = P['token_embd.weight'] if cfg['tiedEmbeddings'] else P['output.weight']
    return rms(x, P['output_norm.weight']) @ head.T

def run(manifest):
    global P, L, cfg, scale, d, H, G, hd, eps, theta
    cfg = manifest['config']
    P = {e['name']: load(e) for e in manifest['base']}
    L = {e['name']: load(e) for e in manifest['lora']}
    scale = manifest['loraScale']
    d, H, G, hd = cfg['hiddenSize'], cfg['headCount'], cfg['kvHeadCount'], cfg['headDim']
    eps, theta = cfg['rmsNormEps'], cfg['ropeTheta']
    logits = torch.cat([forward(e['tokens']) for e in manifest['examples']])
    targets = torch.tensor([t for e in manifest['examples'] for t in e['targets']])
    counted = int((targets >= 0).sum())
    loss = torch.nn.functional.cross_entropy(logits, targets, ignore_index=-100, reduction='sum') / counted
    loss.backward()
    grads = {}
    for table in (P, L):
        for name, t in table.items():
            grads[name] = t.grad.reshape(-1).tolist() if t.grad is not None else None
    return {'loss': loss.item(), 'grads': grads}

json.dump([run(m) for m in everything], sys.stdout)
`;

interface TorchResult {
  readonly loss: number;
  readonly grads: Record<string, number[] | null>;
}

type NamedTensor = [string, number[], Float32Array];

interface Scenario {
  readonly config: object;
  readonly base: NamedTensor[];
  readonly lora: NamedTensor[];
  readonly loraScale: number;
  readonly examples: TrainingExample[];
}

function requireTorch(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    assert.fail(`PyTorch is not importable by ${PYTHON} (exit ${probe.status}): ${(probe.stderr || String(probe.error ?? '')).trim().split('\n').at(-1)}\n` +
      'This test needs Debian\'s python3-torch (apt-get install python3-torch).');
  }
}

/** run the torch script once over every scenario (starting Python + torch is the slow part) */
function runTorch(scenarios: Scenario[]): TorchResult[] {
  const folder = mkdtempSync(join(tmpdir(), 'train-vs-torch-'));
  try {
    const chunks: Uint8Array[] = [];
    let offset = 0;
    const entry = ([name, shape, values]: NamedTensor): object => {
      chunks.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      const e = { name, shape, offset };
      offset += values.byteLength;
      return e;
    };
    const manifest = scenarios.map((scenario) => ({
      config: scenario.config, loraScale: scenario.loraScale, base: scenario.base.map(entry), lora: scenario.lora.map(entry),
      examples: scenario.examples.map((e) => ({ tokens: Array.from(e.tokens), targets: Array.from(e.targets!, (t) => (t < 0 ? -100 : t)) })),
    }));
    writeFileSync(join(folder, 'tensors.bin'), Buffer.concat(chunks));
    writeFileSync(join(folder, 'manifest.json'), JSON.stringify(manifest));
    writeFileSync(join(folder, 'qwen2_torch.py'), TORCH_SCRIPT);
    const run = spawnSync(PYTHON, [join(folder, 'qwen2_torch.py'), folder], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, env: { ...process.env, OMP_NUM_THREADS: '1' } });
    if (run.status !== 0) assert.fail(`the torch script failed (exit ${run.status}):\n${run.stderr}`);
    return JSON.parse(run.stdout) as TorchResult[];
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const CONFIG = smallConfig({ intermediateSize: 48 });
const EXAMPLES: TrainingExample[] = [
  { tokens: [3, 17, 0, 42, 8, 8, 25, 1, 30, 11], targets: [17, 0, 42, 8, -1, -1, 1, 30, 11, 63] },
  { tokens: [60, 2, 2, 9, 14, 33, 5], targets: [-1, -1, 9, 14, 33, 5, 0] },
];

/** base tensors under GGUF names with PyTorch shapes [out, in] */
function baseTensors(parameters: Qwen2Parameters): NamedTensor[] {
  return parameters.tensors.map((t) => [t.name, [...t.shape].reverse(), t.values]);
}

function compareGradients(label: string, ours: TrainableParameter, torch: number[] | null | undefined): number {
  assert.ok(torch !== null && torch !== undefined, `${label}: torch has no gradient`);
  assert.equal(torch.length, ours.grad.length, label);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < torch.length; i++) {
    scale = Math.max(scale, Math.abs(torch[i]!));
    worst = Math.max(worst, Math.abs(torch[i]! - ours.grad[i]!));
  }
  assert.ok(scale > 1e-8, `${label}: the torch gradient is zero (the comparison would be empty)`);
  assert.ok(worst <= 1e-4 * scale, `${label}: max |Δ| ${worst.toExponential(2)} vs max |grad| ${scale.toExponential(2)}`);
  return worst / scale;
}

// ── our side: one LoRA trainer and two full trainers, gradients accumulated once ──

const loraBase = randomBase(CONFIG, 41);
const adapter = LoraAdapter.create('torch', CONFIG, { rank: 4, alpha: 8, dropout: 0, targets: [...LORA_TARGETS] }, 5);
const rng = new Rng(6);
for (const m of adapter.matrices) for (let i = 0; i < m.b.length; i++) m.b[i] = (rng.next() * 2 - 1) * 0.2;
const loraTrainer = Qwen2Trainer.lora(CONFIG, loraBase.weights, [{ adapter, mode: 'train' }], { maxTokens: 16, schedule: SCHEDULE });
const loraLoss = loraTrainer.accumulate(EXAMPLES).loss;

const full = [false, true].map((tied) => {
  const config = { ...CONFIG, tiedEmbeddings: tied };
  const parameters = Qwen2Parameters.fromWeights(config, randomBase(config, 42).weights);
  const trainer = Qwen2Trainer.full(parameters, { maxTokens: 16, schedule: SCHEDULE });
  return { config, parameters, trainer, loss: trainer.accumulate(EXAMPLES).loss };
});

let torchResults: TorchResult[] | undefined;
function torch(): TorchResult[] {
  requireTorch();
  torchResults ??= runTorch([
    {
      config: CONFIG, base: baseTensors(Qwen2Parameters.fromWeights(CONFIG, loraBase.weights)), loraScale: 8 / 4, examples: EXAMPLES,
      lora: adapter.matrices.flatMap((m): NamedTensor[] => [[`blk.${m.layer}.${m.target}.a`, [m.rank, m.nIn], m.a], [`blk.${m.layer}.${m.target}.b`, [m.nOut, m.rank], m.b]]),
    },
    ...full.map(({ config, parameters }) => ({ config, base: baseTensors(parameters), lora: [], loraScale: 1, examples: EXAMPLES })),
  ]);
  return torchResults;
}

test('LoRA: loss and every lora_A / lora_B gradient match PyTorch (rel 1e-4)', (t) => {
  const reference = torch()[0]!;
  assert.ok(Math.abs(loraLoss - reference.loss) <= 1e-5 * reference.loss, `loss ${loraLoss} vs torch ${reference.loss}`);
  assert.equal(loraTrainer.trainable.length, 2 * 7 * CONFIG.layerCount);
  let worst = 0;
  for (const p of loraTrainer.trainable) worst = Math.max(worst, compareGradients(p.name, p, reference.grads[p.name.replace(/^lora\.torch\./, '')]));
  t.diagnostic(`LoRA: |Δloss| ${Math.abs(loraLoss - reference.loss).toExponential(2)}, worst relative gradient error ${worst.toExponential(2)}`);
});

for (const [index, { config, parameters, trainer, loss }] of full.entries()) {
  test(`full-parameter training: loss and every base tensor's gradient match PyTorch (rel 1e-4, ${config.tiedEmbeddings ? 'tied' : 'untied'} head)`, (t) => {
    const reference = torch()[1 + index]!;
    assert.ok(Math.abs(loss - reference.loss) <= 1e-5 * reference.loss, `loss ${loss} vs torch ${reference.loss}`);
    assert.equal(trainer.trainable.length, parameters.tensors.length);
    let worst = 0;
    for (const p of trainer.trainable) worst = Math.max(worst, compareGradients(p.name, p, reference.grads[p.name]));
    t.diagnostic(`full: |Δloss| ${Math.abs(loss - reference.loss).toExponential(2)}, worst relative gradient error ${worst.toExponential(2)}`);
  });
}
