/**
 * StreamDecoder: ids in one at a time, complete text out.
 *
 * A token can end in the middle of a UTF-8 character (byte-level BPE splits
 * multi-byte characters freely), so text is emitted only up to the last
 * complete character; the partial bytes wait for the next id. Invalid bytes
 * become U+FFFD exactly as in `Tokenizer.decode`, so the concatenation of
 * everything pushed plus `flush()` equals decode(all ids), however the ids
 * are split (the WHATWG streaming UTF-8 decoder guarantees this).
 */

/** what the decoder needs from a tokenizer (Tokenizer implements it) */
export interface TokenBytesSource {
  tokenToBytes(id: number): Uint8Array;
  isSpecial(id: number): boolean;
}

export interface DecodeOptions {
  /** 'keep' (default): special tokens decode to their text; 'skip': they decode to nothing */
  readonly specialTokens?: 'keep' | 'skip';
}

export class StreamDecoder {
  private readonly tokenizer: TokenBytesSource;
  private readonly skipSpecial: boolean;
  private decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor(tokenizer: TokenBytesSource, options: DecodeOptions = {}) {
    this.tokenizer = tokenizer;
    this.skipSpecial = options.specialTokens === 'skip';
  }

  /** Add one id; returns the text that became complete (often '', never a partial character). */
  push(id: number): string {
    const bytes = this.tokenizer.tokenToBytes(id);
    if (this.skipSpecial && this.tokenizer.isSpecial(id)) return '';
    return this.decoder.decode(bytes, { stream: true });
  }

  /** End of stream: returns held-back bytes (as U+FFFD if they never completed) and resets. */
  flush(): string {
    const rest = this.decoder.decode();
    this.decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    return rest;
  }
}
