/**
 * cognition/labels — taint labels on the daemon's values (COGNITION.md §4,
 * "Taint", a CaMeL-lite approximation with one model).
 *
 * - Sources: the user's words and ask_user answers are trusted; every tool
 *   output is untrusted (file contents, file names, klog lines), anything
 *   read under /home is private; time.now and system constants are trusted;
 *   recalled memory keeps its stored label.
 * - Context taint: the label of the prompt is the join of every label in it.
 *   Each argument the model writes inherits that join…
 * - …except a value that occurs verbatim in a trusted text (the user typed
 *   "bob@x.org"): it is relabelled trusted, with those texts as its sources.
 *   "Verbatim" means a whole token: the characters on either side of the
 *   occurrence must not continue a name or path, so a trusted
 *   "/home/notes/plan.txt" does not vouch for "/home/notes/plan".
 */

import type { ArgumentValue, Label, LabelSource } from '../consent/index.ts';

/** at most this many sources are kept on one label (the rest are summarised) */
export const LABEL_SOURCE_LIMIT = 16;

/** the label of the user's own words */
export const USER_LABEL: Label = { integrity: 'trusted', private: false, sources: [{ kind: 'user', ref: 'request' }] };
/** the label of nothing at all (the join's identity) */
export const EMPTY_LABEL: Label = { integrity: 'trusted', private: false, sources: [] };

export function trustedLabel(source: LabelSource): Label {
  return { integrity: 'trusted', private: false, sources: [source] };
}

/** tool output: untrusted; private when it came from the user's files */
export function untrustedLabel(source: LabelSource, privacy: 'private' | 'public'): Label {
  return { integrity: 'untrusted', private: privacy === 'private', sources: [source] };
}

/** least upper bound: untrusted if any is, private if any is, sources united (first seen first) */
export function joinLabels(labels: readonly Label[]): Label {
  let integrity: Label['integrity'] = 'trusted';
  let isPrivate = false;
  const sources: LabelSource[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  for (const label of labels) {
    if (label.integrity === 'untrusted') integrity = 'untrusted';
    if (label.private) isPrivate = true;
    for (const source of label.sources) {
      const key = `${source.kind}\u0000${source.ref}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (sources.length < LABEL_SOURCE_LIMIT) sources.push(source);
      else dropped++;
    }
  }
  if (dropped > 0) sources.push({ kind: 'system', ref: `${dropped} more sources` });
  return { integrity, private: isPrivate, sources };
}

/** a character that continues a name, word or path (so an occurrence next to it is not a whole token) */
function continuesToken(character: string | undefined): boolean {
  return character !== undefined && /[\p{L}\p{N}_./@\-\\]/u.test(character);
}

/** does `value` occur in `text` as a whole token? */
export function occursVerbatim(value: string, text: string): boolean {
  if (value.length === 0) return false;
  for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) {
    const after = at + value.length;
    // a full stop that ends a sentence ("…to bob@x.org.") is not part of the token
    const sentenceEnd = text[after] === '.' && (after + 1 === text.length || /\s/.test(text[after + 1]!));
    if (!continuesToken(text[at - 1]) && (sentenceEnd || !continuesToken(text[after]))) return true;
  }
  return false;
}

/** a text the model may quote from and have the quote count as trusted */
export interface TrustedText {
  readonly text: string;
  readonly source: LabelSource;
}

/**
 * The label of one argument the model produced: the context label, or a
 * trusted label when the value occurs verbatim in a trusted text.
 */
export function labelArgument(value: ArgumentValue, context: Label, trustedTexts: readonly TrustedText[]): Label {
  if (context.integrity === 'trusted' && !context.private) return context;
  const text = typeof value === 'number' ? String(value) : value;
  const vouching = trustedTexts.filter((t) => occursVerbatim(text, t.text));
  if (vouching.length === 0) return context;
  return { integrity: 'trusted', private: false, sources: vouching.map((t) => t.source) };
}
