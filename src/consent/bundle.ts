/**
 * consent/bundle — one consent prompt per plan, and what an answer to it may
 * grant (COGNITION.md §4 "Bundling to limit consent fatigue").
 *
 * Building the prompt from the needs that were decided 'ask':
 *  - items group calls by right and resource; a pattern is never wider than
 *    the calls need, with one exception: two or more plain reads of files in
 *    one folder are offered as "folder/*". Write, egress, destroy and sense
 *    items are exact (or exactly the pattern the call itself spans).
 *  - a non-fresh item whose pattern covers another of the same right absorbs it.
 *  - fresh items (taint, egress/destroy/sense, ask rules) stay separate, show
 *    where the data or target came from, are never preselected and offer only
 *    'once' — the grant they make serves only the calls they list.
 *  - read and write items start ticked; egress, destroy and sense need a click.
 *  - scopes by risk (first = default): read task/hour/always, write task/once,
 *    egress/destroy/sense once.
 *
 * Answers attenuate, never amplify: 'allow-all' allows only the preselected
 * items (a click on each egress/destroy/sense/taint item is the habituation
 * guard), 'each' allows only items of this prompt, and a scope the item did
 * not offer falls back to the item's default. Nothing in an answer can name
 * a resource, so no grant can exceed the item the user was shown.
 */

import { formatPattern, parentPath, shapeCovers, type PatternShape } from './patterns.ts';
import type { NeedOutcome } from './decide.ts';
import { dedupeSources } from './decide.ts';
import { RISK_CLASSES, type ConsentAnswer, type ConsentItem, type ConsentPrompt, type GrantScope, type LabelSource, type Right, type TaskScope } from './types.ts';

/** the scopes offered for an item, by right; the first is the default */
export const SCOPES_BY_RIGHT: Readonly<Record<Right, readonly GrantScope[]>> = {
  read: ['task', 'hour', 'always'],
  write: ['task', 'once'],
  egress: ['once'],
  destroy: ['once'],
  sense: ['once'],
};

/** one need of one call that must be asked about */
export interface AskedNeed {
  readonly actionId: string;
  readonly outcome: NeedOutcome;
}

/** a prompt with what the broker keeps to itself: which items are fresh */
export interface BuiltPrompt {
  readonly prompt: ConsentPrompt;
  readonly freshItemIds: ReadonlySet<string>;
}

interface Draft {
  right: Right;
  shape: PatternShape;
  fresh: boolean;
  actionIds: string[];
  provenance: LabelSource[];
  /** exact file names folded into a "folder/*" item */
  files: Set<string>;
}

export function buildPrompt(task: TaskScope, promptId: string, asked: readonly AskedNeed[]): BuiltPrompt | undefined {
  const drafts: Draft[] = [];
  const add = (draft: Draft) => {
    const same = drafts.find((d) => d.right === draft.right && d.fresh === draft.fresh && samePattern(d.shape, draft.shape));
    if (same === undefined) drafts.push(draft);
    else absorb(same, draft);
  };
  const readsByFolder = new Map<string, AskedNeed[]>();
  for (const entry of asked) {
    const { need, decision } = entry.outcome;
    if (decision.kind !== 'ask') continue;
    const fresh = decision.freshOnly;
    const isPlainFileRead = need.right === 'read' && !fresh && need.shape.kind === 'path' && need.shape.form === 'exact' && need.shape.base !== '/';
    if (isPlainFileRead) {
      const folder = parentPath(need.shape.base)!;
      readsByFolder.set(folder, [...(readsByFolder.get(folder) ?? []), entry]);
      continue;
    }
    add({ right: need.right, shape: need.shape, fresh, actionIds: [entry.actionId], provenance: [...decision.provenance], files: new Set() });
  }
  for (const [folder, entries] of readsByFolder) {
    const files = new Set(entries.map((e) => e.outcome.need.shape.base));
    const actionIds = entries.map((e) => e.actionId);
    const shape: PatternShape = files.size >= 2 ? { kind: 'path', form: 'children', base: folder } : entries[0]!.outcome.need.shape;
    add({ right: 'read', shape, fresh: false, actionIds, provenance: [], files });
  }
  mergeCovered(drafts);
  if (drafts.length === 0) return undefined;
  const order = (right: Right) => RISK_CLASSES.indexOf(right);
  drafts.sort((a, b) => order(a.right) - order(b.right) || Number(a.fresh) - Number(b.fresh) || formatPattern(a.shape).pattern.localeCompare(formatPattern(b.shape).pattern));
  const freshItemIds = new Set<string>();
  const items: ConsentItem[] = drafts.map((draft, index) => {
    const itemId = `${promptId}.i${index + 1}`;
    if (draft.fresh) freshItemIds.add(itemId);
    const provenance = dedupeSources(draft.provenance);
    return {
      itemId,
      right: draft.right,
      resource: formatPattern(draft.shape),
      actionIds: [...new Set(draft.actionIds)],
      summary: summarise(draft, provenance),
      provenance,
      preselected: !draft.fresh && (draft.right === 'read' || draft.right === 'write'),
      scopes: draft.fresh ? ['once'] : SCOPES_BY_RIGHT[draft.right],
    };
  });
  const headline = task.intentText.trim().length > 0 ? `To do "${clip(task.intentText.trim(), 120)}" I need:` : 'This task needs:';
  return { prompt: { promptId, taskId: task.taskId, intentText: task.intentText, headline, items }, freshItemIds };
}

