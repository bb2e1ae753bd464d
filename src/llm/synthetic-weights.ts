/**
 * Random Qwen2 weights, generated one row at a time, and the streaming GGUF
 * writer built on them: a 0.5B or 1.5B model is written without ever
 * holding more than a few MiB of it in memory.
 *
 *   qwen2TensorPlan(config)   the tensors in file order (GGUF and HF
 *                                names, ggml shape, how each is drawn)
 *   SyntheticWeightSource        a seeded Rng drawing the values, row by row,
 *                                in plan order
 *   streamSyntheticQwen2Gguf     header first (types and sizes are known up
 *                                front), then each tensor generated,
 *                                quantized and handed to `write` in chunks
 *                                of at most CHUNK_BYTES, then its padding
 *
 * The draw order and distribution are those of model/random-model.ts
 * (`randomQwen2Tensors`: one Rng over all tensors, uniform in
 * center ± scale), so with a numeric scale the files are byte-identical to
 * quantizing that helper's tensors (a test checks it). Scale 'fan-in' is for
 * the real shapes: matrices uniform in ±1/√nIn, so every matmul output keeps
 * roughly the variance of its (RMS-normed) input and 24+ layers of random
 * weights never overflow; norm scales 1 ± 0.1, biases ± 0.1.
 */

import { fail, Rng } from '../common/index.ts';
import { encodeGgufHeader, ggufPadding, gguf, type GgufValue } from './gguf/index.ts';
import { configToGgufMetadata, qwen2TensorPlan, type Qwen2Config, type Qwen2TensorPlan } from './model/index.ts';
import { quantizeRow } from './quant/index.ts';
import { fileTypeOf, quantizedTypeFor, type QuantizeTarget } from './quantize.ts';
import { GgmlType, ggmlTypeTraits, rowBytes, type GgmlTypeId } from './tensor.ts';
import type { Tokenizer } from './tokenizer/index.ts';

/** the most bytes handed to `write` at once */
const CHUNK_BYTES = 4 << 20;
/** half-width of norm-scale and bias noise under scale 'fan-in' */
const FAN_IN_VECTOR_SCALE = 0.1;

/** a number: every value uniform in center ± scale; 'fan-in': see the header */
export type SyntheticScale = number | 'fan-in';


/** draws the values of the plan's tensors, in plan order, row by row */
export class SyntheticWeightSource {
  private readonly rng: Rng;
  private readonly scale: SyntheticScale;

  constructor(seed: number, scale: SyntheticScale = 0.5) {
    this.rng = new Rng(seed);
    this.scale = scale;
  }

  /** half-width of the uniform distribution of `tensor`'s values */
  halfWidth(tensor: Qwen2TensorPlan): number {
    if (this.scale !== 'fan-in') return this.scale;
    return tensor.kind === 'matrix' ? 1 / Math.sqrt(tensor.shape[0]!) : FAN_IN_VECTOR_SCALE;
  }

  /** fill out[offset, offset + count) with the next `count` values of `tensor` */
  fill(tensor: Qwen2TensorPlan, out: Float32Array, offset: number, count: number): void {
    const { rng } = this;
    const center = tensor.center;
    const halfWidth = this.halfWidth(tensor);
    for (let i = offset, end = offset + count; i < end; i++) out[i] = center + (rng.next() * 2 - 1) * halfWidth;
  }

  /** all values of `tensor` (small models only) */
  values(tensor: Qwen2TensorPlan): Float32Array {
    const out = new Float32Array(tensor.shape.reduce((a, b) => a * b, 1));
    this.fill(tensor, out, 0, out.length);
    return out;
  }
}

export interface SyntheticGgufOptions {
  readonly config: Qwen2Config;
  readonly seed: number;
  /** default 0.5 (uniform ±0.5 everywhere, norm scales around 1) */
  readonly scale?: SyntheticScale;
  /** embedded as tokenizer.ggml.*; its token list is padded with "[PAD<id>]" up to config.vocabSize */
  readonly tokenizer: Tokenizer;
  readonly target: QuantizeTarget;
  readonly name?: string;
}

export interface SyntheticGgufLayout {
  readonly header: Uint8Array;
  readonly alignment: number;
  readonly tensors: readonly { readonly plan: Qwen2TensorPlan; readonly type: GgmlTypeId; readonly byteLength: number }[];
  /** header + data section [bytes] */
  readonly fileSize: number;
}

