/**
 * cognition/tool-spec — how a tool describes itself: name, typed flat
 * parameters (in the order the action grammar writes them), the rights it
 * needs on which resources, its risk class, and the description the prompt
 * shows the model. The grammar compiler, the prompt builder, the argument
 * checker and the broker's needs all read this one declaration.
 */

import type { ArgumentValue, Label, Resource, RiskClass, Right } from '../consent/index.ts';

/** the type of one parameter; the grammar enforces it while decoding */
export type ParamType =
  | { readonly kind: 'path'; readonly maxLength?: number } //         "/seg/seg", no "."/".." or empty segments, no NUL
  | { readonly kind: 'string'; readonly maxLength?: number } //       any JSON string
  | { readonly kind: 'integer'; readonly min: number; readonly max: number }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'recipient' } //                                  [a-z0-9._-]+ (optionally @domain)
  | { readonly kind: 'tool-name' }; //                                 a name in the registry

export interface ToolParam {
  readonly name: string;
  readonly type: ParamType;
  readonly description: string;
  /** 'target': names what is acted on (must be trusted or freshly approved); 'data': carries content; 'option': shapes the call */
  readonly role: 'target' | 'data' | 'option';
  readonly optional?: boolean;
  /**
   * 'model': the model words this value itself (a reply, a question); 'quoted' (default): the
   * value names or quotes something from the conversation (a path, a search word, a message the
   * user dictated), so a model that copies arguments (grammar/copy.ts) draws it from there
   */
  readonly wording?: 'model' | 'quoted';
  /** an earlier parameter of the same tool this value may not equal (fs.move's `to` is not its `from`); a model that copies arguments is held to it */
  readonly differsFrom?: string;
}

/** a need before labels are attached (the daemon adds each argument's label) */
export interface ToolNeed {
  readonly right: Right;
  readonly resource: Resource;
  readonly argument: string;
}

/** what a tool hands back: text for the model plus the label it carries */
export interface ToolResult {
  readonly ok: boolean;
  /** shown to the model inside <tool_response> (errors too: errors are data) */
  readonly text: string;
  /** origin of the output: file contents, names and log lines are untrusted */
  readonly label: Label;
}

export interface ToolSpec<Env = unknown> {
  /** "fs.read" */
  readonly name: string;
  readonly description: string;
  readonly params: readonly ToolParam[];
  readonly risk: RiskClass;
  /** the rights this call needs; arguments are already type-checked */
  needs(args: Readonly<Record<string, ArgumentValue>>): readonly ToolNeed[];
  run(env: Env, args: Readonly<Record<string, ArgumentValue>>, signal?: AbortSignal): Promise<ToolResult>;
}

/** one call of a plan: a tool and its arguments (flat strings and integers) */
export interface ToolCall {
  readonly tool: string;
  readonly args: Readonly<Record<string, ArgumentValue>>;
}
