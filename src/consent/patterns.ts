/**
 * consent/patterns — canonical resource names and the resource patterns of
 * grants and rules (COGNITION.md §4 "Canonicalise", "Patterns").
 *
 * Canonical names, so that two spellings of one file can never be told apart
 * by a pattern:
 *  - paths: absolute, "/"-separated; "//" and "." collapse, a trailing "/" is
 *    dropped; ".." is rejected (never resolved: "/home/notes/../secret" must
 *    not reach "/home/notes/**"); NUL, control characters, the FAT-forbidden
 *    characters and names ending in "." or " " are rejected; FAT 8.3 alias
 *    spellings ("NOTES~1.TXT") are rejected because the volume resolves them
 *    to a long name the broker cannot see. Case is folded exactly as FAT32
 *    compares names (fs/fat32/names.ts foldName: simple upper-casing per code
 *    point), then shown in lower case where that is ASCII, so two names fold
 *    equal here iff the volume treats them as the same name.
 *  - recipients: ASCII lower case, [a-z0-9._-]+ with an optional @domain.
 *  - sensors, logs, the clock: ASCII lower case, [a-z0-9._-]+.
 *
 * Patterns (no regexes): a path pattern is an exact path, "dir/*" (the direct
 * children of dir) or "dir/**" (dir itself and everything below it). A
 * recipient pattern is an exact recipient or "*@domain". Sensors and logs:
 * an exact name or "*". A need may name a path pattern too ("fs.search"
 * over "/home/notes/**" reads a subtree).
 *
 * Set algebra used by the broker: `patternCovers(a, b)` — everything b
 * matches, a matches (grants attenuate, never amplify); `patternsOverlap` —
 * some resource matches both (deny rules and the built-in deny use it, so a
 * need that reaches into a denied area is denied).
 */

import { fail } from '../common/index.ts';
import type { Resource, ResourceKind, ResourcePattern } from './types.ts';

const RESOURCE_KINDS: ReadonlySet<string> = new Set<ResourceKind>(['path', 'recipient', 'sensor', 'log', 'clock']);
/** longest path the broker accepts [UTF-16 units] */
export const PATH_MAX_UNITS = 1024;
/** longest FAT long name [UTF-16 units] */
const NAME_MAX_UNITS = 255;
const FAT_FORBIDDEN = new Set(['"', '*', ':', '<', '>', '?', '\\', '|']);
const RECIPIENT = /^[a-z0-9_-][a-z0-9._-]{0,63}(@[a-z0-9-]+(\.[a-z0-9-]+)*)?$/;
const DOMAIN = /^[a-z0-9-]+(\.[a-z0-9-]+)*$/;
const SIMPLE_NAME = /^[a-z0-9_-][a-z0-9._-]{0,63}$/;

// ── shapes ───────────────────────────────────────────────────────────────────

/** a pattern taken apart: what it matches, around which canonical base name */
export type PatternShape =
  | { readonly kind: 'path'; readonly form: 'exact' | 'children' | 'subtree'; readonly base: string }
  | { readonly kind: 'recipient'; readonly form: 'exact'; readonly base: string }
  | { readonly kind: 'recipient'; readonly form: 'domain'; readonly base: string /* the domain */ }
  | { readonly kind: 'sensor' | 'log' | 'clock'; readonly form: 'exact'; readonly base: string }
  | { readonly kind: 'sensor' | 'log' | 'clock'; readonly form: 'any'; readonly base: '' };

// ── names ────────────────────────────────────────────────────────────────────

function malformed(message: string, detail: Record<string, unknown>): never {
  return fail('consent.malformed_request', message, detail);
}

/** FAT32's case key of one code point, written in lower case where the key is ASCII */
function foldCodePoint(ch: string): string {
  const upper = ch.toUpperCase();
  const key = upper.length === ch.length ? upper : ch;
  return key.length === 1 && key.charCodeAt(0) < 0x80 ? key.toLowerCase() : key;
}

function foldSegment(segment: string): string {
  let out = '';
  for (const ch of segment) out += foldCodePoint(ch);
  return out;
}

/** "AB~1.TXT"-shaped: a FAT numeric-tail alias the volume would resolve to some long name */
function looksLikeShortAlias(segment: string): boolean {
  const dot = segment.lastIndexOf('.');
  const base = dot < 0 ? segment : segment.slice(0, dot);
  const extension = dot < 0 ? '' : segment.slice(dot + 1);
  return base.length <= 8 && extension.length <= 3 && /~[0-9]/.test(base);
}

