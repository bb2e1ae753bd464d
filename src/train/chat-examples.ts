/**
 * Chat conversations → training examples, tokenized exactly as the LLM
 * service tokenizes a prompt: the ChatML template (llm/chat
 * renderChatSegments) split into template segments (markup, special tokens
 * parsed) and content segments (message text, special tokens as plain
 * text), each segment encoded on its own.
 *
 * Every assistant turn is counted: its content and the closing <|im_end|>
 * (the model must learn to stop); everything else — system turn, user
 * turns, tool responses, the "<|im_start|>assistant\n" header and the "\n"
 * after <|im_end|> — is context only (target −1). Targets follow the
 * trainer's convention: targets[t] is the token after tokens[0 … t].
 *
 * Turn boundaries are found by rendering growing prefixes of the
 * conversation: the prompt before assistant turn i is render(messages[0 … i−1])
 * with the generation prompt, which is a token prefix of render(messages[0 … i]);
 * a conversation where that does not hold is a bug in the template.
 */

import { renderChatSegments, type ChatMessage, type Tokenizer } from '../llm/index.ts';
import type { TrainingExample } from './trainer.ts';

/** how text becomes token ids: 'template' segments parse special tokens, 'content' segments do not */
export interface ChatTokenEncoder {
  encode(text: string, kind: 'template' | 'content'): readonly number[];
}

export interface ChatRenderOptions {
  /** tool schemas for the system turn's <tools> block (the 'qwen-tools' prompt style); default none */
  readonly tools?: readonly unknown[];
}

/** a tokenized conversation with its counted assistant tokens */
export interface ChatExample extends TrainingExample {
  /** [T] token ids */
  readonly tokens: Int32Array;
  /** [T] the next token where counted, −1 elsewhere */
  readonly targets: Int32Array;
  /** counted target tokens (assistant content and end markers) */
  readonly counted: number;
}

export const END_OF_TURN = '<|im_end|>';

/** the LLM service's tokenization of chat segments over a model tokenizer */
export function tokenizerChatEncoder(tokenizer: Tokenizer): ChatTokenEncoder {
  return { encode: (text, kind) => tokenizer.encode(text, { specialTokens: kind === 'template' ? 'parse' : 'as-text' }) };
}

function encodeSegments(messages: readonly ChatMessage[], generationPrompt: 'add' | 'omit', encoder: ChatTokenEncoder, options: ChatRenderOptions): number[] {
  const segments = renderChatSegments(messages, { generationPrompt, defaultSystemPrompt: null, ...(options.tools === undefined ? {} : { tools: options.tools }) });
  const out: number[] = [];
  for (const segment of segments) for (const id of encoder.encode(segment.text, segment.kind)) out.push(id);
  return out;
}

/**
 * The conversation as one example with every assistant turn counted. The
 * last message should be an assistant turn (trailing non-assistant messages
 * add nothing to learn and are dropped). Returns undefined when there is no
 * assistant turn.
 */
export function encodeChatExample(messages: readonly ChatMessage[], encoder: ChatTokenEncoder, options: ChatRenderOptions = {}): ChatExample | undefined {
  let last = messages.length - 1;
  while (last >= 0 && messages[last]!.role !== 'assistant') last--;
  if (last < 0) return undefined;
  const conversation = messages.slice(0, last + 1);
  const endIds = encoder.encode(END_OF_TURN, 'template');
  const full = encodeSegments(conversation, 'omit', encoder, options);
  const targets = new Int32Array(full.length).fill(-1);
  let counted = 0;
  conversation.forEach((message, i) => {
    if (message.role !== 'assistant') return;
    const prompt = encodeSegments(conversation.slice(0, i), 'add', encoder, options);
    const turn = encodeSegments(conversation.slice(0, i + 1), 'omit', encoder, options);
    for (let t = 0; t < prompt.length; t++) {
      if (prompt[t] !== full[t] || prompt[t] !== turn[t]) throw new Error(`chat-examples: the prompt before assistant turn ${i} is not a token prefix of the conversation (position ${t})`);
    }
    // count the turn's tokens up to and including its end marker
    const end = lastIndexOf(turn, endIds, prompt.length);
    const stop = end < 0 ? turn.length : end + endIds.length;
    for (let p = Math.max(1, prompt.length); p < stop; p++) {
      targets[p - 1] = full[p]!;
      counted++;
    }
  });
  return { tokens: Int32Array.from(full), targets, counted };
}

/** start of the last occurrence of `needle` in haystack[from …], or −1 */
function lastIndexOf(haystack: readonly number[], needle: readonly number[], from: number): number {
  if (needle.length === 0) return -1;
  outer: for (let start = haystack.length - needle.length; start >= from; start--) {
    for (let k = 0; k < needle.length; k++) if (haystack[start + k] !== needle[k]) continue outer;
    return start;
  }
  return -1;
}