function samePattern(a: PatternShape, b: PatternShape): boolean {
  return a.kind === b.kind && a.form === b.form && a.base === b.base;
}

function absorb(into: Draft, from: Draft): void {
  into.actionIds.push(...from.actionIds);
  into.provenance.push(...from.provenance);
  for (const file of from.files) into.files.add(file);
}

/** fold a non-fresh item into another non-fresh item of the same right whose pattern covers it */
function mergeCovered(drafts: Draft[]): void {
  for (let i = 0; i < drafts.length; i++) {
    const inner = drafts[i]!;
    if (inner.fresh) continue;
    const outer = drafts.find((d, j) => j !== i && !d.fresh && d.right === inner.right && shapeCovers(d.shape, inner.shape));
    if (outer === undefined) continue;
    absorb(outer, inner);
    drafts.splice(i, 1);
    i = -1;
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function summarise(draft: Draft, provenance: readonly LabelSource[]): string {
  const { shape } = draft;
  const calls = new Set(draft.actionIds).size;
  let what: string;
  if (shape.kind === 'path') {
    const verb = { read: 'read', write: 'write', egress: 'send', destroy: 'delete', sense: 'watch' }[draft.right];
    if (shape.form === 'children') what = draft.files.size > 0 ? `${verb} ${draft.files.size} files in ${shape.base}` : `${verb} the files in ${shape.base}`;
    else if (shape.form === 'subtree') what = `${verb} everything under ${shape.base}`;
    else what = `${verb} ${shape.base}`;
  } else if (shape.kind === 'recipient') {
    what = `send ${calls} message${calls === 1 ? '' : 's'} to ${formatPattern(shape).pattern}`;
  } else if (shape.kind === 'sensor') {
    what = `use the ${formatPattern(shape).pattern} sensor`;
  } else {
    what = `${draft.right} the ${formatPattern(shape).pattern} ${shape.kind}`;
  }
  if (provenance.length === 0) return what;
  const shown = provenance.slice(0, 3).map((s) => `${s.kind} ${s.ref}`).join(', ');
  return `${what} — uses data from ${shown}${provenance.length > 3 ? ` and ${provenance.length - 3} more` : ''}`;
}

// ── answers ──────────────────────────────────────────────────────────────────

export interface Choice {
  readonly item: ConsentItem;
  readonly allow: boolean;
  readonly scope: GrantScope;
}

/** what an answer allows, item by item, attenuated to what each item offered; malformed answers deny everything */
export function readAnswer(prompt: ConsentPrompt, answer: ConsentAnswer): { readonly kind: ConsentAnswer['kind']; readonly choices: Choice[]; readonly ignored: string[] } {
  const offered = (item: ConsentItem, scope: unknown): GrantScope => (item.scopes.includes(scope as GrantScope) ? (scope as GrantScope) : item.scopes[0]!);
  const kind = answer !== null && typeof answer === 'object' ? answer.kind : undefined;
  if (kind === 'allow-all') {
    const scope = (answer as { scope?: unknown }).scope;
    return { kind, choices: prompt.items.map((item) => ({ item, allow: item.preselected, scope: offered(item, scope) })), ignored: [] };
  }
  if (kind === 'each') {
    const picks = (answer as { items?: unknown }).items;
    const table = picks !== null && typeof picks === 'object' ? (picks as Record<string, unknown>) : {};
    const known = new Set(prompt.items.map((item) => item.itemId));
    const choices = prompt.items.map((item) => {
      const pick = Object.hasOwn(table, item.itemId) ? (table[item.itemId] as { allow?: unknown; scope?: unknown } | null) : undefined;
      return { item, allow: pick?.allow === true, scope: offered(item, pick?.scope) };
    });
    return { kind, choices, ignored: Object.keys(table).filter((id) => !known.has(id)) };
  }
  return { kind: 'deny-all', choices: prompt.items.map((item) => ({ item, allow: false, scope: item.scopes[0]! })), ignored: [] };
}

/** an 'each' answer that ticks every item at its default scope (tests, scripted "approve everything" users) */
export function allowEveryItem(prompt: ConsentPrompt): ConsentAnswer {
  const items: Record<string, { allow: boolean; scope: GrantScope }> = {};
  for (const item of prompt.items) items[item.itemId] = { allow: true, scope: item.scopes[0]! };
  return { kind: 'each', items };
}