function checkSegment(segment: string, path: string): void {
  if (segment === '..') malformed(`path ${JSON.stringify(path)} contains "..": name the file without climbing`, { path });
  if (segment.length > NAME_MAX_UNITS) malformed(`path ${JSON.stringify(path)} has a name longer than ${NAME_MAX_UNITS} units`, { path });
  for (let i = 0; i < segment.length; i++) {
    const code = segment.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) malformed(`path ${JSON.stringify(path)} contains a control character (U+${code.toString(16).padStart(4, '0')})`, { path });
    if (FAT_FORBIDDEN.has(segment[i]!)) malformed(`path ${JSON.stringify(path)} contains the character ${JSON.stringify(segment[i])}, which FAT names cannot hold`, { path });
    if (code >= 0xd800 && code <= 0xdbff) {
      const low = segment.charCodeAt(i + 1);
      if (!(low >= 0xdc00 && low <= 0xdfff)) malformed(`path ${JSON.stringify(path)} has an unpaired UTF-16 surrogate`, { path });
      i++;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      malformed(`path ${JSON.stringify(path)} has an unpaired UTF-16 surrogate`, { path });
    }
  }
  if (segment.endsWith('.') || segment.endsWith(' ')) malformed(`path ${JSON.stringify(path)} has a name ending in "." or " "`, { path });
  if (looksLikeShortAlias(segment)) malformed(`path ${JSON.stringify(path)} uses an 8.3 alias spelling (${segment}); use the file's long name`, { path });
}

/** the canonical form of an absolute volume path; throws consent.malformed_request */
export function canonicalPath(path: unknown): string {
  if (typeof path !== 'string' || path.length === 0) malformed('a path must be a non-empty string', { path: String(path) });
  if (path.length > PATH_MAX_UNITS) malformed(`path is ${path.length} units long (at most ${PATH_MAX_UNITS})`, { length: path.length });
  if (!path.startsWith('/')) malformed(`path ${JSON.stringify(path)} is not absolute`, { path });
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    checkSegment(segment, path);
    segments.push(foldSegment(segment));
  }
  return '/' + segments.join('/');
}

function canonicalSimple(kind: ResourceKind, name: unknown): string {
  if (typeof name !== 'string') malformed(`a ${kind} name must be a string`, { kind });
  const lower = name.toLowerCase();
  const valid = kind === 'recipient' ? RECIPIENT.test(lower) && !lower.includes('..') : SIMPLE_NAME.test(lower);
  if (!valid || lower.length !== name.length) malformed(`${JSON.stringify(name)} is not a valid ${kind} name`, { kind, name });
  return lower;
}

/** the canonical name of a resource of `kind` */
export function canonicalName(kind: ResourceKind, name: unknown): string {
  return kind === 'path' ? canonicalPath(name) : canonicalSimple(kind, name);
}

// ── patterns ─────────────────────────────────────────────────────────────────

/** take a pattern apart into its canonical shape; throws consent.pattern_invalid (or consent.malformed_request for a bad base name) */
export function parsePattern(pattern: ResourcePattern): PatternShape {
  if (pattern === null || typeof pattern !== 'object') fail('consent.pattern_invalid', 'a resource pattern must be an object { kind, pattern }');
  const { kind, pattern: text } = pattern;
  if (typeof kind !== 'string' || !RESOURCE_KINDS.has(kind)) fail('consent.pattern_invalid', `unknown resource kind ${JSON.stringify(kind)}`, { kind: String(kind) });
  if (typeof text !== 'string' || text.length === 0) fail('consent.pattern_invalid', `a ${kind} pattern must be a non-empty string`, { kind });
  if (kind === 'path') {
    let form: 'exact' | 'children' | 'subtree' = 'exact';
    let base = text;
    if (text === '/**' || text.endsWith('/**')) (form = 'subtree'), (base = text.slice(0, -3) || '/');
    else if (text === '/*' || text.endsWith('/*')) (form = 'children'), (base = text.slice(0, -2) || '/');
    if (base.includes('*')) fail('consent.pattern_invalid', `path pattern ${JSON.stringify(text)} may only end in "/*" or "/**"`, { pattern: text });
    return { kind, form, base: canonicalPath(base) };
  }
  if (kind === 'recipient') {
    if (text.startsWith('*@')) {
      const domain = text.slice(2).toLowerCase();
      if (!DOMAIN.test(domain)) fail('consent.pattern_invalid', `recipient pattern ${JSON.stringify(text)} needs a domain after "*@"`, { pattern: text });
      return { kind, form: 'domain', base: domain };
    }
    if (text.includes('*')) fail('consent.pattern_invalid', `recipient pattern ${JSON.stringify(text)}: only "*@domain" may hold a wildcard`, { pattern: text });
    return { kind, form: 'exact', base: canonicalSimple(kind, text) };
  }
  const simpleKind = kind as 'sensor' | 'log' | 'clock';
  if (text === '*') return { kind: simpleKind, form: 'any', base: '' };
  if (text.includes('*')) fail('consent.pattern_invalid', `${kind} pattern ${JSON.stringify(text)}: use an exact name or "*"`, { pattern: text });
  return { kind: simpleKind, form: 'exact', base: canonicalSimple(simpleKind, text) };
}

