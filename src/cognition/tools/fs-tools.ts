/**
 * cognition/tools/fs-tools — the file tools on the FAT32 volume, all inside
 * the /home capability: fs.list, fs.read, fs.search (read class), fs.write,
 * fs.append, fs.move (write class) and fs.delete (destroy class).
 *
 * Outputs are bounded (TOOL_LIMITS) and labelled: file contents and file
 * names are untrusted and private; confirmations ("wrote 12 bytes to …")
 * are the system's own words and trusted. Volume errors (fs.not_found…)
 * are thrown as they are; the executor turns them into error observations.
 */

import { fail } from '../../common/index.ts';
import type { ArgumentValue, Label } from '../../consent/index.ts';
import { trustedLabel, untrustedLabel } from '../labels.ts';
import type { ToolSpec } from '../tool-spec.ts';
import { TOOL_LIMITS, type ToolEnvironment } from './environment.ts';
import { pathNeeds, resolveHome } from './home-paths.ts';
import { HOME_ROOT } from '../actions.ts';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

type Args = Readonly<Record<string, ArgumentValue>>;
const text = (args: Args, name: string): string => args[name] as string;

function fileLabel(tool: string, path: string): Label {
  return untrustedLabel({ kind: tool, ref: path }, 'private');
}

function confirmation(tool: string, path: string, message: string): { ok: true; text: string; label: Label } {
  return { ok: true, text: message, label: trustedLabel({ kind: tool, ref: path }) };
}

/** the tool path must name something inside /home, not /home itself */
function notHomeRoot(tool: string, path: string): void {
  if (path.toLowerCase() === HOME_ROOT) fail('tool.path_forbidden', `${tool}: ${path} is the home folder itself`, { tool });
}

/** `end` moved back so that bytes[0, end) does not stop inside a UTF-8 sequence */
function utf8Boundary(bytes: Uint8Array, end: number): number {
  let cut = end;
  while (cut > 0 && cut > end - 4 && (bytes[cut]! & 0xc0) === 0x80) cut--;
  return cut;
}

function ensureParent(env: ToolEnvironment, volumePath: string): void {
  const parent = volumePath.slice(0, volumePath.lastIndexOf('/'));
  if (parent !== '' && !env.home.volume.exists(parent)) env.home.volume.mkdir(parent, { recursive: true });
}

const pathParam = (description: string, name = 'path') => ({ name, type: { kind: 'path' } as const, description, role: 'target' as const });

export const fsList: ToolSpec<ToolEnvironment> = {
  name: 'fs.list',
  description: 'List the files and folders in a folder under /home.',
  params: [pathParam('the folder to list, e.g. /home/notes')],
  risk: 'read',
  needs: (args) => pathNeeds('read', text(args, 'path'), 'path'),
  run: async (env, args) => {
    const path = text(args, 'path');
    const entries = env.home.volume.readdir(resolveHome(env, path)).sort((a, b) => a.name.localeCompare(b.name));
    const shown = entries.slice(0, TOOL_LIMITS.listEntries).map((e) => (e.kind === 'directory' ? `${e.name}/` : `${e.name} (${e.size} bytes)`));
    const more = entries.length > shown.length ? [`[… ${entries.length - shown.length} more entries not shown]`] : [];
    const body = entries.length === 0 ? '(empty folder)' : [...shown, ...more].join('\n');
    return { ok: true, text: `${path}: ${entries.length} entries\n${body}`, label: fileLabel('fs.list', path) };
  },
};

