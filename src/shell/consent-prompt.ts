/**
 * shell/consent-prompt — the terminal's consent UI: one bundled consent
 * prompt (consent/bundle.ts) shown as one question, and the user's answer
 * read from the shell's line input.
 *
 *   To do "summarise my notes" I need:
 *     read
 *       [x] 1. read 3 files in /home/notes
 *     egress
 *       [ ] 2. send 1 message to bob
 *              data from fs.read /home/notes/tax.txt
 *   a = allow the ticked items for this task, h = … for 1 hour, d = deny, c = choose each
 *   consent [a/h/d/c]?
 *
 * `[x]` items are preselected (reads, writes); `[ ]` items (egress, destroy,
 * sense, anything whose target or data came from files) are allowed only
 * by choosing each (`c`), where every item is answered y/n and, when it
 * offers several scopes, a scope. End of input, or three answers that make
 * no sense, deny everything (fail closed).
 *
 * The input is a `LineInput`: the shell's terminal in use, a list of lines
 * in tests (`scriptedLines`).
 */

import type { ConsentAnswer, ConsentItem, ConsentPrompt, ConsentUi, GrantScope, RiskClass } from '../consent/index.ts';
import { RISK_CLASSES } from '../consent/index.ts';
import type { LineInput } from './command.ts';

/** answers from a list, in order (then end of input); `asked` records each prompt text */
export function scriptedLines(lines: readonly string[]): LineInput & { readonly asked: string[]; readonly left: number } {
  const queue = [...lines];
  const asked: string[] = [];
  return {
    asked,
    get left() {
      return queue.length;
    },
    async readLine(prompt: string) {
      asked.push(prompt);
      return queue.shift();
    },
  };
}

/** most unusable answers before the question counts as denied */
const ATTEMPTS = 3;

const SCOPE_WORDS: Readonly<Record<GrantScope, string>> = {
  once: 'once',
  task: 'for this task',
  hour: 'for 1 hour',
  session: 'until shutdown',
  always: 'always',
};

/** the data origins of an item, one line each (at most 5, then a count) */
function provenanceLines(item: ConsentItem): string[] {
  const shown = item.provenance.slice(0, 5).map((s) => `data from ${s.kind} ${s.ref}`);
  if (item.provenance.length > 5) shown.push(`and ${item.provenance.length - 5} more sources`);
  return shown;
}

/** the prompt as text: headline, items grouped by risk class with their marks and numbers, provenance, the choices */
export function renderConsentPrompt(prompt: ConsentPrompt): string {
  const lines = [prompt.headline];
  const numbered = numberItems(prompt);
  for (const risk of RISK_CLASSES) {
    const group = numbered.filter(({ item }) => item.right === risk);
    if (group.length === 0) continue;
    lines.push(`  ${risk}`);
    for (const { item, number } of group) {
      const what = item.summary.split(' — uses data from ')[0]!;
      lines.push(`    [${item.preselected ? 'x' : ' '}] ${number}. ${what}${item.preselected ? '' : '  (choose c to allow)'}`);
      for (const line of provenanceLines(item)) lines.push(`           ${line}`);
    }
  }
  lines.push('  a = allow the ticked items for this task, h = allow them for 1 hour, d = deny, c = choose each');
  return lines.join('\n');
}

/** items in display order (by risk class, as rendered), numbered from 1 */
function numberItems(prompt: ConsentPrompt): { item: ConsentItem; number: number }[] {
  const order = (risk: RiskClass): number => RISK_CLASSES.indexOf(risk);
  return [...prompt.items]
    .map((item, index) => ({ item, index }))
    .sort((a, b) => order(a.item.right) - order(b.item.right) || a.index - b.index)
    .map(({ item }, i) => ({ item, number: i + 1 }));
}

/** the consent UI over a line input; `write` shows the prompt */
export class TerminalConsentUi implements ConsentUi {
  constructor(private readonly input: LineInput, private readonly write: (text: string) => void) {}

  async ask(prompt: ConsentPrompt, signal?: AbortSignal): Promise<ConsentAnswer> {
    this.write(`${renderConsentPrompt(prompt)}\n`);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const line = await this.input.readLine('consent [a/h/d/c]? ', signal);
      if (line === undefined) return this.denied('no answer (end of input)');
      const word = line.trim().toLowerCase();
      if (word === 'a' || word === 'allow') return { kind: 'allow-all', scope: 'task' };
      if (word === 'h' || word === 'hour') return { kind: 'allow-all', scope: 'hour' };
      if (word === 'd' || word === 'deny' || word === 'n' || word === 'no') return this.denied('denied');
      if (word === 'c' || word === 'choose') return this.chooseEach(prompt, signal);
      this.write('  answer a, h, d or c\n');
    }
    return this.denied('no usable answer');
  }

  private denied(why: string): ConsentAnswer {
    this.write(`  ${why}: nothing was allowed\n`);
    return { kind: 'deny-all' };
  }

  private async chooseEach(prompt: ConsentPrompt, signal?: AbortSignal): Promise<ConsentAnswer> {
    const items: Record<string, { allow: boolean; scope?: GrantScope }> = {};
    for (const { item, number } of numberItems(prompt)) {
      const allow = await this.yesNo(`  ${number}. ${item.summary.split(' — uses data from ')[0]!} — allow [y/n]? `, signal);
      if (allow === undefined) return this.denied('no answer (end of input)');
      if (!allow) {
        items[item.itemId] = { allow: false };
        continue;
      }
      const scope = item.scopes.length > 1 ? await this.scope(item, signal) : item.scopes[0];
      if (scope === undefined) return this.denied('no answer (end of input)');
      items[item.itemId] = { allow: true, scope };
    }
    return { kind: 'each', items };
  }

  private async yesNo(question: string, signal?: AbortSignal): Promise<boolean | undefined> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const line = await this.input.readLine(question, signal);
      if (line === undefined) return undefined;
      const word = line.trim().toLowerCase();
      if (word === 'y' || word === 'yes') return true;
      if (word === 'n' || word === 'no' || word === '') return false;
      this.write('  answer y or n\n');
    }
    return false;
  }

  /** the scope for an allowed item: its number in the offered list, its name, or empty for the default (the first) */
  private async scope(item: ConsentItem, signal?: AbortSignal): Promise<GrantScope | undefined> {
    const menu = item.scopes.map((scope, i) => `${i + 1} ${SCOPE_WORDS[scope]}`).join(', ');
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const line = await this.input.readLine(`     scope (${menu}) [1]? `, signal);
      if (line === undefined) return undefined;
      const word = line.trim().toLowerCase();
      if (word === '') return item.scopes[0];
      const byNumber = item.scopes[Number(word) - 1];
      if (/^\d+$/.test(word) && byNumber !== undefined) return byNumber;
      const byName = item.scopes.find((scope) => scope === word || SCOPE_WORDS[scope] === word);
      if (byName !== undefined) return byName;
      this.write(`  answer a number from 1 to ${item.scopes.length}\n`);
    }
    return item.scopes[0];
  }
}
