/**
 * cognition/grammar/action-decoding — the pieces of constrained decoding put
 * together for one model and one tool list, built once (at boot) and used per
 * turn:
 *
 *   const decoding = ActionDecoding.create(loaded.tokenizer, tools, { vocabSize: loaded.config.vocabSize });
 *   decoding.precompute();                                // optional: every state's mask now
 *   const outcome = await llm.submit({ messages, maxTokens, constraint: decoding.constraint() }, 'cognition');
 *   const calls = decoding.parse(outcome.text);           // typed ToolCalls
 *
 * The vocabulary (bytes + trie, the costly part: ~1–2 s for Qwen) may be
 * shared between decodings of different tool lists.
 */

import { fail } from '../../common/index.ts';
import type { Tokenizer } from '../../llm/index.ts';
import type { ToolCall, ToolSpec } from '../tool-spec.ts';
import { compileActionGrammar, type ActionGrammar, type ActionGrammarOptions } from './compile.ts';
import { GrammarConstraint, type GrammarConstraintOptions } from './constraint.ts';
import { GrammarMasks } from './mask.ts';
import { parseActionTurn } from './parse.ts';
import { TokenVocabulary } from './vocabulary.ts';

export interface ActionDecodingOptions {
  /** ids the model scores (its logits' length); default the tokenizer's vocabulary */
  readonly vocabSize?: number;
  /** a vocabulary built before for this tokenizer and size */
  readonly vocabulary?: TokenVocabulary;
  /** the end-of-turn token; default "<|im_end|>" */
  readonly endToken?: string;
  readonly grammar?: ActionGrammarOptions;
}

export class ActionDecoding {
  readonly grammar: ActionGrammar;
  readonly vocabulary: TokenVocabulary;
  readonly masks: GrammarMasks;
  private readonly tokenizer: Pick<Tokenizer, 'encode'>;

  private constructor(tokenizer: Pick<Tokenizer, 'encode'>, grammar: ActionGrammar, vocabulary: TokenVocabulary, masks: GrammarMasks) {
    this.tokenizer = tokenizer;
    this.grammar = grammar;
    this.vocabulary = vocabulary;
    this.masks = masks;
  }

  static create(tokenizer: Tokenizer, tools: readonly ToolSpec[], options: ActionDecodingOptions = {}): ActionDecoding {
    const endToken = options.endToken ?? '<|im_end|>';
    const endTokenId = tokenizer.specialTokens.get(endToken) ?? fail('grammar.vocabulary_invalid', `the tokenizer has no control token ${endToken} to end a turn with`, { endToken });
    const vocabulary = options.vocabulary ?? TokenVocabulary.fromTokenizer(tokenizer, options.vocabSize === undefined ? {} : { size: options.vocabSize });
    if (options.vocabSize !== undefined && vocabulary.size !== options.vocabSize) {
      fail('grammar.vocabulary_invalid', `the vocabulary covers ${vocabulary.size} ids, the model scores ${options.vocabSize}`);
    }
    const grammar = compileActionGrammar(tools, options.grammar);
    return new ActionDecoding(tokenizer, grammar, vocabulary, new GrammarMasks(grammar, vocabulary, { endTokenId }));
  }

  /** compute every state's mask now; returns the time taken [ms] */
  precompute(): number {
    return this.masks.precompute();
  }

  /** a fresh constraint for one assistant turn (forced text goes through the model's BPE) */
  constraint(options: Omit<GrammarConstraintOptions, 'encode'> = {}): GrammarConstraint {
    return new GrammarConstraint(this.masks, { ...options, encode: (text) => this.tokenizer.encode(text, { specialTokens: 'as-text' }) });
  }

  /** the calls of a generated turn */
  parse(text: string): ToolCall[] {
    return parseActionTurn(text, this.grammar);
  }
}
