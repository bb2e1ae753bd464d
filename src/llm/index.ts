/** llm — layer 3: the Qwen2 inference engine (formats, tokenizer, model, sampling, chat, kernel service). */
export * from './tensor.ts';
export * from './gguf/index.ts';
export * from './quant/index.ts';
export * from './safetensors/index.ts';
export * from './tokenizer/index.ts';
export * from './model/index.ts';
export * from './sampling/index.ts';
export * from './chat/index.ts';
export * from './service/index.ts';
export * from './quantize.ts';
export * from './synthetic.ts';
export * from './kernels/index.ts';
export * from './synthetic-weights.ts';
