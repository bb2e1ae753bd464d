// WebAssembly Q4_K · Q8_K kernel against its TypeScript twin vecDotQ4_KBlocks
// (wasmDotTwin): bit-identical on quantized random weights and on arbitrary
// block bytes, through every tile (one row × four tokens, four rows × one
// token, single dots for the rest).
import test from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../common/index.ts';
import { prepareActivations, preparedBytes, quantizeRow } from '../quant/index.ts';
import { GgmlType, rowBytes } from '../tensor.ts';
import { wasmDotTwin } from './wasm-kernels.ts';
import { fillRandomBytes, kernelBench, randomFloats, randomScaleF16, wasmMissing as skip } from '../../../tests/helpers/wasm-kernels.ts';

const MiB = 1 << 20;
const Q4_K_BYTES = 144;

type WeightSource = 'quantized' | 'random-bytes';

function checkQ4_K(nIn: number, nOut: number, tokens: number, source: WeightSource, seed: number): void {
  const rng = new Rng(seed);
  const type = GgmlType.Q4_K;
  const stride = rowBytes(type, nIn);
  const xStride = preparedBytes(type, nIn);
  const bench = kernelBench(64 * MiB);
  const weights = bench.arena.alloc(stride * nOut, 'test');
  const prepared = bench.arena.alloc(xStride * tokens, 'test');
  const out = bench.arena.alloc(4 * nOut * tokens, 'test');
  const bytes = bench.bytes();
  if (source === 'quantized') {
    for (let r = 0; r < nOut; r++) quantizeRow(type, randomFloats(nIn, rng, 0.1), 0, bytes, weights.offset + r * stride, nIn);
  } else {
    fillRandomBytes(bytes, weights.offset, stride * nOut, rng);
    for (let block = weights.offset; block < weights.offset + stride * nOut; block += Q4_K_BYTES) {
      const d = randomScaleF16(rng);
      const dmin = randomScaleF16(rng);
      bytes.set([d & 0xff, d >>> 8, dmin & 0xff, dmin >>> 8], block);
    }
  }
  for (let t = 0; t < tokens; t++) prepareActivations(type, randomFloats(nIn, rng, 2), 0, nIn, bytes, prepared.offset + t * xStride);
  bench.kernels.matmul({ type, out: out.offset, weights: weights.offset, x: prepared.offset, tokens, nIn, nOut });
  const result = bench.floats(out, nOut * tokens);
  for (let r = 0; r < nOut; r++) {
    for (let t = 0; t < tokens; t++) {
      const expected = wasmDotTwin(type)(bytes, weights.offset + r * stride, bytes, prepared.offset + t * xStride, nIn);
      const actual = result[t * nOut + r]!;
      assert.ok(Object.is(actual, expected), `Q4_K ${nIn} (${source}): row ${r} token ${t}: wasm ${actual} vs reference ${expected}`);
    }
  }
}

test('Q4_K matmul equals its twin bit for bit on quantized weights (256, 768, 4864 wide; 1 … 9 tokens)', { skip }, () => {
  checkQ4_K(256, 9, 1, 'quantized', 1);
  checkQ4_K(768, 12, 3, 'quantized', 2);
  checkQ4_K(4864, 16, 2, 'quantized', 3);
  checkQ4_K(768, 7, 4, 'quantized', 6);
  checkQ4_K(512, 5, 9, 'quantized', 7);
});

test('Q4_K matmul equals its twin bit for bit on arbitrary block bytes (all scale/min bit patterns)', { skip }, () => {
  checkQ4_K(256, 64, 1, 'random-bytes', 4);
  checkQ4_K(4864, 24, 2, 'random-bytes', 5);
  checkQ4_K(1280, 6, 6, 'random-bytes', 8);
});

test('a hand-built Q4_K block (one nibble, one quant) dots to d·scale·q · d_x·x', { skip }, () => {
  // hand-built block: d = 1, dmin = 0, scale of sub-block 0 = 3, q_0 = 5; activations d = 0.5, x_0 = 7
  const bench = kernelBench(MiB);
  const row = bench.arena.alloc(Q4_K_BYTES, 'test');
  const x = bench.arena.alloc(preparedBytes(GgmlType.Q4_K, 256), 'test');
  const out = bench.arena.alloc(4, 'test');
  const bytes = bench.bytes();
  bytes.set([0x00, 0x3c, 0x00, 0x00], row.offset); // f16 1.0, f16 0.0
  bytes[row.offset + 4] = 3; // scale_0 = 3 (min_0 = 0)
  bytes[row.offset + 16] = 5; // weight 0 = 5 (low nibble), weight 32 = 0 (high nibble)
  new DataView(bytes.buffer).setFloat32(x.offset, 0.5, true);
  bytes[x.offset + 4] = 7;
  bench.kernels.matmul({ type: GgmlType.Q4_K, out: out.offset, weights: row.offset, x: x.offset, tokens: 1, nIn: 256, nOut: 1 });
  assert.equal(bench.floats(out, 1)[0], 1 * 0.5 * 3 * 5 * 7);
});