export const fsRead: ToolSpec<ToolEnvironment> = {
  name: 'fs.read',
  description: `Read a text file under /home (at most ${TOOL_LIMITS.readBytes} bytes per call; use offset for the rest).`,
  params: [
    pathParam('the file to read, e.g. /home/notes/a.txt'),
    { name: 'offset', type: { kind: 'integer', min: 0, max: 0xffffffff }, description: 'byte to start at (default 0)', role: 'option', optional: true },
  ],
  risk: 'read',
  needs: (args) => pathNeeds('read', text(args, 'path'), 'path'),
  run: async (env, args) => {
    const path = text(args, 'path');
    const volumePath = resolveHome(env, path);
    const stat = env.home.volume.stat(volumePath);
    if (stat.kind === 'directory') fail('fs.is_dir', `${path} is a folder; use fs.list`, { path });
    const offset = Math.min((args['offset'] as number | undefined) ?? 0, stat.size);
    const remaining = stat.size - offset;
    const truncated = remaining > TOOL_LIMITS.readBytes;
    // one byte past the limit shows whether the cut would split a UTF-8 sequence
    const bytes = env.home.volume.read(volumePath, offset, truncated ? TOOL_LIMITS.readBytes + 1 : remaining);
    const end = truncated ? utf8Boundary(bytes, TOOL_LIMITS.readBytes) : bytes.length;
    const body = utf8Decoder.decode(bytes.subarray(0, end));
    const next = offset + end;
    const marker = next < stat.size ? `\n[… truncated: bytes ${offset}–${next} of ${stat.size}; call fs.read with offset=${next} for more]` : '';
    return { ok: true, text: body + marker, label: fileLabel('fs.read', path) };
  },
};

export const fsSearch: ToolSpec<ToolEnvironment> = {
  name: 'fs.search',
  description: 'Find files under a folder in /home whose name or text contains the query (case-insensitive).',
  params: [
    pathParam('the folder to search, e.g. /home'),
    { name: 'query', type: { kind: 'string', maxLength: 200 }, description: 'the text to look for', role: 'option' },
    { name: 'limit', type: { kind: 'integer', min: 1, max: 50 }, description: 'most results to return (default 20)', role: 'option', optional: true },
  ],
  risk: 'read',
  needs: (args) => pathNeeds('read', text(args, 'path'), 'path'),
  run: async (env, args, signal) => {
    const root = text(args, 'path');
    const query = text(args, 'query').toLowerCase();
    if (query.trim() === '') fail('tool.args_invalid', 'fs.search.query: empty query');
    const limit = (args['limit'] as number | undefined) ?? 20;
    const volume = env.home.volume;
    const rootVolumePath = resolveHome(env, root);
    if (volume.stat(rootVolumePath).kind !== 'directory') fail('fs.not_dir', `${root} is a file; fs.search takes a folder`, { path: root });
    const results: string[] = [];
    const matched: string[] = [];
    const folders = [root];
    let visits = 0;
    let stoppedEarly = false;
    search: while (folders.length > 0) {
      if (signal?.aborted === true) fail('cancelled', 'fs.search was cancelled');
      const folder = folders.shift()!;
      for (const entry of volume.readdir(resolveHome(env, folder)).sort((a, b) => a.name.localeCompare(b.name))) {
        if (++visits > TOOL_LIMITS.searchVisits || results.length >= limit) {
          stoppedEarly = true;
          break search;
        }
        const toolPath = `${folder === '/' ? '' : folder}/${entry.name}`;
        if (entry.kind === 'directory') folders.push(toolPath);
        if (entry.name.toLowerCase().includes(query)) {
          results.push(`${toolPath}${entry.kind === 'directory' ? '/' : ''} (name matches)`);
          matched.push(toolPath);
          continue;
        }
        if (entry.kind !== 'file' || entry.size === 0) continue;
        const content = utf8Decoder.decode(volume.read(resolveHome(env, toolPath), 0, Math.min(entry.size, TOOL_LIMITS.searchFileBytes)));
        const at = content.toLowerCase().indexOf(query);
        if (at < 0) continue;
        const half = Math.floor((TOOL_LIMITS.searchExcerpt - query.length) / 2);
        const from = Math.max(0, at - half);
        const to = Math.min(content.length, at + query.length + half);
        const excerpt = content.slice(from, to).replace(/\s+/g, ' ');
        results.push(`${toolPath}: ${from > 0 ? '…' : ''}${excerpt}${to < content.length ? '…' : ''}`);
        matched.push(toolPath);
      }
    }
    const note = stoppedEarly ? `\n[search stopped after ${results.length} results / ${Math.min(visits, TOOL_LIMITS.searchVisits)} entries; narrow the folder or query]` : '';
    const body = results.length === 0 ? `no file under ${root} matches ${JSON.stringify(text(args, 'query'))}` : results.join('\n');
    const sources = (matched.length === 0 ? [root] : matched).map((ref) => ({ kind: 'fs.search', ref }));
    return { ok: true, text: body + note, label: { integrity: 'untrusted', private: true, sources } };
  },
};