export interface StreamOptions {
  readonly onProgress?: (writtenBytes: number, totalBytes: number) => void;
  /** syntheticQwen2GgufLayout(options), when the caller has it already */
  readonly layout?: SyntheticGgufLayout;
  /** most weight bytes per `write` (at least one row); default 4 MiB */
  readonly chunkBytes?: number;
}

/** what the file will hold: its header bytes and each tensor's type and size, before any weight is drawn */
export function syntheticQwen2GgufLayout(options: SyntheticGgufOptions): SyntheticGgufLayout {
  const { config } = options;
  if (options.tokenizer.vocabSize > config.vocabSize) {
    fail('arg.invalid', `synthetic model: the tokenizer has ${options.tokenizer.vocabSize} tokens, more than the config's ${config.vocabSize} embedding rows`);
  }
  const plan = qwen2TensorPlan(config);
  const hasOutput = !config.tiedEmbeddings;
  const types = plan.map((t) => quantizedTypeFor(t.ggufName, t.shape, GgmlType.F32, options.target, { layerCount: config.layerCount, hasOutput }));
  const metadata = new Map<string, GgufValue>([
    ['general.name', gguf.string(options.name ?? `synthetic-qwen2-${options.target}`)],
    ['general.file_type', gguf.u32(fileTypeOf(options.target))],
    ...configToGgufMetadata(config),
    ...options.tokenizer.toGgufMetadata({ vocabSize: config.vocabSize }),
  ]);
  const encoding = encodeGgufHeader(metadata, plan.map((t, i) => ({ name: t.ggufName, type: types[i]!, shape: t.shape })));
  return {
    header: encoding.header,
    alignment: encoding.alignment,
    tensors: plan.map((t, i) => ({ plan: t, type: types[i]!, byteLength: encoding.byteLengths[i]! })),
    fileSize: encoding.header.length + encoding.dataSize,
  };
}

/**
 * Write the synthetic model as GGUF through `write` (header, then each
 * tensor's bytes in chunks, then its padding). `write` must consume the
 * chunk before it returns: the buffer is reused. Returns the layout written.
 */
export function streamSyntheticQwen2Gguf(options: SyntheticGgufOptions, write: (chunk: Uint8Array) => void, stream: StreamOptions = {}): SyntheticGgufLayout {
  const layout = stream.layout ?? syntheticQwen2GgufLayout(options);
  const chunkBytes = stream.chunkBytes ?? CHUNK_BYTES;
  const onProgress = stream.onProgress;
  const source = new SyntheticWeightSource(options.seed, options.scale);
  write(layout.header);
  let written = layout.header.length;
  const zeros = new Uint8Array(layout.alignment);
  let chunk = new Uint8Array(0);
  let row = new Float32Array(0);
  for (const { plan, type, byteLength } of layout.tensors) {
    const rowLength = plan.shape[0]!;
    const rows = byteLength / rowBytes(type, rowLength);
    const stride = rowBytes(type, rowLength);
    const rowsPerChunk = Math.max(1, Math.min(rows, Math.floor(chunkBytes / stride)));
    if (chunk.length < rowsPerChunk * stride) chunk = new Uint8Array(rowsPerChunk * stride);
    if (row.length < rowLength) row = new Float32Array(rowLength);
    for (let first = 0; first < rows; first += rowsPerChunk) {
      const count = Math.min(rowsPerChunk, rows - first);
      for (let r = 0; r < count; r++) {
        source.fill(plan, row, 0, rowLength);
        quantizeRow(type, row, 0, chunk, r * stride, rowLength);
      }
      write(chunk.subarray(0, count * stride));
      written += count * stride;
      onProgress?.(written, layout.fileSize);
    }
    const padding = ggufPadding(byteLength, layout.alignment);
    if (padding > 0) write(zeros.subarray(0, padding));
    written += padding;
  }
  if (written !== layout.fileSize) throw new Error(`synthetic GGUF: wrote ${written} bytes, the layout says ${layout.fileSize}`);
  return layout;
}

/** tensor count per type name in a layout ("Q8_0" → 169) */
export function layoutTypeCounts(layout: SyntheticGgufLayout): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of layout.tensors) {
    const name = ggmlTypeTraits(t.type)?.name ?? String(t.type);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}
