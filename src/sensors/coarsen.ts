/**
 * Coarsening: what is left of a string before it is hashed. A path becomes
 * its top two folder components under the nearest root (the home folder,
 * a watched folder, /home on our volume) plus the class of its extension;
 * a process becomes its basename; a port pair becomes a port class. The
 * results are hashed (siphash.ts) and never published themselves.
 */

import type { ExtensionClass } from '../common/index.ts';

const EXTENSION_CLASSES: Record<Exclude<ExtensionClass, 'none' | 'other'>, readonly string[]> = {
  code: ['ts', 'tsx', 'js', 'jsx', 'mjs', 'cjs', 'py', 'rs', 'go', 'c', 'h', 'cc', 'cpp', 'hpp', 'java', 'kt', 'rb', 'sh', 'php', 'cs', 'swift', 'lua', 'pl', 'sql', 'asm', 's', 'zig', 'hs', 'ml', 'scala', 'css', 'html', 'vue'],
  text: ['txt', 'md', 'rst', 'log', 'tex', 'org', 'adoc', 'rtf', 'doc', 'docx', 'odt', 'pdf'],
  data: ['json', 'jsonl', 'yaml', 'yml', 'toml', 'xml', 'csv', 'tsv', 'ini', 'conf', 'cfg', 'lock', 'db', 'sqlite', 'map', 'env', 'tsbuildinfo'],
  image: ['png', 'jpg', 'jpeg', 'gif', 'bmp', 'webp', 'svg', 'ico', 'tif', 'tiff', 'heic'],
  audio: ['wav', 'mp3', 'flac', 'ogg', 'm4a', 'opus', 'aac'],
  video: ['mp4', 'mkv', 'webm', 'mov', 'avi'],
  archive: ['zip', 'tar', 'gz', 'tgz', 'bz2', 'xz', 'zst', '7z', 'rar', 'deb', 'rpm', 'jar', 'whl'],
  binary: ['exe', 'dll', 'so', 'o', 'a', 'bin', 'wasm', 'img', 'iso', 'node', 'pyc', 'class', 'dylib', 'gguf', 'safetensors'],
};

const CLASS_OF_EXTENSION = new Map<string, ExtensionClass>();
for (const [kind, extensions] of Object.entries(EXTENSION_CLASSES)) for (const extension of extensions) CLASS_OF_EXTENSION.set(extension, kind as ExtensionClass);

function lastComponent(path: string): string {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** the class of a file name's extension ("a.ts" → code, "Makefile" → none, ".bashrc" → none) */
export function extensionClassOf(path: string): ExtensionClass {
  const name = lastComponent(path);
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return 'none';
  return CLASS_OF_EXTENSION.get(name.slice(dot + 1).toLowerCase()) ?? 'other';
}

/**
 * "dir1/dir2|class" for a path: the first two folders below the longest root
 * that contains it (fewer when the file sits higher), or below / when no
 * root does ("/usr/lib|binary"); the file name itself is dropped.
 */
export function coarsenPath(path: string, roots: readonly string[]): { pathClass: string; extensionClass: ExtensionClass } {
  const extensionClass = extensionClassOf(path);
  let best: string | undefined;
  for (const root of roots) {
    const base = root.endsWith('/') ? root.slice(0, -1) : root;
    if ((path === base || path.startsWith(`${base}/`)) && (best === undefined || base.length > best.length)) best = base;
  }
  const relative = best === undefined ? path : path.slice(best.length);
  const folders = relative.split('/').filter((part) => part !== '').slice(0, -1).slice(0, 2);
  return { pathClass: `${best === undefined ? '/' : ''}${folders.join('/')}|${extensionClass}`, extensionClass };
}

/** "/usr/bin/node" → "node" */
export function processBasename(process: string): string {
  return lastComponent(process);
}

/** Linux assigns ephemeral ports from 32768 up (net.ipv4.ip_local_port_range) */
const EPHEMERAL_START = 32768;

function classOfPort(port: number): string {
  if (port < 1024) return String(port);
  return port < EPHEMERAL_START ? 'registered' : 'ephemeral';
}

/**
 * The class of a connection's service port: "listen" for a listening socket;
 * otherwise the side that is not ephemeral (remote first), as the port number
 * when well known (< 1024), else "registered" or "ephemeral".
 */
export function portClassOf(localPort: number, remotePort: number, state: string): string {
  if (state === 'LISTEN' || remotePort === 0) return 'listen';
  if (remotePort < EPHEMERAL_START) return classOfPort(remotePort);
  return classOfPort(localPort < EPHEMERAL_START ? localPort : remotePort);
}