export const fsWrite: ToolSpec<ToolEnvironment> = {
  name: 'fs.write',
  description: 'Create or replace a text file under /home (missing folders are created).',
  params: [pathParam('the file to write, e.g. /home/summary.txt'), { name: 'text', type: { kind: 'string' }, description: 'the new contents', role: 'data' }],
  risk: 'write',
  needs: (args) => pathNeeds('write', text(args, 'path'), 'path'),
  run: async (env, args) => {
    const path = text(args, 'path');
    notHomeRoot('fs.write', path);
    const volumePath = resolveHome(env, path);
    const bytes = utf8Encoder.encode(text(args, 'text'));
    ensureParent(env, volumePath);
    env.home.volume.writeFile(volumePath, bytes);
    return confirmation('fs.write', path, `wrote ${bytes.length} bytes to ${path}`);
  },
};

export const fsAppend: ToolSpec<ToolEnvironment> = {
  name: 'fs.append',
  description: 'Append text to the end of a file under /home (created if missing).',
  params: [pathParam('the file to extend, e.g. /home/journal.txt'), { name: 'text', type: { kind: 'string' }, description: 'the text to add', role: 'data' }],
  risk: 'write',
  needs: (args) => pathNeeds('write', text(args, 'path'), 'path'),
  run: async (env, args) => {
    const path = text(args, 'path');
    notHomeRoot('fs.append', path);
    const volumePath = resolveHome(env, path);
    const bytes = utf8Encoder.encode(text(args, 'text'));
    ensureParent(env, volumePath);
    env.home.volume.appendFile(volumePath, bytes);
    return confirmation('fs.append', path, `appended ${bytes.length} bytes to ${path}`);
  },
};

export const fsMove: ToolSpec<ToolEnvironment> = {
  name: 'fs.move',
  description: 'Move or rename a file or folder under /home (the destination must not exist).',
  params: [pathParam('what to move', 'from'), { ...pathParam('its new path', 'to'), differsFrom: 'from' }],
  risk: 'write',
  needs: (args) => [...pathNeeds('write', text(args, 'from'), 'from'), ...pathNeeds('write', text(args, 'to'), 'to')],
  run: async (env, args) => {
    const from = text(args, 'from');
    const to = text(args, 'to');
    notHomeRoot('fs.move', from);
    notHomeRoot('fs.move', to);
    env.home.volume.rename(resolveHome(env, from), resolveHome(env, to));
    return confirmation('fs.move', to, `moved ${from} to ${to}`);
  },
};

export const fsDelete: ToolSpec<ToolEnvironment> = {
  name: 'fs.delete',
  description: 'Delete a file, or an empty folder, under /home.',
  params: [pathParam('what to delete')],
  risk: 'destroy',
  needs: (args) => pathNeeds('destroy', text(args, 'path'), 'path'),
  run: async (env, args) => {
    const path = text(args, 'path');
    notHomeRoot('fs.delete', path);
    const volumePath = resolveHome(env, path);
    if (env.home.volume.stat(volumePath).kind === 'directory') env.home.volume.rmdir(volumePath);
    else env.home.volume.unlink(volumePath);
    return confirmation('fs.delete', path, `deleted ${path}`);
  },
};

export const FS_TOOLS = [fsList, fsRead, fsSearch, fsWrite, fsAppend, fsMove, fsDelete] as const;
