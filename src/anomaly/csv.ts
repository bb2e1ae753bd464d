/**
 * Numeric CSV → `Matrix`, for `chimaera anomaly score` and the benchmarks.
 *
 * Format: comma-separated cells, one row per line (LF or CRLF), blank lines
 * ignored. Every cell is a finite decimal number (`-1.5`, `3e-4`, `.5`).
 * The first line is a header of column names when none of its cells is a
 * number; a line that mixes names and numbers is data with a bad cell. Every
 * data row must have as many cells as the first. Errors name the line (as an
 * editor counts them, from 1) and the column (from 1, plus its header name).
 */

import { fail } from '../common/index.ts';
import type { Matrix } from './isolation-forest.ts';

export interface CsvMatrix extends Matrix {
  /** column names from the header row, or null when the file has none */
  readonly header: readonly string[] | null;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** parse numeric CSV text; `source` names the file in error messages */
export function parseNumericCsv(text: string, source: string): CsvMatrix {
  const lines = text.split(/\r?\n/);
  let header: string[] | null = null;
  let cols = -1;
  let values = new Float64Array(1024);
  let count = 0;
  let rows = 0;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim() === '') continue;
    const cells = line.split(',').map((cell) => cell.trim());
    if (cols === -1) {
      cols = cells.length;
      if (cells.every((cell) => !NUMBER.test(cell))) {
        header = cells.map((cell) => cell.replace(/^"(.*)"$/, '$1'));
        continue;
      }
    }
    if (cells.length !== cols) {
      fail('anomaly.csv_invalid', `${source}: line ${index + 1} has ${cells.length} cells, expected ${cols}`, { line: index + 1, cells: cells.length, expected: cols });
    }
    if (count + cols > values.length) {
      const grown = new Float64Array(values.length * 2 + cols);
      grown.set(values.subarray(0, count));
      values = grown;
    }
    for (let column = 0; column < cols; column++) {
      const cell = cells[column]!;
      const value = NUMBER.test(cell) ? Number(cell) : NaN;
      if (!Number.isFinite(value)) {
        const name = header === null ? '' : ` (${header[column]})`;
        fail('anomaly.csv_invalid', `${source}: line ${index + 1}, column ${column + 1}${name}: "${cell}" is not a finite number`, {
          line: index + 1,
          column: column + 1,
          cell,
        });
      }
      values[count++] = value;
    }
    rows++;
  }
  if (rows === 0) fail('anomaly.csv_invalid', `${source}: no data rows`);
  return { data: values.slice(0, count), rows, cols, header };
}

/** render a matrix (and optional header) as CSV text, numbers in shortest round-trip form */
export function formatNumericCsv(samples: Matrix, header?: readonly string[]): string {
  const lines: string[] = [];
  if (header !== undefined) lines.push(header.join(','));
  for (let row = 0; row < samples.rows; row++) {
    const cells: string[] = [];
    for (let column = 0; column < samples.cols; column++) cells.push(String(samples.data[row * samples.cols + column]));
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}
