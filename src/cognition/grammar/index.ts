/** cognition/grammar — the action grammar (Qwen tool-call JSON) as a byte DFA, its token masks over the vocabulary, the decoding constraint, and parse/render of a turn. */
export { compileActionGrammar, CALL_OPEN, CALL_CLOSE, CALL_SEPARATOR, ARGUMENTS_OPEN, type ActionGrammar, type ActionGrammarOptions } from './compile.ts';
export { ByteDfa, type GrammarCursor } from './dfa.ts';
export { TokenVocabulary, type VocabularySource } from './vocabulary.ts';
export { GrammarMasks, slowAllowedIds, allowedIds, type GrammarMaskStats } from './mask.ts';
export { GrammarConstraint, type GrammarConstraintOptions } from './constraint.ts';
export { parseActionTurn, renderActionTurn } from './parse.ts';
export { ActionDecoding, type ActionDecodingOptions } from './action-decoding.ts';
export { CopyConstraint, copySources } from './copy.ts';
