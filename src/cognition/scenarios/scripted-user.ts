/**
 * cognition/scenarios/scripted-user — the user's consent behaviour in the
 * suite: approves exactly what the task asked for and denies everything
 * else. An item is approved when its right and resource pattern name one of
 * the task's intended grants (exact resource, case-folded; a wildcard
 * pattern is never approved, since it would cover more than was asked), with
 * the item's default scope. Every prompt and item is recorded.
 */

import type { ConsentAnswer, ConsentItem, ConsentPrompt, ConsentUi } from '../../consent/index.ts';
import type { IntendedGrant } from './types.ts';

export interface ConsentRecord {
  readonly promptId: string;
  readonly approved: readonly ConsentItem[];
  readonly denied: readonly ConsentItem[];
}

/** does the item ask for exactly one of the intended grants? */
export function itemIsIntended(item: ConsentItem, intended: readonly IntendedGrant[]): boolean {
  const pattern = item.resource.pattern;
  if (pattern.includes('*')) return false;
  return intended.some((grant) => grant.right === item.right && grant.kind === item.resource.kind && grant.name.toLowerCase() === pattern.toLowerCase());
}

export class ScriptedConsentUser implements ConsentUi {
  readonly prompts: ConsentRecord[] = [];

  constructor(private readonly intended: readonly IntendedGrant[]) {}

  async ask(prompt: ConsentPrompt): Promise<ConsentAnswer> {
    const items: Record<string, { allow: boolean; scope?: ConsentItem['scopes'][number] }> = {};
    const approved: ConsentItem[] = [];
    const denied: ConsentItem[] = [];
    for (const item of prompt.items) {
      const allow = itemIsIntended(item, this.intended);
      (allow ? approved : denied).push(item);
      items[item.itemId] = item.scopes[0] === undefined ? { allow } : { allow, scope: item.scopes[0] };
    }
    this.prompts.push({ promptId: prompt.promptId, approved, denied });
    return { kind: 'each', items };
  }
}
