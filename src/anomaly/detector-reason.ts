/**
 * The words of an anomaly event: which channels, channel families or forest
 * features deviated, and by how much (detector.ts decides when; this file
 * says what). Pure: everything comes in as arguments.
 */

/** what the detector knows about the window that opened an alarm */
export interface ReasonInput {
  readonly score: number;
  readonly enterThreshold: number;
  /** names at z ≥ this are reported */
  readonly exitThreshold: number;
  readonly topChannels: number;
  /** (channels) E0± counts of the window */
  readonly counts: ArrayLike<number>;
  readonly channelNames: readonly string[];
  /** (channels) z-scores, or null while the channel statistics warm up */
  readonly channelZ: Float64Array | null;
  /** (channels) running mean count */
  readonly channelMean: Float64Array | null;
  readonly familyNames: readonly string[];
  /** (families) z-scores and summed counts, or null */
  readonly familyZ: Float64Array | null;
  readonly familyCounts: Float64Array | null;
  readonly familyMean: Float64Array | null;
  /** (families) channels per family */
  readonly familySizes: Int32Array;
  readonly errorScale: number;
  /** index of the most novel active channel (−1: none), its novelty 0..1 and recency-weighted times seen */
  readonly novelChannel: number;
  readonly novelty: number;
  readonly novelSeen: number;
  /** the forest's part, or null before the first fit */
  readonly forest: {
    readonly score: number;
    readonly fitMean: number;
    readonly z: number;
    readonly names: readonly string[];
    /** (features) the window's features and the training mean and spread */
    readonly current: Float64Array;
    readonly mean: Float64Array;
    readonly spread: Float64Array;
  } | null;
  /** the named-as-new cut for novelty */
  readonly namedNovelty: number;
}

export function describeAnomaly(input: ReasonInput): { channels: string[]; reason: string } {
  const { topChannels, exitThreshold } = input;
  const parts: string[] = [];
  const channels: string[] = [];
  if (input.novelChannel >= 0 && input.novelty >= input.namedNovelty) {
    const name = input.channelNames[input.novelChannel]!;
    channels.push(name);
    parts.push(`${name} active, seen ${input.novelSeen.toFixed(1)} times before (novelty ${input.novelty.toFixed(2)})`);
  }
  // channels and families (of more than one channel) ranked together by z
  const ranked: { name: string; z: number; text: string }[] = [];
  if (input.channelZ !== null && input.channelMean !== null) {
    for (let c = 0; c < input.channelZ.length; c++) {
      const z = input.channelZ[c]!;
      if (z >= exitThreshold) ranked.push({ name: input.channelNames[c]!, z, text: `${input.channelNames[c]} error count ${input.counts[c]} vs usual ${input.channelMean[c]!.toFixed(1)} (z ${z.toFixed(1)})` });
    }
  }
  if (input.familyZ !== null && input.familyCounts !== null && input.familyMean !== null) {
    for (let f = 0; f < input.familyZ.length; f++) {
      const z = input.familyZ[f]!;
      if (z >= exitThreshold && input.familySizes[f]! > 1) ranked.push({ name: `${input.familyNames[f]}.*`, z, text: `${input.familyNames[f]}.* error count ${input.familyCounts[f]} vs usual ${input.familyMean[f]!.toFixed(1)} (z ${z.toFixed(1)})` });
    }
  }
  ranked.sort((a, b) => b.z - a.z || (a.name < b.name ? -1 : 1));
  for (const entry of ranked) {
    if (channels.length >= topChannels) break;
    if (channels.includes(entry.name)) continue;
    channels.push(entry.name);
    parts.push(entry.text);
  }
  if (ranked.length > 0 && input.errorScale > 1) parts.push(`error z scaled down ${input.errorScale.toFixed(1)}× (what is ordinary here)`);
  const forest = input.forest;
  if (forest !== null) {
    parts.push(`forest score ${forest.score.toFixed(3)} vs usual ${forest.fitMean.toFixed(3)} (z ${forest.z.toFixed(1)})`);
    if (channels.length === 0) {
      // nothing else stands out: name the features furthest from their training mean
      const deviation = new Float64Array(forest.current.length);
      for (let f = 0; f < deviation.length; f++) deviation[f] = Math.abs(forest.current[f]! - forest.mean[f]!) / Math.max(forest.spread[f]!, 1e-3);
      for (const f of largestIndices(deviation, topChannels)) {
        channels.push(forest.names[f]!);
        parts.push(`${forest.names[f]} ${forest.current[f]!.toFixed(2)} vs usual ${forest.mean[f]!.toFixed(2)}`);
      }
    }
  }
  return { channels, reason: `score ${input.score.toFixed(1)} ≥ ${input.enterThreshold}: ${parts.join('; ')}` };
}

/** indices of the `count` largest values, largest first (ties: lower index first) */
export function largestIndices(values: Float64Array, count: number): number[] {
  const order = Array.from(values.keys());
  order.sort((a, b) => values[b]! - values[a]! || a - b);
  return order.slice(0, count);
}
