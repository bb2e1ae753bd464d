/**
 * default-model/corpus — the training corpus of the default model, in the
 * exact form the daemon sends at inference (train = inference):
 *
 *   conversation  one task as the daemon's transcript (request, the calls of
 *                 earlier rounds with their observations, an ask_user answer)
 *                 and the assistant turn that should come next
 *   prompt        assemblePrompt(style 'compact') over that transcript, then
 *                 the ChatML segments tokenized as LlmService does (markup with
 *                 special tokens, content as text)
 *   target        the assistant turn as the grammar-constrained decoder would
 *                 produce it (teacherTurnTokens: forced literals tokenized as
 *                 the constraint forces them, free text as BPE spells it),
 *                 then <|im_end|>
 *
 * Mix (by draw): a first action for a request (62%), a follow-up reply after a
 * tool's observation (14%), self / greeting questions (6%), out-of-scope
 * requests (8%), unclear requests: ask_user, then the call after the answer
 * (6%), a first action with an earlier task shown as recent context (4%).
 * Seeded and deterministic: the same seed gives the same conversations.
 */

import { Rng } from '../../common/index.ts';
import {
  assemblePrompt, createToolRegistry, GrammarConstraint, type AssembledPrompt, type GrammarMasks, type RecentTurn, type ToolCall, type TranscriptEntry,
} from '../../cognition/index.ts';
import { maskAllows, type Tokenizer } from '../../llm/index.ts';
import { clarifyIntent, outOfScopeIntent, selfIntent } from './dialogue.ts';
import { INTENT_GENERATORS, type Intent } from './intents.ts';
import { fileName, folderName, messageText, recipient, syllableWord } from './slots.ts';

export const TOOLS = createToolRegistry().list();

/** one planning round: what the daemon shows, and the turn the model should write */
export interface Conversation {
  readonly transcript: readonly TranscriptEntry[];
  readonly recent: readonly RecentTurn[];
  /** "Current time: …" */
  readonly pinnedFacts: readonly string[];
  readonly turn: readonly ToolCall[];
  /** what kind of round this is (for statistics) */
  readonly kind: 'first-action' | 'follow-up' | 'self' | 'out-of-scope' | 'clarify-ask' | 'clarify-act' | 'with-context';
}

const TRUSTED = { integrity: 'trusted', private: false, sources: [] } as const;
const TOOL_NAMES = Object.keys(INTENT_GENERATORS) as (keyof typeof INTENT_GENERATORS)[];

function requestEntry(text: string): TranscriptEntry {
  return { kind: 'request', text, label: TRUSTED };
}

function callEntry(call: ToolCall, ok: boolean, text: string, outcome: 'executed' | 'denied' = 'executed'): TranscriptEntry {
  return { kind: 'call', round: 1, actionId: 'a1', call, rendered: call.tool, outcome, result: { ok, text, label: TRUSTED } };
}

function pinnedTime(rng: Rng): string[] {
  const date = new Date(Date.UTC(2026, rng.int(0, 11), rng.int(1, 28), rng.int(0, 23), rng.int(0, 59), rng.int(0, 59)));
  return [`Current time: ${date.toISOString()}`];
}

function toolIntent(rng: Rng): Intent {
  return INTENT_GENERATORS[rng.pick(TOOL_NAMES)](rng);
}

/** one conversation drawn from the mix */
export function drawConversation(rng: Rng): Conversation {
  const pinnedFacts = pinnedTime(rng);
  const roll = rng.next();
  if (roll < 0.62) {
    const intent = toolIntent(rng);
    return { transcript: [requestEntry(intent.request)], recent: [], pinnedFacts, turn: [intent.call], kind: 'first-action' };
  }
  if (roll < 0.76) {
    const intent = toolIntent(rng);
    const followUp = rng.pick(intent.followUps);
    const outcome = followUp.observation.startsWith('daemon.consent_denied') ? 'denied' : 'executed';
    return {
      transcript: [requestEntry(intent.request), callEntry(intent.call, followUp.ok, followUp.observation, outcome)],
      recent: [], pinnedFacts, turn: [{ tool: 'reply', args: { text: followUp.reply } }], kind: 'follow-up',
    };
  }
  if (roll < 0.82) {
    const intent = selfIntent(rng);
    return { transcript: [requestEntry(intent.request)], recent: [], pinnedFacts, turn: [intent.call], kind: 'self' };
  }
  if (roll < 0.90) {
    const intent = outOfScopeIntent(rng);
    return { transcript: [requestEntry(intent.request)], recent: [], pinnedFacts, turn: [intent.call], kind: 'out-of-scope' };
  }
  if (roll < 0.96) {
    const intent = clarifyIntent(rng);
    if (rng.chance(0.5)) return { transcript: [requestEntry(intent.request)], recent: [], pinnedFacts, turn: [intent.ask], kind: 'clarify-ask' };
    return {
      transcript: [requestEntry(intent.request), callEntry(intent.ask, true, 'question delivered'), { kind: 'user-answer', question: String(intent.ask.args['question']), text: intent.answer, label: TRUSTED }],
      recent: [], pinnedFacts, turn: [intent.call], kind: 'clarify-act',
    };
  }
  const earlier = toolIntent(rng);
  const intent = toolIntent(rng);
  const recent: RecentTurn[] = [{ request: earlier.request, reply: rng.pick(earlier.followUps).reply }];
  return { transcript: [requestEntry(intent.request)], recent, pinnedFacts, turn: [intent.call], kind: 'with-context' };
}

