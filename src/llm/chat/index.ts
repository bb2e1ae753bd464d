/** llm/chat — the ChatML prompt template of Qwen2/Qwen2.5 (with tools) and the tool-call parser for model output. */
export {
  formatChat, renderChatSegments, QWEN25_DEFAULT_SYSTEM_PROMPT, QWEN2_DEFAULT_SYSTEM_PROMPT,
  type ChatMessage, type ChatRole, type ChatSegment, type ChatTemplateOptions, type ToolCall,
} from './chatml.ts';
export { parseToolCalls, type ParsedToolCall, type ToolCallParse, type ToolCallLimits } from './tool-calls.ts';
export { pythonJson } from './python-json.ts';