/** the pattern text of a shape */
export function formatPattern(shape: PatternShape): ResourcePattern {
  switch (shape.form) {
    case 'exact':
      return { kind: shape.kind, pattern: shape.base };
    case 'children':
      return { kind: shape.kind, pattern: shape.base === '/' ? '/*' : `${shape.base}/*` };
    case 'subtree':
      return { kind: shape.kind, pattern: shape.base === '/' ? '/**' : `${shape.base}/**` };
    case 'domain':
      return { kind: shape.kind, pattern: `*@${shape.base}` };
    case 'any':
      return { kind: shape.kind, pattern: '*' };
  }
}

/** a pattern in canonical spelling ("/Home/Notes/**" → "/home/notes/**") */
export function canonicalPattern(pattern: ResourcePattern): ResourcePattern {
  return formatPattern(parsePattern(pattern));
}

/** a need's resource as a pattern: an exact name, or for paths a "dir/*" / "dir/**" the need spans */
export function resourceShape(resource: Resource): PatternShape {
  if (resource === null || typeof resource !== 'object') malformed('a resource must be an object { kind, name }', {});
  const { kind, name } = resource;
  if (typeof kind !== 'string' || !RESOURCE_KINDS.has(kind)) malformed(`unknown resource kind ${JSON.stringify(kind)}`, { kind: String(kind) });
  if (kind === 'path') {
    try {
      return parsePattern({ kind, pattern: name });
    } catch (error) {
      return malformed(`resource ${JSON.stringify(name)}: ${(error as Error).message}`, { name: String(name) });
    }
  }
  return { kind, form: 'exact', base: canonicalSimple(kind, name) } as PatternShape;
}

// ── set algebra ──────────────────────────────────────────────────────────────

/** a strictly below b */
function isBelow(a: string, b: string): boolean {
  return b === '/' ? a !== '/' : a.startsWith(b + '/');
}

/** a equal to or below b */
function isWithin(a: string, b: string): boolean {
  return a === b || isBelow(a, b);
}

function parentOf(path: string): string | undefined {
  if (path === '/') return undefined;
  const cut = path.lastIndexOf('/');
  return cut === 0 ? '/' : path.slice(0, cut);
}

/** true when every resource `b` matches is also matched by `a` */
export function shapeCovers(a: PatternShape, b: PatternShape): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'path') {
    if (a.form === 'exact') return b.form === 'exact' && b.base === a.base;
    if (a.form === 'children') return (b.form === 'exact' && parentOf(b.base) === a.base) || (b.form === 'children' && b.base === a.base);
    return isWithin(b.base, a.base); // subtree covers the base itself and everything below, in any form
  }
  if (a.form === 'any') return true;
  if (a.form === 'domain') return (b.form === 'domain' && b.base === a.base) || (b.form === 'exact' && b.base.endsWith('@' + a.base));
  return b.form === 'exact' && b.base === a.base;
}

/** true when some resource matches both */
export function shapesOverlap(a: PatternShape, b: PatternShape): boolean {
  if (a.kind !== b.kind) return false;
  if (a.form === 'exact') return shapeCovers(b, a);
  if (b.form === 'exact') return shapeCovers(a, b);
  if (a.kind === 'path') {
    if (a.form === 'children' && b.form === 'children') return a.base === b.base;
    if (a.form === 'subtree' && b.form === 'subtree') return isWithin(a.base, b.base) || isWithin(b.base, a.base);
    const children = a.form === 'children' ? a : b;
    const subtree = a.form === 'children' ? b : a;
    return parentOf(subtree.base) === children.base || isWithin(children.base, subtree.base);
  }
  if (a.form === 'any' || b.form === 'any') return true;
  return a.base === b.base; // two domains
}

/** patternCovers(a, b): every resource b matches, a matches too */
export function patternCovers(a: ResourcePattern, b: ResourcePattern): boolean {
  return shapeCovers(parsePattern(a), parsePattern(b));
}

export function patternsOverlap(a: ResourcePattern, b: ResourcePattern): boolean {
  return shapesOverlap(parsePattern(a), parsePattern(b));
}

/** does `pattern` match the (exact or pattern-shaped) resource */
export function patternMatches(pattern: ResourcePattern, resource: Resource): boolean {
  return shapeCovers(parsePattern(pattern), resourceShape(resource));
}

/** the folder a path lives in ("/home/notes/a.txt" → "/home/notes") */
export function parentPath(path: string): string | undefined {
  return parentOf(path);
}