/** the prompt the daemon would assemble for this conversation */
export function conversationPrompt(conversation: Conversation, countTokens?: (text: string) => number): AssembledPrompt {
  return assemblePrompt({
    tools: TOOLS, transcript: conversation.transcript, pinnedFacts: conversation.pinnedFacts, recentContext: conversation.recent, style: 'compact',
    ...(countTokens === undefined ? {} : { countTokens }),
  });
}

/** prompt tokens exactly as LlmService tokenizes a chat request (generation prompt included) */
export function promptTokens(prompt: AssembledPrompt, tokenizer: Tokenizer): number[] {
  return prompt.segments.flatMap((segment) => tokenizer.encode(segment.text, { specialTokens: segment.kind === 'template' ? 'parse' : 'as-text' }));
}

/** the tokens of `turnText` as the constrained decoder produces them (see teacherTurn) */
export function teacherTurnTokens(turnText: string, masks: GrammarMasks, tokenizer: Tokenizer): number[] {
  return teacherTurn(turnText, masks, tokenizer).ids;
}

/**
 * The tokens of `turnText` as the constrained decoder produces them: forced
 * tokens where the grammar admits one continuation, elsewhere the first BPE
 * token of the rest of the text (or the longest allowed token that spells
 * it), then the end token. `chosen[i]` is false for the forced ones: the
 * decoder feeds those without asking the model, so training need not teach
 * them. Fails (plain Error: a corpus bug) when the text is not a turn the
 * grammar accepts.
 */
export function teacherTurn(turnText: string, masks: GrammarMasks, tokenizer: Tokenizer): { readonly ids: number[]; readonly chosen: boolean[] } {
  const encode = (text: string): number[] => tokenizer.encode(text, { specialTokens: 'as-text' });
  const constraint = new GrammarConstraint(masks, { encode });
  const bytes = new TextEncoder().encode(turnText);
  const vocabulary = masks.vocabulary;
  const out: number[] = [];
  const chosen: boolean[] = [];
  let at = 0;
  const take = (id: number, wasChosen = true): void => {
    constraint.accept(id);
    out.push(id);
    chosen.push(wasChosen);
    at += vocabulary.tokenBytes(id).length;
  };
  while (at < bytes.length) {
    const forced = constraint.forcedTokens(64);
    if (forced.length > 0) {
      for (const id of forced) take(id, false);
      continue;
    }
    const mask = constraint.nextMask();
    const rest = new TextDecoder().decode(bytes.subarray(at));
    const first = encode(rest)[0];
    if (first !== undefined && maskAllows(mask, first) && startsWith(bytes, at, vocabulary.tokenBytes(first))) {
      take(first);
      continue;
    }
    let best = -1;
    for (let id = 0; id < vocabulary.size; id++) {
      if (!maskAllows(mask, id) || id === masks.endTokenId) continue;
      const piece = vocabulary.tokenBytes(id);
      if (piece.length > 0 && (best < 0 || piece.length > vocabulary.tokenBytes(best).length) && startsWith(bytes, at, piece)) best = id;
    }
    if (best < 0) throw new Error(`teacherTurnTokens: no allowed token spells byte ${at} of ${JSON.stringify(turnText)}`);
    take(best);
  }
  constraint.accept(masks.endTokenId);
  out.push(masks.endTokenId);
  chosen.push(true);
  if (at !== bytes.length || !constraint.isComplete()) throw new Error(`teacherTurnTokens: ${JSON.stringify(turnText)} is not a complete turn`);
  return { ids: out, chosen };
}

function startsWith(bytes: Uint8Array, at: number, piece: Uint8Array): boolean {
  if (at + piece.length > bytes.length) return false;
  for (let i = 0; i < piece.length; i++) if (bytes[at + i] !== piece[i]) return false;
  return true;
}

/**
 * A copy drill: a passage of request-like words (names, file names, message
 * texts, syllables) and one word-aligned stretch of it to be repeated. Not a
 * conversation: the training script lays it out as `<|endoftext|>` passage
 * `<|endoftext|>` stretch and teaches every token of the stretch after its
 * first. Copying names and texts token by token ("induction") is what the
 * planner needs most and what a small model learns last from conversations
 * alone, where each example holds a few copied tokens among many others.
 * (Tried on the default model's shape: a quarter of the examples over 52 min
 * took the drills' own copy loss from 4.9 to 2.7 nats per token but did not
 * make the model copy in conversations; `train:default --drills` is off by
 * default.)
 */
export function copyDrill(rng: Rng): { readonly passage: string; readonly stretch: string } {
  const words: string[] = [];
  for (let n = rng.int(4, 10); n > 0; n--) {
    const roll = rng.next();
    words.push(...(roll < 0.4 ? messageText(rng) : roll < 0.6 ? fileName(rng) : roll < 0.75 ? recipient(rng) : roll < 0.9 ? syllableWord(rng) : folderName(rng)).split(' '));
  }
  const length = rng.int(1, Math.min(8, words.length));
  const from = rng.int(0, words.length - length);
  return { passage: words.join(' '), stretch: words.slice(from, from + length).join(' ') };
}

/** `count` conversations from `seed` */
export function generateConversations(seed: number, count: number): Conversation[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => drawConversation(rng));
}
