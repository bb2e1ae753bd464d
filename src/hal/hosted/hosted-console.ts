/** The host terminal (or pipe) as the kernel console. */

import type { Console } from '../console.ts';

export class HostedConsole implements Console {
  readonly interactive: boolean;
  private readonly stream: NodeJS.WriteStream;

  constructor(stream: NodeJS.WriteStream = process.stdout) {
    this.stream = stream;
    this.interactive = stream.isTTY === true && process.stdin.isTTY === true;
  }

  write(text: string): void {
    this.stream.write(text);
  }
}
