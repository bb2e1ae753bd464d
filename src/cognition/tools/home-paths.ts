/**
 * cognition/tools/home-paths — tool paths are absolute volume paths under
 * /home ("/home/notes/a.txt"); tools reach the volume only through a
 * DirectoryObject rooted at /home, so nothing else is reachable by
 * construction. Here: mapping a tool path into that capability, the
 * canonical spelling of a path (8.3 aliases and case resolved) and the
 * rights a path needs.
 *
 * /home/outbox/<recipient> is where share.send delivers until real egress
 * exists, so a write, move or delete touching it is also egress to that
 * recipient: fs.write cannot be used to mail a file around share.send.
 */

import type { ToolNeed } from '../tool-spec.ts';
import type { Right } from '../../consent/index.ts';
import type { ToolEnvironment } from './environment.ts';
import { HOME_ROOT } from '../actions.ts';

/** the folder share.send delivers into (lower case; FAT compares case-insensitively) */
export const OUTBOX_ROOT = '/home/outbox';

/** "/home/notes/a.txt" → "/notes/a.txt" (the path inside the /home capability) */
export function homeRelative(toolPath: string): string {
  const rest = toolPath.slice(HOME_ROOT.length);
  return rest === '' ? '/' : rest;
}

/** the absolute volume path a checked tool path names, resolved through the /home capability */
export function resolveHome(env: ToolEnvironment, toolPath: string): string {
  return env.home.resolve(homeRelative(toolPath));
}

/**
 * The path with every existing component spelled as stored on the volume
 * (its long name), so "/HOME/NOTES~1/A.TXT" and "/home/notes-2024/a.txt"
 * read the same to the broker; components that do not exist yet are kept
 * as given. The input is a checked tool path.
 */
export function canonicalToolPath(env: ToolEnvironment, toolPath: string): string {
  const segments = homeRelative(toolPath).split('/').filter((s) => s !== '');
  let canonical = HOME_ROOT;
  let exists = true;
  for (const segment of segments) {
    const next = `${canonical}/${segment}`;
    if (exists && env.home.volume.exists(resolveHome(env, next))) {
      canonical = `${canonical}/${env.home.volume.stat(resolveHome(env, next)).name}`;
    } else {
      exists = false;
      canonical = next;
    }
  }
  return canonical;
}

/**
 * The recipient whose outbox a path lies in ("/home/outbox/bob/x" → "bob"),
 * "*" for the outbox folder itself (moving a folder there sends to everyone
 * named in it), undefined elsewhere.
 */
export function outboxRecipient(toolPath: string): string | undefined {
  const lower = toolPath.toLowerCase();
  if (lower === OUTBOX_ROOT) return '*';
  if (!lower.startsWith(`${OUTBOX_ROOT}/`)) return undefined;
  return lower.slice(OUTBOX_ROOT.length + 1).split('/')[0];
}

/** the right on the path, plus egress to the recipient when the path is in an outbox and the right changes it */
export function pathNeeds(right: Right, toolPath: string, argument: string): ToolNeed[] {
  const needs: ToolNeed[] = [{ right, resource: { kind: 'path', name: toolPath }, argument }];
  const recipient = right === 'read' ? undefined : outboxRecipient(toolPath);
  if (recipient !== undefined) needs.push({ right: 'egress', resource: { kind: 'recipient', name: recipient }, argument });
  return needs;
}
