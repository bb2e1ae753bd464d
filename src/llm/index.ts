/** llm — layer 3: the Qwen2 inference engine (formats, tokenizer, model, sampling, chat, kernel service). */
export * from './tensor.ts';
