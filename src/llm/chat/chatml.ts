/**
 * The ChatML prompt format as Qwen2.5's chat_template renders it
 * (tokenizer_config.json of Qwen2.5-*-Instruct), including tools:
 *
 *   <|im_start|>system\n{system or default}[tools block]<|im_end|>\n
 *   <|im_start|>user\n{content}<|im_end|>\n
 *   <|im_start|>assistant\n{content}[\n<tool_call>\n{"name": …, "arguments": …}\n</tool_call>]<|im_end|>\n
 *   <|im_start|>user\n<tool_response>\n{content}\n</tool_response>[\n<tool_response>…]<|im_end|>\n
 *   <|im_start|>assistant\n                                     (generation prompt)
 *
 * Consecutive `tool` messages share one user turn. Without a system message
 * the default system prompt is used (Qwen2.5: "You are Qwen, created by
 * Alibaba Cloud. You are a helpful assistant."; pass null for none).
 *
 * Differences from Qwen3's template (the tokenizer_config.json shipped in
 * node_modules): Qwen3 has no default system prompt, puts "\n\n" between a
 * given system prompt and "# Tools" and omits the system prompt otherwise,
 * wraps reasoning in <think> blocks, and inserts string tool-call arguments
 * verbatim. For string arguments this file does what Qwen3 does (Qwen2.5
 * would JSON-quote the string, which no caller wants).
 *
 * `renderChatSegments` returns the prompt as template text and message
 * content separately, so the caller can tokenize content WITHOUT turning
 * "<|im_start|>" typed by a user into a control token.
 */

import { fail } from '../../common/index.ts';
import { pythonJson } from './python-json.ts';

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  readonly name: string;
  /** an object (rendered as JSON) or a JSON string (inserted verbatim) */
  readonly arguments: unknown;
}

export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
  /** assistant turns only */
  readonly toolCalls?: readonly ToolCall[];
}

export const QWEN25_DEFAULT_SYSTEM_PROMPT = 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.';
export const QWEN2_DEFAULT_SYSTEM_PROMPT = 'You are a helpful assistant.';

export interface ChatTemplateOptions {
  /** tool definitions, usually {type: "function", function: {name, description, parameters}}; rendered as JSON */
  readonly tools?: readonly unknown[];
  /** 'add' (default): end with "<|im_start|>assistant\n" */
  readonly generationPrompt?: 'add' | 'omit';
  /** used when the first message is not a system message; null: no system turn then (unless tools) */
  readonly defaultSystemPrompt?: string | null;
}

export interface ChatSegment {
  readonly text: string;
  /** 'template': ChatML markup (tokenize with special tokens); 'content': message text (tokenize as plain text) */
  readonly kind: 'template' | 'content';
}

const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant', 'tool']);

const TOOLS_PREAMBLE = '\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>';
const TOOLS_POSTAMBLE = '\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n';

function checkMessages(messages: readonly ChatMessage[]): void {
  messages.forEach((m, i) => {
    if (typeof m !== 'object' || m === null || !ROLES.has(m.role)) {
      fail('llm.chat_invalid', `message ${i} has role ${JSON.stringify((m as { role?: unknown } | null)?.role ?? null)}; expected system, user, assistant or tool`);
    }
    if (typeof m.content !== 'string') fail('llm.chat_invalid', `message ${i} (${m.role}) has no text content`);
    if (m.toolCalls !== undefined) {
      if (m.role !== 'assistant') fail('llm.chat_invalid', `message ${i} (${m.role}) has tool calls; only assistant messages can`);
      m.toolCalls.forEach((c, j) => {
        if (typeof c?.name !== 'string' || c.name.length === 0) fail('llm.chat_invalid', `message ${i}, tool call ${j} has no name`);
      });
    }
  });
}

/** the prompt as template and content segments (see header) */
export function renderChatSegments(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): ChatSegment[] {
  checkMessages(messages);
  const out: ChatSegment[] = [];
  const template = (text: string): void => { if (text.length > 0) out.push({ text, kind: 'template' }); };
  const content = (text: string): void => { if (text.length > 0) out.push({ text, kind: 'content' }); };
  const defaultSystem = options.defaultSystemPrompt === undefined ? QWEN25_DEFAULT_SYSTEM_PROMPT : options.defaultSystemPrompt;
  const first = messages[0];
  const systemFirst = first?.role === 'system';
  const tools = options.tools ?? [];

  if (tools.length > 0) {
    template('<|im_start|>system\n');
    content(systemFirst ? first.content : defaultSystem ?? '');
    template(TOOLS_PREAMBLE);
    for (const tool of tools) template(`\n${pythonJson(tool)}`);
    template(TOOLS_POSTAMBLE);
  } else if (systemFirst || defaultSystem !== null) {
    template('<|im_start|>system\n');
    content(systemFirst ? first.content : defaultSystem!);
    template('<|im_end|>\n');
  }

  messages.forEach((m, i) => {
    if (m.role === 'system' && i === 0) return;
    const calls = m.toolCalls ?? [];
    if (m.role === 'tool') {
      if (i === 0 || messages[i - 1]!.role !== 'tool') template('<|im_start|>user');
      template('\n<tool_response>\n');
      content(m.content);
      template('\n</tool_response>');
      if (i === messages.length - 1 || messages[i + 1]!.role !== 'tool') template('<|im_end|>\n');
    } else if (m.role === 'assistant' && calls.length > 0) {
      template('<|im_start|>assistant');
      if (m.content.length > 0) { template('\n'); content(m.content); }
      for (const call of calls) {
        const args = typeof call.arguments === 'string' ? call.arguments : pythonJson(call.arguments ?? {});
        template('\n<tool_call>\n{"name": "');
        content(call.name);
        template('", "arguments": ');
        content(args);
        template('}\n</tool_call>');
      }
      template('<|im_end|>\n');
    } else {
      template(`<|im_start|>${m.role}\n`);
      content(m.content);
      template('<|im_end|>\n');
    }
  });
  if ((options.generationPrompt ?? 'add') === 'add') template('<|im_start|>assistant\n');
  return out;
}

/** the whole prompt as one string */
export function formatChat(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
  return renderChatSegments(messages, options).map((s) => s.text).join('');
}
