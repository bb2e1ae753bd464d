/**
 * cognition/transcript — what one task has seen so far, in order: the
 * user's request, the answers the user gave to ask_user, and every call
 * of every round with its decision and labelled result. The planner reads
 * it, the prompt renders it, and the labels of the next calls derive from
 * it (COGNITION.md §4: context taint is the join of everything in it).
 */

import type { Label } from '../consent/index.ts';
import { joinLabels, type TrustedText } from './labels.ts';
import type { ToolCall, ToolResult } from './tool-spec.ts';

/** how the daemon settled one call */
export type CallOutcome =
  | 'executed' //   allowed and run (the result may still be an error)
  | 'denied' //     the broker refused it, or the user said no
  | 'malformed' //  failed argument checking; never reached the broker
  | 'skipped'; //   after a reply/ask_user in the same turn, or cancelled

export type TranscriptEntry =
  | { readonly kind: 'request'; readonly text: string; readonly label: Label }
  | { readonly kind: 'user-answer'; readonly question: string; readonly text: string; readonly label: Label }
  | {
      readonly kind: 'call';
      readonly round: number;
      readonly actionId: string;
      readonly call: ToolCall;
      /** fs.read(path="/home/a.txt") */
      readonly rendered: string;
      readonly outcome: CallOutcome;
      readonly result: ToolResult;
    };

/** the join of every label in the transcript: what any argument the model writes now derives from */
export function contextLabel(transcript: readonly TranscriptEntry[]): Label {
  return joinLabels(transcript.map((entry) => (entry.kind === 'call' ? entry.result.label : entry.label)));
}

/**
 * The texts the user wrote (request, ask_user answers): a value quoted
 * verbatim from them is trusted. Tool output never counts here, not even
 * trusted confirmations, since they echo the model's own (maybe tainted) arguments.
 */
export function userTexts(transcript: readonly TranscriptEntry[]): TrustedText[] {
  const texts: TrustedText[] = [];
  for (const entry of transcript) {
    if (entry.kind === 'request') texts.push({ text: entry.text, source: { kind: 'user', ref: 'request' } });
    else if (entry.kind === 'user-answer') texts.push({ text: entry.text, source: { kind: 'user', ref: 'ask_user' } });
  }
  return texts;
}
