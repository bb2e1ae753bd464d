/**
 * Known-answer tests against ggml itself: testdata/ggml-golden.json was
 * produced by testdata/ggml-oracle.c, which calls the ggml libraries shipped
 * with node-llama-cpp (llama.cpp v0.4.0). Our quantizers must write the same
 * bytes as ggml_quantize_chunk, our dequantizers the same floats, our
 * activation quantizers the same blocks, and our dots the same f32 as ggml's
 * scalar kernels (and stay close to the SIMD kernels this machine would run).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { crc32 } from '../../common/index.ts';
import { ggmlTypeByName, rowBytes, type GgmlTypeId } from '../tensor.ts';
import { dequantizeRow, preparedBytes, prepareActivations, quantizeRow, vecDot } from './index.ts';

interface GoldenType {
  quantized: string;
  dequantizedCrc32: number;
  prepared: string;
  preparedBest: string | null;
  dotGeneric: number;
  dotBest: number;
}
interface Golden {
  n: number;
  bestVariant: string;
  cases: { case: number; weights: string; activations: string; types: Record<string, GoldenType> }[];
}

const golden = JSON.parse(readFileSync(new URL('./testdata/ggml-golden.json', import.meta.url), 'utf8')) as Golden;
const bytesOf = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));
const floatsOf = (b64: string): Float32Array => {
  const bytes = bytesOf(b64);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
};

const n = golden.n;
const typeNames = Object.keys(golden.cases[0]!.types);

for (const name of typeNames) {
  const type = ggmlTypeByName(name).id as GgmlTypeId;

  test(`${name}: quantizeRow writes the bytes ggml_quantize_chunk writes`, () => {
    for (const c of golden.cases) {
      const weights = floatsOf(c.weights);
      const out = new Uint8Array(rowBytes(type, n));
      quantizeRow(type, weights, 0, out, 0, n);
      const expected = name === 'F32' ? new Uint8Array(weights.buffer, weights.byteOffset, n * 4) : bytesOf(c.types[name]!.quantized);
      assert.deepEqual(out, expected, `case ${c.case}`);
    }
  });

  test(`${name}: dequantizeRow gives ggml's floats bit for bit`, () => {
    for (const c of golden.cases) {
      const quantized = name === 'F32' ? new Uint8Array(floatsOf(c.weights).buffer.slice(0)) : bytesOf(c.types[name]!.quantized);
      const out = new Float32Array(n);
      dequantizeRow(type, quantized, 0, out, 0, n);
      assert.equal(crc32(new Uint8Array(out.buffer)), c.types[name]!.dequantizedCrc32, `case ${c.case}`);
    }
  });

  test(`${name}: prepareActivations and vecDot match ggml's scalar kernels exactly`, () => {
    for (const c of golden.cases) {
      const g = c.types[name]!;
      const activations = floatsOf(c.activations);
      const prepared = new Uint8Array(preparedBytes(type, n));
      prepareActivations(type, activations, 0, n, prepared, 0, 'ggml-reference');
      if (name !== 'F32') assert.deepEqual(prepared, bytesOf(g.prepared), `case ${c.case} prepared`);
      const simdPrepared = new Uint8Array(prepared.length);
      prepareActivations(type, activations, 0, n, simdPrepared, 0, 'ggml-x86-simd');
      if (g.preparedBest !== null) assert.deepEqual(simdPrepared, bytesOf(g.preparedBest), `case ${c.case} x86 prepared`);
      const row = name === 'F32' ? new Uint8Array(floatsOf(c.weights).buffer.slice(0)) : bytesOf(g.quantized);
      const dot = vecDot(type, row, 0, prepared, 0, n);
      assert.equal(dot, Math.fround(g.dotGeneric), `case ${c.case} dot`);
    }
  });

  test(`${name}: vecDot stays within 2e-6 (relative to Σ|w·x|) of the SIMD kernels of ${golden.bestVariant}`, () => {
    for (const c of golden.cases) {
      const g = c.types[name]!;
      const activations = floatsOf(c.activations);
      const prepared = new Uint8Array(preparedBytes(type, n));
      prepareActivations(type, activations, 0, n, prepared, 0);
      const row = name === 'F32' ? new Uint8Array(floatsOf(c.weights).buffer.slice(0)) : bytesOf(g.quantized);
      const weights = new Float32Array(n);
      dequantizeRow(type, row, 0, weights, 0, n);
      let magnitude = 0;
      for (let i = 0; i < n; i++) magnitude += Math.abs(weights[i]! * activations[i]!);
      const dot = vecDot(type, row, 0, prepared, 0, n);
      assert.ok(Math.abs(dot - g.dotBest) <= 2e-6 * magnitude + 1e-30, `case ${c.case}: ${dot} vs ${g.dotBest} (Σ|w·x| ${magnitude})`);
    }
  });
}
