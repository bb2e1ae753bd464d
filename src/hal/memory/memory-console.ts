/** A console that records what was written, for tests. */

import type { Console } from '../console.ts';

export class MemoryConsole implements Console {
  readonly interactive = false;
  text = '';

  write(text: string): void {
    this.text += text;
  }
}
