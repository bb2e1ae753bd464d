/**
 * Our engine vs llama.cpp (node-llama-cpp 3.21.1), shape C of
 * tests/helpers/synthetic-models.ts, in F32, Q8_0 and Q4_K: 24 prompts,
 * 64 greedy tokens each (rules and tolerances: helpers/compare-llamacpp.ts).
 * One file per shape so the runner spreads them over the cores.
 */
import { comparisonTests } from './helpers/compare-llamacpp.ts';

comparisonTests('C');
