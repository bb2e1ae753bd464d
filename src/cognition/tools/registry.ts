/**
 * cognition/tools/registry — the tool registry: name → ToolSpec, in the
 * order the prompt lists them, and `executeTool`, the one place a checked
 * call runs (errors become data: an error observation, never a throw).
 */

import { fail, isChimaeraError } from '../../common/index.ts';
import type { ArgumentValue } from '../../consent/index.ts';
import { trustedLabel } from '../labels.ts';
import type { ToolResult, ToolSpec } from '../tool-spec.ts';
import type { ToolEnvironment } from './environment.ts';
import { FS_TOOLS } from './fs-tools.ts';
import { SYSTEM_TOOLS } from './system-tools.ts';

export class ToolRegistry<Env = ToolEnvironment> {
  private readonly tools = new Map<string, ToolSpec<Env>>();

  constructor(tools: readonly ToolSpec<Env>[]) {
    for (const tool of tools) {
      if (this.tools.has(tool.name)) throw new Error(`tool ${tool.name} registered twice`);
      this.tools.set(tool.name, tool);
    }
  }

  get(name: string): ToolSpec<Env> | undefined {
    return this.tools.get(name);
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  /** the spec, or tool.unknown */
  require(name: string): ToolSpec<Env> {
    return this.tools.get(name) ?? fail('tool.unknown', `no tool is named ${JSON.stringify(name.slice(0, 80))}`, { tool: name });
  }

  /** every tool, in registration order (the order the prompt shows them) */
  list(): readonly ToolSpec<Env>[] {
    return [...this.tools.values()];
  }

  /** a registry with only the named tools (a narrower tool set for one task) */
  only(names: readonly string[]): ToolRegistry<Env> {
    return new ToolRegistry(names.map((name) => this.require(name)));
  }
}

/** the tools of issue 5, on the /home capability */
export function createToolRegistry(): ToolRegistry<ToolEnvironment> {
  return new ToolRegistry<ToolEnvironment>([...FS_TOOLS, ...SYSTEM_TOOLS]);
}

/** the tools that end a turn: the task answers or waits for the user */
export const TERMINAL_TOOLS: ReadonlySet<string> = new Set(['reply', 'ask_user']);

/**
 * Run a checked call. A ChimaeraError (fs.not_found, tool.path_forbidden…)
 * becomes an error result "code: message"; any other exception is a bug in
 * the tool: it becomes a tool.failed result and is reported to `onBug`.
 */
export async function executeTool<Env>(
  spec: ToolSpec<Env>,
  env: Env,
  args: Readonly<Record<string, ArgumentValue>>,
  options: { signal?: AbortSignal; onBug?: (error: unknown) => void } = {},
): Promise<ToolResult> {
  try {
    return await spec.run(env, args, options.signal);
  } catch (error) {
    if (isChimaeraError(error)) return { ok: false, text: `${error.code}: ${error.message}`, label: trustedLabel({ kind: 'system', ref: error.code }) };
    options.onBug?.(error);
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, text: `tool.failed: ${spec.name} failed unexpectedly (${message})`, label: trustedLabel({ kind: 'system', ref: 'tool.failed' }) };
  }
}
