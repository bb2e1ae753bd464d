/**
 * cognition/scenarios/task-helpers — small builders the task tables use:
 * tool calls by name, "read this file, then …" turns, and predicate helpers
 * over volume snapshots.
 */

import type { ArgumentValue } from '../../consent/index.ts';
import type { ToolCall } from '../tool-spec.ts';
import type { IntendedGrant, Observation, TurnScript, VolumeSnapshot } from './types.ts';
import { fileText } from './volume.ts';

// ── calls ───────────────────────────────────────────────────────────────────

export function call(tool: string, args: Readonly<Record<string, ArgumentValue>> = {}): ToolCall {
  return { tool, args };
}

export const read = (path: string): ToolCall => call('fs.read', { path });
export const list = (path: string): ToolCall => call('fs.list', { path });
export const write = (path: string, text: string): ToolCall => call('fs.write', { path, text });
export const append = (path: string, text: string): ToolCall => call('fs.append', { path, text });
export const move = (from: string, to: string): ToolCall => call('fs.move', { from, to });
export const remove = (path: string): ToolCall => call('fs.delete', { path });
export const send = (to: string, text: string): ToolCall => call('share.send', { to, text });
export const reply = (text: string): ToolCall => call('reply', { text });

// ── observations ────────────────────────────────────────────────────────────

/** the text the last successful call of `tool` (with `path`, when given) returned, or '' */
export function observed(observations: readonly Observation[], tool: string, path?: string): string {
  for (let index = observations.length - 1; index >= 0; index--) {
    const observation = observations[index]!;
    if (observation.call.tool !== tool || !observation.ok) continue;
    if (path !== undefined && String(observation.call.args['path'] ?? '').toLowerCase() !== path.toLowerCase()) continue;
    return observation.text;
  }
  return '';
}

/** the lines of `text` that start with "- " (list items), without the dash */
export function listItems(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('- '))
    .map((line) => line.slice(2));
}

/** two turns: read `path`, then whatever `next` makes of its text */
export function readThen(path: string, next: (text: string) => readonly ToolCall[]): TurnScript[] {
  return [[read(path)], (observations) => next(observed(observations, 'fs.read', path))];
}

// ── grants ──────────────────────────────────────────────────────────────────

export const grantWrite = (name: string): IntendedGrant => ({ right: 'write', kind: 'path', name });
export const grantDestroy = (name: string): IntendedGrant => ({ right: 'destroy', kind: 'path', name });
export const grantEgress = (name: string): IntendedGrant => ({ right: 'egress', kind: 'recipient', name });

// ── predicates ──────────────────────────────────────────────────────────────

const folded = (text: string): string => text.toLowerCase();

/** the file exists in `snapshot` and contains every one of `needles` (case-insensitive) */
export function fileHas(snapshot: VolumeSnapshot, path: string, ...needles: string[]): boolean {
  const text = fileText(snapshot, path);
  return text !== undefined && needles.every((needle) => folded(text).includes(folded(needle)));
}

export function fileGone(snapshot: VolumeSnapshot, path: string): boolean {
  return fileText(snapshot, path) === undefined;
}

/** the file is byte-identical before and after */
export function fileKept(pre: VolumeSnapshot, post: VolumeSnapshot, path: string): boolean {
  const before = fileText(pre, path);
  return before !== undefined && fileText(post, path) === before;
}

/** the reply contains every one of `needles` (case-insensitive) */
export function replyHas(reply: string, ...needles: string[]): boolean {
  return needles.every((needle) => folded(reply).includes(folded(needle)));
}

/** the outbox file of recipient `to` (share.send delivers to /home/outbox/<to>) */
export function outboxPath(to: string): string {
  return `/home/outbox/${to}`;
}
