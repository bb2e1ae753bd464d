/**
 * Names on a FAT volume: path parsing, long-name validation, case folding,
 * 8.3 short names with the Windows NT case flags, the basis-name and
 * numeric-tail alias algorithm, and the LFN checksum.
 *
 * Source: Microsoft FAT specification §7 ("Long File Name Implementation"):
 * "Basis-Name Generation Algorithm" and "Numeric-Tail Generation Algorithm".
 * Short names here are ASCII only (OEM code page 437 agrees with ASCII
 * there), so every other character becomes '_' in an alias and the long name
 * keeps the real spelling.
 */

import { fail } from '../../common/index.ts';
import { CASE_LOWER_BASE, CASE_LOWER_EXT, LFN_UNITS_PER_ENTRY, SLOT_KANJI_E5 } from './dir-entry.ts';

/** longest long name [UTF-16 units] */
export const NAME_MAX_UNITS = 255;

// ── paths ──────────────────────────────────────────────────────────────────

/** Split an absolute path into its components ("/" → []); "." and ".." are resolved lexically. */
export function splitPath(path: string): string[] {
  if (typeof path !== 'string' || path.length === 0) fail('fs.path_invalid', 'the path is empty', { path });
  if (!path.startsWith('/')) fail('fs.path_invalid', `"${path}" is not absolute (paths start with /)`, { path });
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts;
}

export function joinPath(parts: readonly string[]): string {
  return '/' + parts.join('/');
}

// ── long names ─────────────────────────────────────────────────────────────

const FORBIDDEN_LONG = new Set(['"', '*', '/', ':', '<', '>', '?', '\\', '|']);

/** Throw fs.name_invalid unless `name` may be stored as a long file name. */
export function validateLongName(name: string, path: string): void {
  if (name.length === 0) fail('fs.name_invalid', `empty name in ${path}`, { path });
  if (name.length > NAME_MAX_UNITS) {
    fail('fs.name_invalid', `name in ${path} is ${name.length} UTF-16 units long (at most ${NAME_MAX_UNITS})`, { path });
  }
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    const code = name.charCodeAt(i);
    if (code < 0x20 || FORBIDDEN_LONG.has(ch)) fail('fs.name_invalid', `name "${name}" in ${path} contains the forbidden character ${JSON.stringify(ch)}`, { path });
    if (code >= 0xd800 && code <= 0xdbff) {
      const low = name.charCodeAt(i + 1);
      if (!(low >= 0xdc00 && low <= 0xdfff)) fail('fs.name_invalid', `name in ${path} has an unpaired UTF-16 surrogate`, { path });
      i++;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      fail('fs.name_invalid', `name in ${path} has an unpaired UTF-16 surrogate`, { path });
    }
  }
  if (name.endsWith('.') || name.endsWith(' ')) {
    fail('fs.name_invalid', `name "${name}" in ${path} ends with a dot or space (FAT drops those)`, { path });
  }
}

/** Case-insensitive comparison key: Unicode simple upper-casing, code point by code point. */
export function foldName(name: string): string {
  let out = '';
  for (const ch of name) {
    const upper = ch.toUpperCase();
    out += upper.length === ch.length ? upper : ch;
  }
  return out;
}

// ── short names ────────────────────────────────────────────────────────────

/** characters a short name may hold besides A-Z and 0-9 (spec §6.1) */
const SHORT_SPECIALS = "$%'-_@~`!(){}^#&";

function isShortChar(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39) || SHORT_SPECIALS.includes(String.fromCharCode(code));
}

/** The 11 stored bytes rendered as "BASE.EXT", honouring the NT lower-case flags. */
export function shortNameToString(name: Uint8Array, caseFlags: number): string {
  let base = '';
  let ext = '';
  for (let i = 0; i < 8; i++) base += String.fromCharCode(i === 0 && name[0] === SLOT_KANJI_E5 ? 0xe5 : name[i]!);
  for (let i = 8; i < 11; i++) ext += String.fromCharCode(name[i]!);
  base = base.replace(/ +$/, '');
  ext = ext.replace(/ +$/, '');
  if (caseFlags & CASE_LOWER_BASE) base = base.toLowerCase();
  if (caseFlags & CASE_LOWER_EXT) ext = ext.toLowerCase();
  return ext.length > 0 ? `${base}.${ext}` : base;
}

/** 11 bytes, space padded, from base and extension (both already valid short text) */
export function packShortName(base: string, ext: string): Uint8Array {
  const out = new Uint8Array(11).fill(0x20);
  for (let i = 0; i < base.length && i < 8; i++) out[i] = base.charCodeAt(i);
  for (let i = 0; i < ext.length && i < 3; i++) out[8 + i] = ext.charCodeAt(i);
  return out;
}

export function shortNameKey(name: Uint8Array): string {
  return String.fromCharCode(...name.subarray(0, 11));
}

export interface ShortNameChoice {
  /** the 11 bytes for DIR_Name */
  readonly name: Uint8Array;
  /** DIR_NTRes case bits */
  readonly caseFlags: number;
  /** false when the short entry alone spells the name exactly (no LFN slots needed) */
  readonly needsLongName: boolean;
}

