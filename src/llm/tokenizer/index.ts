/** llm/tokenizer — Qwen2-family byte-level BPE: load (tokenizer.json, GGUF metadata), encode, decode, stream-decode, GGUF export. */
export { Tokenizer, type EncodeOptions } from './tokenizer.ts';
export { StreamDecoder, type DecodeOptions } from './stream-decoder.ts';
export type { TokenizerSpec, TokenKind } from './tokenizer-spec.ts';
export type { AddedToken } from './added-tokens.ts';
export { GgufTokenType, type GgufMetadataInput as TokenizerGgufMetadata, type GgufExportOptions } from './gguf-metadata.ts';
export { PRE_TOKENIZER_PATTERNS, type PreTokenizerName } from './pre-tokenizer.ts';
export { isWordByte } from './byte-level.ts';
export { trainByteLevelBpe, DEFAULT_SPECIAL_TOKENS, type BpeTrainingOptions, type TrainedBpe } from './train-bpe.ts';
