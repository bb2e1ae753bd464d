/**
 * A progress bar on the terminal (stderr), for loading model weights.
 * Drawn only when stderr is a terminal; redrawn at most every 100 ms.
 */

import { formatBytes } from '../common/index.ts';

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): { update(done: number, total: number): void; finish(): void } {
  const enabled = stream.isTTY === true;
  let lastDraw = 0;
  let drawn = false;
  return {
    update(done, total) {
      if (!enabled) return;
      const now = performance.now();
      if (done < total && now - lastDraw < 100) return;
      lastDraw = now;
      drawn = true;
      const width = 30;
      const fraction = total === 0 ? 1 : done / total;
      const filled = Math.round(fraction * width);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${formatBytes(done)} / ${formatBytes(total)}  `);
    },
    finish() {
      if (drawn) stream.write('\n');
    },
  };
}