/**
 * If `name` is a valid 8.3 name whose base and extension are each all upper
 * or all lower case, return its short form and case flags; else undefined.
 */
export function exactShortName(name: string): ShortNameChoice | undefined {
  const dot = name.indexOf('.');
  if (dot !== name.lastIndexOf('.') || dot === 0) return undefined;
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? '' : name.slice(dot + 1);
  if (base.length < 1 || base.length > 8 || ext.length > 3 || (dot >= 0 && ext.length === 0)) return undefined;
  const baseCase = caseOf(base);
  const extCase = caseOf(ext);
  if (baseCase === 'mixed' || extCase === 'mixed') return undefined;
  const upperBase = base.toUpperCase();
  const upperExt = ext.toUpperCase();
  for (const ch of upperBase + upperExt) if (!isShortChar(ch.charCodeAt(0))) return undefined;
  const caseFlags = (baseCase === 'lower' ? CASE_LOWER_BASE : 0) | (extCase === 'lower' ? CASE_LOWER_EXT : 0);
  return { name: packShortName(upperBase, upperExt), caseFlags, needsLongName: false };
}

function caseOf(text: string): 'upper' | 'lower' | 'none' | 'mixed' {
  let upper = false;
  let lower = false;
  for (const ch of text) {
    if (ch >= 'A' && ch <= 'Z') upper = true;
    else if (ch >= 'a' && ch <= 'z') lower = true;
  }
  return upper && lower ? 'mixed' : upper ? 'upper' : lower ? 'lower' : 'none';
}

/**
 * Choose the short entry for a new long name in a directory whose existing
 * short names are `taken` (keys from shortNameKey). Follows the spec's
 * basis-name then numeric-tail algorithms.
 */
export function chooseShortName(longName: string, taken: ReadonlySet<string>): ShortNameChoice {
  const exact = exactShortName(longName);
  if (exact !== undefined && !taken.has(shortNameKey(exact.name))) return exact;

  // basis name: upper case; non-OEM and 8.3-invalid characters become '_' (lossy)
  let lossy = false;
  let converted = '';
  for (const ch of longName.toUpperCase()) {
    if (ch === ' ') continue; // strip embedded spaces
    if (ch === '.') converted += '.';
    else if (ch.length === 1 && isShortChar(ch.charCodeAt(0))) converted += ch;
    else {
      converted += '_';
      lossy = true;
    }
  }
  converted = converted.replace(/^\.+/, ''); // strip leading periods
  const firstDot = converted.indexOf('.');
  const lastDot = converted.lastIndexOf('.');
  let base = firstDot < 0 ? converted : converted.slice(0, firstDot); // primary portion stops at the first period
  const ext = lastDot < 0 ? '' : converted.slice(lastDot + 1).slice(0, 3);
  if (base.length > 8) lossy = true;
  base = base.slice(0, 8);
  if (base.length === 0) base = '_';

  const fits = !lossy && exact === undefined && isValidUpperShort(longName.toUpperCase());
  if (fits) {
    const basis = packShortName(base, ext);
    if (!taken.has(shortNameKey(basis))) return { name: basis, caseFlags: 0, needsLongName: true };
  }
  for (let n = 1; n <= 999999; n++) {
    const tail = `~${n}`;
    const candidate = packShortName(base.slice(0, 8 - tail.length) + tail, ext);
    if (!taken.has(shortNameKey(candidate))) return { name: candidate, caseFlags: 0, needsLongName: true };
  }
  return fail('fs.no_space', `no free 8.3 alias for "${longName}" in this directory`);
}

/** an upper-cased name that is a plain 8.3 name (1-8 base, optional dot, 1-3 ext) */
function isValidUpperShort(upper: string): boolean {
  return exactShortName(upper) !== undefined;
}

/** Checksum of an 11-byte short name, stored in every LFN slot of its long name (spec §7.2). */
export function shortNameChecksum(name: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = ((sum & 1 ? 0x80 : 0) + (sum >>> 1) + name[i]!) & 0xff;
  return sum;
}

// ── long-name slots ────────────────────────────────────────────────────────

/** Split a long name into 13-unit chunks for LFN slots: chunk i goes into ordinal i+1. */
export function longNameChunks(name: string): Uint16Array[] {
  const count = Math.ceil(name.length / LFN_UNITS_PER_ENTRY);
  const chunks: Uint16Array[] = [];
  for (let c = 0; c < count; c++) {
    const units = new Uint16Array(LFN_UNITS_PER_ENTRY).fill(0xffff);
    for (let i = 0; i < LFN_UNITS_PER_ENTRY; i++) {
      const at = c * LFN_UNITS_PER_ENTRY + i;
      if (at < name.length) units[i] = name.charCodeAt(at);
      else {
        units[i] = 0x0000;
        break;
      }
    }
    chunks.push(units);
  }
  return chunks;
}

/** Join chunks (ordinal 1 first) back into a name, stopping at the 0x0000 terminator. */
export function longNameFromChunks(chunks: readonly Uint16Array[]): string {
  let out = '';
  for (const units of chunks) {
    for (const unit of units) {
      if (unit === 0x0000) return out;
      out += String.fromCharCode(unit);
    }
  }
  return out;
}
