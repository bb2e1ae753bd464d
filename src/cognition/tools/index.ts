/** cognition/tools — the tool registry and the first tools (files, memory, klog, time, reply, ask_user, share.send). */
export { ToolRegistry, createToolRegistry, executeTool, TERMINAL_TOOLS } from './registry.ts';
export { TOOL_LIMITS, type ToolEnvironment } from './environment.ts';
export { OUTBOX_ROOT, canonicalToolPath, homeRelative, outboxRecipient, pathNeeds, resolveHome } from './home-paths.ts';
export { FS_TOOLS, fsAppend, fsDelete, fsList, fsMove, fsRead, fsSearch, fsWrite } from './fs-tools.ts';
export { SYSTEM_TOOLS, askUser, klogRead, memoryRecall, reply, shareSend, timeNow } from './system-tools.ts';
