/** llm/gguf — GGUF v2/v3 reader (header only, bounded, typed errors) and v3 writer. */
export { readGgufHeader, readGguf, ggufTensor, GGUF_MAGIC, GGUF_DEFAULT_ALIGNMENT } from './reader.ts';
export { GgufFile, type GgufTensorInfo } from './file.ts';
export { writeGguf, encodeGgufHeader, ggufPadding, type GgufTensorLayout, type GgufTensorToWrite, type GgufMetadataInput, type GgufHeaderEncoding } from './writer.ts';
export { gguf, type GgufValue, type GgufArray, type GgufItem, type GgufValueTypeName } from './values.ts';
export { readFromBytes, type ReadAt } from './source.ts';
export { packedStringsOf, PackedStrings } from './string-arrays.ts';
